"""Every consumer applies each stream's events in order, each once.

Three consumers record what they apply, in the transaction of the effect itself (so a
batch rolled back and applied again leaves no trace): the safety service's
inspection-status projection, the inventory's keys-and-repairs projection, and the
inventory's reaction that opens repairs from hazards. Many hazards move at once through
a long life (assigned, reassigned, escalated, rectified, reopened, assigned again,
closed), and halfway through every record of the safety topic is delivered again. Per
consumer and stream the recorded versions strictly increase and cover exactly the
events the consumer wants.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import replace
from itertools import pairwise

import asyncpg

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.settings import Settings
from services.inventory.projections.keys_repairs import KEYS_REPAIRS, KeysRepairs
from services.inventory.reactions import RepairsFromHazards
from services.inventory.service import INVENTORY
from services.safety.projections.inspection_status import INSPECTION_STATUS, InspectionStatus
from services.safety.service import SAFETY
from tests.faults.harness import Harness
from tests.faults.kafka_faults import redeliver_all
from tests.faults.ledger import Ledger
from tests.faults.school import School, new_id, report_hazard, start_school

LOG_DDL = (
    "CREATE TABLE fault_apply_log (seq bigserial PRIMARY KEY, consumer text NOT NULL, "
    "stream_id text NOT NULL, version integer NOT NULL)"
)
HAZARDS = 12


async def log_apply(conn: Connection, consumer: str, envelope: Envelope) -> None:
    await conn.execute(
        "INSERT INTO fault_apply_log (consumer, stream_id, version) VALUES ($1, $2, $3)",
        consumer,
        envelope.stream_id,
        envelope.version,
    )


class RecordedInspectionStatus(InspectionStatus):
    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        if schema == self.schema:  # the live projection (not a rebuild's shadow)
            await log_apply(conn, self.name, envelope)
        await super().apply(conn, schema, envelope)


class RecordedKeysRepairs(KeysRepairs):
    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        if schema == self.schema:
            await log_apply(conn, self.name, envelope)
        await super().apply(conn, schema, envelope)


class RecordedRepairsFromHazards(RepairsFromHazards):
    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        await log_apply(conn, self.name, envelope)
        await super().handle(conn, envelope)


SAFETY_RECORDED = replace(
    SAFETY,
    projections=[RecordedInspectionStatus() if p is INSPECTION_STATUS else p for p in SAFETY.projections],
)
INVENTORY_RECORDED = replace(
    INVENTORY,
    projections=[RecordedKeysRepairs() if p is KEYS_REPAIRS else p for p in INVENTORY.projections],
    reactions=[
        replace(s, reaction=RecordedRepairsFromHazards()) if isinstance(s.reaction, RepairsFromHazards) else s
        for s in INVENTORY.reactions
    ],
)


async def hazard_saga(school: School, hazard_id: str) -> None:
    path = f"/hazards/{hazard_id}"
    await report_hazard(school, hazard_id)
    day = "2020-10-1{}T{}:00+08:00".format  # every step at its own time, after the one it follows
    await school.ok("safety", f"{path}/assign", {"assignee_id": "wang-tech", "at": day(2, "09:00")})
    await school.ok("safety", f"{path}/assign", {"assignee_id": "li-guard", "at": day(2, "09:30")})
    await school.ok("safety", f"{path}/escalate", {"authority": "新北区教育局 基建科", "at": day(2, "10:00")})
    await school.ok("safety", f"{path}/rectify", {"at": day(3, "10:00")}, "tech-main")
    await school.ok("safety", f"{path}/verify", {"passed": False, "note": "仍有松动", "at": day(3, "15:00")})
    await school.ok("safety", f"{path}/assign", {"assignee_id": "wang-tech", "at": day(3, "16:00")})
    await school.ok("safety", f"{path}/rectify", {"at": day(4, "10:00")}, "tech-main")
    await school.ok("safety", f"{path}/verify", {"passed": True, "note": "复查合格", "at": day(4, "15:00")})


async def applied(pool: asyncpg.Pool, consumer: str) -> dict[str, list[int]]:
    order: dict[str, list[int]] = defaultdict(list)
    for r in await pool.fetch(
        "SELECT stream_id, version FROM fault_apply_log WHERE consumer = $1 ORDER BY seq", consumer
    ):
        order[r["stream_id"]].append(r["version"])
    return order


async def wanted(pool: asyncpg.Pool, types: frozenset[str]) -> dict[str, list[int]]:
    order: dict[str, list[int]] = defaultdict(list)
    for r in await pool.fetch(
        "SELECT stream_id, version FROM events WHERE type = ANY($1) ORDER BY stream_id, version", list(types)
    ):
        order[r["stream_id"]].append(r["version"])
    return order


def check_order(consumer: str, seen: dict[str, list[int]], expected: dict[str, list[int]]) -> None:
    for stream, versions in seen.items():
        assert all(a < b for a, b in pairwise(versions)), (
            f"{consumer} applied {stream} out of order or twice: {versions}"
        )
    assert dict(seen) == dict(expected), f"{consumer} did not apply exactly the events it wants"


async def test_every_consumer_applies_each_stream_in_order_once(harness: Harness, ledger: Ledger) -> None:
    async def log_table(settings: Settings) -> None:
        conn = await asyncpg.connect(settings.dsn)
        try:
            await conn.execute(LOG_DDL)
        finally:
            await conn.close()

    school = await start_school(harness, ledger, SAFETY_RECORDED, INVENTORY_RECORDED, before_start=log_table)
    safety, inventory = school.views["safety"], school.views["inventory"]
    hazards = [new_id(f"h{i}") for i in range(HAZARDS)]
    sagas = [asyncio.ensure_future(hazard_saga(school, h)) for h in hazards]
    await ledger.grown("safety", HAZARDS * 4)
    count = await safety.pool.fetchval("SELECT count(*) FROM events")
    redelivered = await redeliver_all(harness.infra.kafka_bootstrap, safety.settings.events_topic, count)
    await asyncio.gather(*sagas)
    await school.settled()

    status, repairs = RecordedInspectionStatus(), RecordedKeysRepairs()
    for pool, consumer, types in [
        (safety.pool, status.name, status.event_types),
        (inventory.pool, repairs.name, repairs.event_types),
    ]:
        check_order(consumer, await applied(pool, consumer), await wanted(pool, types))
    reaction = RecordedRepairsFromHazards()
    seen = await applied(inventory.pool, reaction.name)
    check_order(reaction.name, seen, await wanted(safety.pool, reaction.event_types))
    assert Counter(len(v) for v in seen.values()) == Counter({3: HAZARDS})  # three assignments per hazard

    counts = await school.check()
    print(f"\n{redelivered} safety records delivered twice midway; {counts}")
