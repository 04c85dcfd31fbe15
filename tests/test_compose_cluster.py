"""docker-compose.cluster.yml over docker-compose.yml: three Kafka nodes, a PostgreSQL standby and a
second process of each service's workers, consistent with one another and with the code.

Only ``config`` runs (no Docker engine is needed): the files are merged as Compose merges them, and
the result is checked the way the brokers, the standby and the services would read it.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from typing import Any

import pytest

from services import registry
from services.eventkit.settings import Settings
from tests.test_compose import APP_SERVICES, COMPOSE_FILE, KEY, ROOT, _compose

CLUSTER_FILE = ROOT / "docker-compose.cluster.yml"
KAFKA_NODES = ("kafka", "kafka-2", "kafka-3")
WORKERS = {f"{name}-workers": name for name in registry.NAMES}


@cache
def merged() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    compose = _compose()
    if compose is None:
        pytest.skip("neither docker-compose nor docker compose is installed")
    result = subprocess.run(
        [*compose, "-f", str(COMPOSE_FILE), "-f", str(CLUSTER_FILE), "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"HOUQIN_JWT_SECRET": KEY, "PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


def services() -> dict[str, Any]:
    found: dict[str, Any] = merged()["services"]
    return found


def env(name: str) -> dict[str, str]:
    return {k: str(v) for k, v in (services()[name].get("environment") or {}).items()}


def test_the_cluster_adds_two_brokers_a_standby_and_the_workers() -> None:
    assert set(services()) >= {*KAFKA_NODES, "postgres", "postgres-replica", *APP_SERVICES, *WORKERS}
    assert {"postgres-replica-data", "kafka-2-data", "kafka-3-data"} <= set(merged()["volumes"])


def test_the_kafka_nodes_form_one_quorum_of_three() -> None:
    ids = {name: env(name)["KAFKA_NODE_ID"] for name in KAFKA_NODES}
    assert len(set(ids.values())) == 3
    voters = {f"{ids[name]}@{name}:9093" for name in KAFKA_NODES}
    for name in KAFKA_NODES:
        e = env(name)
        assert set(e["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == voters, name
        assert e["CLUSTER_ID"] == env("kafka")["CLUSTER_ID"]
        assert f"PLAINTEXT://{name}:9092" in e["KAFKA_ADVERTISED_LISTENERS"].split(","), name
        assert e["KAFKA_DEFAULT_REPLICATION_FACTOR"] == e["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert e["KAFKA_MIN_INSYNC_REPLICAS"] == e["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2"
        assert services()[name].get("healthcheck"), f"{name}: the services wait for it to be healthy"


def test_each_node_advertises_to_the_host_the_port_it_publishes() -> None:
    published: set[int] = set()
    for name in KAFKA_NODES:
        external = [a for a in env(name)["KAFKA_ADVERTISED_LISTENERS"].split(",") if a.startswith("EXTERNAL://")]
        assert len(external) == 1, name
        port = int(external[0].rsplit(":", 1)[1])
        assert f"EXTERNAL://:{port}" in env(name)["KAFKA_LISTENERS"], name
        ports = [str(p) for p in services()[name]["ports"]]
        assert any(re.fullmatch(rf"127\.0\.0\.1:{port}:{port}(/tcp)?", p) for p in ports), (name, ports)
        published.add(port)
    assert len(published) == 3


def test_every_process_of_a_service_names_the_three_brokers_and_the_standby() -> None:
    brokers = {f"{name}:9092" for name in KAFKA_NODES}
    for name in [*APP_SERVICES, *WORKERS]:
        e = env(name)
        assert set(e["HOUQIN_KAFKA_BOOTSTRAP"].split(",")) == brokers, name
        settings = Settings(  # as the process reads them
            service=WORKERS.get(name, "safety"),
            kafka_replication_factor=int(e["HOUQIN_KAFKA_REPLICATION_FACTOR"]),
            kafka_min_insync_replicas=int(e["HOUQIN_KAFKA_MIN_INSYNC_REPLICAS"]),
            pg_host=e["HOUQIN_PG_HOST"],
            pg_read_host=e["HOUQIN_PG_READ_HOST"],
            pg_read_port=int(e["HOUQIN_PG_READ_PORT"]),
        )
        assert settings.kafka_replication_factor == len(KAFKA_NODES)
        assert settings.kafka_min_insync_replicas == 2
        assert settings.read_dsn is not None and "@postgres-replica:5432/" in settings.read_dsn, name
        waits = {dep for dep, cond in services()[name]["depends_on"].items() if cond["condition"] == "service_healthy"}
        assert waits >= {*KAFKA_NODES, "postgres", "postgres-replica"}, name


def test_a_workers_process_is_its_service_without_the_api() -> None:
    for workers, name in WORKERS.items():
        spec = services()[workers]
        assert spec["command"] == ["python", "-m", f"services.{name}", "serve", "--mode", "workers"]
        assert not spec.get("ports"), f"{workers} serves no API"
        assert spec["build"] == services()[name]["build"]
        service_env, workers_env = env(name), env(workers)
        drift = {k for k in service_env if k.startswith(("HOUQIN_PG", "HOUQIN_KAFKA", "HOUQIN_JWT_SECRET"))}
        assert {k: workers_env.get(k) for k in drift} == {k: service_env[k] for k in drift}, workers
        assert workers_env["HOUQIN_HTTP_PORT"] == str(registry.PORTS[name])


def test_the_standby_can_replicate_from_the_primary() -> None:
    primary, standby = services()["postgres"], services()["postgres-replica"]
    hba_mount = next(v for v in primary["volumes"] if str(v).split(":")[1] == "/etc/houqin/pg_hba.conf")
    hba = (ROOT / "infra/postgres/docker-pg_hba.conf").read_text(encoding="utf-8")
    assert str(hba_mount).split(":")[0].endswith("infra/postgres/docker-pg_hba.conf")
    assert "hba_file=/etc/houqin/pg_hba.conf" in primary["command"]
    user = env("postgres")["POSTGRES_USER"]
    assert re.search(rf"^host\s+replication\s+{user}\s+all\s+scram-sha-256$", hba, re.M)
    assert re.search(r"^local\s+all\s+all\s+trust$", hba, re.M), "the image's init scripts connect by socket"
    script = "\n".join(standby["entrypoint"])
    assert f"pg_basebackup -h postgres -U {user}" in script and " -R " in script
    # A standby refuses to start with fewer connections than its primary allows.
    limit = re.compile(r"max_connections=(\d+)")
    primary_limit = int(next(m.group(1) for a in primary["command"] if (m := limit.search(a))))
    standby_limit = int(next(m.group(1) for m in limit.finditer(script)))
    assert standby_limit >= primary_limit
    assert standby["depends_on"]["postgres"]["condition"] == "service_healthy"
