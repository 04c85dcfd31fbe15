"""The scale-out benchmark's own pieces: the load spread over the replicas, the repair ledger, the
consumer groups' check, and the replication settings reaching a service's process."""

from __future__ import annotations

from typing import Any

import pytest

from bench.clients import ClientPool
from bench.load import open_loop
from bench.reaction_throughput import hazard_ops
from bench.scale_out import cpu_groups, groups_shared, repair_ledger
from services.eventkit.processes import settings_env
from services.eventkit.settings import Settings


class Replica(ClientPool):
    """A replica's client that answers 200 and remembers what it was sent."""

    def __init__(self) -> None:
        super().__init__("raw", "http://127.0.0.1:1", {}, 0)  # no connection: nothing is sent
        self.paths: list[str] = []

    async def post(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        self.paths.append(path)
        return 200, b"{}"


async def test_an_open_loop_offers_each_replica_half_of_the_rate_and_a_hazard_stays_on_its_replica() -> None:
    a, b = Replica(), Replica()
    report, assign = hazard_ops([a, b], "t")
    for i in range(6):
        await report(i)
    result = await open_loop("assign", 400, assign, duration_s=0.5, warmup_s=0.25)
    assert result.errors == 0 and result.ok == 200
    assigned_a = [p for p in a.paths if p.endswith("/assign")]
    assigned_b = [p for p in b.paths if p.endswith("/assign")]
    assert len(assigned_a) == len(assigned_b) == 150  # 300 due in 0.75 s, the warm-up's included
    # a hazard reported through a replica is assigned through the same one
    assert a.paths[:3] == ["/hazards"] * 3 and "/hazards/h-t-0/assign" in a.paths and "/hazards/h-t-1/assign" in b.paths


def test_the_ledger_catches_a_doubled_a_lost_and_a_stray_repair() -> None:
    exact = repair_ledger(["h-1", "h-2", "h-3"], ["h-3", "h-1", "h-2"])
    assert exact.exact and exact.assigned == 3
    doubled = repair_ledger(["h-1", "h-2"], ["h-1", "h-2", "h-2"])
    assert not doubled.exact and doubled.doubled == {"h-2": 2} and not doubled.lost
    lost = repair_ledger(["h-1", "h-2"], ["h-1"])
    assert not lost.exact and lost.lost == ["h-2"] and not lost.doubled
    stray = repair_ledger(["h-1"], ["h-1", "h-9"])
    assert not stray.exact and stray.stray == ["h-9"]
    assert "1 with more than one repair" in doubled.describe()


def test_a_group_is_shared_only_when_each_of_its_replicas_holds_partitions() -> None:
    both = {"ns.inventory.projections": [["inventory:0", "inventory:1"], ["inventory:2"]]}
    assert groups_shared(both, 2)
    assert not groups_shared(both, 1)
    idle_member = {"ns.inventory.projections": [["inventory:0", "inventory:1", "inventory:2"], []]}
    assert not groups_shared(idle_member, 2)
    one_group_alone = both | {"ns.safety.projections": [["safety:0", "safety:1"]]}
    assert not groups_shared(one_group_alone, 2)
    assert not groups_shared({}, 2)  # no group found is no group shared


def test_cpu_is_summed_over_the_replicas_of_each_kind() -> None:
    cores = {"safety 1": 0.5, "safety 2": 0.25, "inventory 1": 0.1, "kafka node 1": 0.2, "kafka node 2": 0.1}
    assert cpu_groups(cores | {"PostgreSQL": 0.3}) == pytest.approx(
        {"safety": 0.75, "inventory": 0.1, "kafka node": 0.3, "PostgreSQL": 0.3}
    )


def test_a_service_process_creates_its_topics_with_the_replication_of_its_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(service="safety", kafka_replication_factor=3, kafka_min_insync_replicas=2, topic_partitions=4)
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    in_the_process = Settings(service="safety")  # as the child reads its environment
    assert (in_the_process.kafka_replication_factor, in_the_process.kafka_min_insync_replicas) == (3, 2)
    assert in_the_process.topic_partitions == 4
