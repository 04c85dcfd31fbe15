"""The term report of one school's term: its figures from every service, and its document.

    .venv/bin/python -m bench.term_report [--quick] [--rounds N]

The data: the demo district (``demo.loader``: the seed's school and a second one, about 3,000
commands of one term), loaded through the services' own APIs. All six services (``serve --mode
all``) and the gateway run as subprocesses on 127.0.0.1, each service on a fresh database.

Then, one request at a time (a report is asked for by one person, not by a crowd), ``--rounds``
times each, by the district's admin:
- the baseline, in the same run: one hazard by id through GraphQL (gateway -> safety);
- ``termReport`` through GraphQL: the four services' figures asked at once, the school's name,
  the report service, the narrative drafted by the rules;
- ``draftTermReport``: the same figures, kept as a draft by the report service;
- the document, ``GET /reports/xuexiao/2020-2021-1?format=html|docx|pdf``: figures, narrative,
  four charts (matplotlib) and the rendering (python-docx; WeasyPrint for the PDF).

Target: the PDF of one school's term in <= 5 s (p95).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial
from typing import Any

import httpx

from bench.cli import console, parser, pick, run
from bench.clients import district_admin_headers
from bench.databases import delete_topics, fresh_database, new_namespace, settings_for
from bench.load import Latency
from bench.processes import BenchProcess
from bench.report import footer, header, rate_table, summary
from demo.loader import DemoLoader
from demo.school import DISTRICT, SCHOOL, TERM
from services.registry import NAMES

TARGET_S = 5.0
HAZARD = '{ hazard(hazardId: "aoyuan-wall-tiles") { hazardId status } }'
FIGURES = """query($s: ID!, $t: ID!) { termReport(schoolId: $s, termId: $t) {
  reportId drafted sections { key paragraphs { text } }
  figures { safety { injuries { total } } inventory { keys { outstanding } } appraisals { months { average } } } } }"""
DRAFT = """mutation($s: ID!, $t: ID!) { draftTermReport(schoolId: $s, termId: $t) { __typename } }"""


async def timed(latency: Latency, call: Any) -> Any:
    started = time.perf_counter()
    result = await call
    latency.add(time.perf_counter() - started)
    return result


async def main(args: argparse.Namespace) -> None:
    rounds = args.rounds or pick(args.quick, 10, 2)
    await header(f"bench.term_report: the demo school's term, {rounds} rounds of each request, one at a time")
    namespace = new_namespace("report")
    procs: list[BenchProcess] = []
    results: dict[str, Latency] = {}
    sizes: dict[str, int] = {}
    try:
        async with AsyncExitStack() as stack:
            dsns = {name: await stack.enter_async_context(fresh_database("term_report", name)) for name in NAMES}
            services = {name: BenchProcess(name, settings_for(name, dsns[name], namespace)) for name in NAMES}
            procs += services.values()
            with console.status("starting the six services"):
                for process in services.values():
                    await process.launch()
            settings = settings_for("gateway", dsns["directory"], namespace)
            env = {f"HOUQIN_{name.upper()}_URL": process.url for name, process in services.items()}
            gateway = BenchProcess("gateway", settings, env=env)
            procs.append(gateway)
            with console.status("starting the gateway"):
                await gateway.launch()
            clients = {name: httpx.AsyncClient(base_url=p.url, timeout=60) for name, p in services.items()}
            started = time.perf_counter()
            with console.status("loading the demo district through the services' APIs") as status:
                loader = DemoLoader(clients, settings_for("safety", dsns["safety"], namespace))
                sent = await loader.load(lambda step: status.update(f"loading the demo district: {step}"))
            console.print(f"demo district: {sent:,} commands in {time.perf_counter() - started:.1f}s")
            for client in clients.values():
                await client.aclose()
            headers = district_admin_headers(settings, DISTRICT)
            async with httpx.AsyncClient(base_url=gateway.url, headers=headers, timeout=120) as client:
                variables = {"s": SCHOOL, "t": TERM}

                async def gql(query: str) -> dict[str, Any]:
                    response = await client.post("/graphql", json={"query": query, "variables": variables})
                    body: dict[str, Any] = response.json()
                    if response.status_code != 200 or body.get("errors"):
                        raise RuntimeError(f"GraphQL answered {response.status_code}: {str(body)[:300]}")
                    return body

                await gql(FIGURES)  # warm: the first call imports nothing more, but fills the caches
                with console.status("waiting for the read models to settle"):
                    last = None
                    while True:  # two reads a second apart agree: the reactions and projections are done
                        body = await gql(FIGURES)
                        if body == last:
                            break
                        last = body
                        await asyncio.sleep(1.0)
                requests: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                    ("baseline: one hazard (GraphQL)", lambda: gql(HAZARD)),
                    ("termReport figures + narrative (GraphQL)", lambda: gql(FIGURES)),
                    ("draftTermReport (GraphQL)", lambda: gql(DRAFT)),
                    *((f"document {fmt}", partial(_document, client, fmt, sizes)) for fmt in ("html", "docx", "pdf")),
                ]
                for name, make in requests:
                    latency = results[name] = Latency()
                    with console.status(f"{name} x {rounds}"):
                        await make()  # once unmeasured: matplotlib's and WeasyPrint's first use loads fonts
                        for _ in range(rounds):
                            await timed(latency, make())
    finally:
        for p in reversed(procs):
            await p.close()
        await delete_topics(namespace)
    base = results["baseline: one hazard (GraphQL)"].summary()["p50"]
    rows = [
        {
            "name": name,
            "rate": 1000.0 / lat.summary()["p50"],
            "unit": "/s one at a time",
            "latency": lat,
            "note": f"{lat.summary()['p50'] / base:,.0f}x the baseline's p50"
            + (f"; {sizes[name.split()[-1]] / 1024:,.0f} KiB" if name.split()[-1] in sizes else ""),
        }
        for name, lat in results.items()
    ]
    rate_table("one school's term report, one request at a time", rows, "baseline: one hazard (GraphQL)")
    await footer()
    pdf_p95 = results["document pdf"].summary()["p95"] / 1000
    summary(
        "term_report",
        pdf_p95 <= TARGET_S,
        f"the PDF of one school's term p95 {pdf_p95:.2f} s (target {TARGET_S:.0f} s); "
        f"figures p50 {results['termReport figures + narrative (GraphQL)'].summary()['p50']:.0f} ms; "
        f"baseline one hazard p50 {base:.1f} ms" + ("" if not args.quick else "; quick: not a measurement"),
    )


async def _document(client: httpx.AsyncClient, fmt: str, sizes: dict[str, int]) -> None:
    response = await client.get(f"/reports/{SCHOOL}/{TERM}", params={"format": fmt})
    if response.status_code != 200:
        raise RuntimeError(f"/reports answered {response.status_code}: {response.text[:300]}")
    sizes[fmt] = len(response.content)


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--rounds", type=int, default=0, help="requests of each kind (default 10; quick 2)")
    run(main, cli)
