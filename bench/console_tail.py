"""The console's live tail under load: does it keep up with 1,500 events/s, and what do 50 open
consoles cost the gateway?

    .venv/bin/python -m bench.console_tail [--quick] [--rate R] [--consoles N] [--duration S]

Each console is the tail page's stream (``GET /console/tail/stream``, server-sent events, on
``gateway/events.py``'s EventHub), read as a browser reads it: every row counted, its delivery lag
taken from the row's ``data-occurred`` (the probe's act time, when it was produced).

The safety service (``serve --mode all``) and the gateway run as subprocesses on a fresh
database and a topic namespace of their own. Events are produced at ``--rate`` per second
straight into the safety service's events topic (envelopes as the relay writes them, each
carrying the time it was sent), for ``--duration`` seconds a phase:
- the baseline, in the same run: the same events read straight from Kafka by one consumer;
- one console (a subscriber of the platform admin's): each event's delivery lag (sent ->
  received), how many arrived, and the lag in the first and last quarter of the phase (a
  tail that falls behind shows a growing lag);
- ``--consoles`` consoles at once at the same rate: delivery (every console counts every
  event; the lag is sampled on one event in 20) and the gateway's CPU (``bench/cpu.py``);
- the same consoles open with no events: what an idle watched console costs.

Targets: one console keeps up with 1,500 events/s (every event delivered, p95 lag under 1 s,
no growth), and 50 open consoles cost the gateway less than one core.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from typing import Any
from uuid import uuid4

import httpx
import orjson
import websockets
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from websockets.typing import Subprotocol

from bench.cli import console, parser, pick, run
from bench.clients import platform_headers
from bench.cpu import CpuMeter
from bench.databases import KAFKA, delete_topics, fresh_database, new_namespace, settings_for
from bench.load import Latency, wait_until
from bench.processes import BenchProcess
from bench.report import footer, header, rate_table, summary
from services.eventkit.envelope import Envelope
from services.eventkit.kafka import ensure_topics

TARGET_RATE = 1500
TARGET_P95_S = 1.0
TARGET_CORES = 1.0
FAN_OUT_RATE = 1000  # the fan-out target: 100 operators watching while 1,000 events/s flow
FAN_OUT_CONSOLES = 100
FAN_OUT_P99_MS = 100.0
ROW = re.compile(r'data-occurred="([0-9.]+)".*?bench-([a-z]+)-\d+ @')


def probe(run_id: str, phase: str, n: int) -> bytes:
    return Envelope(
        event_id=uuid4(), stream_id=f"bench-{phase}-{n % 64}", version=n + 1, type="safety.BenchProbed",
        schema_version=1,
        occurred_at=_now(), district_id="xinbei", campus_id="main", actor="bench",
        data={"run": run_id, "phase": phase, "n": n, "sent": time.time()},
    ).to_wire()  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def produce(topic: str, run_id: str, phase: str, rate: int, duration_s: float) -> int:
    """``rate`` events a second for ``duration_s`` (in 10 ms ticks), sent as they are due."""
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, linger_ms=2, acks=1)
    await producer.start()
    sent = 0
    try:
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < duration_s:
            due = int(elapsed * rate)
            while sent < due:
                await producer.send(topic, probe(run_id, phase, sent), key=f"bench-{sent % 64}".encode())
                sent += 1
            await asyncio.sleep(0.01)
        await producer.flush()
    finally:
        await producer.stop()
    return sent


class Console:
    """One open console: the tail page's server-sent events (``GET /console/tail/stream``), each
    message a row whose ``data-occurred`` is the event's act time (the probe's send time)."""

    def __init__(self, url: str, token: str, *, sample_every: int = 1) -> None:
        self.url, self.token, self.sample_every = url, token, sample_every
        self.received: dict[str, int] = {}
        self.lags: dict[str, list[tuple[float, float]]] = {}  # phase -> (sent, lag)
        self.client: httpx.AsyncClient | None = None
        self.task: asyncio.Task[None] | None = None
        self.live = asyncio.Event()

    async def open(self) -> None:
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(10, read=None))
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.live.wait(), 30)

    async def _read(self) -> None:
        assert self.client is not None
        headers = {"Authorization": self.token}
        async with self.client.stream("GET", self.url, params={"service": "safety"}, headers=headers) as answer:
            if answer.status_code != 200:
                raise RuntimeError(f"the gateway refused the console: {answer.status_code}")
            async for line in answer.aiter_lines():
                if 'id="tail-state"' in line:
                    self.live.set()
                    continue
                row = ROW.search(line)
                if row is None:
                    continue
                phase, occurred = row.group(2), float(row.group(1))
                count = self.received[phase] = self.received.get(phase, 0) + 1
                if count % self.sample_every == 0:
                    self.lags.setdefault(phase, []).append((occurred, time.time() - occurred))

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.client is not None:
            await self.client.aclose()


class Subscriber:
    """An API client's GraphQL subscription to the same events (graphql-transport-ws on
    ``/graphql``): one ``next`` message per event, its lag taken from the probe's send time."""

    QUERY = 'subscription { events(services: ["safety"]) { type occurredAt data } }'

    def __init__(self, url: str, token: str, *, sample_every: int = 1) -> None:
        self.url, self.token, self.sample_every = url, token, sample_every
        self.received: dict[str, int] = {}
        self.lags: dict[str, list[tuple[float, float]]] = {}
        self.task: asyncio.Task[None] | None = None
        self.live = asyncio.Event()
        self.error: str | None = None

    async def open(self) -> None:
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.live.wait(), 30)

    async def _read(self) -> None:
        async with websockets.connect(
            self.url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None
        ) as ws:
            await ws.send(orjson.dumps({"type": "connection_init", "payload": {"Authorization": self.token}}).decode())
            if orjson.loads(await ws.recv())["type"] != "connection_ack":
                raise RuntimeError("the gateway refused the subscription's connection")
            await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": self.QUERY}}).decode())
            self.live.set()
            async for message in ws:
                now = time.time()
                body = orjson.loads(message)
                if body.get("type") != "next" or "data" not in body["payload"]:
                    self.error = str(body)[:200]
                    continue
                data = body["payload"]["data"]["events"]["data"]
                phase = data["phase"]
                count = self.received[phase] = self.received.get(phase, 0) + 1
                if count % self.sample_every == 0:
                    self.lags.setdefault(phase, []).append((data["sent"], now - data["sent"]))

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self.task


async def warm(topic: str, run_id: str, consoles: Sequence[Console | Subscriber]) -> None:
    """Probes until every console got one: the gateway's reader is live and at the topic's end."""
    deadline = time.monotonic() + 60
    while not all(c.received.get("warm") for c in consoles):
        if time.monotonic() > deadline:
            raise RuntimeError("the consoles received nothing within 60 s")
        await produce(topic, run_id, "warm", 20, 0.2)


def lag_of(samples: list[tuple[float, float]]) -> Latency:
    latency = Latency()
    for _, lag in samples:
        latency.add(lag)
    return latency


def quarters(samples: list[tuple[float, float]]) -> tuple[float, float]:
    """The median lag (ms) of the first and of the last quarter of the phase."""
    ordered = sorted(samples)
    q = max(1, len(ordered) // 4)

    def median(part: list[tuple[float, float]]) -> float:
        lags = sorted(lag for _, lag in part)
        return lags[len(lags) // 2] * 1000 if lags else float("nan")

    return median(ordered[:q]), median(ordered[-q:])


async def settle(consoles: Sequence[Console | Subscriber], phase: str, sent: int, timeout_s: float = 30.0) -> None:
    await wait_until(lambda: all(c.received.get(phase, 0) >= sent for c in consoles), timeout_s, 0.1)
    await asyncio.sleep(0.5)  # anything more than sent would show


async def main(args: argparse.Namespace) -> None:
    rate = args.rate or TARGET_RATE
    many_rate = args.many_rate or FAN_OUT_RATE
    duration = args.duration or pick(args.quick, 20.0, 4.0)
    many = args.consoles or pick(args.quick, FAN_OUT_CONSOLES, 5)
    subscribers = args.subscribers if args.subscribers is not None else pick(args.quick, 20, 2)
    await header(
        f"bench.console_tail: 1 console at {rate:,} events/s, then {many} consoles and {subscribers} GraphQL "
        f"subscriptions at {many_rate:,}/s, {duration:.0f}s a phase"
    )
    namespace = new_namespace("console_tail")
    run_id = uuid4().hex[:8]
    procs: list[BenchProcess] = []
    rows: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    try:
        async with AsyncExitStack() as stack:
            dsn = await stack.enter_async_context(fresh_database("console_tail", "safety"))
            safety_settings = settings_for("safety", dsn, namespace)
            safety = BenchProcess("safety", safety_settings)
            procs.append(safety)
            with console.status("starting the safety service"):
                await safety.launch()
            gateway_settings = settings_for("gateway", dsn, namespace)
            gateway = BenchProcess("gateway", gateway_settings, env={"HOUQIN_SAFETY_URL": safety.url})
            procs.append(gateway)
            with console.status("starting the gateway"):
                await gateway.launch()
            topic = safety_settings.events_topic
            await ensure_topics(safety_settings, topic)
            token = platform_headers(gateway_settings)["Authorization"]
            tail_url = gateway.url + "/console/tail/stream"
            meter = CpuMeter({"gateway": [gateway.pid]}, [dsn.rsplit("/", 1)[-1]], broker=False)

            # the baseline: the same events straight from Kafka
            reader = AIOKafkaConsumer(topic, bootstrap_servers=KAFKA, group_id=None, auto_offset_reset="latest")
            await reader.start()
            while not reader.assignment():
                await reader.getmany(timeout_ms=100)
            await reader.seek_to_end(*reader.assignment())
            for tp in reader.assignment():
                await reader.position(tp)
            kafka_lags: list[tuple[float, float]] = []

            async def read_kafka() -> None:
                while True:
                    batches = await reader.getmany(timeout_ms=200)
                    now = time.time()
                    for records in batches.values():
                        for record in records:
                            data = orjson.loads(record.value)["data"]
                            if data["phase"] == "kafka":
                                kafka_lags.append((data["sent"], now - data["sent"]))

            reading = asyncio.create_task(read_kafka())
            with console.status(f"baseline: {rate:,}/s straight from Kafka"):
                sent = await produce(topic, run_id, "kafka", rate, duration)
                await wait_until(lambda: len(kafka_lags) >= sent, 30, 0.1)
            reading.cancel()
            await reader.stop()
            rows.append(_row("baseline: one Kafka consumer", sent, len(kafka_lags), kafka_lags, duration, rate))

            # one console
            one = Console(tail_url, token)
            await one.open()
            await warm(topic, run_id, [one])
            with console.status(f"one console: {rate:,}/s"):
                before = meter.sample()
                sent = await produce(topic, run_id, "one", rate, duration)
                await settle([one], "one", sent)
                after = meter.sample()
            one_lags = one.lags.get("one", [])
            figures["one"] = (sent, one.received.get("one", 0), lag_of(one_lags), quarters(one_lags))
            figures["one_cores"] = (after["gateway"].cpu_s - before["gateway"].cpu_s) / duration
            rows.append(
                _row(
                    "1 console (the tail's server-sent events)",
                    sent,
                    one.received.get("one", 0),
                    one_lags,
                    duration,
                    rate,
                )
                | {"note_extra": f"gateway {figures['one_cores']:.2f} cores"}
            )
            await one.close()

            # many consoles
            consoles = [Console(tail_url, token, sample_every=20) for _ in range(many)]
            for c in consoles:
                await c.open()
            await warm(topic, run_id, consoles)
            with console.status(f"{many} consoles open, no events"):
                before = meter.sample()
                await asyncio.sleep(duration / 2)
                after = meter.sample()
            figures["idle_cores"] = (after["gateway"].cpu_s - before["gateway"].cpu_s) / (duration / 2)
            with console.status(f"{many} consoles: {many_rate:,}/s"):
                before = meter.sample()
                started = time.perf_counter()
                sent = await produce(topic, run_id, "many", many_rate, duration)
                produced_s = time.perf_counter() - started
                after_load = meter.sample()
                await settle(consoles, "many", sent)
                after = meter.sample()
            figures["many_cores"] = (after_load["gateway"].cpu_s - before["gateway"].cpu_s) / produced_s
            figures["many_cores_drain"] = (after["gateway"].cpu_s - before["gateway"].cpu_s) / produced_s
            figures["bench_cores"] = (after["load generator"].cpu_s - before["load generator"].cpu_s) / produced_s
            got = [c.received.get("many", 0) for c in consoles]
            many_lags = [s for c in consoles for s in c.lags.get("many", [])]
            figures["many"] = (sent, min(got), sum(got), lag_of(many_lags), quarters(many_lags))
            rows.append(
                _row(f"{many} consoles at once, {many_rate:,}/s", sent, min(got), many_lags, duration, many_rate)
                | {"note_extra": f"gateway {figures['many_cores']:.2f} cores; fewest delivered to one console"}
            )
            for c in consoles:
                await c.close()

            # GraphQL subscriptions: what an API client watching the events costs
            if subscribers:
                graphql_url = gateway.url.replace("http://", "ws://") + "/graphql"
                subs = [Subscriber(graphql_url, token, sample_every=20) for _ in range(subscribers)]
                for sub in subs:
                    await sub.open()
                await warm(topic, run_id, subs)
                with console.status(f"{subscribers} GraphQL subscriptions: {many_rate:,}/s"):
                    before = meter.sample()
                    started = time.perf_counter()
                    sent = await produce(topic, run_id, "subs", many_rate, duration)
                    produced_s = time.perf_counter() - started
                    after_load = meter.sample()
                    await settle(subs, "subs", sent)
                figures["subs_cores"] = (after_load["gateway"].cpu_s - before["gateway"].cpu_s) / produced_s
                got = [sub.received.get("subs", 0) for sub in subs]
                sub_lags = [x for sub in subs for x in sub.lags.get("subs", [])]
                figures["subs"] = (sent, min(got), lag_of(sub_lags))
                errors = [sub.error for sub in subs if sub.error]
                rows.append(
                    _row(f"{subscribers} GraphQL subscriptions, {many_rate:,}/s", sent, min(got), sub_lags, duration,
                         many_rate)
                    | {"note_extra": f"gateway {figures['subs_cores']:.2f} cores; fewest delivered to one"
                       + (f"; error: {errors[0]}" if errors else "")}
                )  # fmt: skip
                for sub in subs:
                    await sub.close()
    finally:
        for p in reversed(procs):
            await p.close()
        await delete_topics(namespace)
    rate_table(
        f"the live tail at {rate:,} events/s (delivery lag: produced -> received by the console)",
        [_table_row(r) for r in rows],
        "baseline: one Kafka consumer",
    )
    console.print(
        f"gateway CPU: one console {figures['one_cores']:.2f} cores; {many} consoles idle "
        f"{figures['idle_cores']:.3f} cores; {many} consoles at {many_rate:,}/s {figures['many_cores']:.2f} cores "
        "while "
        f"produced ({figures['many_cores_drain']:.2f} until every console had them); "
        f"the load generator (the {many} clients) {figures['bench_cores']:.2f} cores"
    )
    if "subs" in figures:
        console.print(
            f"{subscribers} GraphQL subscriptions at {many_rate:,}/s: gateway {figures['subs_cores']:.2f} cores"
        )
    await footer()
    sent1, got1, lat1, (first1, last1) = figures["one"]
    p95 = lat1.summary()["p95"] / 1000 if lat1.samples else float("inf")
    keeps_up = got1 == sent1 and p95 < TARGET_P95_S and last1 < max(3 * first1, first1 + 250)
    sent_m, fewest, _, lat_m, _ = figures["many"]
    cheap = figures["many_cores"] < TARGET_CORES and fewest == sent_m
    p99_m = lat_m.summary()["p99"] if lat_m.samples else float("inf")
    fan_out = many >= FAN_OUT_CONSOLES and many_rate >= FAN_OUT_RATE
    fans_out = p99_m <= FAN_OUT_P99_MS and fewest == sent_m
    subs_note = ""
    if "subs" in figures:
        sent_s, fewest_s, lat_s = figures["subs"]
        p99_s = lat_s.summary()["p99"] if lat_s.samples else float("nan")
        subs_note = (
            f"; {subscribers} GraphQL subscriptions: fewest delivered {fewest_s:,}/{sent_s:,}, lag p99 {p99_s:,.0f} ms,"
            f" gateway {figures['subs_cores']:.2f} cores"
        )
    summary(
        "console_tail",
        keeps_up and cheap and (fans_out or not fan_out),
        f"one console at {rate:,}/s: {got1:,}/{sent1:,} delivered, lag p95 {p95 * 1000:,.0f} ms (first quarter "
        f"p50 {first1:,.0f} ms, last {last1:,.0f} ms); {many} consoles: gateway {figures['many_cores']:.2f} cores "
        f"(target < {TARGET_CORES:.0f}) at {many_rate:,}/s, idle {figures['idle_cores']:.3f}, fewest delivered "
        f"{fewest:,}/{sent_m:,}, lag p99 {p99_m:,.0f} ms (target <= {FAN_OUT_P99_MS:.0f} ms at {FAN_OUT_CONSOLES} "
        f"consoles and {FAN_OUT_RATE:,}/s{'' if fan_out else ': not this run'}); through the tail's server-sent "
        f"events (GET /console/tail/stream)" + subs_note + ("; quick: not a measurement" if args.quick else ""),
    )


def _row(name: str, sent: int, got: int, lags: list[tuple[float, float]], duration: float, rate: int) -> dict[str, Any]:
    first, last = quarters(lags) if lags else (float("nan"), float("nan"))
    return {
        "name": name,
        "rate": got / duration,
        "latency": lag_of(lags),
        "note": f"{got:,}/{sent:,} delivered; lag p50 first quarter {first:,.0f} ms, last {last:,.0f} ms",
    }


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    extra = row.pop("note_extra", "")
    return row | {"note": row["note"] + (f"; {extra}" if extra else ""), "unit": "events/s"}


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--rate", type=int, default=0, help=f"events a second (default {TARGET_RATE})")
    cli.add_argument("--consoles", type=int, default=0, help="consoles open at once (default 100; quick 5)")
    cli.add_argument(
        "--many-rate", type=int, default=0, help=f"events a second with many watching (default {FAN_OUT_RATE})"
    )
    cli.add_argument(
        "--subscribers", type=int, default=None, help="GraphQL subscriptions at once (default 20; quick 2; 0: none)"
    )
    cli.add_argument("--duration", type=float, default=0.0, help="seconds a phase (default 20; quick 4)")
    run(main, cli)
