"""From a command's acknowledgement to its effect in a GraphQL query.

    .venv/bin/python -m bench.command_to_query [--quick] [--rate R] [--sample K] [--poll-ms P]

The safety service (``serve --mode all``: API, relay, projection consumers) and the GraphQL
gateway (``python -m gateway``) run as subprocesses on 127.0.0.1, with a fresh database and
their own Kafka topics. Commands (POST /hazards) arrive at ``--rate`` per second (open
loop); each one travels: append + outbox (one transaction) -> NOTIFY -> relay -> Kafka
(acks=all) -> the inspection_status projection's consumer -> its table -> the service's
GET /hazards/{id} -> the gateway's ``hazard(hazardId)``.

Baseline, in the same run: the Kafka hop alone (a record produced with acks=all until a
consumer has it), the floor of the relay-and-consumer part.

Measured for every command: from its HTTP acknowledgement until its row is in the
projection's table (one SQL query per millisecond for all the commands in flight) — the
moment from which the service's query endpoint, and so the gateway, can return it.
Measured for every ``--sample``-th command: until a GraphQL query ``hazard(hazardId)``
returns it — the query is sent as soon as the row is seen (and again every ``--poll-ms``
while it answers null), so the figure is the row's visibility plus one GraphQL round
trip. (Polling GraphQL blindly every few milliseconds from the acknowledgement on would
cost the gateway, about 4 ms of CPU a query here, more than the system being measured.)
Requests are sent with a minimal HTTP/1.1 client, so that the load generator takes
little of the two cores.

Target: p50 <= 15 ms, p99 <= 50 ms at 500 commands/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any
from uuid import uuid4

from bench.cli import console, parser, pick, run
from bench.clients import ClientPool, district_admin_headers
from bench.commands_http import hazard_body, prepare
from bench.databases import delete_topics, fresh_database, new_namespace, settings_for
from bench.dataset import DISTRICT
from bench.load import Latency, open_loop
from bench.processes import BenchProcess
from bench.report import footer, header, rate_table, summary
from services.eventkit.db import create_pool
from services.eventkit.kafka import ensure_topics, make_consumer, make_producer, stop_quietly
from services.eventkit.settings import Settings

RATE = 500
P50_TARGET_MS = 15.0
P99_TARGET_MS = 50.0
QUERY = "query($id: ID!) { hazard(hazardId: $id) { hazardId status severity } }"


async def kafka_hop(settings: Settings, rate: float, n: int) -> Latency:
    """The floor of the path: a record produced (acks=all, as the relay does) until a consumer has it."""
    topic = f"{settings.namespace}.hop.events"
    await ensure_topics(settings, topic)
    producer = make_producer(settings, client_id="bench-hop")
    consumer = make_consumer(settings, topic, group_id=f"{settings.namespace}.hop", client_id="bench-hop")
    hop = Latency()
    await producer.start()
    await consumer.start()
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        await consumer.seek_to_end()
        sent: dict[bytes, float] = {}

        async def consume() -> None:
            while len(hop.samples) < n:
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    now = time.perf_counter()
                    for record in records:
                        if record.value in sent:
                            hop.add(now - sent.pop(record.value))

        reader = asyncio.create_task(consume())
        for i in range(n):
            key = f"m{i}".encode()
            sent[key] = time.perf_counter()
            await producer.send_and_wait(topic, key, key=key)
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(reader, 30)
    finally:
        await stop_quietly(consumer)
        await stop_quietly(producer)
    return hop


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    duration = args.duration or pick(quick, 30.0, 8.0)
    await header(f"bench.command_to_query: command -> GraphQL at {args.rate:,.0f} commands/s")
    namespace = new_namespace("c2q")
    procs: list[BenchProcess] = []
    graphql = Latency()
    table = Latency()
    commands = Latency()
    unseen = 0
    try:
        async with fresh_database("command_to_query") as dsn:
            settings = settings_for("safety", dsn, namespace)
            with console.status("baseline: the Kafka hop alone"):
                hop = await kafka_hop(settings, args.rate, pick(quick, 1000, 300))
            await prepare(dsn)
            safety = BenchProcess("safety", settings, mode="all")
            procs.append(safety)
            with console.status("starting the safety service"):
                await safety.launch()
            gateway = BenchProcess(
                "gateway",
                settings,
                env={
                    "HOUQIN_SAFETY_URL": safety.url,
                    "HOUQIN_DIRECTORY_URL": "http://127.0.0.1:9",  # not queried here
                    "HOUQIN_INVENTORY_URL": "http://127.0.0.1:9",
                },
            )
            procs.append(gateway)
            with console.status("starting the gateway"):
                await gateway.launch()
            headers = district_admin_headers(settings, DISTRICT)
            writers = ClientPool("raw", safety.url, headers, 64)
            readers = ClientPool("raw", gateway.url, headers, 64)
            pool = await create_pool(dsn, min_size=1, max_size=2)
            tag = uuid4().hex[:6]
            in_flight: dict[str, float] = {}  # hazard id -> acknowledged at
            pollers: set[asyncio.Task[None]] = set()
            measuring = False

            tracked: set[str] = set()  # the commands followed through GraphQL

            async def visible_in_graphql(hazard_id: str) -> bool:
                status, content = await readers.post("/graphql", {"query": QUERY, "variables": {"id": hazard_id}})
                if status != 200:
                    raise RuntimeError(f"gateway answered {status}: {content[:200]!r}")
                return json.loads(content)["data"]["hazard"] is not None

            async def ask_graphql(hazard_id: str, acked: float) -> None:
                """From the moment the row is there: GraphQL until it answers with the hazard."""
                nonlocal unseen
                deadline = time.perf_counter() + 10.0
                while time.perf_counter() < deadline:
                    if await visible_in_graphql(hazard_id):
                        if measuring:
                            graphql.add(time.perf_counter() - acked)
                        return
                    await asyncio.sleep(args.poll_ms / 1000)
                unseen += 1

            async def poll_table(stop: asyncio.Event) -> None:
                while not stop.is_set():
                    if in_flight:
                        ids = list(in_flight)
                        rows = await pool.fetch(
                            "SELECT hazard_id FROM proj_inspection_status.hazards WHERE hazard_id = ANY($1::text[])",
                            ids,
                        )
                        now = time.perf_counter()
                        for r in rows:
                            hazard_id = r["hazard_id"]
                            acked = in_flight.pop(hazard_id)
                            if measuring:
                                table.add(now - acked)
                            if hazard_id in tracked:
                                tracked.discard(hazard_id)
                                task = asyncio.create_task(ask_graphql(hazard_id, acked))
                                pollers.add(task)
                                task.add_done_callback(pollers.discard)
                    await asyncio.sleep(0.001)

            async def command(i: int) -> None:
                body = hazard_body(i, tag)
                sent = time.perf_counter()
                status, content = await writers.post("/hazards", body)
                acked = time.perf_counter()
                if status != 200:
                    raise RuntimeError(f"{status}: {content[:200]!r}")
                if measuring:
                    commands.add(acked - sent)
                if i % args.sample == 0:
                    tracked.add(body["hazard_id"])
                in_flight[body["hazard_id"]] = acked

            stop = asyncio.Event()
            table_poller = asyncio.create_task(poll_table(stop))
            try:
                with console.status("first command, until the projection's consumer has joined its group"):
                    await command(0)
                    for _ in range(600):
                        if not in_flight:
                            break
                        await asyncio.sleep(0.1)
                await open_loop(
                    "warm-up", args.rate, lambda i: command(1 + i), duration_s=pick(quick, 5.0, 2.0), warmup_s=0
                )
                measuring = True
                load = await open_loop(
                    "commands", args.rate, lambda i: command(1_000_000 + i), duration_s=duration, warmup_s=0
                )
                measuring = False
                await asyncio.gather(*pollers, return_exceptions=True)
                await asyncio.sleep(0.5)
            finally:
                stop.set()
                await table_poller
                await pool.close()
                await writers.aclose()
                await readers.aclose()
    finally:
        for p in reversed(procs):
            await p.close()
        await delete_topics(namespace)
    rows: list[dict[str, Any]] = [
        {"name": "baseline: Kafka hop (produce acks=all -> consumed)", "rate": args.rate, "unit": "/s",
         "latency": hop, "note": "the floor of relay + consumer"},
        {"name": "command (POST /hazards) acknowledged", "rate": load.rate, "unit": "cmd/s", "latency": commands,
         "note": f"{load.ok:,} ok, {load.errors} errors; latency of the POST itself"},
        {"name": "-> row in the projection's table", "rate": len(table.samples) / duration, "unit": "/s",
         "latency": table, "note": "every command; SQL poll every 1 ms"},
        {"name": "-> returned by GraphQL hazard(hazardId)", "rate": len(graphql.samples) / duration, "unit": "/s",
         "latency": graphql, "note": f"1 in {args.sample} commands, asked once the row is there; {unseen} unseen"},
    ]  # fmt: skip
    rate_table("from acknowledgement to visibility (latency from the command's answer)", rows)
    if load.first_error:
        console.print(f"[red]first error: {load.first_error}[/red]")
    await footer()
    g = graphql.summary()
    ok = (
        load.rate >= args.rate * 0.98
        and load.errors == 0
        and unseen == 0
        and g["p50"] <= P50_TARGET_MS
        and g["p99"] <= P99_TARGET_MS
        and args.rate >= RATE
    )
    t = table.summary()
    h = hop.summary()
    summary(
        "command_to_query",
        ok,
        f"at {load.rate:,.0f} cmd/s: visible in GraphQL p50 {g['p50']:.1f} / p95 {g['p95']:.1f} / "
        f"p99 {g['p99']:.1f} ms (target p50 <= {P50_TARGET_MS:.0f}, p99 <= {P99_TARGET_MS:.0f}); "
        f"in the projection table p50 {t['p50']:.1f} / p99 {t['p99']:.1f} ms; "
        f"GraphQL p50 = {g['p50'] / h['p50']:.1f}x the bare Kafka hop ({h['p50']:.1f} ms)",
    )


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--rate", type=float, default=RATE, help="commands per second")
    cli.add_argument("--duration", type=float, default=0.0, help="seconds of load (default 30; quick 8)")
    cli.add_argument("--sample", type=int, default=10, help="follow every K-th command through GraphQL")
    cli.add_argument("--poll-ms", type=float, default=2.0, help="GraphQL poll interval")
    run(main, cli)
