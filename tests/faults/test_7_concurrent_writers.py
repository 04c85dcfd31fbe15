"""Many writers on one aggregate at once.

Twenty requests assign or escalate one hazard at the same expected version: exactly one
wins each version, the others are refused as stale (409 version_conflict) and append
nothing; the stream's versions have no gaps. Without an expected version the command
bus retries a lost race once on fresh state: every success has a version of its own.

A reaction is a writer too: the last test pins what happens when its append loses a race.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, CommandContext
from services.eventkit.decider import Resolved
from services.eventkit.store import EventStore
from services.inventory.events import INVENTORY_EVENTS
from services.inventory.reactions import StockFromAcceptedPurchases
from services.inventory.service import INVENTORY
from services.inventory.stock import ReceiveStock, Stock, stock_id
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger, check_versions_dense
from tests.faults.school import TENANT, new_id, purchase_envelopes, report_hazard, start_school

WRITERS = 20
ROUNDS = 8


async def test_one_writer_wins_each_version_of_a_hazard(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, SAFETY)
    pool = school.views["safety"].pool
    hazard_id = new_id("gate-latch")
    stream = f"hazard-{hazard_id}"
    await report_hazard(school, hazard_id)

    def command(i: int, version: int | None) -> tuple[str, dict[str, Any]]:
        expected = {} if version is None else {"expected_version": version}
        if i % 2:
            return f"/hazards/{hazard_id}/assign", {"assignee_id": ("wang-tech", "li-guard")[i % 4 // 2]} | expected
        return f"/hazards/{hazard_id}/escalate", {"authority": f"新北区教育局 {i}"} | expected

    winners: list[int] = []
    for _ in range(ROUNDS):
        version = int(await pool.fetchval("SELECT max(version) FROM events WHERE stream_id = $1", stream))
        answers = await asyncio.gather(*(school.send("safety", *command(i, version), retry=()) for i in range(WRITERS)))
        statuses = Counter(a.status_code for a in answers)
        assert statuses == Counter({200: 1, 409: WRITERS - 1}), statuses
        assert {a.json()["error"] for a in answers if a.status_code == 409} == {"version_conflict"}
        (won,) = [a.json() for a in answers if a.status_code == 200]
        assert won["version"] == version + 1
        winners.append(won["version"])
    assert winners == list(range(2, 2 + ROUNDS))

    # no expected version: a lost race is retried once on fresh state
    answers = await asyncio.gather(*(school.send("safety", *command(i, None), retry=()) for i in range(WRITERS)))
    assert {a.status_code for a in answers} <= {200, 409}
    assert {a.json()["error"] for a in answers if a.status_code == 409} <= {"version_conflict"}
    won_versions = [a.json()["version"] for a in answers if a.status_code == 200]
    assert won_versions and len(set(won_versions)) == len(won_versions)

    head = await pool.fetchval("SELECT max(version) FROM events WHERE stream_id = $1", stream)
    assert head == 1 + ROUNDS + len(won_versions)
    await check_versions_dense(pool)
    await school.settled()
    await school.check()
    print(f"\nwithout an expected version: {len(won_versions)} of {WRITERS} won")


async def lock_waiters(pool: asyncpg.Pool) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


async def test_a_reaction_losing_an_append_race_retries_on_fresh_state(harness: Harness) -> None:
    """The stock reaction receives an accepted purchase's goods while a command receives goods by
    hand on the same stock stream: the command's transaction commits first."""
    runtime = await harness.migrated(INVENTORY)
    pool = runtime.pool
    accepted = purchase_envelopes("p-race", "broom", 2)[-1]
    sid = stock_id("main", "broom")
    by_hand = Resolved(ReceiveStock(campus_id="main", item_id="broom", quantity=5, reason="区里调拨"), TENANT, sid)
    ctx = CommandContext(principal=Principal(subject="zhou"))
    async with pool.acquire() as writer, pool.acquire() as reaction:
        tx = writer.transaction()
        await tx.start()
        bus = CommandBus("inventory", EventStore(pool), INVENTORY_EVENTS)
        await bus.execute(Stock, sid, by_hand, ctx, TENANT, conn=writer)

        async def react() -> bool:
            async with reaction.transaction():
                return await StockFromAcceptedPurchases().process(reaction, accepted)

        acting = asyncio.ensure_future(react())
        await eventually(lambda: lock_waiters(pool), timeout=10)  # the reaction's append waits for the writer
        await tx.commit()
        acted = await asyncio.wait_for(acting, 10)
    assert acted
    stream = Stock.stream_id(sid)
    rows = await pool.fetch("SELECT version, data FROM events WHERE stream_id = $1 ORDER BY version", stream)
    assert [(r["version"], r["data"]["quantity"], r["data"]["purchase_id"]) for r in rows] == [
        (1, 5, None),
        (2, 2, "p-race"),
    ]
