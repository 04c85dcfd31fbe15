"""A consumer joins the group mid-batch, another leaves it mid-batch (one cleanly, one cancelled).

The inventory's stock reaction and its inventory-counts projection run here as the
test's own ConsumerRunners (the service runs everything else). Each batch takes a while,
so that the group rebalances while a member holds a batch: the partitions move under
it, its offset commit may fail, the next owner reads the batch again, possibly while the
first still applies it. Nothing is lost (every accepted line is in stock once) and
nothing is applied twice (the projection equals a rebuild).

Each purchase buys items of its own here, so that two members never append to one stock
stream at once: that race is a bug of its own, pinned by test_7's last test. The last
test here pins the projection's race deterministically.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

import asyncpg
import pytest

from services.eventkit.consumer import ConsumerRunner, EventHandler
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import ensure_projection
from services.eventkit.settings import Settings
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.reactions import StockFromAcceptedPurchases
from services.inventory.service import INVENTORY
from tests.conftest import eventually
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger
from tests.faults.school import (
    catalogue,
    check_stock_once_per_accepted_line,
    new_id,
    purchase_envelopes,
    purchase_life,
    start_school,
)

STOCK = StockFromAcceptedPurchases()
INVENTORY_APART = replace(
    INVENTORY,
    projections=[p for p in INVENTORY.projections if p is not INVENTORY_COUNTS],
    reactions=[s for s in INVENTORY.reactions if s.reaction.name != STOCK.name],
)
BATCH_S = 0.3


class Slow:
    """A handler whose every batch takes ``BATCH_S`` longer; tells when a batch starts."""

    def __init__(self, inner: EventHandler) -> None:
        self.inner = inner
        self.name = inner.name
        self.batch_started = asyncio.Event()
        self.batches = 0

    def wants(self, envelope: Envelope) -> bool:
        return self.inner.wants(envelope)

    def wants_message(self, stream_id: str, event_type: str) -> bool:
        return self.inner.wants_message(stream_id, event_type)

    async def before_batch(self, conn: Connection) -> None:
        await self.inner.before_batch(conn)
        self.batches += 1
        self.batch_started.set()
        await asyncio.sleep(BATCH_S)

    async def process(self, conn: Connection, envelope: Envelope) -> bool:
        return await self.inner.process(conn, envelope)

    async def next_batch(self) -> None:
        self.batch_started.clear()
        await asyncio.wait_for(self.batch_started.wait(), 60)


@dataclass
class Member:
    """One member of both groups (the reaction's and the projection's)."""

    label: str
    runners: list[ConsumerRunner]
    handlers: list[Slow]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def start(cls, label: str, settings: Settings, pool: asyncpg.Pool) -> Member:
        stock, counts = Slow(STOCK), Slow(INVENTORY_COUNTS)
        counts_group = settings.group_of("projection.inventory_counts")
        runners = [
            ConsumerRunner(settings, pool, [stock], [settings.topic_of("inventory")]),
            ConsumerRunner(settings, pool, [counts], [settings.events_topic], group_id=counts_group),
        ]
        member = cls(label, runners, [stock, counts])
        member.tasks = [asyncio.create_task(r.run(member.stop), name=f"{label}-{r.group_id}") for r in runners]
        return member

    async def assigned(self) -> None:
        await asyncio.wait_for(asyncio.gather(*(r.assigned.wait() for r in self.runners)), 60)

    async def mid_batch(self) -> None:
        await asyncio.gather(*(h.next_batch() for h in self.handlers))

    async def leave(self) -> None:
        self.stop.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks), 60)

    async def crash(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def test_consumers_joining_and_leaving_mid_batch_lose_nothing_and_double_nothing(
    harness: Harness, ledger: Ledger
) -> None:
    school = await start_school(harness, ledger, INVENTORY_APART)
    view = school.views["inventory"]
    view.definition = INVENTORY  # the checks cover the consumers run here
    pool = school.running["inventory"].pool  # type: ignore[union-attr]
    await ensure_projection(pool, INVENTORY_COUNTS)
    settings = view.settings

    stop = asyncio.Event()

    async def purchases(n: int) -> None:
        i = 0
        while not stop.is_set():
            items = [new_id(f"i{n}-{i}-a"), new_id(f"i{n}-{i}-b")]
            for item in items:
                await catalogue(school, item)
            await purchase_life(school, new_id(f"p{n}-{i}"), [(items[0], 1 + i % 5), (items[1], 1 + n)])
            i += 1
            await asyncio.sleep(0.05)

    a = Member.start("a", settings, pool)
    members = [a]
    load = [harness.background(purchases(n), f"purchases-{n}") for n in range(3)]
    try:
        await a.assigned()
        await a.mid_batch()
        b = Member.start("b", settings, pool)  # joins while a holds a batch
        members.append(b)
        await b.assigned()
        await b.mid_batch()
        await b.leave()  # leaves cleanly while holding a batch
        c = Member.start("c", settings, pool)
        members.append(c)
        await c.assigned()
        await c.mid_batch()
        await c.crash()  # cancelled while holding a batch: its transaction never commits
        await asyncio.sleep(1.0)
    finally:
        stop.set()
    await asyncio.gather(*load)

    await school.settled(timeout=90)
    await eventually(lambda: asyncio.sleep(0, all(r.last_lag == 0 for r in a.runners)), timeout=60)
    await a.leave()
    accepted = await pool.fetchval("SELECT count(*) FROM events WHERE type = 'inventory.PurchaseAccepted'")
    acted = sum(m.runners[0].handled for m in members)
    assert acted <= accepted, f"{acted} acts for {accepted} accepted purchases"
    stock = await check_stock_once_per_accepted_line(school)
    counts = await school.check()
    assert counts["stock_receipts"] == stock
    print(
        f"\n{accepted} purchases accepted; stock reaction acted {[m.runners[0].handled for m in members]}, "
        f"skipped {[m.runners[0].skipped for m in members]}; projection skipped "
        f"{[m.runners[1].skipped for m in members]}; batches {[[h.batches for h in m.handlers] for m in members]}; "
        f"{counts}"
    )


async def lock_waiters(pool: asyncpg.Pool) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


@pytest.mark.parametrize("path", ["process", "process_batch"])
async def test_two_members_holding_the_same_event_apply_it_once(harness: Harness, path: str) -> None:
    """What a rebalance can do, made deterministic: member a applies an event in a transaction
    that has not committed yet when member b, the partition's new owner, gets the same record."""
    if not hasattr(INVENTORY_COUNTS, path):
        pytest.skip(f"projections have no {path}() here")
    runtime = await harness.migrated(INVENTORY)
    pool = runtime.pool
    *before, signed, _ = purchase_envelopes("p-race")

    async def apply(conn: Connection, env: Envelope) -> int:
        if path == "process":
            return int(await INVENTORY_COUNTS.process(conn, env))
        acted, _ = await INVENTORY_COUNTS.process_batch(conn, [env])  # type: ignore[attr-defined]
        return int(acted)

    async with pool.acquire() as conn, conn.transaction():
        for env in before:
            await apply(conn, env)

    async with pool.acquire() as a, pool.acquire() as b:
        a_tx = a.transaction()
        await a_tx.start()
        assert await apply(a, signed) == 1

        async def member_b() -> int:
            async with b.transaction():
                return await apply(b, signed)

        b_applies = asyncio.ensure_future(member_b())
        await eventually(lambda: lock_waiters(pool), timeout=10)  # b waits for a
        await a_tx.commit()
        applied_by_b = await asyncio.wait_for(b_applies, 10)
    signers = await pool.fetchval(
        f"SELECT signers FROM {INVENTORY_COUNTS.schema}.purchases WHERE purchase_id = 'p-race'"
    )
    assert (applied_by_b, signers) == (0, ["xu-vp"])
