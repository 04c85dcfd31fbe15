"""What a benchmark prints: the machine and its load at the start, tables of rates and
latencies, the machine's CPU over the run, and the last line, ``SUMMARY bench.<name>: ...``."""

from __future__ import annotations

import math
import os
import sys
import time
from datetime import date
from typing import Any

import asyncpg
from rich.table import Table

from bench.cli import console
from bench.databases import KAFKA, admin_dsn
from bench.memory import MB, MEMORY, MemoryMeter


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
    """The memory each process held (if the benchmark started any), the machine's CPU use over
    the run (both cores = 100%) and this process's share."""
    if any(w.judged for w in MEMORY.watched):
        MEMORY.sample()
        memory_table(MEMORY)
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


def _mb(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n else "-"


def memory_table(meter: MemoryMeter) -> bool:
    """Each process's resident memory (``VmRSS``, its children's added) at the end and at its
    largest sample, the largest peak (``VmHWM``) of any one of its processes, and that peak
    against the target per process; then a line ``memory: MET|NOT MET``. Returns whether met."""
    table = Table(title=f"resident memory of each process (target <= {meter.target_mb:,.0f} MB per process)",
                  title_justify="left")  # fmt: skip
    for col in (
        "process",
        "processes seen",
        "RSS at the end",
        "RSS at most (sampled)",
        "peak of one (VmHWM)",
        "target",
    ):
        table.add_column(col, justify="left" if col in ("process", "target") else "right")
    for w in meter.watched:
        within = w.largest_hwm <= meter.target_mb * MB
        table.add_row(
            w.name,
            str(len(w.processes)),
            _mb(w.rss_now),
            _mb(w.rss_peak),
            _mb(w.largest_hwm),
            verdict(within) if w.judged else "not judged",
        )
    console.print(table)
    ok = meter.within_target()
    judged = [w for w in meter.watched if w.judged]
    largest = max(judged, key=lambda w: w.largest_hwm, default=None)
    if largest is not None:
        console.print(
            f"memory: {verdict(ok)} — every service's and gateway's process at most {meter.target_mb:,.0f} MB "
            f"resident; the largest: {largest.name} peaked at {largest.largest_hwm / MB:,.0f} MB"
        )
    return ok


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
