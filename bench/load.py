"""Load loops (closed and open, each bounded by a count and a duration), their latencies and
rates, and the waits between two loads (a service settled, a condition met)."""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.cli import console
from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.settings import Settings


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
    operator = Principal(subject="bench-operator", roles=frozenset([Role.OPERATOR]))
    token = mint_token(Settings(service="gateway"), operator)  # the processes' development key
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=timeout_s, headers=headers) as client:
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
