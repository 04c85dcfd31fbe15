"""infra/kafka's scripts, as far as they go without a broker: the cluster mode's nodes and
ports, and what a wrong argument says. (Starting, killing and restarting a node of a real
cluster is tests/faults/test_broker_death.py.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str, state: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_KAFKA_")}
    # ports nothing listens on: these runs must never see (or touch) a real broker
    environment |= {
        "HOUQIN_STATE_DIR": str(state),
        "HOUQIN_KAFKA_PORT": "39092",
        "HOUQIN_KAFKA_CONTROLLER_PORT": "39093",
    }
    return subprocess.run(
        ["bash", str(ROOT / "infra" / "kafka" / script), *args],
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_single_broker_is_the_default(tmp_path: Path) -> None:
    done = run("status.sh", state=tmp_path)
    assert done.returncode == 3
    assert done.stdout.strip() == f"kafka: stopped (state dir {tmp_path}/kafka)"
    done = run("stop.sh", state=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, "kafka: not running")


def test_a_cluster_names_each_node_and_its_ports(tmp_path: Path) -> None:
    done = run("status.sh", state=tmp_path, HOUQIN_KAFKA_BROKERS="3")
    assert done.returncode == 3
    assert done.stdout.splitlines() == [
        f"kafka node 1: stopped ({tmp_path}/kafka/node1)",
        f"kafka node 2: stopped ({tmp_path}/kafka/node2)",
        f"kafka node 3: stopped ({tmp_path}/kafka/node3)",
        "kafka: 0 of 3 node(s) up; bootstrap 127.0.0.1:39092,127.0.0.1:39102,127.0.0.1:39112",
    ]
    done = run("stop.sh", "--node", "2", "--kill", state=tmp_path, HOUQIN_KAFKA_BROKERS="3")
    assert (done.returncode, done.stdout.strip()) == (0, "kafka node 2: not running")


def test_wrong_arguments_say_what_to_do(tmp_path: Path) -> None:
    done = run("start.sh", "--node", "2", state=tmp_path)
    assert done.returncode == 1 and "--node is for a cluster: set HOUQIN_KAFKA_BROKERS" in done.stderr
    done = run("start.sh", "--node", "4", state=tmp_path, HOUQIN_KAFKA_BROKERS="3")
    assert done.returncode == 1 and "--node must be 1..3" in done.stderr
    done = run("start.sh", "--nodes", state=tmp_path)
    assert done.returncode == 1 and "unknown argument '--nodes'" in done.stderr
    done = run("status.sh", state=tmp_path, HOUQIN_KAFKA_BROKERS="many")
    assert done.returncode == 2 and "HOUQIN_KAFKA_BROKERS must be a number from 1 to 9" in done.stderr
    assert not (tmp_path / "kafka" / "node4").exists()


def cluster_env(**env: str) -> dict[str, str]:
    """What ``./houqin up`` tells the services of the Kafka cluster (its ``kafka_cluster_env``)."""
    script = (
        'say() { :; }; eval "$(sed -n "/^kafka_cluster_env()/,/^}/p" houqin)"; kafka_cluster_env; '
        "env | grep ^HOUQIN_KAFKA_ || true"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_KAFKA_")} | env
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.split())


def test_houqin_up_tells_the_services_of_a_cluster_and_nothing_of_one_broker() -> None:
    assert cluster_env() == {}
    assert cluster_env(HOUQIN_KAFKA_BROKERS="1") == {"HOUQIN_KAFKA_BROKERS": "1"}
    assert cluster_env(HOUQIN_KAFKA_BROKERS="3") == {
        "HOUQIN_KAFKA_BROKERS": "3",
        "HOUQIN_KAFKA_BOOTSTRAP": "127.0.0.1:9092,127.0.0.1:9102,127.0.0.1:9112",
        "HOUQIN_KAFKA_REPLICATION_FACTOR": "3",
        "HOUQIN_KAFKA_MIN_INSYNC_REPLICAS": "2",
    }
    two = cluster_env(HOUQIN_KAFKA_BROKERS="2", HOUQIN_KAFKA_PORT="19092", HOUQIN_KAFKA_MIN_INSYNC_REPLICAS="2")
    assert (two["HOUQIN_KAFKA_BOOTSTRAP"], two["HOUQIN_KAFKA_REPLICATION_FACTOR"]) == (
        "127.0.0.1:19092,127.0.0.1:19102",
        "2",
    )
    assert two["HOUQIN_KAFKA_MIN_INSYNC_REPLICAS"] == "2"  # what is set wins
