"""The monthly appraisal totals of a campus, through GraphQL, on a district's year of appraisals.

    .venv/bin/python -m bench.appraisal_totals [--quick] [--schools N] [--rate R] [--duration S]

The data: 20 schools x 2 campuses in the directory, and a year of the staff appraisal service's
events (``bench.dataset.appraisal_year``: every logistics worker of every campus, 25-40 a
campus, appraised each of 12 months: opened, deductions and a few bonuses proposed, each
deduction told and acknowledged, disputed and resolved, or left unanswered; finalised; the
campus's month published; the last month still open), bulk-imported with
``EventStore.import_events`` and turned into the ``appraisal_totals`` read tables by
``services.eventkit.projection.rebuild``. Then the directory and the staff appraisal service
(``serve --mode api``) and the gateway run as subprocesses on 127.0.0.1.

Each query runs three times over random campuses and months: 8 clients back to back (the most
it takes), ``--rate`` per second (open loop, latency from when each was due, bounded by count
and duration), and, when that rate is more than it takes, 60% of its most:
- ``appraisalTotals(campusId, month)`` through the gateway, asked whole (the figures, the rules,
  every worker, the appraisers, the pending work) by a district administrator;
- the same through ``campus(campusId) { appraisalTotals(month) }`` (the campus from the directory);
- the baseline, in the same run: the service's own ``GET /appraisal-totals`` (no gateway);
and the floor: the service's query function (``services.hr_eval.queries.totals.totals``) in
this process, one after the other.

Target at 200 requests/s through GraphQL: p95 <= 25 ms.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import orjson

from bench.cli import console, parser, pick, run
from bench.clients import ClientPool, district_admin_headers
from bench.cpu import CpuMeter
from bench.databases import delete_topics, fresh_database, new_namespace, settings_for
from bench.dataset import (
    DISTRICT,
    HR_CAMPUSES_PER_SCHOOL,
    HR_MONTHS,
    SCHOOLS,
    appraisal_months,
    appraisal_year,
    campuses,
    directory_events,
)
from bench.graphql_queries import load_service, run_query
from bench.load import Latency, LoadResult
from bench.processes import BenchProcess
from bench.report import footer, header, rate_table, summary
from services.directory.service import DIRECTORY
from services.eventkit.auth import Principal, Role
from services.eventkit.db import create_pool
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS
from services.hr_eval.queries.totals import totals
from services.hr_eval.service import HR_EVAL
from services.registry import NAMES

RATE = 200
P95_MS = 25.0
THRESHOLD = 90

TOTALS_FIELDS = """appraised published finalised mean min max spread stddev belowThreshold
    byRule { ruleCode ruleText category items points }
    workers { appraisalId staffId name role base deductions bonuses total state published corrected partMonth }
    appraisers { appraiserId items pointsGiven meanTotalOfAppraised }
    pending { uncommunicated disputed notFinalised notPublished }"""
ROOT_QUERY = f"""query($campus: ID!, $month: String!) {{
  appraisalTotals(campusId: $campus, month: $month) {{ {TOTALS_FIELDS} }}
}}"""
NESTED_QUERY = f"""query($campus: ID!, $month: String!) {{
  campus(campusId: $campus) {{ name appraisalTotals(month: $month) {{ {TOTALS_FIELDS} }} }}
}}"""

ROOT = "GraphQL: appraisalTotals(campusId, month)"
NESTED = "GraphQL: campus { appraisalTotals(month) }"
SERVICE = "service: GET /appraisal-totals"


def graphql_totals(path: tuple[str, ...]) -> Any:
    """A check of a GraphQL answer: no errors, and the totals (at ``path``) of an appraised month."""

    def check(body: dict[str, Any]) -> None:
        if body.get("errors"):
            raise RuntimeError(str(body["errors"])[:300])
        found: Any = body["data"]
        for key in path:
            found = found[key]
        if not found["appraised"] or not found["workers"]:
            raise RuntimeError("no appraisal in the answer")

    return check


def service_totals(body: dict[str, Any]) -> None:
    if not body["appraised"] or not body["workers"]:
        raise RuntimeError("no appraisal in the answer")


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    schools = args.schools or pick(quick, SCHOOLS, 4)
    duration = args.duration or pick(quick, 20.0, 5.0)
    await header(
        f"bench.appraisal_totals: {schools} schools x {HR_CAMPUSES_PER_SCHOOL} campuses x {HR_MONTHS} months, "
        f"queries at {args.rate:,.0f}/s, {args.gateway_processes} gateway process(es)"
    )
    namespace = new_namespace("appraisals")
    procs: list[BenchProcess] = []
    results: dict[str, tuple[LoadResult, LoadResult, LoadResult | None]] = {}
    left_out: set[str] = set()
    rng = random.Random(23)
    cs = campuses(HR_CAMPUSES_PER_SCHOOL, schools)
    months = appraisal_months(months=HR_MONTHS)
    try:
        async with (
            fresh_database("appraisal_totals", "hr_eval") as hr_dsn,
            fresh_database("appraisal_totals", "directory") as directory_dsn,
        ):
            started = time.perf_counter()
            d = await load_service(
                directory_dsn, DIRECTORY, directory_events(per_school=HR_CAMPUSES_PER_SCHOOL, schools=schools),
                "directory",
            )  # fmt: skip
            h = await load_service(hr_dsn, HR_EVAL, appraisal_year(schools=schools), "hr_eval")
            setup_s = time.perf_counter() - started
            imported = h["imported"]
            console.print(
                f"data set: {imported.events:,} staff appraisal events in {imported.streams:,} streams, imported at "
                f"{imported.rate:,.0f}/s; projections rebuilt: "
                + ", ".join(
                    f"{r.projection} {r.seconds:.1f}s ({r.rate:,.0f} events/s)"
                    for r in [*h["rebuilt"], *d["rebuilt"]]
                    if r.seconds >= 0.05
                )
                + f"; ready in {setup_s:.0f}s"
            )
            hr_pool = await create_pool(hr_dsn, min_size=1, max_size=2)
            try:
                await hr_pool.executemany(
                    "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, $2, $3, $4)",
                    [(c.campus_id, c.school_id, DISTRICT, c.name) for c in cs],
                )
                await hr_pool.execute("ANALYZE directory_campuses")
                s = APPRAISAL_TOTALS.schema
                sizes = {t: await hr_pool.fetchval(f"SELECT count(*) FROM {s}.{t}") for t in ("appraisals", "items")}
                per_campus_month = await hr_pool.fetchval(
                    f"SELECT round(avg(n), 1) FROM (SELECT count(*) AS n FROM {s}.appraisals "
                    "GROUP BY campus_id, month) x"
                )
            finally:
                await hr_pool.close()
            console.print(
                f"read tables: appraisals {sizes['appraisals']:,} rows, items {sizes['items']:,} rows; "
                f"{per_campus_month} appraisals per campus and month"
            )

            hr_settings = settings_for("hr_eval", hr_dsn, namespace)
            directory_settings = settings_for("directory", directory_dsn, namespace)
            directory = BenchProcess("directory", directory_settings, mode="api")
            hr_eval = BenchProcess("hr_eval", hr_settings, mode="api")
            procs += [directory, hr_eval]
            with console.status("starting the directory and staff appraisal services"):
                await directory.launch()
                await hr_eval.launch()
            urls = {f"HOUQIN_{name.upper()}_URL": "http://127.0.0.1:9" for name in NAMES}  # none of the others
            urls |= {"HOUQIN_HR_EVAL_URL": hr_eval.url, "HOUQIN_DIRECTORY_URL": directory.url}
            urls["HOUQIN_GATEWAY_PROCESSES"] = str(args.gateway_processes)
            gateway = BenchProcess("gateway", hr_settings, env=urls)
            procs.append(gateway)
            with console.status("starting the gateway"):
                await gateway.launch()
            headers = district_admin_headers(hr_settings, DISTRICT)
            to_gateway = ClientPool("raw", gateway.url, headers, 64)
            to_service = ClientPool("raw", hr_eval.url, headers, 64)

            def pick_one(i: int) -> tuple[str, str]:
                return rng.choice(cs).campus_id, rng.choice(months)

            def root(i: int) -> dict[str, Any]:
                campus, month = pick_one(i)
                return {"query": ROOT_QUERY, "variables": {"campus": campus, "month": month}}

            def nested(i: int) -> dict[str, Any]:
                campus, month = pick_one(i)
                return {"query": NESTED_QUERY, "variables": {"campus": campus, "month": month}}

            def rest(i: int) -> str:
                campus, month = pick_one(i)
                return f"/appraisal-totals?campus_id={campus}&month={month}&threshold={THRESHOLD}"

            cases: list[tuple[str, ClientPool, str, str, Any, Any]] = [
                (ROOT, to_gateway, gateway.url, "/graphql", root, graphql_totals(("appraisalTotals",))),
                (NESTED, to_gateway, gateway.url, "/graphql", nested, graphql_totals(("campus", "appraisalTotals"))),
                (SERVICE, to_service, hr_eval.url, "/appraisal-totals", rest, service_totals),
            ]
            cpu = CpuMeter(
                {"gateway": [gateway.pid], "hr_eval": [hr_eval.pid], "directory": [directory.pid]},
                [hr_dsn.rsplit("/", 1)[1], directory_dsn.rsplit("/", 1)[1]],
            )
            for label, pool, url, path, make, check in cases:
                # Warmed up just before its loads: a connection left idle meanwhile is closed by the
                # server's keep-alive timeout, and its first request would fail.
                with console.status(f"{label}: warming up"):
                    try:
                        for i in range(20):
                            status, content = await (pool.post(path, make(i)) if path == "/graphql"
                                                     else pool.get(make(i)))  # fmt: skip
                            if status != 200:
                                raise RuntimeError(f"{status}: {content[:300]!r}")
                            check(orjson.loads(content))
                    except Exception as exc:
                        if label == SERVICE:
                            raise
                        console.print(f"[yellow]{label}: left out ({exc})[/yellow]")
                        left_out.add(label)
                        continue
                results[label] = await run_query(label, pool, url, path, make, args.rate, duration, check, cpu)
            await to_gateway.aclose()
            await to_service.aclose()

            # The floor: the service's query function in this process, one call after the other.
            db = await create_pool(hr_dsn, min_size=1, max_size=2)
            try:
                admin = Principal(subject="bench-admin", roles=frozenset([Role.DISTRICT_ADMIN]),
                                  districts=frozenset([DISTRICT]))  # fmt: skip
                floor = Latency()
                for i in range(pick(quick, 2000, 300)):
                    campus, month = pick_one(i)
                    t0 = time.perf_counter()
                    await totals(db, admin, campus, month, None, THRESHOLD)
                    floor.add(time.perf_counter() - t0)
            finally:
                await db.close()
    finally:
        for p in reversed(procs):
            await p.close()
        await delete_topics(namespace)

    most_rows, rate_rows = [], []
    for label, (most, at_rate, easy) in results.items():
        most_rows.append({"name": label, "rate": most.rate, "unit": "req/s", "latency": most.latency,
                          "note": f"{most.ok:,} ok, {most.errors} errors"
                                  + (f": {most.first_error}" if most.first_error else "")})  # fmt: skip
        for what, r in ((f"at {args.rate:,.0f}/s", at_rate), ("at 60% of most", easy)):
            if r is None:
                continue
            note = f"{r.ok:,} ok, {r.errors} errors" + (f": {r.first_error}" if r.first_error else "")
            rate_rows.append({"name": f"{label} — {what}", "rate": r.rate, "unit": "req/s", "latency": r.latency,
                              "note": note})  # fmt: skip
    most_rows.append({"name": "the query function, in process", "rate": len(floor.samples) / sum(floor.samples),
                      "unit": "q/s", "latency": floor, "note": "one after the other; the floor"})  # fmt: skip
    rate_table("the most each takes (8 clients back to back)", most_rows, baseline=SERVICE)
    rate_table(f"at {args.rate:,.0f}/s offered, open loop (latency from when each was due)", rate_rows)
    await footer()

    service = results[SERVICE][1]
    service_p95 = service.latency.summary()["p95"]
    data = (
        f"{schools} schools x {HR_CAMPUSES_PER_SCHOOL} campuses x {HR_MONTHS} months ({sizes['appraisals']:,} "
        f"appraisals, {sizes['items']:,} items)"
    )
    baseline = (
        f"the service's own GET at {service.rate:,.0f}/s: p95 {service_p95:.1f} ms, "
        f"most {results[SERVICE][0].rate:,.0f}/s"
    )
    full = schools >= SCHOOLS
    if ROOT not in results:
        summary("appraisal_totals", False, f"{data}; no appraisalTotals in the gateway's schema; {baseline}")
        return
    graph = results[ROOT][1]
    p95 = graph.latency.summary()["p95"]
    errors = graph.errors
    rate_ok = graph.rate >= args.rate * 0.98
    ok = p95 <= P95_MS and errors == 0 and rate_ok and full
    nested_text = ""
    if NESTED in results:
        nested_text = f"; through campus {{ appraisalTotals }} p95 {results[NESTED][1].latency.summary()['p95']:.1f} ms"
    summary(
        "appraisal_totals",
        ok,
        f"{data}; appraisalTotals through GraphQL at {graph.rate:,.0f} req/s: p95 {p95:.1f} ms (target "
        f"{P95_MS:.0f}), {errors} errors{nested_text}, most {results[ROOT][0].rate:,.0f}/s; {baseline} "
        f"(GraphQL's p95 {p95 / service_p95:.1f}x)" + ("" if full else "; a smaller district: not a measurement"),
    )


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--schools", type=int, default=0, help=f"schools of 2 campuses (default {SCHOOLS}; quick 4)")
    cli.add_argument("--rate", type=float, default=RATE, help="requests per second of each query")
    cli.add_argument("--duration", type=float, default=0.0, help="seconds per load (default 20; quick 5)")
    cli.add_argument(
        "--gateway-processes", type=int, default=1, help="gateway processes (python -m gateway --processes N)"
    )
    run(main, cli)
