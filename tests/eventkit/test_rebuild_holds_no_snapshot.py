"""A rebuild holds no transaction, and so no snapshot, for longer than one of its batches.

One snapshot held for a whole replay (minutes over millions of events) would stop vacuum
of the outbox and of every table for as long. Here the batches are slowed down, and the
database's open transactions are sampled while the rebuild runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import date

import asyncpg

from services.directory.events import TermScheduled
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope, TenantPath, new_envelope
from services.eventkit.projection import Projection, rebuild
from services.eventkit.store import EventStore

BATCH_PAUSE_S = 0.25


class SlowTerms(Projection):
    """Counts terms per school, a quarter of a second per batch (inside its transaction)."""

    name = "slow_terms"
    event_types = frozenset({"directory.TermScheduled"})

    def ddl(self, schema: str) -> str:
        return f"CREATE TABLE {schema}.terms (school text PRIMARY KEY, n integer NOT NULL);"

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        await conn.execute(
            f"INSERT INTO {schema}.terms VALUES ($1, 1) ON CONFLICT (school) DO UPDATE SET n = terms.n + 1",
            envelope.stream_id,
        )

    async def apply_batch(self, conn: Connection, schema: str, envelopes: Sequence[Envelope]) -> None:
        await asyncio.sleep(BATCH_PAUSE_S)
        await super().apply_batch(conn, schema, envelopes)


def terms(stream_id: str, count: int) -> list[Envelope]:
    tenant = TenantPath(district_id="xinbei", school_id="xuexiao")
    return [
        new_envelope(
            TermScheduled(
                school_id="xuexiao", term_id=f"t{n}", name=f"term {n}",
                starts_on=date(2020 + n, 9, 1), ends_on=date(2021 + n, 1, 31),
            ),
            stream_id=stream_id, version=n, tenant=tenant,
        )
        for n in range(1, count + 1)
    ]  # fmt: skip


async def test_no_transaction_stays_open_longer_than_a_batch_during_a_rebuild(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.import_events(e for i in range(60) for e in terms(f"school-{i}", 10))  # 600 events
    projection = SlowTerms()
    oldest: list[float] = []
    done = asyncio.Event()

    async def sample() -> None:
        async with pool.acquire() as conn:
            while not done.is_set():
                age = await conn.fetchval(
                    "SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0)::float8 "
                    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                oldest.append(age)
                await asyncio.sleep(0.02)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    try:
        report = await rebuild(pool, store, projection, batch_size=50)  # 12 batches, 3 s at least
    finally:
        done.set()
        await sampler
    took = time.perf_counter() - started
    assert report.events == 600 and report.replayed == 600
    assert took >= 12 * BATCH_PAUSE_S
    assert len(oldest) > 50
    # One batch's transaction (a quarter of a second and its writes), never the replay's length.
    assert max(oldest) < 4 * BATCH_PAUSE_S < took / 3, (max(oldest), took)
    assert await pool.fetchval(f"SELECT sum(n) FROM {projection.schema}.terms") == 600
