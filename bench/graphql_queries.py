"""GraphQL queries on a district-scale data set.

    .venv/bin/python -m bench.graphql_queries [--quick] [--events N] [--rate R] [--duration S]

The data: 20 schools x 3 campuses in the directory, and a term of the safety service's
events (bench.dataset: patrols and their findings, hazards and their lives, agreements,
monthly checks, drills) — ``--events`` of them (default 1,000,000), bulk-imported with
``EventStore.import_events`` (history) and turned into read tables by
``services.eventkit.projection.rebuild``. Then the directory and the safety service
(``serve --mode api``) and the gateway run as subprocesses on 127.0.0.1.

Each query runs three times: 8 clients back to back (the most it takes), ``--rate`` per
second (open loop, latency from when each was due), and — when that rate is more than it
takes — 60% of its most (its latency when not saturated); with a minimal HTTP/1.1 client:
- a page of 100 hazards of one campus, each with its campus's name (the gateway asks
  the directory once per page, through its dataloader), and the next page by cursor;
- one hazard by id;
- a page of 100 inspections;
- a campus's canteen food-safety ledger of a week (``campus { canteen(weekOf:) }``: each day's
  figures, the week's totals, the fridge, certificates and open corrective actions), on
  ``--canteen-weeks`` weeks of every campus's canteen records (``bench.dataset.canteen_term``).
For comparison, in the same run: the safety service's own endpoint for the same page
(no gateway), and the page's SQL straight from asyncpg (the floor).

The gateway's share: the most GraphQL takes (8 clients) for the page and for one hazard, over
the most the safety service's own endpoint takes for the same answer, in the same run, with
the CPU per request of the gateway and of the service either way.

Targets at 200 requests/s: p95 <= 25 ms for a 100-item page, <= 10 ms for one entity; GraphQL's
most at least half the service endpoint's, for the page and for one hazard.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from itertools import islice
from typing import Any

import asyncpg
import orjson
from rich.table import Table

from bench.cli import console, parser, pick, run
from bench.clients import ClientPool, district_admin_headers
from bench.cpu import CpuMeter
from bench.databases import at_rest, delete_topics, fresh_database, new_namespace, settings_for
from bench.dataset import DISTRICT, campuses, canteen_term, directory_events, safety_term
from bench.load import Latency, LoadResult, closed_loop, open_loop, settle
from bench.processes import BenchProcess
from bench.report import footer, header, rate_table, summary, verdict
from services.canteen.service import CANTEEN
from services.directory.service import DIRECTORY
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.projection import ensure_projection, rebuild
from services.eventkit.runtime import ServiceDefinition
from services.eventkit.store import EventStore
from services.safety.service import SAFETY

RATE = 200
LEDGER_LABEL = "GraphQL: a campus's canteen ledger of a week"
PAGE_P95_MS = 25.0
ONE_P95_MS = 10.0
SHARE_TARGET = 0.5  # GraphQL at least half the service endpoint's most, for the same answer
PAGE_LABEL = "GraphQL: 100 hazards of a campus, with campus names"
ONE_LABEL = "GraphQL: one hazard"
SERVICE_PAGE_LABEL = "service: GET /hazards?campus_id=..&limit=100"
SERVICE_ONE_LABEL = "service: GET /hazards/{id}"
SHARED = (("100 hazards of a campus", PAGE_LABEL, SERVICE_PAGE_LABEL), ("one hazard", ONE_LABEL, SERVICE_ONE_LABEL))

HAZARD_PAGE = """query($campus: ID!, $after: String) {
  hazards(campusId: $campus, first: 100, after: $after) {
    edges { node { hazardId area severity status reportedAt ageDays breachesSla campus { name } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ONE_HAZARD = "query($id: ID!) { hazard(hazardId: $id) { hazardId area description severity status reportedAt } }"
INSPECTION_PAGE = """query($campus: ID!) {
  inspections(campusId: $campus, first: 100) { edges { node { inspectionId kind startedAt completedAt } } }
}"""
LEDGER_WEEK = """query($campus: ID!, $week: Date!) {
  campus(campusId: $campus) {
    name
    canteen(weekOf: $week) {
      weekOf asOf warningDays
      days { on workersChecked checksFailed dishesServed samplesRetained dishesWithoutSample linesRejected
             pesticideFailures temperaturesOutOfLimit correctiveActionsOpen leaderMeals samplesInFridge }
      totals { checks dishesServed samplesRetained correctiveActionsOpen daysServed daysWithLeaderMeal }
      visit { visitOn done reflectionPublished }
      certificates { kind number daysLeft }
      fridge { sampleId dish releaseAfter held releasable }
      openActions { readingId unitName c10 daysOpen }
    }
  }
}"""


async def load_service(dsn: str, definition: ServiceDefinition, events: Any, label: str) -> dict[str, Any]:
    """Migrates, imports the events (no outbox) and rebuilds every projection; returns timings."""
    pool = await create_pool(dsn, min_size=2, max_size=6, command_timeout=1800)
    try:
        async with pool.acquire() as conn:
            await migrate(conn, KIT_MIGRATIONS, *([definition.migrations] if definition.migrations else []))
        store = EventStore(pool)
        with console.status(f"{label}: generating and importing events"):
            imported = await store.import_events(events)
            await pool.execute("VACUUM ANALYZE events")
        gc.collect()
        rebuilt = []
        for p in definition.projections:
            await ensure_projection(pool, p)
            with console.status(f"{label}: rebuilding {p.name} from {imported.events:,} events"):
                report = await rebuild(pool, store, p)
            rebuilt.append(report)
        await at_rest(pool, label)
        return {"imported": imported, "rebuilt": rebuilt}
    finally:
        await pool.close()


async def run_query(
    label: str,
    pool: ClientPool,
    url: str,
    path: str,
    make: Any,
    rate: float,
    duration: float,
    check: Any,
    cpu: CpuMeter | None = None,
    used: dict[str, dict[str, float]] | None = None,
) -> tuple[LoadResult, LoadResult, LoadResult | None]:
    """The most it takes (8 clients back to back), then ``rate`` offered, then — if that was
    more than it takes — 60% of its most: the latency when it is not saturated. The CPU
    per request is measured over the first (into ``used[label]``: µs per request of each process)."""

    async def op(i: int) -> None:
        status, content = await pool.post(path, make(i)) if path == "/graphql" else await pool.get(make(i))
        if status != 200:
            raise RuntimeError(f"{status}: {content[:200]!r}")
        check(orjson.loads(content))  # the load generator shares the two cores: parse cheaply

    before = cpu.sample() if cpu else {}
    most = await closed_loop(label, 8, op, duration_s=min(duration, 5.0), max_ops=100_000)
    if cpu:
        after = cpu.sample()
        console.print(f"  {label}: " + CpuMeter.per_op(before, after, most.ok))
        if used is not None and most.ok:
            used[label] = {name: (after[name].cpu_s - before[name].cpu_s) / most.ok * 1e6 for name in before}
    await settle(url)
    at_rate = await open_loop(label, rate, op, duration_s=duration)
    await settle(url)
    easy = None
    if most.rate * 0.6 < rate:
        easy = await open_loop(label, max(5.0, round(most.rate * 0.6)), op, duration_s=duration)
        await settle(url)
    return most, at_rate, easy


def share_table(
    results: dict[str, tuple[LoadResult, LoadResult, LoadResult | None]], used: dict[str, dict[str, float]]
) -> dict[str, float]:
    """The gateway's share: for the page and for one hazard, what GraphQL takes at most (8 clients)
    against the safety service's own endpoint for the same answer, measured in the same run, and
    the CPU per request of each process either way. Returns the ratios (GraphQL / service)."""
    table = Table(
        title=f"the gateway's share: GraphQL's most / the service endpoint's most (target >= {SHARE_TARGET})",
        title_justify="left",
    )
    for col in ("what", "GraphQL most", "service most", "ratio", "target", "CPU per request: GraphQL", "service"):
        table.add_column(col, justify="left" if col in ("what", "target") else "right")
    ratios: dict[str, float] = {}
    for what, graphql, service in SHARED:
        g, sv = results[graphql][0].rate, results[service][0].rate
        ratios[what] = g / sv if sv else 0.0
        table.add_row(
            what,
            f"{g:,.0f}/s",
            f"{sv:,.0f}/s",
            f"{ratios[what]:.2f}",
            verdict(ratios[what] >= SHARE_TARGET),
            cpu_text(used.get(graphql, {})),
            cpu_text(used.get(service, {})),
        )
    console.print(table)
    return ratios


def cpu_text(per_request: dict[str, float]) -> str:
    """µs per request of the processes that did any of the work, and in all."""
    parts = [f"{name} {us:,.0f}" for name, us in per_request.items() if us >= 1 and name != "load generator"]
    total = sum(us for name, us in per_request.items() if name != "load generator")
    return ", ".join(parts) + f"; in all {total:,.0f} µs" if per_request else "-"


def graphql_ok(expect_items: bool) -> Any:
    def check(body: dict[str, Any]) -> None:
        if body.get("errors"):
            raise RuntimeError(str(body["errors"])[:300])
        if expect_items:
            data = next(iter(body["data"].values()))
            if data is None or ("edges" in data and not data["edges"]):
                raise RuntimeError("empty answer")

    return check


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    total = args.events or pick(quick, 1_000_000, 150_000)
    duration = args.duration or pick(quick, 20.0, 6.0)
    await header(
        f"bench.graphql_queries: {total:,} events, queries at {args.rate:,.0f}/s, "
        f"{args.gateway_processes} gateway process(es)"
    )
    namespace = new_namespace("graphql")
    procs: list[BenchProcess] = []
    rows: list[dict[str, Any]] = []
    results: dict[str, tuple[LoadResult, LoadResult, LoadResult | None]] = {}
    used: dict[str, dict[str, float]] = {}  # CPU µs per request of each process, at the most
    rng = random.Random(5)
    try:
        async with (
            fresh_database("graphql_queries", "safety") as safety_dsn,
            fresh_database("graphql_queries", "directory") as directory_dsn,
            fresh_database("graphql_queries", "canteen") as canteen_dsn,
        ):
            started = time.perf_counter()
            d = await load_service(directory_dsn, DIRECTORY, directory_events(), "directory")
            s = await load_service(safety_dsn, SAFETY, islice(safety_term(total), total), "safety")
            canteen_weeks = args.canteen_weeks or pick(quick, 18, 3)
            cn = await load_service(canteen_dsn, CANTEEN, canteen_term(canteen_weeks), "canteen")
            setup_s = time.perf_counter() - started
            imported = s["imported"]
            console.print(
                f"data set: {imported.events:,} safety events in {imported.streams:,} streams, imported at "
                f"{imported.rate:,.0f}/s; projections rebuilt: "
                + ", ".join(f"{r.projection} {r.seconds:.1f}s" for r in [*s["rebuilt"], *d["rebuilt"], *cn["rebuilt"]])
                + f"; {cn['imported'].events:,} canteen events ({canteen_weeks} weeks)"
                + f"; ready in {setup_s:.0f}s"
            )
            safety_pool = await create_pool(safety_dsn, min_size=1, max_size=2)
            try:
                await safety_pool.executemany(
                    "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, $2, $3, $4)",
                    [(c.campus_id, c.school_id, DISTRICT, c.name) for c in campuses()],
                )
                hazard_ids = [r["hazard_id"] for r in await safety_pool.fetch(
                    "SELECT hazard_id FROM proj_inspection_status.hazards")]  # fmt: skip
                sizes = {
                    table: await safety_pool.fetchval(f"SELECT count(*) FROM proj_inspection_status.{table}")
                    for table in ("hazards", "inspections", "agreements")
                }
                per_campus: dict[str, int] = {
                    r["campus_id"]: r["n"]
                    for r in await safety_pool.fetch(
                        "SELECT campus_id, count(*) AS n FROM proj_inspection_status.hazards GROUP BY campus_id"
                    )
                }
            finally:
                await safety_pool.close()
            canteen_pool = await create_pool(canteen_dsn, min_size=1, max_size=2)
            try:  # the ledger reads the campus from the directory's mirror
                await canteen_pool.executemany(
                    "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, $2, $3, $4)",
                    [(c.campus_id, c.school_id, DISTRICT, c.name) for c in campuses()],
                )
                ledger_weeks = [
                    r["week_of"]
                    for r in await canteen_pool.fetch(
                        "SELECT DISTINCT date_trunc('week', served_on)::date AS week_of "
                        "FROM proj_food_safety_ledger.meals ORDER BY 1"
                    )
                ]
            finally:
                await canteen_pool.close()
            console.print("read tables: " + ", ".join(f"{t} {n:,} rows" for t, n in sizes.items()))
            campus_ids = sorted(c for c, n in per_campus.items() if n > 100) or sorted(per_campus)

            safety_settings = settings_for("safety", safety_dsn, namespace)
            directory_settings = settings_for("directory", directory_dsn, namespace)
            directory = BenchProcess("directory", directory_settings, mode="api")
            safety = BenchProcess("safety", safety_settings, mode="api")
            canteen = BenchProcess("canteen", settings_for("canteen", canteen_dsn, namespace), mode="api")
            procs += [directory, safety, canteen]
            with console.status("starting the directory, safety and canteen services"):
                await directory.launch()
                await safety.launch()
                await canteen.launch()
            gateway = BenchProcess(
                "gateway",
                safety_settings,
                env={
                    "HOUQIN_SAFETY_URL": safety.url,
                    "HOUQIN_DIRECTORY_URL": directory.url,
                    "HOUQIN_INVENTORY_URL": "http://127.0.0.1:9",
                    "HOUQIN_CANTEEN_URL": canteen.url,
                    "HOUQIN_GATEWAY_PROCESSES": str(args.gateway_processes),
                },
            )
            procs.append(gateway)
            with console.status("starting the gateway"):
                await gateway.launch()
            headers = district_admin_headers(safety_settings, DISTRICT)
            to_gateway = ClientPool("raw", gateway.url, headers, 64)
            to_safety = ClientPool("raw", safety.url, headers, 64)

            # The second page of a campus needs its first page's cursor.
            cursors: dict[str, str] = {}
            for campus in campus_ids:
                _, content = await to_gateway.post(
                    "/graphql", {"query": HAZARD_PAGE, "variables": {"campus": campus, "after": None}}
                )
                page_info = json.loads(content)["data"]["hazards"]["pageInfo"]
                if page_info["hasNextPage"]:
                    cursors[campus] = page_info["endCursor"]
            paged = sorted(cursors) or campus_ids

            def pick_campus(i: int) -> str:
                return str(campus_ids[i % len(campus_ids)])

            cases: list[tuple[str, str, Any, bool]] = [
                (PAGE_LABEL, "/graphql",
                 lambda i: {"query": HAZARD_PAGE, "variables": {"campus": pick_campus(i), "after": None}}, True),
                ("GraphQL: the next 100 (by cursor)", "/graphql",
                 lambda i: {"query": HAZARD_PAGE, "variables": {"campus": paged[i % len(paged)],
                                                                 "after": cursors.get(paged[i % len(paged)])}}, True),
                (ONE_LABEL, "/graphql",
                 lambda i: {"query": ONE_HAZARD, "variables": {"id": rng.choice(hazard_ids)}}, True),
                ("GraphQL: 100 inspections of a campus", "/graphql",
                 lambda i: {"query": INSPECTION_PAGE, "variables": {"campus": pick_campus(i)}}, True),
                (LEDGER_LABEL, "/graphql",
                 lambda i: {"query": LEDGER_WEEK, "variables": {
                     "campus": pick_campus(i), "week": ledger_weeks[i % len(ledger_weeks)].isoformat()}}, False),
            ]  # fmt: skip
            with console.status("warming up"):
                for _, path, make, _ in cases:
                    for i in range(20):
                        await to_gateway.post(path, make(i))
            cpu = CpuMeter(
                {
                    "gateway": [gateway.pid],
                    "safety": [safety.pid],
                    "directory": [directory.pid],
                    "canteen": [canteen.pid],
                },
                [safety_dsn.rsplit("/", 1)[1], directory_dsn.rsplit("/", 1)[1], canteen_dsn.rsplit("/", 1)[1]],
            )
            for label, path, make, items in cases:
                results[label] = await run_query(
                    label, to_gateway, gateway.url, path, make, args.rate, duration, graphql_ok(items), cpu, used
                )
            results[SERVICE_PAGE_LABEL] = await run_query(
                SERVICE_PAGE_LABEL, to_safety, safety.url, "/hazards",
                lambda i: f"/hazards?campus_id={pick_campus(i)}&limit=100", args.rate, duration, lambda body: None,
                cpu, used,
            )  # fmt: skip
            results[SERVICE_ONE_LABEL] = await run_query(
                SERVICE_ONE_LABEL, to_safety, safety.url, "/hazards/x",
                lambda i: f"/hazards/{rng.choice(hazard_ids)}", args.rate, duration, lambda body: None, cpu, used,
            )  # fmt: skip
            await to_gateway.aclose()
            await to_safety.aclose()

            # The floor: the page's SQL, straight from asyncpg.
            conn = await asyncpg.connect(safety_dsn)
            try:
                from services.safety.queries.hazards import HAZARD_COLUMNS

                sql = (
                    f"SELECT {HAZARD_COLUMNS} FROM proj_inspection_status.hazards "
                    "WHERE district_id = ANY($1::text[]) AND campus_id = $2 ORDER BY hazard_id LIMIT 101"
                )
                floor = Latency()
                for i in range(pick(quick, 2000, 500)):
                    t0 = time.perf_counter()
                    await conn.fetch(sql, [DISTRICT], pick_campus(i))
                    floor.add(time.perf_counter() - t0)
            finally:
                await conn.close()
    finally:
        for p in reversed(procs):
            await p.close()
        await delete_topics(namespace)
    for label, (most, at_rate, easy) in results.items():
        for what, r in (("most (8 clients)", most), (f"at {args.rate:,.0f}/s", at_rate), ("at 60% of most", easy)):
            if r is None:
                continue
            note = f"{r.ok:,} ok, {r.errors} errors" + (f": {r.first_error}" if r.first_error else "")
            rows.append({"name": f"{label} — {what}", "rate": r.rate, "unit": "req/s", "latency": r.latency,
                         "note": note})  # fmt: skip
    rows.append({"name": "SQL of the page, asyncpg in process", "rate": len(floor.samples) / sum(floor.samples),
                 "unit": "q/s", "latency": floor, "note": "sequential; the floor"})  # fmt: skip
    rate_table(f"queries at {args.rate:,.0f}/s each on {total:,} events (latency from when each was due)", rows)
    ratios = share_table(results, used)
    await footer()
    page = results[PAGE_LABEL][1]
    nxt = results["GraphQL: the next 100 (by cursor)"][1]
    one = results[ONE_LABEL][1]
    p_page = max(page.latency.summary()["p95"], nxt.latency.summary()["p95"])
    p_one = one.latency.summary()["p95"]
    errors = page.errors + nxt.errors + one.errors
    rate_ok = min(page.rate, nxt.rate, one.rate) >= args.rate * 0.98
    share_ok = all(r >= SHARE_TARGET for r in ratios.values())
    ok = p_page <= PAGE_P95_MS and p_one <= ONE_P95_MS and errors == 0 and total >= 1_000_000 and rate_ok and share_ok
    svc_page = results[SERVICE_PAGE_LABEL][1].latency.summary()["p95"]
    svc_one = results[SERVICE_ONE_LABEL][1].latency.summary()["p95"]
    one_most = results[ONE_LABEL][0].rate
    gateway_us = {what: used.get(graphql, {}).get("gateway", 0.0) for what, graphql, _ in SHARED}
    service_us = {what: used.get(service, {}).get("safety", 0.0) for what, _, service in SHARED}
    ledger_p95 = results[LEDGER_LABEL][1].latency.summary()["p95"]
    summary(
        "graphql_queries",
        ok,
        f"{total:,} events; at {args.rate:,.0f} req/s through GraphQL: 100-item page p95 {p_page:,.1f} ms (target "
        f"{PAGE_P95_MS:.0f}), one hazard p95 {p_one:,.1f} ms (target {ONE_P95_MS:.0f}), {errors} errors; the gateway "
        f"takes at most {one_most:,.0f} one-hazard queries/s here; the service's own endpoints at {args.rate:,.0f}/s: "
        f"page p95 {svc_page:.1f} ms, one p95 {svc_one:.1f} ms; a campus's canteen ledger of a week p95 "
        f"{ledger_p95:.1f} ms; the gateway's share (GraphQL's most / the service endpoint's most, target >= "
        f"{SHARE_TARGET}): page {ratios['100 hazards of a campus']:.2f} "
        f"({results[PAGE_LABEL][0].rate:,.0f} vs {results[SERVICE_PAGE_LABEL][0].rate:,.0f}/s), one hazard "
        f"{ratios['one hazard']:.2f} ({one_most:,.0f} vs {results[SERVICE_ONE_LABEL][0].rate:,.0f}/s); CPU per "
        f"request, gateway vs safety service: page {gateway_us['100 hazards of a campus']:,.0f} vs "
        f"{service_us['100 hazards of a campus']:,.0f} µs, one hazard {gateway_us['one hazard']:,.0f} vs "
        f"{service_us['one hazard']:,.0f} µs",
    )


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--events", type=int, default=0, help="safety events in the data set (default 1,000,000)")
    cli.add_argument("--canteen-weeks", type=int, default=0, help="weeks of canteen records (default 18; quick 3)")
    cli.add_argument("--rate", type=float, default=RATE, help="requests per second of each query")
    cli.add_argument("--duration", type=float, default=0.0, help="seconds per query (default 20; quick 6)")
    cli.add_argument(
        "--gateway-processes", type=int, default=1, help="gateway processes (python -m gateway --processes N)"
    )
    run(main, cli)
