"""A three-broker Kafka cluster loses the leader of a partition of the safety service's events
topic (SIGKILL) under a steady load of commands; the broker comes back a little later.

The cluster is the test module's own (``infra/kafka/start.sh`` with ``HOUQIN_KAFKA_BROKERS=3``,
a state dir under the test's temporary directory, ports 29092/29102/29112), started for
this module and stopped at its end whatever happens; the databases are on the shared
PostgreSQL server, which nothing here stops. The services create their topics with three
replicas and ``min.insync.replicas=2`` (``acks=all``): a record the broker acknowledged is
on two brokers at least, so the death of one loses none, and the survivors keep accepting
writes once the controller has moved the dead broker's leaderships to them.

At the end, as after every fault: every acknowledged command's events are in the store once,
every stored event reached the topic once and in stream order, the projections equal a
clean rebuild, and the inventory opened one repair per hazard assigned in-house.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiokafka import TopicPartition
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, NodeNotReadyError, RequestTimedOutError

from services.eventkit.kafka import admin_client
from services.eventkit.processes import HOST
from services.eventkit.settings import Settings
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import Infra, eventually
from tests.faults.conftest import SKIP_REASON
from tests.faults.conftest import testcontainers_infra as uses_testcontainers
from tests.faults.harness import ROOT, SCRIPT_TIMEOUT_S, FaultInfra, Harness
from tests.faults.kafka_faults import end_offsets
from tests.faults.ledger import Ledger, ServiceView, outbox_pending
from tests.faults.school import hazard_life, new_id, purchase_life, start_school
from tests.kafka_helpers import envelopes_of, read_topic

BROKERS = 3
KAFKA_PORT = int(os.environ.get("HOUQIN_CLUSTER_KAFKA_PORT", "29092"))  # nodes: +0, +10, +20
KAFKA_CONTROLLER_PORT = int(os.environ.get("HOUQIN_CLUSTER_KAFKA_CONTROLLER_PORT", "29093"))
REPLICATION = {"kafka_replication_factor": 3, "kafka_min_insync_replicas": 2}
WRITERS = 4
DEAD_FOR_S = 12.0  # longer than the controller's broker session timeout (9 s): leadership moves


@dataclass(frozen=True)
class ClusterInfra(FaultInfra):
    """A three-node Kafka cluster of this module's own, and the shared PostgreSQL server
    (used, never stopped: the PostgreSQL half of :class:`FaultInfra` refuses)."""

    state_dir: Path = Path("/nonexistent")

    def __post_init__(self) -> None:
        assert self.kafka_port not in (9092, 19092), "the cluster needs ports of its own"

    def node_port(self, node: int) -> int:
        return self.kafka_port + 10 * (node - 1)

    @property
    def kafka_bootstrap(self) -> str:
        return ",".join(f"{HOST}:{self.node_port(n)}" for n in range(1, BROKERS + 1))

    def _kafka_env(self) -> dict[str, str]:
        return os.environ | {
            "HOUQIN_STATE_DIR": str(self.state_dir),
            "HOUQIN_KAFKA_BROKERS": str(BROKERS),
            "HOUQIN_KAFKA_PORT": str(self.kafka_port),
            "HOUQIN_KAFKA_CONTROLLER_PORT": str(self.kafka_controller_port),
            "HOUQIN_KAFKA_HEAP": os.environ.get("HOUQIN_FAULTS_KAFKA_HEAP", "-Xms128m -Xmx512m"),
            "HOUQIN_KAFKA_STOP_TIMEOUT": "20",
        }

    def script(self, name: str, *args: str) -> float:
        """Runs infra/kafka/<name>.sh with the cluster's environment; returns its seconds."""
        started = time.monotonic()
        self._run(["bash", str(ROOT / "infra" / "kafka" / f"{name}.sh"), *args], self._kafka_env())
        return time.monotonic() - started

    async def kill_node(self, node: int) -> float:
        return await asyncio.to_thread(self.script, "stop", "--node", str(node), "--kill")

    async def start_node(self, node: int) -> float:
        return await asyncio.to_thread(self.script, "start", "--node", str(node))

    def node_is_up(self, node: int) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((HOST, self.node_port(node)), timeout=1):
            return True
        return False

    def kafka_is_up(self) -> bool:
        return any(self.node_is_up(n) for n in range(1, BROKERS + 1))

    def stop_postgres_sync(self, mode: str = "fast") -> None:
        raise AssertionError("the shared PostgreSQL server is not this test's to stop")

    def start_postgres_sync(self) -> None:
        raise AssertionError("the shared PostgreSQL server is not this test's to start")

    def start_postgres_cluster(self) -> None:
        raise AssertionError("the shared PostgreSQL server is not this test's to start")


class ClusterHarness(Harness):
    """A :class:`Harness` whose services create their topics with three replicas, two in sync."""

    async def settings(self, service: str, **overrides: Any) -> Settings:
        return await super().settings(service, **(REPLICATION | overrides))


@pytest.fixture(scope="module")
def cluster(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterInfra]:
    if uses_testcontainers():
        pytest.skip(SKIP_REASON)
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java: the cluster runs the Kafka jars of infra/kafka")
    state_dir = tmp_path_factory.mktemp("kafka-cluster")
    cluster = ClusterInfra(
        pg_port=infra.pg_port,
        pg_user=infra.pg_user,
        pg_password=infra.pg_password,
        kafka_port=KAFKA_PORT,
        kafka_controller_port=KAFKA_CONTROLLER_PORT,
        state_dir=state_dir,
    )
    try:
        started = cluster.script("start")
        print(f"\nthree-node cluster started in {started:.1f}s")
        yield cluster
    finally:
        # always, also when the start failed halfway: whatever node runs is stopped
        stop = ["bash", str(ROOT / "infra/kafka/stop.sh")]
        done = subprocess.run(stop, env=cluster._kafka_env(), capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S)
        print(f"\ncluster stop: {done.stdout.strip()} {done.stderr.strip()}")
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest_asyncio.fixture
async def cluster_harness(cluster: ClusterInfra, tmp_path: Path) -> AsyncIterator[ClusterHarness]:
    h = ClusterHarness(cluster, tmp_path)
    try:
        yield h
    finally:
        for node in range(1, BROKERS + 1):  # a test that failed halfway may have left a node dead
            if not cluster.node_is_up(node):
                await cluster.start_node(node)
        await h.close()


async def partitions_of(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """The topic's partitions as the metadata has them: partition, leader, replicas, isr. The
    admin client asks a broker of the metadata at random, the dead one too: asked again."""
    for attempt in range(20):
        try:
            async with admin_client(bootstrap, 30) as admin:
                (described,) = await admin.describe_topics([topic])
            break
        except (KafkaConnectionError, NodeNotReadyError, RequestTimedOutError):
            if attempt == 19:
                raise
            await asyncio.sleep(0.2)
    assert described["error_code"] == 0, described
    return sorted(described["partitions"], key=lambda p: p["partition"])


async def topic_config(bootstrap: str, topic: str, key: str) -> str:
    async with admin_client(bootstrap, 30) as admin:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic, {key: None})])
    ((error_code, _, _, name, entries),) = [r[:5] for r in response.resources]
    assert error_code == 0 and name == topic, response
    values = {entry[0]: entry[1] for entry in entries}
    return str(values[key])


async def doubled_on_topic(view: ServiceView) -> dict[str, int]:
    """Events of the service's store that its topic holds more than once (event id: copies).
    The shared checks allow a republish (the relay publishes at least once, the consumers
    apply once); a leader's death alone must cause none: the idempotent producer's sequence
    numbers are replicated with the records, so a retry to the new leader is recognised."""
    stored = int(await view.pool.fetchval("SELECT count(*) FROM events"))
    records = await read_topic(view.settings.kafka_bootstrap, view.settings.events_topic, until=stored)
    copies = Counter(str(e.event_id) for e in envelopes_of(records))
    assert len(copies) == stored, (view.name, len(copies), stored)
    return {event_id: n for event_id, n in copies.items() if n > 1}


@pytest.mark.slow
async def test_the_death_of_a_partition_leader_loses_and_doubles_nothing(
    cluster: ClusterInfra, cluster_harness: ClusterHarness
) -> None:
    ledger = Ledger()
    school = await start_school(cluster_harness, ledger, SAFETY, INVENTORY)
    safety = school.views["safety"]
    topic = safety.settings.events_topic
    bootstrap = cluster.kafka_bootstrap

    # the services made their topics with three replicas, two of them in sync for a write
    partitions = await partitions_of(bootstrap, topic)
    assert len(partitions) == safety.settings.topic_partitions
    assert all(len(p["replicas"]) == 3 and len(p["isr"]) == 3 for p in partitions), partitions
    assert await topic_config(bootstrap, topic, "min.insync.replicas") == "2"

    stop = asyncio.Event()

    async def hazards(n: int) -> None:
        i = 0
        while not stop.is_set():
            await hazard_life(school, new_id(f"b{n}-{i}"), reassign=i % 2 == 0)
            i += 1

    async def purchases() -> None:
        i = 0
        while not stop.is_set():
            await purchase_life(school, new_id(f"p{i}"), [("broom", 1 + i % 3), ("gloves", 2)])
            i += 1

    load = [cluster_harness.background(hazards(n), f"hazards-{n}") for n in range(WRITERS)]
    load.append(cluster_harness.background(purchases(), "purchases"))
    timings: dict[str, float] = {}
    try:
        await ledger.grown("safety", 40, timeout=120)
        leader = (await partitions_of(bootstrap, topic))[0]["leader"]
        led = [p["partition"] for p in await partitions_of(bootstrap, topic) if p["leader"] == leader]
        acked_before = len(ledger)
        timings["kill"] = await cluster.kill_node(leader)
        killed_at = time.monotonic()
        assert not cluster.node_is_up(leader)
        outbox_peak = 0

        async def moved() -> bool:  # the controller fences the dead broker and elects new leaders
            nonlocal outbox_peak
            outbox_peak = max(outbox_peak, await outbox_pending(safety.pool))
            now = await partitions_of(bootstrap, topic)
            return all(p["leader"] not in (leader, -1) for p in now)

        await eventually(moved, timeout=60, interval=0.5)
        timings["leadership_moved"] = time.monotonic() - killed_at
        outbox_peak = max(outbox_peak, await outbox_pending(safety.pool))
        survivors = await partitions_of(bootstrap, topic)
        assert all(leader not in p["isr"] and len(p["isr"]) == 2 for p in survivors), survivors
        tps = [TopicPartition(topic, p["partition"]) for p in survivors]
        ends_moved = sum((await end_offsets(bootstrap, tps)).values())
        await asyncio.sleep(max(0.0, DEAD_FOR_S - (time.monotonic() - killed_at)))
        acked_while_dead = len(ledger) - acked_before
        pending_at_restart = await outbox_pending(safety.pool)
        # two brokers of three are enough for min.insync.replicas=2: the relay went on publishing
        published_on_two = sum((await end_offsets(bootstrap, tps)).values()) - ends_moved
        assert published_on_two > 0, "nothing was published while one broker was dead"
        timings["restart"] = await cluster.start_node(leader)
        restarted_at = time.monotonic()

        async def back_in_sync() -> bool:
            return all(len(p["isr"]) == 3 for p in await partitions_of(bootstrap, topic))

        await eventually(back_in_sync, timeout=90, interval=0.5)
        timings["back_in_sync"] = time.monotonic() - restarted_at
        await asyncio.sleep(2.0)  # load goes on with the whole cluster again
    finally:
        stop.set()
    await asyncio.gather(*load)

    assert acked_while_dead >= 20, acked_while_dead
    assert not ledger.refused, ledger.refused
    assert set(school.answers) == {200}, school.answers
    await school.settled(timeout=120)
    counts = await school.check()
    assert counts["repairs"] >= WRITERS
    doubled = {v.name: await doubled_on_topic(v) for v in school.view_list("safety", "inventory")}
    assert doubled == {"safety": {}, "inventory": {}}, doubled
    print(
        f"\nkilled node {leader} (leader of partitions {led} of {topic}); leadership moved in "
        f"{timings['leadership_moved']:.1f}s (safety's outbox peaked at {outbox_peak}); {acked_while_dead} "
        f"commands acknowledged while it was dead, {published_on_two} records published on the two others "
        f"after the move, {pending_at_restart} event(s) in the outbox at its restart; kill {timings['kill']:.1f}s, "
        f"restart {timings['restart']:.1f}s, in sync again {timings['back_in_sync']:.1f}s after; {counts}"
    )
