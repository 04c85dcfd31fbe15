"""The event loop's watch and the collector's settings of a served process."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

import pytest

from services.eventkit.loopwatch import LoopWatch
from services.eventkit.metrics import GC_PAUSE
from services.eventkit.runtime import SERVED_GC_THRESHOLDS, freeze_startup_heap


def block_the_loop(seconds: float) -> None:
    time.sleep(seconds)  # what a synchronous call in a handler does to every other request


async def test_a_blocked_loop_is_reported_with_what_blocked_it(caplog: pytest.LogCaptureFixture) -> None:
    watch = LoopWatch(stall_s=0.1, tick_s=0.02)
    stop = asyncio.Event()
    task = asyncio.create_task(watch.run(stop))
    await asyncio.sleep(0.1)
    assert watch.stalls == 0
    with caplog.at_level(logging.WARNING, logger="services.eventkit.loopwatch"):
        block_the_loop(0.35)
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert watch.stalls == 1
    # (the watches of other runtimes running in this test process may report it too)
    records = [r for r in caplog.records if r.getMessage() == "event loop blocked"]
    assert any(
        r.blocked_ms >= 300 and any("block_the_loop" in frame for frame in r.blocked_in)  # type: ignore[attr-defined]
        for r in records
    )


def _collections(generation: str) -> float:
    for metric in GC_PAUSE.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels.get("generation") == generation:
                return sample.value
    return 0.0


def test_a_served_process_collects_rarely_and_times_its_collections() -> None:
    before = gc.get_threshold()
    try:
        freeze_startup_heap()
        assert gc.get_threshold() == SERVED_GC_THRESHOLDS
        counted = _collections("2")
        gc.collect()
        assert _collections("2") == counted + 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def loop_watchers() -> int:
    import threading

    return sum(1 for t in threading.enumerate() if t.name == "loop-watch")


async def test_a_runtime_watches_its_loop_unless_told_not_to(make_settings: Any, start_service: Any) -> None:
    """A served process watches its loop; a test session, which starts a hundred services in one
    process, turns the watch off (a thread each, waking twenty times a second, starved the loop)."""
    from services.directory.service import DIRECTORY

    before = loop_watchers()
    await start_service(DIRECTORY, await make_settings("directory"))
    assert loop_watchers() == before
    await start_service(DIRECTORY, await make_settings("directory", loop_watch=True))
    await asyncio.sleep(0.05)
    assert loop_watchers() == before + 1
