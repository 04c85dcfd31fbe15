"""A Kafka cluster of a benchmark's own: ``infra/kafka/start.sh`` with ``HOUQIN_KAFKA_BROKERS=3``
on ports of its own (39092, 39102, 39112 by default) and a temporary state dir, as the broker
death fault test runs its own; stopped and removed at the end, even after a failure. The shared
broker on 9092 and the fault test's cluster on 29092 are never touched."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from bench.cli import console
from services.eventkit.kafka import admin_client
from services.eventkit.processes import HOST, ROOT

PORT = int(os.environ.get("HOUQIN_BENCH_CLUSTER_PORT", "39092"))  # nodes: +0, +10, +20
CONTROLLER_PORT = int(os.environ.get("HOUQIN_BENCH_CLUSTER_CONTROLLER_PORT", "39093"))
STOP_TIMEOUT_S = 120


@dataclass(frozen=True)
class Cluster:
    """The running cluster: its nodes' client ports and the state dir that holds their data."""

    brokers: int
    port: int
    controller_port: int
    state_dir: Path

    def node_port(self, node: int) -> int:
        return self.port + 10 * (node - 1)

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{HOST}:{self.node_port(n)}" for n in range(1, self.brokers + 1))

    def env(self) -> dict[str, str]:
        """What infra/kafka's scripts need to find this cluster (and no other)."""
        return os.environ | {
            "HOUQIN_STATE_DIR": str(self.state_dir),
            "HOUQIN_KAFKA_BROKERS": str(self.brokers),
            "HOUQIN_KAFKA_PORT": str(self.port),
            "HOUQIN_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "HOUQIN_KAFKA_HEAP": os.environ.get("HOUQIN_BENCH_CLUSTER_HEAP", "-Xms256m -Xmx512m"),
            "HOUQIN_KAFKA_STOP_TIMEOUT": "30",
        }

    def node_pids(self) -> dict[str, int]:
        """Each node's JVM (``kafka node <n>``: pid), for the CPU meter."""
        pids: dict[str, int] = {}
        for node in range(1, self.brokers + 1):
            with suppress(OSError, ValueError):
                pids[f"kafka node {node}"] = int((self.state_dir / "kafka" / f"node{node}" / "kafka.pid").read_text())
        return pids


def _port_taken(port: int) -> bool:
    with suppress(OSError), socket.create_connection((HOST, port), timeout=1):
        return True
    return False


async def _script(cluster: Cluster, name: str) -> None:
    """Runs infra/kafka/<name>.sh for the cluster, its output shown as progress; raises if it fails.

    Its output goes to a file, not a pipe: the brokers it launches inherit the event loop's end
    of a pipe (uvloop passes a socket pair), which would never see its end while they run."""
    started = time.monotonic()
    log = cluster.state_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            "bash", str(ROOT / "infra" / "kafka" / f"{name}.sh"), env=cluster.env(), stdout=out, stderr=out
        )
    shown = 0
    lines: list[str] = []
    with console.status(f"kafka cluster: {name}") as status:
        while True:
            exited = proc.returncode is not None
            text = log.read_text(errors="replace")
            done = text if exited else text[: text.rfind("\n") + 1]  # a line still being written waits
            lines = [line.strip() for line in done.splitlines() if line.strip()]
            for line in lines[shown:]:
                console.print(f"[dim]{line}[/dim]")
            shown = len(lines)
            if exited:
                break
            status.update(f"kafka cluster: {name} ({time.monotonic() - started:.0f} s)")
            with suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 0.5)
    if proc.returncode != 0:
        raise RuntimeError(f"infra/kafka/{name}.sh failed (exit {proc.returncode}):\n" + "\n".join(lines[-20:]))


@asynccontextmanager
async def kafka_cluster(brokers: int = 3) -> AsyncIterator[Cluster]:
    """Starts the cluster (progress shown), yields it; stops it and removes its state at the end
    whatever happens, also when its start failed halfway."""
    cluster = Cluster(brokers, PORT, CONTROLLER_PORT, Path(tempfile.mkdtemp(prefix="houqin-bench-cluster-")))
    ports = [p for n in range(1, brokers + 1) for p in (cluster.node_port(n), CONTROLLER_PORT + 10 * (n - 1))]
    taken = [p for p in ports if _port_taken(p)]
    if taken:
        shutil.rmtree(cluster.state_dir, ignore_errors=True)
        raise SystemExit(f"ports {taken} are in use: set HOUQIN_BENCH_CLUSTER_PORT / _CONTROLLER_PORT to free ones")
    try:
        await _script(cluster, "start")
        yield cluster
    finally:
        with console.status("stopping the kafka cluster"):
            done = await asyncio.to_thread(
                subprocess.run,
                ["bash", str(ROOT / "infra" / "kafka" / "stop.sh")],
                env=cluster.env(),
                capture_output=True,
                text=True,
                timeout=STOP_TIMEOUT_S,
            )
        said = (done.stdout if done.returncode == 0 else done.stdout + done.stderr).strip().splitlines()
        console.print(f"[dim]kafka cluster stopped (exit {done.returncode}): {said[-1] if said else ''}[/dim]")
        shutil.rmtree(cluster.state_dir, ignore_errors=True)


async def topic_replication(bootstrap: str, topic: str) -> tuple[int, str]:
    """(replicas of each partition, the least of them; ``min.insync.replicas``) of a topic, as
    the brokers have it: what the services' ``ensure_topics`` really created."""
    async with admin_client(bootstrap, 30) as admin:
        (described,) = await admin.describe_topics([topic])
        (configs,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {"min.insync.replicas": None})]
        )
    replicas = min(len(p["replicas"]) for p in described["partitions"])
    ((_, _, _, _, entries),) = [r[:5] for r in configs.resources]
    return replicas, str({e[0]: e[1] for e in entries}["min.insync.replicas"])
