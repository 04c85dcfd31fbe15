"""Commands through HTTP into one service: POST /hazards on a real uvicorn server.

    .venv/bin/python -m bench.commands_http [--quick] [--clients N] [--mode all|api+workers] [--rate R]

The safety service runs as ``python -m services.safety serve`` in a subprocess (its own
fresh database, its own topic namespace) on 127.0.0.1; the directory mirror rows of 60
campuses are inserted straight into its ``directory_campuses`` table. Each command is
authenticated (JWT), validated, checked against the campus and the caller's scope,
decided, and appended with its outbox row in one transaction; the relay publishes it
and the projections consume it meanwhile (``--mode all``: one process; ``api+workers``:
the API in one process, relay and consumers in another).

1. Closed loop: ``--clients`` clients send commands back to back: the most the
   service takes, and its latency at that load.
2. Open loop at half the closed loop's most: the latency of the service when it is not
   saturated; commands are due at fixed times whatever the answers take, and latency
   counts from when each was due.
3. Open loop at ``--rate`` (default 1,500/s, the target).
Then the outbox must drain (what the relay could not keep up with shows here).

The loops run with a minimal HTTP/1.1 client (``--client raw``, the default), as a load
generator like wrk would: on two cores shared by the load generator, the service,
PostgreSQL and Kafka, httpx (``--client httpx`` or ``both``) costs about as much CPU per
request as the service itself. The CPU each of them used per command is printed.

Baselines, in this process, in the same run, against tables like ``events``:
``obvious`` = one INSERT per event (autocommit) and a synchronous Kafka
``send_and_wait`` (acks=all) per command, same concurrency; ``raw COPY`` = asyncpg
``copy_records_to_table`` of the same rows: the ceiling of the disk path.

Target: >= 1,500 commands/s sustained with p99 <= 20 ms.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg

from bench.cli import console, parser, pick, run
from bench.clients import ClientPool, district_admin_headers
from bench.cpu import CpuMeter
from bench.databases import delete_topics, fresh_database, new_namespace, settings_for
from bench.dataset import DISTRICT, campuses
from bench.load import LoadResult, closed_loop, open_loop, settle, wait_until
from bench.loop_health import LoopHealth
from bench.processes import BenchProcess
from bench.report import footer, header, rate_table, summary
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.kafka import ensure_topics, make_producer, stop_quietly
from services.eventkit.settings import Settings
from services.safety.service import SAFETY

RATE_TARGET = 1_500
P99_TARGET_MS = 20.0
CAMPUSES = campuses()


def hazard_body(i: int, tag: str) -> dict[str, Any]:
    c = CAMPUSES[i % len(CAMPUSES)]
    return {
        "hazard_id": f"h-{tag}-{i}",
        "campus_id": c.campus_id,
        "area": "教学楼 三楼走廊",
        "description": "消防通道堆放杂物",
        "severity": ["low", "medium", "high", "critical"][i % 4],
        "at": "2020-10-12T08:30:00+08:00",
    }


async def prepare(dsn: str) -> None:
    """The service's schema, and the 60 campuses its directory mirror would hold."""
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await migrate(conn, KIT_MIGRATIONS, *([SAFETY.migrations] if SAFETY.migrations else []))
            await conn.executemany(
                "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, $2, $3, $4)",
                [(c.campus_id, c.school_id, DISTRICT, c.name) for c in CAMPUSES],
            )
    finally:
        await pool.close()


async def http_load(
    kind: str, url: str, headers: dict[str, str], clients: int, duration: float, rate: float, warmup: float,
    meter: CpuMeter,
) -> tuple[LoadResult, LoadResult, LoadResult, str]:  # fmt: skip
    """Closed loop, open loop at half the closed loop's rate and at ``rate``, with ``kind`` clients;
    returns the three and the CPU split per command."""
    pool = ClientPool(kind, url, headers, max(clients, 64))
    try:
        tag = uuid4().hex[:6]

        async def post(i: int) -> None:
            status, content = await pool.post("/hazards", hazard_body(i, tag))
            if status != 200:
                raise RuntimeError(f"{status}: {content[:200]!r}")

        before = meter.sample()
        closed = await closed_loop(
            f"POST /hazards ({kind})", clients, post, duration_s=duration, max_ops=int(duration * 20_000),
            warmup_s=warmup,
        )  # fmt: skip
        after = meter.sample()
        cpu = CpuMeter.per_op(before, after, closed.ok)
        closed_cpu = CpuMeter.per_op(before, after, closed.ok, wakeups=True)
        await settle(url)
        # At a rate this machine sustains (half the closed loop's most): the latency of a system
        # not saturated. Before the target rate, whose overload would leave work behind it
        # (autovacuum of the outbox, the consumers' backlog) that this one would inherit.
        easy_rate = max(10.0, round(0.5 * closed.rate, -1))
        health, before = await LoopHealth.read(url), meter.sample()
        easy = await open_loop(
            f"POST /hazards ({kind})", easy_rate, lambda i: post(20_000_000 + i), duration_s=duration
        )
        easy_cpu = CpuMeter.per_op(before, meter.sample(), easy.ok, wakeups=True)
        easy_health = (await LoopHealth.read(url)).since(health)
        await settle(url)
        health, before = await LoopHealth.read(url), meter.sample()
        opened = await open_loop(f"POST /hazards ({kind})", rate, lambda i: post(10_000_000 + i), duration_s=duration)
        opened_cpu = CpuMeter.per_op(before, meter.sample(), opened.ok, wakeups=True)
        opened_health = (await LoopHealth.read(url)).since(health)
        await settle(url)
    finally:
        await pool.aclose()
    console.print(f"{kind}, the closed loop ({clients} clients): {closed_cpu}")
    for at, loop_health, loop_cpu in ((rate, opened_health, opened_cpu), (easy_rate, easy_health, easy_cpu)):
        console.print(f"{kind}, the service during the open loop at {at:,.0f}/s: {loop_health.describe()}; {loop_cpu}")
    return closed, opened, easy, cpu


async def obvious(dsn: str, settings: Settings, clients: int, duration: float) -> Any:
    """One INSERT per event (autocommit) + a synchronous Kafka send per command, in process."""
    pool = await create_pool(dsn, min_size=clients, max_size=clients)
    topic = f"{settings.namespace}.obvious.events"
    await ensure_topics(settings, topic)
    producer = make_producer(settings, client_id="bench-obvious")
    await producer.start()
    try:
        await pool.execute("CREATE TABLE obvious_events (LIKE events INCLUDING ALL)")
        sql = (
            "INSERT INTO obvious_events (event_id, stream_id, version, type, schema_version, occurred_at, "
            "district_id, school_id, campus_id, actor, correlation_id, data) "
            "VALUES ($1, $2, 1, 'safety.HazardReported', 1, $3, $4, $5, $6, 'bench-admin', $7, $8) "
            "RETURNING position, recorded_at"
        )
        tag = uuid4().hex[:6]

        async def op(i: int) -> None:
            body = hazard_body(i, tag)
            c = CAMPUSES[i % len(CAMPUSES)]
            event_id, now = uuid4(), datetime.now(UTC)
            stream = f"hazard-{body['hazard_id']}"
            await pool.fetchrow(sql, event_id, stream, now, DISTRICT, c.school_id, c.campus_id, str(uuid4()), body)
            envelope = {"event_id": str(event_id), "stream_id": stream, "type": "safety.HazardReported", "data": body}
            await producer.send_and_wait(topic, json.dumps(envelope).encode(), key=stream.encode())

        return await closed_loop("obvious", clients, op, duration_s=duration, max_ops=int(duration * 20_000))
    finally:
        await stop_quietly(producer)
        await pool.close()


async def raw_copy(dsn: str, n: int) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE raw_events (LIKE events INCLUDING ALL)")
        await conn.set_type_codec(
            "jsonb", schema="pg_catalog", encoder=lambda v: b"\x01" + v.encode(), decoder=bytes, format="binary"
        )
        now = datetime.now(UTC)
        records = []
        for i in range(n):
            c = CAMPUSES[i % len(CAMPUSES)]
            body = hazard_body(i, "raw")
            records.append((uuid4(), f"hazard-{body['hazard_id']}", 1, "safety.HazardReported", 1, now, now,
                            DISTRICT, c.school_id, c.campus_id, "bench-admin", str(uuid4()),
                            json.dumps(body, ensure_ascii=False)))  # fmt: skip
        columns = [
            "event_id", "stream_id", "version", "type", "schema_version", "occurred_at", "recorded_at",
            "district_id", "school_id", "campus_id", "actor", "correlation_id", "data",
        ]  # fmt: skip
        started = time.perf_counter()
        await conn.copy_records_to_table("raw_events", records=records, columns=columns)
        return n / (time.perf_counter() - started)
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    clients = args.clients
    duration = args.duration or pick(quick, 20.0, 6.0)
    warmup = pick(quick, 3.0, 1.0)
    kinds = ["httpx", "raw"] if args.client == "both" else [args.client]
    code = f", service code from {args.service_root}" if args.service_root else ""
    await header(
        f"bench.commands_http: POST /hazards over HTTP, {clients} clients, service mode {args.mode}, "
        f"{args.processes} API process(es){code}"
    )
    namespace = new_namespace("commands")
    rows: list[dict[str, Any]] = []
    procs: list[BenchProcess] = []
    loads: dict[str, tuple[LoadResult, LoadResult, LoadResult, str]] = {}
    try:
        async with fresh_database("commands_http") as dsn:
            settings = settings_for("safety", dsn, namespace)
            await prepare(dsn)
            root = Path(args.service_root) if args.service_root else None
            api_env = {"HOUQIN_API_PROCESSES": str(args.processes)}
            if args.mode == "all":
                procs.append(BenchProcess("safety", settings, mode="all", root=root, env=api_env))
            else:
                procs.append(BenchProcess("safety", settings, mode="api", root=root, env=api_env))
                procs.append(BenchProcess("safety", settings, mode="workers", root=root))
            with console.status(f"starting the safety service ({args.mode})"):
                for p in procs:
                    await p.launch()
            roles = (
                {"service": procs} if args.mode == "all" else {"service API": procs[:1], "service workers": procs[1:]}
            )
            meter = CpuMeter(
                {role: [p.pid for p in ps] for role, ps in roles.items()}, [dsn.rsplit("/", 1)[1]], broker=True
            )
            headers = district_admin_headers(settings, DISTRICT)
            for kind in kinds:
                loads[kind] = await http_load(kind, procs[0].url, headers, clients, duration, args.rate, warmup, meter)
            pool = await create_pool(dsn, min_size=1, max_size=2)
            try:
                backlog = await pool.fetchval("SELECT count(*) FROM outbox")
                drain_started = time.perf_counter()

                async def drained() -> bool:
                    return bool(await pool.fetchval("SELECT count(*) FROM outbox") == 0)

                with console.status(f"waiting for the relay to drain {backlog:,} outbox rows"):
                    emptied = await wait_until(drained, 120)
                drain_s = time.perf_counter() - drain_started
                appended = await pool.fetchval("SELECT count(*) FROM events")
            finally:
                await pool.close()
            for p in reversed(procs):
                await p.close()
            procs = []
            for kind, (closed, opened, easy, cpu) in loads.items():
                rows.append({"name": f"HTTP closed loop, {kind} ({clients} clients)", "rate": closed.rate,
                             "unit": "cmd/s", "latency": closed.latency,
                             "note": f"{closed.ok:,} ok, {closed.errors} errors; {cpu}"})  # fmt: skip
                for label, r in ((f"{args.rate:,.0f}/s", opened), ("half the closed loop's most", easy)):
                    rows.append({"name": f"HTTP open loop, {kind}, at {label}", "rate": r.rate, "unit": "cmd/s",
                                 "latency": r.latency, "note": f"{r.ok:,} ok, {r.errors} errors"})  # fmt: skip
            with console.status("baseline: one INSERT + send_and_wait per command"):
                base = await obvious(dsn, settings, clients, pick(quick, 15.0, 5.0))
            rows.append({"name": f"obvious: INSERT + send_and_wait ({clients} tasks)", "rate": base.rate,
                         "unit": "cmd/s", "latency": base.latency, "note": "in process, no HTTP"})  # fmt: skip
            with console.status("raw COPY ceiling"):
                ceiling = await raw_copy(dsn, pick(quick, 200_000, 50_000))
            rows.append({"name": "raw COPY of the same rows", "rate": ceiling, "unit": "rows/s",
                         "note": "the disk path's ceiling"})  # fmt: skip
    finally:
        for p in procs:
            await p.close()
        await delete_topics(namespace)
    for kind, (closed, opened, easy, _) in loads.items():
        first_error = closed.first_error or opened.first_error or easy.first_error
        if first_error:
            console.print(f"[red]{kind}: first error: {first_error}[/red]")
        console.print(
            f"{kind}: worst seconds at {args.rate:,.0f}/s: {opened.stalls()}; at {easy.rate:,.0f}/s: {easy.stalls()}"
        )
    rate_table("commands per second (ratios against the obvious way)", rows, rows[-2]["name"])
    console.print(
        f"events appended: {appended:,}; outbox backlog after the load: {backlog:,}, "
        + (f"drained in {drain_s:.1f}s" if emptied else "[red]not drained within 120s[/red]")
    )
    await footer()
    parts = []
    ok = emptied
    for kind, (closed, opened, easy, _) in loads.items():
        o, e = opened.latency.summary(), easy.latency.summary()
        met = opened.rate >= RATE_TARGET * 0.98 and opened.errors == 0 and o["p99"] <= P99_TARGET_MS
        if kind == kinds[0]:
            ok = ok and met and args.rate >= RATE_TARGET
        parts.append(
            f"{kind}: at {args.rate:,.0f}/s offered {opened.rate:,.0f} cmd/s, p99 {o['p99']:.0f} ms; most "
            f"{closed.rate:,.0f} cmd/s ({closed.rate / base.rate:.2f}x the obvious way); at {easy.rate:,.0f}/s "
            f"p50 {e['p50']:.1f} / p95 {e['p95']:.1f} / p99 {e['p99']:.1f} ms"
        )
    summary(
        "commands_http",
        ok,
        "; ".join(parts)
        + f" (target >= {RATE_TARGET:,}/s with p99 <= {P99_TARGET_MS:.0f} ms); "
        + f"mode {args.mode}, {args.processes} API process(es)",
    )


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients in the closed loop")
    cli.add_argument("--rate", type=float, default=RATE_TARGET, help="commands per second in the open loop")
    cli.add_argument("--duration", type=float, default=0.0, help="seconds of each loop (default 30; quick 8)")
    cli.add_argument("--mode", choices=["all", "api+workers"], default="all", help="how the service is run")
    cli.add_argument(
        "--processes", type=int, default=1, help="API processes of the service (serve --processes: one per core)"
    )
    cli.add_argument(
        "--client",
        choices=["raw", "httpx", "both"],
        default="raw",
        help="load generator (raw: minimal HTTP/1.1; httpx costs more CPU than the service)",
    )
    cli.add_argument(
        "--service-root", default="", help="run the service from this checkout (e.g. an older commit, to compare)"
    )
    run(main, cli)
