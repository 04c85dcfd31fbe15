"""Two replicas of a service share its consumer groups; one is killed during a rebalance.

The inventory runs its API in this process and its workers (relay, projections, reactions) as
two real processes in the same consumer groups, as two pods of a deployment would. While
hazards (assigned in-house: the inventory's reaction opens a repair; some repaired and
verified there: the safety's reaction rectifies them) and purchases (accepted lines go into
stock: a reaction) flow, replica B joins the groups, and replica A is killed with SIGKILL while
the groups rebalance to take B in. A is started again and both hold partitions of each group.
The ledger's checks: every acknowledged command in the store once and published, the
projections equal to a clean rebuild, each reaction's effect exactly once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from services.eventkit.kafka import admin_client
from services.eventkit.processes import ServiceProcess
from services.eventkit.runtime import Mode
from services.eventkit.settings import Settings
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger
from tests.faults.school import hazard_life, new_id, purchase_life, start_school

WRITERS = 4
REBALANCING = ("PreparingRebalance", "CompletingRebalance")


async def described(settings: Settings, group: str) -> tuple[Any, ...]:
    """(error_code, group_id, state, protocol_type, protocol, members, ...) of the group."""
    async with admin_client(settings.kafka_bootstrap, 30) as admin:
        [response] = await admin.describe_consumer_groups([group])
    [group_described] = response.groups
    return tuple(group_described)


async def members_of(settings: Settings, group: str) -> dict[str, int]:
    """The group's members and how many partitions each holds."""
    described_ = await described(settings, group)
    members: dict[str, int] = {}
    for member in described_[5]:  # (member_id, client_id, client_host, metadata, assignment)
        member_id, assignment = member[0], member[4]
        partitions = ConsumerProtocolMemberAssignment.decode(assignment).partitions() if assignment else []
        members[member_id] = len(partitions)
    return members


async def test_one_of_two_replicas_killed_during_a_rebalance_loses_and_doubles_nothing(
    harness: Harness, ledger: Ledger
) -> None:
    replicas: list[ServiceProcess] = []

    async def replica_a(settings: Settings) -> None:
        if settings.service == "inventory":
            a = harness.process(settings, mode=Mode.WORKERS, label="a")
            await a.launch()
            replicas.append(a)

    school = await start_school(
        harness, ledger, SAFETY, INVENTORY, modes={"inventory": Mode.API}, before_start=replica_a
    )
    [a] = replicas
    settings = school.views["inventory"].settings
    group = settings.group_of("projections")
    stop = asyncio.Event()

    async def hazards(n: int) -> None:
        i = 0
        while not stop.is_set():
            await hazard_life(school, new_id(f"r{n}-{i}"), repair=i % 2 == 0, close=i % 2 == 1)
            i += 1

    async def purchases() -> None:
        i = 0
        while not stop.is_set():
            await purchase_life(school, new_id(f"rp-{i}"), [("broom", 1 + i % 4)])
            i += 1

    load = [harness.background(hazards(n), f"hazards-{n}") for n in range(WRITERS)]
    load.append(harness.background(purchases(), "purchases"))
    shared: dict[str, int] = {}
    try:
        await ledger.grown("inventory", 20)
        b = harness.process(settings, mode=Mode.WORKERS, label="b")
        b.start()  # its consumers join: the groups rebalance to take B in

        async def rebalancing() -> str | None:
            state = str((await described(settings, group))[2])
            return state if state in REBALANCING else None

        state_at_kill = await eventually(rebalancing, timeout=60, interval=0.02)
        a.kill()  # while the group rebalances: A's batches in hand, its offsets uncommitted
        assert not a.alive
        await b.ready()
        await asyncio.sleep(3.0)  # B alone (once the coordinator drops A), the load going on
        await a.launch()

        async def both_hold_partitions() -> dict[str, int] | None:
            members = await members_of(settings, group)
            return members if len(members) == 2 and all(members.values()) else None

        shared = await eventually(both_hold_partitions, timeout=90)
        await ledger.grown("inventory", 20)
    finally:
        stop.set()
    await asyncio.gather(*load)

    await school.settled(timeout=120)
    counts = await school.check()
    assert counts["repairs"] >= WRITERS and counts["rectifications"] >= 1 and counts["stock_receipts"] >= 1
    print(
        f"\nA killed while {group} was {state_at_kill}; partitions per member after its restart: "
        f"{sorted(shared.values())}; {counts}"
    )
