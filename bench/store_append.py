"""EventStore.append in process, batched, and the bulk import (COPY), against baselines.

    .venv/bin/python -m bench.store_append [--quick]

- ``append xN``: ``EventStore.append`` of N events per call (one stream per call, new
  streams), several concurrent writers, each call its own transaction with the outbox
  rows, then the relay woken after the commit (``services.eventkit.wake``, here by one
  coalesced NOTIFY on the side, as from an API process whose relay runs elsewhere) —
  exactly what a command does after deciding. The same with a NOTIFY inside each append
  (as before the waker) for comparison.
- ``import``: ``EventStore.import_events`` (COPY text, one transaction), without outbox
  rows (history) and with them (``publish=True``).
- baselines: ``obvious`` = one autocommitted INSERT per event (no outbox, no version
  check); ``raw COPY`` = asyncpg ``copy_records_to_table`` (binary) of pre-encoded rows
  into a table like ``events`` (same columns, defaults and indexes) — the ceiling.

Envelopes are built before the clock starts (and kept out of the garbage collector's
way): this measures the store, not pydantic.
Targets: append (batched) >= 25,000 events/s; bulk import >= 100,000 events/s.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg

from bench.cli import console, parser, pick, run
from bench.databases import fresh_database
from bench.load import closed_loop, frozen_heap
from bench.report import footer, header, rate_table, summary
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.envelope import Envelope
from services.eventkit.store import EventStore
from services.eventkit.wake import OutboxWaker

APPEND_TARGET = 25_000
IMPORT_TARGET = 100_000


def make_events(prefix: str, streams: int, per_stream: int) -> list[list[Envelope]]:
    """``streams`` new streams of ``per_stream`` events each, shaped like a reported hazard."""
    now = datetime.now(UTC)
    out: list[list[Envelope]] = []
    for s in range(streams):
        stream = f"hazard-{prefix}-{s}"
        out.append(
            [
                Envelope.model_construct(
                    event_id=uuid4(),
                    stream_id=stream,
                    version=v,
                    type="safety.HazardReported",
                    schema_version=1,
                    occurred_at=now,
                    recorded_at=None,
                    position=None,
                    district_id="xinbei",
                    school_id=f"school-{s % 20}",
                    campus_id=f"campus-{s % 60}",
                    actor="bench-admin",
                    correlation_id=str(uuid4()),
                    causation_id=None,
                    command_id=None,
                    data={
                        "hazard_id": f"{prefix}-{s}",
                        "campus_id": f"campus-{s % 60}",
                        "area": "教学楼外墙",
                        "description": "外墙墙砖脱落, 需要尽快处理",
                        "severity": "high",
                        "photo_ref": None,
                        "reported_by": "bench-admin",
                        "reported_at": now.isoformat(),
                        "inspection_id": None,
                        "seq": v,
                    },
                )
                for v in range(1, per_stream + 1)
            ]
        )
    return out


async def append_run(
    pool: asyncpg.Pool, batch: int, clients: int, total_events: int, duration: float, *, woken_by: str | None
) -> dict[str, Any]:
    """``woken_by``: the DSN of an ``OutboxWaker`` told after each commit (as in a service's API
    process whose relay runs elsewhere: one coalesced NOTIFY on the side), or None for the
    NOTIFY inside each append."""
    waker = OutboxWaker(woken_by, lambda: None) if woken_by else None
    store = EventStore(pool, waker=waker)
    calls = max(1, total_events // batch)
    streams = make_events(f"a{batch}x{uuid4().hex[:4]}", calls, batch)

    async def op(i: int) -> None:
        events = streams[i]
        await store.append(events[0].stream_id, 0, events)

    with frozen_heap():
        result = await closed_loop(f"append x{batch}", clients, op, duration_s=duration, max_ops=calls)
    if waker is not None:
        await waker.close()
    if result.errors:
        console.print(f"[red]append x{batch}: {result.errors} errors, first: {result.first_error}[/red]")
    how = f"woken after commit, {waker.notified:,} NOTIFYs" if waker is not None else "NOTIFY in each append"
    return {
        "name": f"append x{batch} ({clients} writers{'' if waker else ', NOTIFY in the append'})",
        "rate": result.rate * batch,
        "unit": "events/s",
        "latency": result.latency,
        "note": f"{result.rate:,.0f} appends/s; latency per append; {how}",
    }


async def obvious_run(pool: asyncpg.Pool, clients: int, total_events: int, duration: float) -> dict[str, Any]:
    """One INSERT per event, autocommitted: the obvious way without the store."""
    streams = make_events(f"o{uuid4().hex[:4]}", total_events, 1)
    sql = (
        "INSERT INTO events (event_id, stream_id, version, type, schema_version, occurred_at, district_id, "
        "school_id, campus_id, actor, correlation_id, causation_id, command_id, data) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )

    async def op(i: int) -> None:
        e = streams[i][0]
        await pool.execute(
            sql,
            e.event_id,
            e.stream_id,
            e.version,
            e.type,
            e.schema_version,
            e.occurred_at,
            e.district_id,
            e.school_id,
            e.campus_id,
            e.actor,
            e.correlation_id,
            e.causation_id,
            e.command_id,
            e.data,
        )

    with frozen_heap():
        result = await closed_loop("obvious INSERT", clients, op, duration_s=duration, max_ops=total_events)
    return {
        "name": f"obvious: INSERT per event ({clients} writers)",
        "rate": result.rate,
        "unit": "events/s",
        "latency": result.latency,
        "note": "autocommit, no outbox",
    }


async def raw_copy_run(dsn: str, total_events: int) -> dict[str, Any]:
    """The ceiling: binary COPY of pre-encoded rows into a table like ``events``."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE events_raw (LIKE events INCLUDING ALL)")
        await conn.set_type_codec(
            "jsonb",
            schema="pg_catalog",
            encoder=lambda v: b"\x01" + v.encode(),
            decoder=lambda b: b[1:].decode(),
            format="binary",
        )
        events = [e for s in make_events(f"r{uuid4().hex[:4]}", total_events // 10, 10) for e in s]
        now = datetime.now(UTC)
        records = [
            (
                e.event_id,
                e.stream_id,
                e.version,
                e.type,
                e.schema_version,
                e.occurred_at,
                now,
                e.district_id,
                e.school_id,
                e.campus_id,
                e.actor,
                e.correlation_id,
                None,
                None,
                json.dumps(e.data, ensure_ascii=False),
            )
            for e in events
        ]
        columns = [
            "event_id", "stream_id", "version", "type", "schema_version", "occurred_at", "recorded_at",
            "district_id", "school_id", "campus_id", "actor", "correlation_id", "causation_id", "command_id", "data",
        ]  # fmt: skip
        with console.status(f"raw COPY of {len(records):,} rows"), frozen_heap():
            started = time.perf_counter()
            async with conn.transaction():
                await conn.copy_records_to_table("events_raw", records=records, columns=columns)
            seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return {
        "name": "raw COPY (binary, pre-encoded)",
        "rate": len(records) / seconds,
        "unit": "events/s",
        "note": f"{len(records):,} rows in {seconds:.2f}s, one transaction",
    }


async def import_run(pool: asyncpg.Pool, total_events: int, publish: bool) -> dict[str, Any]:
    store = EventStore(pool)
    events = [e for s in make_events(f"i{int(publish)}{uuid4().hex[:4]}", total_events // 10, 10) for e in s]
    with console.status(f"import_events of {len(events):,} events (publish={publish})"), frozen_heap():
        report = await store.import_events(events, publish=publish)
    assert report.events == len(events)
    mode = "with outbox rows" if publish else "history: no outbox"
    return {
        "name": f"import_events ({mode})",
        "rate": report.rate,
        "unit": "events/s",
        "note": f"{report.events:,} events, {report.streams:,} streams in {report.seconds:.2f}s",
    }


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    await header("bench.store_append: EventStore.append and import_events")
    duration = pick(quick, 15.0, 4.0)
    rows: list[dict[str, Any]] = []
    # Imports first, each kind into a fresh store (as a migration of history would run).
    async with fresh_database("store_append", "import") as dsn:
        pool = await create_pool(dsn, min_size=2, max_size=4, command_timeout=300)
        try:
            async with pool.acquire() as conn:
                await migrate(conn, KIT_MIGRATIONS)
            rows.append(await raw_copy_run(dsn, pick(quick, 1_000_000, 200_000)))
            imports = [await import_run(pool, pick(quick, 1_000_000, 200_000), publish=False)]
        finally:
            await pool.close()
    async with fresh_database("store_append", "import") as dsn:
        pool = await create_pool(dsn, min_size=2, max_size=4, command_timeout=300)
        try:
            async with pool.acquire() as conn:
                await migrate(conn, KIT_MIGRATIONS)
            imports.append(await import_run(pool, pick(quick, 1_000_000, 200_000), publish=True))
        finally:
            await pool.close()
    async with fresh_database("store_append", "append") as dsn:
        pool = await create_pool(dsn, min_size=16, max_size=32, command_timeout=60)
        try:
            async with pool.acquire() as conn:
                await migrate(conn, KIT_MIGRATIONS)
            rows.append(await obvious_run(pool, 16, pick(quick, 200_000, 40_000), duration))
            total = pick(quick, 1_000_000, 200_000)
            appends = []
            for batch, clients in ((1, 16), (10, 8), (100, 4)):  # as a service appends (services.eventkit.wake)
                appends.append(await append_run(pool, batch, clients, total, duration, woken_by=dsn))
            notifying = [  # as it did before: a NOTIFY in each append serialises the commits
                await append_run(pool, batch, clients, total, duration, woken_by=None)
                for batch, clients in ((1, 16), (10, 8))
            ]
        finally:
            await pool.close()
    rows.extend(appends)
    rows.extend(notifying)
    rows.extend(imports)
    rate_table("events written per second (ratios against the obvious INSERT-per-event)", rows, rows[1]["name"])
    raw = rows[0]["rate"]
    for r in rows[2:]:
        console.print(f"  {r['name']}: {r['rate'] / raw:.0%} of the raw COPY ceiling")
    batched = appends[1]  # 10 events per append: a realistic multi-event command or reaction
    history = imports[0]
    ok = batched["rate"] >= APPEND_TARGET and history["rate"] >= IMPORT_TARGET
    lat = batched["latency"].summary()
    await footer()
    summary(
        "store_append",
        ok,
        f"append x10: {batched['rate']:,.0f} events/s (target {APPEND_TARGET:,}; p99 {lat['p99']:.1f} ms per append), "
        f"x1: {appends[0]['rate']:,.0f}, x100: {appends[2]['rate']:,.0f} events/s; "
        f"import (history): {history['rate']:,.0f} events/s, with outbox: {imports[1]['rate']:,.0f} events/s "
        f"(target {IMPORT_TARGET:,}); raw COPY {raw:,.0f}/s",
    )


if __name__ == "__main__":
    run(main, parser(__doc__ or ""))
