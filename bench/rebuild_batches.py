"""A rebuild's batch size and the checkpoints it keeps: its rate and the rebuilding process's peak.

    .venv/bin/python -m bench.rebuild_batches [--quick] [--events N] [--configs B:K,B:K,...]

A term of the safety service's events (bench.dataset) goes into a fresh store once; then each
configuration (``B`` events per batch, ``K`` streams' checkpoints kept in memory) rebuilds
``inspection_status`` over it **in a fresh process of its own**: a Python process keeps the heap
its first large step grew, so only a first rebuild in a new process shows what a rebuild costs a
running service. Each child prints its resident memory before, its peak (``VmHWM``) and after,
and the rate; the first configuration is the baseline of the ratios (the batches and
checkpoints shipped before 2026-12-04, night: 5,000 and 100,000).

Target: the rebuilding process at most 250 MB resident (``bench.growth`` measures it in the
service, under live load, over 10 million events); the rate at least 30,000 events/s
(``bench.projection_rebuild``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass
from itertools import islice
from typing import Any

from bench.cli import console, parser, pick, run
from bench.databases import fresh_database
from bench.dataset import safety_term
from bench.memory import MB, TARGET_MB, reset_peak, resident
from bench.reaction_throughput import prepare
from bench.report import footer, header, rate_table, summary
from services.eventkit import projection as projection_module
from services.eventkit.db import create_pool
from services.eventkit.store import EventStore
from services.safety.service import SAFETY

PROJECTION = "inspection_status"
BASELINE = "5000:100000"
CONFIGS = f"{BASELINE},1000:100000,1000:20000"


@dataclass(frozen=True)
class Config:
    batch: int
    kept: int

    @classmethod
    def parse(cls, text: str) -> Config:
        batch, _, kept = text.partition(":")
        config = cls(int(batch), int(kept or projection_module.CHECKPOINTS_KEPT))
        if config.batch < 1 or config.kept < 2:
            raise argparse.ArgumentTypeError(f"{text!r}: a batch of at least 1 event and at least 2 checkpoints")
        return config

    @property
    def name(self) -> str:
        return f"batches of {self.batch:,}, {self.kept:,} checkpoints kept"


async def child(dsn: str, config: Config) -> None:
    """One rebuild in this (fresh) process; its figures as one JSON line on stdout."""
    pool = await create_pool(dsn, min_size=2, max_size=4, command_timeout=7200)
    try:
        projection = next(p for p in SAFETY.projections if p.name == PROJECTION)
        projection_module.CHECKPOINTS_KEPT = config.kept
        before = resident("self").rss
        reset_peak("self")
        started = time.perf_counter()
        report = await projection_module.rebuild(pool, EventStore(pool), projection, batch_size=config.batch)
        seconds = time.perf_counter() - started
        peak = resident("self").hwm
        after = resident("self").rss
    finally:
        await pool.close()
    figures = {"before": before, "peak": peak, "after": after, "replayed": report.replayed, "seconds": seconds}
    print(json.dumps(figures), flush=True)


async def rebuild_in_a_fresh_process(dsn: str, config: Config) -> dict[str, float]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.rebuild_batches",
        "--child",
        dsn,
        "--configs",
        f"{config.batch}:{config.kept}",
        stdout=asyncio.subprocess.PIPE,
        env=os.environ | {"HOUQIN_LOG_LEVEL": "WARNING"},
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the rebuild with {config.name} failed (exit {proc.returncode}): see its output above")
    figures: dict[str, float] = json.loads(out.decode().strip().splitlines()[-1])
    return figures


async def main(args: argparse.Namespace) -> None:
    configs: list[Config] = args.configs
    if args.child:
        await child(args.child, configs[0])
        return
    n = args.events or pick(args.quick, 3_300_000, 200_000)
    await header(f"bench.rebuild_batches: a rebuild of {PROJECTION} over {n:,} events, each way in a fresh process")
    rows: list[dict[str, Any]] = []
    results: dict[Config, dict[str, float]] = {}
    async with fresh_database("rebuild_batches") as dsn:
        await prepare(dsn, SAFETY.migrations)
        pool = await create_pool(dsn, min_size=1, max_size=2, command_timeout=7200)
        try:
            with console.status(f"generating and importing {n:,} events (history, no outbox)"):
                imported = await EventStore(pool).import_events(islice(safety_term(n), n))
                await pool.execute("VACUUM ANALYZE events")
            console.print(
                f"{imported.events:,} events in {imported.streams:,} streams imported at {imported.rate:,.0f}/s"
            )
            await projection_module.ensure_projection(pool, next(p for p in SAFETY.projections if p.name == PROJECTION))
        finally:
            await pool.close()
        for config in configs:
            with console.status(f"rebuilding with {config.name}"):
                r = results[config] = await rebuild_in_a_fresh_process(dsn, config)
            note = (
                f"resident {r['before'] / MB:,.0f} MB before, peak {r['peak'] / MB:,.0f} MB "
                f"(+{(r['peak'] - r['before']) / MB:,.0f}), {r['after'] / MB:,.0f} MB after"
            )
            rows.append({"name": config.name, "rate": r["replayed"] / r["seconds"], "unit": "events/s", "note": note})
            console.print(f"{config.name}: {rows[-1]['rate']:,.0f} events/s; {note}")
    rate_table(f"rebuild of {PROJECTION}: events replayed per second, and the process's memory", rows, rows[0]["name"])
    await footer()
    base = results[configs[0]]
    parts = []
    for config in configs:
        r = results[config]
        parts.append(
            f"{config.batch}:{config.kept} {r['replayed'] / r['seconds']:,.0f}/s "
            f"({r['replayed'] / r['seconds'] / (base['replayed'] / base['seconds']):.2f}x), "
            f"peak {r['peak'] / MB:,.0f} MB ({(r['peak'] - base['peak']) / MB:+,.0f})"
        )
    shipped = Config(projection_module.REBUILD_BATCH, projection_module.CHECKPOINTS_KEPT)
    ok = shipped not in results or results[shipped]["peak"] <= TARGET_MB * MB
    summary(
        "rebuild_batches",
        ok,
        f"{n:,} events, baseline {configs[0].batch}:{configs[0].kept}: "
        + "; ".join(parts)
        + f" (shipped {shipped.batch}:{shipped.kept}; target <= {TARGET_MB} MB)",
    )


def configs(text: str) -> list[Config]:
    return [Config.parse(part) for part in text.split(",") if part.strip()]


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--events", type=int, default=0, help="events in the store (default 3,300,000; quick 200,000)")
    cli.add_argument("--configs", type=configs, default=configs(CONFIGS), help=f"batch:kept,... (default {CONFIGS})")
    cli.add_argument("--child", default="", help=argparse.SUPPRESS)
    run(main, cli)
