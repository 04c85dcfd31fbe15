"""Projection rebuild from the store, and the live consumer catching up a lag.

    .venv/bin/python -m bench.projection_rebuild [--quick] [--events N] [--lag N]

1. A term of the safety service's events (bench.dataset) goes into a fresh store with
   ``import_events`` (history: no outbox).
2. Rebuild: ``services.eventkit.projection.rebuild`` of each safety projection (replay
   at a snapshot into a shadow schema, swap). ``inspection_status`` is the one these
   events feed; the others only move their checkpoints.
   Baselines, in the same run: the one-by-one path (``Projection.apply_in_order`` for
   each event, a transaction per 5,000 — what ``rebuild`` did before batches), and the
   kit's batches with the generic ``apply_batch`` (a pipelined statement per event)
   instead of the projection's set-based one. Every path is replayed into scratch
   schemas over the same events and compared row for row.
3. Catch-up: the live projection consumer (``projection_runner``) on a real Kafka topic
   is held at the projection's lock while ``--lag`` more events are appended (with their
   outbox rows) and published by the relay; then it is let go. Measured: from the
   release until its ``handled`` count covers them all.

Memory: the rebuild runs in this process, so its resident memory is measured before and
after the rebuilds, and its peak (``VmHWM``, reset before each) during each.

Targets: rebuild >= 30,000 events/s; catch-up of a 50,000-event lag <= 2 s; the rebuilding
process at most 250 MB resident.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import time
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

import asyncpg

from bench.cli import console, parser, pick, run
from bench.databases import delete_topics, fresh_database, new_namespace, settings_for
from bench.dataset import safety_term
from bench.load import wait_until
from bench.memory import MB, TARGET_MB, reset_peak, resident
from bench.report import footer, header, rate_table, summary, verdict
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.envelope import Envelope
from services.eventkit.projection import (
    Projection,
    create_schema,
    ensure_projection,
    lock_key,
    projection_runner,
    schema_rows,
)
from services.eventkit.projection import rebuild as rebuild_projection
from services.eventkit.relay import OutboxRelay
from services.eventkit.store import EventStore
from services.safety.projections.inspection_status import InspectionStatus
from services.safety.service import SAFETY

REBUILD_TARGET = 30_000
CATCHUP_TARGET_S = 2.0


def digest(tables: dict[str, list[tuple[Any, ...]]]) -> str:
    """A schema's rows as one hash: two replays compared without holding both in memory."""
    h = hashlib.sha256()
    for table, rows in sorted(tables.items()):
        h.update(table.encode())
        for r in rows:
            h.update(repr(r).encode())
    return h.hexdigest()


class GenericInspectionStatus(InspectionStatus):
    """The shipped projection with the kit's generic ``apply_batch`` (a pipelined statement
    per event) instead of its own set-based one: the second baseline."""

    apply_batch = Projection.apply_batch


async def replay(
    pool: asyncpg.Pool, store: EventStore, projection: Projection, schema: str, limit: int, *, one_by_one: bool
) -> tuple[int, float]:
    """The first ``limit`` events of the store into a scratch schema; returns (events, seconds)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await create_schema(conn, projection, schema)
    done = 0
    checkpoints: dict[str, int] = {}
    started = time.perf_counter()
    async for _, batch in store.snapshot_batches(5000):
        batch = batch[: limit - done]
        if not batch:
            break
        async with pool.acquire() as conn, conn.transaction():
            if one_by_one:
                for env in batch:
                    await projection.apply_in_order(conn, schema, env)
            else:
                await projection.apply_many(conn, schema, batch, checkpoints=checkpoints)
        done += len(batch)
        if done >= limit:
            break
    return done, time.perf_counter() - started


async def load_history(pool: asyncpg.Pool, store: EventStore, events: Iterator[Envelope], n: int) -> float:
    """Streams the generated events into the store (nothing kept in memory: a large live heap
    would slow every later step through the garbage collector), then lets the store settle."""
    with console.status(f"generating and importing {n:,} events (history, no outbox)"):
        report = await store.import_events(islice(events, n))
        await pool.execute("VACUUM ANALYZE events")  # a store at rest, as autovacuum leaves it
    gc.collect()
    return report.rate


async def catch_up(
    dsn: str,
    pool: asyncpg.Pool,
    store: EventStore,
    projection: Projection,
    lag: Sequence[Envelope],
    consumer_batch: int = 0,
) -> dict[str, Any]:
    namespace = new_namespace("rebuild")
    overrides = {"consumer_batch_size": consumer_batch} if consumer_batch else {}
    settings = settings_for("safety", dsn, namespace, **overrides)
    stop = asyncio.Event()
    runner = projection_runner(settings, pool, projection)
    relay = OutboxRelay(settings)
    tasks: list[asyncio.Task[None]] = []
    try:
        tasks.append(asyncio.create_task(runner.run(stop)))
        with console.status("waiting for the projection consumer to join its group"):
            await asyncio.wait_for(runner.assigned.wait(), 60)
        holder = await asyncpg.connect(dsn)
        try:
            # The consumer waits at the projection's lock (as during a rebuild's swap).
            await holder.execute("SELECT pg_advisory_lock($1)", lock_key(projection.schema))
            with console.status(f"appending {len(lag):,} events with their outbox rows"):
                await store.import_events(lag, publish=True)
            tasks.append(asyncio.create_task(relay.run(stop)))
            published_at = time.perf_counter()
            with console.status("relay publishing the lag to Kafka"):

                async def drained() -> bool:
                    return bool(await pool.fetchval("SELECT count(*) FROM outbox") == 0)

                await wait_until(drained, 120)
            publish_s = time.perf_counter() - published_at
            before = runner.handled
            released = time.perf_counter()
            await holder.execute("SELECT pg_advisory_unlock($1)", lock_key(projection.schema))
        finally:
            await holder.close()
        with console.status(f"the projection consumer catching up {len(lag):,} events"):
            await wait_until(lambda: runner.handled - before >= len(lag), 120, 0.002)
        seconds = time.perf_counter() - released
        caught = runner.handled - before
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await delete_topics(namespace)
    return {"events": caught, "seconds": seconds, "publish_s": publish_s}


def row(name: str, events: int, seconds: float, note: str) -> dict[str, Any]:
    return {"name": name, "rate": events / seconds if seconds else 0.0, "unit": "events/s", "note": note}


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    total = args.events or pick(quick, 1_000_000, 150_000)
    lag_n = args.lag or pick(quick, 50_000, 20_000)
    baseline_n = pick(quick, 50_000, 15_000)
    await header("bench.projection_rebuild: rebuild from the store, and a live catch-up")
    generated = safety_term(total + 2 * lag_n)
    rows: list[dict[str, Any]] = []
    shipped = next(p for p in SAFETY.projections if p.name == "inspection_status")
    generic = GenericInspectionStatus()
    async with fresh_database("projection_rebuild") as dsn:
        pool = await create_pool(dsn, min_size=2, max_size=8, command_timeout=600)
        try:
            async with pool.acquire() as conn:
                await migrate(conn, KIT_MIGRATIONS, *([SAFETY.migrations] if SAFETY.migrations else []))
            for p in SAFETY.projections:
                await ensure_projection(pool, p)
            store = EventStore(pool)
            import_rate = await load_history(pool, store, generated, total)
            console.print(f"imported {total:,} events at {import_rate:,.0f}/s (generated as they went in)")

            # The same first events through each path, into scratch schemas; compared row for row.
            n1, s1 = await replay(pool, store, shipped, "bench_one_by_one", baseline_n, one_by_one=True)
            n2, s2 = await replay(pool, store, generic, "bench_batched", baseline_n, one_by_one=False)
            n3, s3 = await replay(pool, store, shipped, "bench_set_based", baseline_n, one_by_one=False)
            reference = await schema_rows(pool, "bench_one_by_one")
            equal_batched = reference == await schema_rows(pool, "bench_batched")
            equal_set = reference == await schema_rows(pool, "bench_set_based")
            del reference
            for schema in ("bench_one_by_one", "bench_batched", "bench_set_based"):
                await pool.execute(f"DROP SCHEMA {schema} CASCADE")
            gc.collect()
            rows.append(row("one by one (apply_in_order), the baseline", n1, s1, f"first {n1:,} events"))
            rows.append(row("kit batches, generic apply_batch, same events", n2, s2,
                            f"tables = one by one: {equal_batched}"))  # fmt: skip
            rows.append(row("kit batches, shipped set-based apply_batch", n3, s3, f"tables = one by one: {equal_set}"))

            # The rebuild runs in this process: its memory before and after the rebuilds, and the
            # peak of each (VmHWM reset before it: the tables compared afterwards are not the rebuild's).
            gc.collect()
            before = resident("self")
            peaks: list[int] = []
            peak_reset = True
            reports = {}
            for p in [generic, *SAFETY.projections]:
                label = f"rebuild {p.name}" + (" (generic apply_batch)" if p is generic else "")
                peak_reset = reset_peak("self") and peak_reset
                with console.status(f"{label} ({total:,} events)"):
                    reports[label] = report = await rebuild_projection(pool, store, p)
                peaks.append(resident("self").hwm)
                note = f"{report.replayed:,} events of its types replayed in {report.seconds:.1f}s"
                if report.events != report.replayed:
                    note += f" (the other {report.events - report.replayed:,} only moved checkpoints)"
                rows.append(row(label, report.events, report.seconds, note))
                if p is generic:
                    after_generic = digest(await schema_rows(pool, p.schema))
                elif p is shipped:
                    equal_full = after_generic == digest(await schema_rows(pool, p.schema))
                    note_row = rows[-1]
                gc.collect()
            after = resident("self")
            peak = max(peaks)
            memory_ok = peak <= TARGET_MB * MB
            console.print(
                f"memory: {verdict(memory_ok)} — the rebuilding process (this one: it rebuilds in process) "
                f"{before.rss / MB:,.0f} MB resident before the rebuilds, {after.rss / MB:,.0f} MB after, "
                f"{peak / MB:,.0f} MB at the peak of one (target <= {TARGET_MB} MB"
                + ("" if peak_reset else "; VmHWM could not be reset: the process's peak since it started")
                + ")"
            )
            note_row["note"] += f"; tables = generic: {equal_full}"

            catch_ups = {}
            for p in (generic, shipped):
                await rebuild_projection(pool, store, p)  # the live schema is this projection's, up to date
                lag = list(islice(generated, lag_n))
                cu = await catch_up(dsn, pool, store, p, lag, args.consumer_batch)
                catch_ups[p] = cu
                kind = "generic apply_batch" if p is generic else "shipped"
                rows.append(row(f"catch-up of {len(lag):,}, live consumer ({kind})", cu["events"], cu["seconds"],
                                f"{cu['events']:,} in {cu['seconds']:.2f}s (relay had published them in "
                                f"{cu['publish_s']:.1f}s)"))  # fmt: skip
                del lag
        finally:
            await pool.close()
    rate_table("projection rebuild (events of the store per second) and catch-up", rows, rows[0]["name"])
    await footer()
    shipped_rate = reports["rebuild inspection_status"].rate
    generic_rate = reports["rebuild inspection_status (generic apply_batch)"].rate
    cu_shipped, cu_generic = catch_ups[shipped], catch_ups[generic]
    equal = equal_batched and equal_set and equal_full
    ok = shipped_rate >= REBUILD_TARGET and cu_shipped["seconds"] <= CATCHUP_TARGET_S * lag_n / 50_000 and equal
    summary(
        "projection_rebuild",
        ok,
        f"rebuild of inspection_status over {total:,} events: {shipped_rate:,.0f} events/s (target "
        f"{REBUILD_TARGET:,}; generic apply_batch {generic_rate:,.0f}, one by one {rows[0]['rate']:,.0f}); "
        f"catch-up of {lag_n:,}: {cu_shipped['seconds']:.2f}s (target {CATCHUP_TARGET_S:.0f}s for 50,000; generic "
        f"{cu_generic['seconds']:.2f}s); same tables every way: {equal}; the rebuilding process at most "
        f"{peak / MB:,.0f} MB resident (target {TARGET_MB} MB: {verdict(memory_ok)})",
    )


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--events", type=int, default=0, help="events in the store (default 1,000,000; quick 150,000)")
    cli.add_argument("--lag", type=int, default=0, help="events the live consumer catches up (default 50,000)")
    cli.add_argument("--consumer-batch", type=int, default=0, help="records per poll (default: the kit's setting)")
    run(main, cli)
