"""What every benchmark shares: a fresh database, a topic namespace, load loops,
latency percentiles, a service in a subprocess, and the printed report.

Loads only ever target 127.0.0.1, and every loop is bounded by a count and a duration.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from uuid import uuid4

import asyncpg
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.kafka import delete_topics as kit_delete_topics
from services.eventkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
console = Console(highlight=False)
if not console.is_terminal:  # piped to a file: wide enough for the tables
    console = Console(highlight=False, width=150)

PG_HOST = os.environ.get("HOUQIN_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("HOUQIN_PG_PORT", "5432"))
PG_USER = os.environ.get("HOUQIN_PG_USER", "houqin")
PG_PASSWORD = os.environ.get("HOUQIN_PG_PASSWORD", "houqin")
KAFKA = os.environ.get("HOUQIN_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _require_local() -> None:
    hosts = [PG_HOST, *(b.rpartition(":")[0] for b in KAFKA.split(","))]
    for host in hosts:
        if host not in LOCAL_HOSTS:
            raise SystemExit(f"benchmarks run against 127.0.0.1 only; {host!r} is not local")


def admin_dsn(database: str = "postgres") -> str:
    return f"postgresql://{PG_USER}:{PG_PASSWORD}@{PG_HOST}:{PG_PORT}/{database}"


# -- command line --------------------------------------------------------------------------


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a short run (smaller counts, shorter durations)")
    return p


def pick(quick: bool, full: Any, short: Any) -> Any:
    return short if quick else full


# -- databases and topics ------------------------------------------------------------------


@asynccontextmanager
async def fresh_database(bench: str, label: str = "") -> AsyncIterator[str]:
    """``CREATE DATABASE houqin_bench_<bench>[_<label>]_<random>``; dropped at the end whatever happens."""
    _require_local()
    name = f"houqin_bench_{bench}{'_' + label if label else ''}_{uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield admin_dsn(name)
    finally:
        await _drop_database(name)


async def _drop_database(name: str) -> None:
    """Ends this run's own sessions on the database, then drops it (an autovacuum worker
    still in it, which ``WITH (FORCE)`` may not end for a non-superuser, stops by itself)."""
    conn = await asyncpg.connect(admin_dsn())
    try:
        for attempt in range(20):
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()",
                name,
            )
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except (asyncpg.ObjectInUseError, asyncpg.InsufficientPrivilegeError):
                if attempt == 19:
                    raise
                await asyncio.sleep(0.5)
    finally:
        await conn.close()


def new_namespace(bench: str) -> str:
    """A Kafka topic and consumer-group prefix no other run shares."""
    return f"bench{bench.replace('_', '')}{uuid4().hex[:8]}"


async def delete_topics(namespace: str) -> None:
    """Removes this run's topics (``<namespace>.*``) from the broker."""
    try:
        await kit_delete_topics(KAFKA, namespace + ".")
    except Exception as exc:
        console.print(f"[yellow]could not delete the topics of {namespace}: {exc!r}[/yellow]")


def settings_for(service: str, dsn: str, namespace: str, **overrides: Any) -> Settings:
    _require_local()
    base: dict[str, Any] = {
        "service": service,
        "namespace": namespace,
        "database_url": dsn,
        "kafka_bootstrap": KAFKA,
        "log_json": False,
        "log_level": "WARNING",
        "relay_poll_interval_s": 0.5,
    }
    return Settings(**(base | overrides))


def district_admin_headers(settings: Settings, district_id: str) -> dict[str, str]:
    principal = Principal(
        subject="bench-admin", roles=frozenset([Role.DISTRICT_ADMIN]), districts=frozenset([district_id])
    )
    return {"Authorization": f"Bearer {mint_token(settings, principal)}"}


def platform_headers(settings: Settings) -> dict[str, str]:
    principal = Principal(subject="platform-admin", roles=frozenset([Role.PLATFORM_ADMIN]))
    return {"Authorization": f"Bearer {mint_token(settings, principal)}"}


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keeps what exists now (a prepared data set, the libraries) out of the garbage collector's way.

    A million live objects make every full collection walk them all, which slows down
    whatever runs meanwhile and is no part of what is measured; in a load loop, a full
    collection of the generator's own heap (50-100 ms here) would be counted as the
    latency of the requests waiting for it. Every load loop runs inside one.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# -- latencies and rates -------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


@dataclass
class Latency:
    """Latencies in seconds; reported in milliseconds."""

    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    def summary(self) -> dict[str, float]:
        s = sorted(self.samples)
        ms = 1000.0
        return {
            "n": float(len(s)),
            "p50": percentile(s, 50) * ms,
            "p95": percentile(s, 95) * ms,
            "p99": percentile(s, 99) * ms,
            "max": (s[-1] * ms) if s else float("nan"),
        }


@dataclass
class LoadResult:
    ok: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latency: Latency = field(default_factory=Latency)
    by_second: dict[int, list[float]] = field(default_factory=dict)  # second of the run -> latencies
    counted_from: float = 0.0  # wall clock (time.time()) of second 0
    first_error: str | None = None

    def stalls(self, top: int = 3) -> str:
        """The seconds of an open loop with the worst latency (and their wall-clock time, to match
        with the database's or the broker's logs): stalls show here, queueing does not."""
        worst = sorted(self.by_second.items(), key=lambda kv: -max(kv[1]))[:top]
        return ", ".join(
            f"s{sec} ({time.strftime('%H:%M:%S', time.localtime(self.counted_from + sec))}): "
            f"max {max(v) * 1000:.0f} ms ({len(v)} ops)"
            for sec, v in sorted(worst)
        )

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def error(self, exc: BaseException | str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"


Op = Callable[[int], Awaitable[Any]]


def _progress(label: str, total: float | None) -> Progress:
    text = label.replace("{", "{{").replace("}", "}}").replace("[", "\\[")
    return Progress(
        TextColumn(f"[bold]{text}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


async def closed_loop(
    label: str, clients: int, op: Op, *, duration_s: float, max_ops: int, warmup_s: float = 0.0
) -> LoadResult:
    """``clients`` tasks each calling ``op(i)`` back to back until ``max_ops`` or ``duration_s``.

    The first ``warmup_s`` seconds are run but not counted.
    """
    result = LoadResult()
    counter = iter(range(max_ops))
    started = time.perf_counter()
    measure_from = started + warmup_s
    deadline = measure_from + duration_s
    counted_ops = 0

    async def client() -> None:
        nonlocal counted_ops
        for i in counter:
            t0 = time.perf_counter()
            if t0 >= deadline:
                return
            try:
                await op(i)
            except Exception as exc:
                if t0 >= measure_from:
                    result.error(exc)
                continue
            t1 = time.perf_counter()
            if t0 >= measure_from:
                result.ok += 1
                result.latency.add(t1 - t0)
            counted_ops += 1

    with _progress(f"{label} ({clients} clients)", max_ops) as progress, frozen_heap():
        task = progress.add_task(label, total=max_ops)
        workers = [asyncio.create_task(client()) for _ in range(clients)]
        while not all(w.done() for w in workers):
            await asyncio.wait(workers, timeout=0.25)
            progress.update(task, completed=counted_ops)
        await asyncio.gather(*workers)
    result.elapsed = min(time.perf_counter(), deadline) - measure_from
    return result


async def open_loop(
    label: str, rate: float, op: Op, *, duration_s: float, max_in_flight: int = 2000, warmup_s: float = 1.0
) -> LoadResult:
    """Starts ``op(i)`` at a fixed ``rate`` for ``warmup_s + duration_s``, whatever the answers take.

    Latency runs from the moment an op was *due*, so a slow system cannot hide its
    queueing (no coordinated omission). The ops of the first ``warmup_s`` (clients
    connecting, the rate ramping up from idle) run at the same rate but are not counted;
    their errors are.
    """
    result = LoadResult()
    warm = int(rate * warmup_s)
    total = warm + int(rate * duration_s)
    interval = 1.0 / rate
    in_flight: set[asyncio.Task[None]] = set()
    started = time.perf_counter()
    counted_from = started + warm * interval
    result.counted_from = time.time() + (counted_from - time.perf_counter())

    async def one(i: int, due: float) -> None:
        try:
            await op(i)
        except Exception as exc:
            result.error(exc)
            return
        if i < warm:
            return
        result.ok += 1
        took = time.perf_counter() - due
        result.latency.add(took)
        result.by_second.setdefault(int(due - counted_from), []).append(took)

    with _progress(f"{label} ({rate:,.0f}/s)", total) as progress, frozen_heap():
        task = progress.add_task(label, total=total)
        for i in range(total):
            due = started + i * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= max_in_flight:
                result.error("too many requests in flight: the system fell behind")
                continue
            t = asyncio.create_task(one(i, due))
            in_flight.add(t)
            t.add_done_callback(in_flight.discard)
            if i % 100 == 0:
                progress.update(task, completed=i)
        if in_flight:
            await asyncio.wait(in_flight, timeout=30)
        for t in list(in_flight):  # still unanswered: counted as failed, and not waited for
            t.cancel()
            result.error("no answer within 30 s of the end of the load")
    result.elapsed = time.perf_counter() - counted_from
    return result


async def settle(url: str, timeout_s: float = 120.0) -> None:
    """After a load: waits until the service answers ``/healthz`` quickly again (its request
    queue has drained) and ``/ops/lag`` shows an empty outbox and consumers with no lag, so
    that the next measurement does not inherit the last one's backlog."""
    async with httpx.AsyncClient(base_url=url, timeout=timeout_s) as client:
        deadline = time.perf_counter() + timeout_s
        quick = 0
        while time.perf_counter() < deadline and quick < 3:
            t0 = time.perf_counter()
            try:
                await client.get("/healthz")
            except httpx.HTTPError:
                pass
            quick = quick + 1 if time.perf_counter() - t0 < 0.02 else 0
            await asyncio.sleep(0.1)
        calm = 0
        while time.perf_counter() < deadline and calm < 3:
            try:
                lag = (await client.get("/ops/lag")).json()
                idle = lag["outbox_pending"] == 0 and not any(lag["consumers"].values())
            except (httpx.HTTPError, ValueError, KeyError, TypeError):
                idle = True  # not a service with an outbox (the gateway): its queue is all there is
            calm = calm + 1 if idle else 0
            await asyncio.sleep(0.2)


@dataclass
class LoopHealth:
    """A served process's own account of its event loop and garbage collector, read from its
    ``/metrics`` (``services.eventkit.loopwatch``): where a stall in an open loop came from.
    With several API processes, it is the account of the one that answered."""

    ticks: float = 0.0
    late: dict[float, float] = field(default_factory=dict)  # threshold (s) -> ticks later than it
    collections: dict[str, float] = field(default_factory=dict)  # generation -> collections
    collected_s: dict[str, float] = field(default_factory=dict)  # generation -> seconds in them
    long_collections: dict[str, float] = field(default_factory=dict)  # generation -> those over 25 ms
    commands: float = 0.0  # commands handled (``houqin_command_seconds``: load, decide, append)
    slow_commands: dict[float, float] = field(default_factory=dict)  # threshold (s) -> commands slower
    relay_rounds: float = 0.0  # ``houqin_relay_round_events``: rounds, and the events they carried
    relay_events: float = 0.0
    consumer_batches: float = 0.0  # ``houqin_consumer_batch_events``, over every consumer of the process
    consumer_records: float = 0.0

    THRESHOLDS = (0.025, 0.05, 0.1, 0.25)
    SLOW_COMMAND = (0.02, 0.05, 0.1)

    @classmethod
    async def read(cls, url: str) -> LoopHealth:
        try:
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                return cls.parse((await client.get("/metrics")).text)
        except httpx.HTTPError:
            return cls()

    @classmethod
    def parse(cls, text: str) -> LoopHealth:
        """From the Prometheus text of a process's ``/metrics``."""
        from prometheus_client.parser import text_string_to_metric_families

        health = cls()
        buckets: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "houqin_event_loop_lag_seconds_count":
                    health.ticks = sample.value
                elif sample.name == "houqin_event_loop_lag_seconds_bucket":
                    buckets[("lag", sample.labels["le"])] = sample.value
                elif sample.name == "houqin_gc_pause_seconds_count":
                    health.collections[sample.labels["generation"]] = sample.value
                elif sample.name == "houqin_gc_pause_seconds_sum":
                    health.collected_s[sample.labels["generation"]] = sample.value
                elif sample.name == "houqin_gc_pause_seconds_bucket" and sample.labels["le"] == "0.025":
                    buckets[("gc", sample.labels["generation"])] = sample.value
                elif sample.name == "houqin_command_seconds_count":
                    health.commands += sample.value
                elif sample.name == "houqin_command_seconds_bucket":
                    key = ("command", sample.labels["le"])
                    buckets[key] = buckets.get(key, 0.0) + sample.value
                elif sample.name == "houqin_relay_round_events_count":
                    health.relay_rounds += sample.value
                elif sample.name == "houqin_relay_round_events_sum":
                    health.relay_events += sample.value
                elif sample.name == "houqin_consumer_batch_events_count":
                    health.consumer_batches += sample.value
                elif sample.name == "houqin_consumer_batch_events_sum":
                    health.consumer_records += sample.value
        for threshold in cls.THRESHOLDS:
            health.late[threshold] = health.ticks - buckets.get(("lag", str(threshold)), health.ticks)
        for generation, count in health.collections.items():
            health.long_collections[generation] = count - buckets.get(("gc", generation), count)
        for threshold in cls.SLOW_COMMAND:
            health.slow_commands[threshold] = health.commands - buckets.get(("command", str(threshold)), 0.0)
        return health

    def since(self, before: LoopHealth) -> LoopHealth:
        def minus(a: dict[Any, float], b: dict[Any, float]) -> dict[Any, float]:
            return {k: v - b.get(k, 0.0) for k, v in a.items()}

        return LoopHealth(
            self.ticks - before.ticks,
            minus(self.late, before.late),
            minus(self.collections, before.collections),
            minus(self.collected_s, before.collected_s),
            minus(self.long_collections, before.long_collections),
            self.commands - before.commands,
            minus(self.slow_commands, before.slow_commands),
            self.relay_rounds - before.relay_rounds,
            self.relay_events - before.relay_events,
            self.consumer_batches - before.consumer_batches,
            self.consumer_records - before.consumer_records,
        )

    def describe(self) -> str:
        if not self.ticks:
            return "no loop metrics"
        late = ", ".join(f"{self.late.get(t, 0):.0f} over {t * 1000:.0f} ms" for t in self.THRESHOLDS)
        collections = ", ".join(
            f"gen{g} {n:.0f} ({self.collected_s.get(g, 0.0) * 1000:.0f} ms, {self.long_collections.get(g, 0):.0f} "
            "over 25 ms)"
            for g, n in sorted(self.collections.items())
        )
        slow = ", ".join(f"{self.slow_commands.get(t, 0):.0f} over {t * 1000:.0f} ms" for t in self.SLOW_COMMAND)
        handled = f"; commands {self.commands:.0f} (in the store: {slow})" if self.commands else ""
        relayed = (
            f"; relay rounds {self.relay_rounds:.0f} ({self.relay_events / self.relay_rounds:.1f} events each)"
            if self.relay_rounds
            else ""
        )
        consumed = (
            f"; consumer batches {self.consumer_batches:.0f} "
            f"({self.consumer_records / self.consumer_batches:.1f} records each)"
            if self.consumer_batches
            else ""
        )
        return f"event loop ticks {self.ticks:.0f}: late {late}; collections: {collections}{handled}{relayed}{consumed}"


# -- HTTP load generators ------------------------------------------------------------------


class RawHTTPClient:
    """A minimal HTTP/1.1 keep-alive client on one connection, one request at a time.

    For loads where httpx itself would take most of the CPU of a small machine: a
    request costs it a few tens of microseconds. Fixed-length answers only (uvicorn
    sends Content-Length for JSON).
    """

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        if host not in LOCAL_HOSTS:
            raise ValueError("loads target 127.0.0.1 only")
        self.host, self.port = host, port
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in ({"Host": f"{host}:{port}"} | headers).items()).encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        reader, writer = await self._connect()
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._fixed
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        writer.write(head + b"\r\n" + (body or b""))
        try:
            return await self._answer(reader)
        except BaseException:
            # Cancelled or failed half way: the answer may still come, and must not be read as the next one's.
            await self.aclose()
            raise

    @staticmethod
    async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status_line = await reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        content = await reader.readexactly(length) if length else b""
        return status, content

    async def aclose(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()


class ClientPool:
    """N independent clients (each its own connection): a request takes one, then gives it back.

    One httpx.AsyncClient shared by dozens of concurrent requests spends most of its time
    managing its own connection pool; N clients of one connection each behave like N users.
    """

    def __init__(self, kind: str, url: str, headers: dict[str, str], size: int) -> None:
        self.kind = kind
        self.clients: asyncio.Queue[Any] = asyncio.Queue()
        host, port = url.removeprefix("http://").split(":")
        for _ in range(size):
            if kind == "raw":
                self.clients.put_nowait(RawHTTPClient(host, int(port), headers))
            else:
                self.clients.put_nowait(
                    httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=httpx.Limits(max_connections=1))
                )

    async def post(self, path: str, payload: Any) -> tuple[int, bytes]:
        client = await self.clients.get()
        try:
            if self.kind == "raw":
                return await client.request("POST", path, json.dumps(payload).encode())  # type: ignore[no-any-return]
            r = await client.post(path, json=payload)
            return r.status_code, r.content
        finally:
            self.clients.put_nowait(client)

    async def get(self, path: str) -> tuple[int, bytes]:
        client = await self.clients.get()
        try:
            if self.kind == "raw":
                return await client.request("GET", path)  # type: ignore[no-any-return]
            r = await client.get(path)
            return r.status_code, r.content
        finally:
            self.clients.put_nowait(client)

    async def aclose(self) -> None:
        while not self.clients.empty():
            await self.clients.get_nowait().aclose()


class Usage(NamedTuple):
    """What processes used so far: CPU seconds (user + system), and how many times their
    threads went to sleep and were woken again (voluntary context switches)."""

    cpu_s: float
    wakeups: int


def _wakeups(pid: int | str) -> int:
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches"):
                    total += int(line.split()[1])
                    break
    return total


def process_usage(match: Callable[[int, str], bool]) -> Usage:
    """:class:`Usage` of the processes ``match(pid, cmdline)`` picks, all their threads."""
    cpu = 0.0
    wakeups = 0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            if not match(int(entry), cmdline):
                continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            wakeups += _wakeups(entry)
        except OSError:
            continue
    return Usage(cpu, wakeups)


def descendants(pids: Iterable[int]) -> set[int]:
    """The processes and all their children (a service's API processes and its workers)."""
    found: set[int] = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.add(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return found


class CpuMeter:
    """CPU seconds of each process of a benchmark over a span, to say per request what each
    one costs: the named processes (a service, the gateway...) with their children, the
    databases' backends, this process (the load generator) and, if asked, the Kafka broker."""

    def __init__(self, processes: dict[str, Sequence[int]], databases: Sequence[str], *, broker: bool = False) -> None:
        self.processes = {name: list(pids) for name, pids in processes.items()}
        self.databases = list(databases)
        self.broker = broker

    def sample(self) -> dict[str, Usage]:
        taken: dict[str, Usage] = {}
        for name, roots in self.processes.items():
            pids = descendants(roots)
            taken[name] = process_usage(lambda pid, _cmd: pid in pids)  # noqa: B023 (used at once)
        taken["PostgreSQL"] = process_usage(lambda _, cmd: any(f" {d} " in f" {cmd} " for d in self.databases))
        taken["load generator"] = Usage(time.process_time(), _wakeups("self"))
        if self.broker:
            taken["Kafka broker"] = process_usage(lambda _, cmd: "kafka.Kafka" in cmd)
        return taken

    @staticmethod
    def per_op(before: dict[str, Usage], after: dict[str, Usage], ops: int, *, wakeups: bool = False) -> str:
        """The CPU per operation of each process, and in all; with ``wakeups``, also how many
        times each went to sleep and was woken per operation (each costs a context switch)."""
        if not ops:
            return "-"
        parts = [f"{name} {(after[name].cpu_s - before[name].cpu_s) / ops * 1e6:,.0f} µs" for name in before]
        total = sum(after[name].cpu_s - before[name].cpu_s for name in before) / ops * 1e6
        text = "CPU per request: " + ", ".join(parts) + f"; in all {total:,.0f} µs"
        if wakeups:
            woken = [f"{name} {(after[name].wakeups - before[name].wakeups) / ops:.1f}" for name in before]
            text += "; wake-ups per request: " + ", ".join(woken)
        return text


# -- services in a subprocess --------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServiceProcess:
    """``python -m services.<name> serve --mode <mode>`` (or ``python -m gateway``) with its own
    database and namespace, on a free port of 127.0.0.1."""

    def __init__(
        self,
        service: str,
        settings: Settings,
        *,
        mode: str = "all",
        port: int | None = None,
        env: dict[str, str] | None = None,
        root: Path | None = None,
    ) -> None:
        self.root = root or ROOT  # another checkout's code, to compare with it
        self.service = service
        self.settings = settings
        self.mode = mode
        self.port = port or free_port()
        self.extra_env = env or {}
        fd, self.log_path = tempfile.mkstemp(prefix=f"bench-{service}-{mode}-", suffix=".log")
        self._log_fd = fd
        self.proc: asyncio.subprocess.Process | None = None
        self.profile: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        s = self.settings
        return (
            os.environ
            | {
                "HOUQIN_DATABASE_URL": s.dsn,
                "HOUQIN_NAMESPACE": s.namespace,
                "HOUQIN_HTTP_PORT": str(self.port),
                "HOUQIN_HTTP_HOST": "127.0.0.1",
                "HOUQIN_KAFKA_BOOTSTRAP": s.kafka_bootstrap,
                "HOUQIN_JWT_SECRET": s.jwt_secret,
                "HOUQIN_LOG_LEVEL": "WARNING",
                "HOUQIN_RELAY_POLL_INTERVAL_S": str(s.relay_poll_interval_s),
                "HOUQIN_POOL_MAX_SIZE": str(s.pool_max_size),
                "HOUQIN_POOL_MIN_SIZE": str(s.pool_min_size),
            }
            | self.extra_env
        )

    def log_tail(self, lines: int = 20) -> str:
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    @property
    def pid(self) -> int:
        """The service's own pid (under ``HOUQIN_BENCH_PROFILE``, py-spy's child)."""
        assert self.proc is not None
        if self.profile is None:
            return self.proc.pid
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return int(children.read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return self.proc.pid

    async def start(self, timeout_s: float = 60.0) -> None:
        command = [
            sys.executable,
            *(
                ["-m", "gateway"]
                if self.service == "gateway"
                else ["-m", f"services.{self.service}", "serve", "--mode", self.mode]
            ),
        ]
        profile_dir = os.environ.get("HOUQIN_BENCH_PROFILE")
        if profile_dir:  # py-spy cannot attach to a running process here, so it starts the service
            self.profile = str(Path(profile_dir) / f"{self.service}-{self.mode}-{self.port}.raw")
            spy = str(Path(sys.executable).with_name("py-spy"))
            command = [spy, "record", "-r", "250", "--nonblocking", "--format", "raw", "-o", self.profile, "--",
                       *command]  # fmt: skip
        self.proc = await asyncio.create_subprocess_exec(
            *command,
            cwd=self.root,
            env=self.env(),
            stdout=self._log_fd,
            stderr=asyncio.subprocess.STDOUT,
        )
        if self.mode not in ("all", "api"):
            await asyncio.sleep(1.0)
            if self.proc.returncode is not None:
                raise RuntimeError(f"{self.service} --mode {self.mode} exited:\n{self.log_tail()}")
            return
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.service} exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    if (await client.get(self.url + "/healthz", timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.service} did not answer within {timeout_s}s:\n{self.log_tail()}")

    async def stop(self) -> None:
        """SIGTERM (the service finishes what it has in hand), SIGKILL after 30 s."""
        if self.proc is not None and self.proc.returncode is None:
            if self.profile is not None:  # py-spy writes its profile on SIGINT; the service then gets SIGTERM
                pid = self.pid
                self.proc.send_signal(signal.SIGINT)
                await asyncio.wait_for(self.proc.wait(), 30)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                console.print(f"profile of {self.service} ({self.mode}): {self.profile}")
            else:
                self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        os.close(self._log_fd)
        os.remove(self.log_path)


async def wait_until(check: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout_s: float,
                     interval_s: float = 0.05) -> bool:  # fmt: skip
    """Polls ``check`` until it is true (True) or ``timeout_s`` passed (False)."""
    deadline = time.perf_counter() + timeout_s
    for _ in range(int(timeout_s / interval_s) + 1):
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return True
        if time.perf_counter() >= deadline:
            return False
        await asyncio.sleep(interval_s)
    return False


# -- the report ----------------------------------------------------------------------------


async def environment_line() -> str:
    conn = await asyncpg.connect(admin_dsn())
    try:
        version = (await conn.fetchval("SHOW server_version")).split()[0]
        fsync = await conn.fetchval("SHOW fsync")
        sync_commit = await conn.fetchval("SHOW synchronous_commit")
    finally:
        await conn.close()
    return (
        f"{date.today().isoformat()}  cores={os.cpu_count()}  PostgreSQL {version} fsync={fsync} "
        f"synchronous_commit={sync_commit}  Kafka {KAFKA}  Python {sys.version.split()[0]}"
    )


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


_run_started: dict[str, Any] = {}


def _loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


async def header(title: str) -> None:
    """Prints the title, the machine and its load now (other work on this machine skews the figures)."""
    console.rule(f"[bold]{title}")
    console.print(await environment_line())
    _run_started.update(cpu=_cpu_jiffies(), own=time.process_time(), wall=time.perf_counter())
    load = _loadavg()
    console.print(f"load average at start: {load}")
    if float(load.split()[0]) > 1.0:
        console.print("[yellow]the machine is already busy: the figures below may be lower than they can be[/yellow]")


async def footer() -> None:
    """The machine's CPU use over the run (both cores = 100%) and this process's share."""
    if not _run_started:
        return
    busy0, total0 = _run_started["cpu"]
    busy1, total1 = _cpu_jiffies()
    wall = time.perf_counter() - _run_started["wall"]
    own = (time.process_time() - _run_started["own"]) / wall / (os.cpu_count() or 1)
    machine = (busy1 - busy0) / max(1, total1 - total0)
    console.print(
        f"[dim]over the run ({wall:.0f}s): machine CPU {machine:.0%} busy, this process {own:.0%}, "
        f"load average now {_loadavg()}[/dim]"
    )


def fmt_ms(v: float) -> str:
    return "-" if math.isnan(v) else f"{v:.2f}"


def rate_table(title: str, rows: list[dict[str, Any]], baseline: str | None = None) -> None:
    """Rows with ``name``, ``rate`` (ops/s), optional ``unit``, ``latency`` (a Latency) and ``note``;
    ``baseline`` names the row the others are compared with."""
    table = Table(title=title, title_justify="left")
    for col in ("what", "rate", "p50 ms", "p95 ms", "p99 ms", "max ms", "vs " + (baseline or "-"), "note"):
        table.add_column(col, justify="left" if col in ("what", "note") else "right")
    base_rate = next((r["rate"] for r in rows if r["name"] == baseline), None)
    for r in rows:
        lat = r.get("latency")
        s = lat.summary() if lat is not None and lat.samples else None
        ratio = f"{r['rate'] / base_rate:.2f}x" if base_rate else "-"
        table.add_row(
            r["name"],
            f"{r['rate']:,.0f} {r.get('unit', '/s')}",
            fmt_ms(s["p50"]) if s else "-",
            fmt_ms(s["p95"]) if s else "-",
            fmt_ms(s["p99"]) if s else "-",
            fmt_ms(s["max"]) if s else "-",
            ratio,
            r.get("note", ""),
        )
    console.print(table)


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def summary(bench: str, ok: bool, text: str) -> None:
    """The last line of every benchmark."""
    console.print(f"SUMMARY bench.{bench}: {verdict(ok)} — {text}")


async def drain_outbox(pool: asyncpg.Pool, timeout_s: float) -> float | None:
    """Seconds until the outbox is empty (None if it did not empty in time)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if await pool.fetchval("SELECT count(*) FROM outbox") == 0:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    return None


def run(main: Callable[[argparse.Namespace], Awaitable[None]], cli: argparse.ArgumentParser) -> None:
    """Parses the command line (``--quick`` and the benchmark's own flags) and runs ``main``
    on uvloop when it is installed (as uvicorn does for the services)."""
    args = cli.parse_args()
    runner: Any
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    runner(main(args))
