"""bench.growth's own pieces: the stalls it reads from its samples, the memory it reports,
the counting of an import that must not lose or reorder an event."""

from __future__ import annotations

import os
import time
from itertools import islice

import asyncpg

from bench.commands_http import CAMPUSES
from bench.dataset import safety_term
from bench.growth import (
    LOADS,
    SCHEMA,
    CatchUp,
    Latencies,
    Sample,
    StoreRun,
    counted,
    judged,
    load_store,
    longest_stall,
    memory_of,
    progress_bar,
    spread,
    store_p50,
    swap_stall,
)
from bench.load import LoadResult
from services.safety.projections.inspection_status import InspectionStatus
from tests.conftest import DatabaseFactory


def samples(applied: list[int], finished_at: int | None = None) -> list[Sample]:
    """One sample every 0.1 s with the live projection's count."""
    return [
        Sample(at=i / 10, applied=a, outbox=0, oldest_xact_s=0.0, finished=finished_at is not None and i >= finished_at)
        for i, a in enumerate(applied)
    ]


def test_the_longest_stall_is_the_longest_run_without_progress() -> None:
    moving = samples([1, 2, 3, 4, 5])
    assert abs(longest_stall(moving) - 0.1) < 1e-9
    stalled = samples([1, 2, 2, 2, 2, 3, 4, 4, 5])  # 2 from 0.1 s until 0.5 s
    assert abs(longest_stall(stalled) - 0.4) < 1e-9


def test_the_swap_stall_spans_the_samples_around_the_rebuilds_end() -> None:
    # the count stops at 0.3 s, the rebuild is seen done at 0.5 s, the count moves again at 0.7 s
    around = samples([1, 2, 3, 4, 4, 4, 4, 5, 6], finished_at=5)
    assert abs(swap_stall(around) - 0.4) < 1e-9  # from the last move (0.3 s) to the next (0.7 s)
    assert swap_stall(samples([1, 2, 3])) != swap_stall(samples([1, 2, 3]))  # never seen done: nan


def test_the_memory_is_this_process_s_resident_set() -> None:
    memory = memory_of(os.getpid())
    assert set(memory) == {"VmRSS", "VmHWM"}
    rss, hwm = (int(memory[k].split()[0]) for k in ("VmRSS", "VmHWM"))
    assert 0 < rss <= hwm
    assert memory_of(2**22 + 1) == {}  # no such process


def test_counting_an_import_keeps_every_event_in_order_and_moves_the_bar() -> None:
    events = list(islice(safety_term(25_000), 25_000))
    with progress_bar("test") as progress:
        task = progress.add_task("import", total=len(events), rate="")
        seen = list(counted(iter(events), progress, task, time.perf_counter()))
        assert progress.tasks[0].completed == 20_000  # moved every 10,000
        assert progress.tasks[0].fields["rate"].endswith("/s")
    assert [e.event_id for e in seen] == [e.event_id for e in events]


async def test_a_loaded_store_has_every_event_and_its_projections_at_every_stream_s_head(
    new_database: DatabaseFactory,
) -> None:
    """What the benchmark measures on: the events imported, none lost, and the projections rebuilt
    from them up to each stream's last version (the service then starts on them as they are)."""
    dsn = await new_database("growth")
    loaded = await load_store(dsn, 3_000, "test")
    assert loaded["imported"].events == 3_000
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT count(*) FROM events") == 3_000
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0  # history: nothing published
        behind = await conn.fetchval(
            "SELECT count(*) FROM (SELECT stream_id, max(version) AS v FROM events GROUP BY stream_id) e "
            f"LEFT JOIN {SCHEMA}._streams s USING (stream_id) WHERE s.version IS DISTINCT FROM e.v "
            "AND e.stream_id LIKE ANY ($1::text[])",
            [f"{d.stream_prefix}-%" for d in InspectionStatus.streams],
        )
        assert behind == 0
        assert await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.hazards") > 0
        assert await conn.fetchval("SELECT count(*) FROM directory_campuses") == len(CAMPUSES)
    finally:
        await conn.close()


def turns(*p50s_ms: float) -> StoreRun:
    """A store's turns, each load with one answer at the given p50."""
    run_ = StoreRun("store")
    for ms in p50s_ms:
        block = Latencies()
        for load in LOADS:
            result = LoadResult()
            result.latency.add(ms / 1000)
            setattr(block, load, result)
        run_.blocks.append(block)
    return run_


def test_a_store_s_p50_is_the_mean_of_its_turns_and_its_spread_how_far_they_differ() -> None:
    two = turns(2.0, 2.5)
    assert abs(store_p50(two, "page") - 2.25) < 1e-9
    assert abs(spread(two, "page") - 0.25) < 1e-9
    assert spread(turns(2.0), "page") == 0.0  # one turn: no spread to tell


def test_a_ratio_over_the_target_says_whether_the_run_s_own_spread_is_as_large() -> None:
    assert judged(1.10, 0.0) == "MET"
    assert judged(1.11, 0.05) == "NOT MET"
    assert judged(1.16, 0.20) == "NOT MET, within the run's own spread"  # the same store twice: 20% apart


def test_a_store_s_catch_up_is_the_mean_time_per_event_of_its_turns_and_its_spread_how_far_they_differ() -> None:
    store = StoreRun("store", catch_ups=[CatchUp(20_000, 1.0, True), CatchUp(20_000, 1.5, True)])
    assert abs(store.catch_up_per_event_s - 1.25 / 20_000) < 1e-12
    assert abs(store.catch_up_spread - 0.5) < 1e-9
    assert store.caught_up
    assert StoreRun("one", catch_ups=[CatchUp(10, 1.0, True)]).catch_up_spread == 0.0  # one turn: none to tell


def test_a_turn_that_did_not_catch_up_makes_the_store_s_catch_up_unmeasured() -> None:
    store = StoreRun("store", catch_ups=[CatchUp(20_000, 1.0, True), CatchUp(20_000, 600.0, False)])
    assert not store.caught_up
    assert store.catch_up_per_event_s == float("inf")
    assert store.catch_up_spread == 0.0
    assert not StoreRun("never").caught_up  # no turn at all
