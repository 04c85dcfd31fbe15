"""The benchmarks' account of the memory each process holds: resident, peak, children summed."""

from __future__ import annotations

import subprocess
import sys
from subprocess import PIPE

from bench.memory import MB, MemoryMeter, reset_peak, resident, tree_resident
from bench.report import memory_table

# b"x" * n writes every page (a zeroed bytearray may not be resident until touched)
HOLDS_100_MB = "held = b'x' * (100 * 1024 * 1024)\n"
HELD_THEN_FREED = "held = b'x' * (100 * 1024 * 1024)\ndel held\n"
# two children of 60 MB each, the parent itself small; each child waits for a line too
PARENT_OF_TWO = (
    "import subprocess, sys\n"
    "code = \"held = b'x' * (60 * 1024 * 1024)\\nprint('done', flush=True)\\ninput()\\n\"\n"
    "kids = [subprocess.Popen([sys.executable, '-c', code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)"
    " for _ in range(2)]\n"
    "for k in kids:\n    assert k.stdout.readline() == 'done\\n'\n"
)
# after its part, each process says so and waits for a line, so that it is measured alive
THEN_WAIT = "print('done', flush=True)\ninput()\n"


def run(code: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", code + THEN_WAIT], stdin=PIPE, stdout=PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "done\n"
    return child


def test_a_process_that_allocates_100_mb_holds_at_least_100_mb() -> None:
    child = run(HOLDS_100_MB)
    try:
        held = resident(child.pid)
        assert held.rss >= 100 * MB
        assert held.hwm >= held.rss
    finally:
        child.communicate("\n", timeout=10)


def test_the_peak_stays_after_the_memory_is_freed() -> None:
    child = run(HELD_THEN_FREED)
    try:
        held = resident(child.pid)
        assert held.hwm >= 100 * MB
        assert held.rss < 60 * MB
        if reset_peak(child.pid):  # the next step's peak starts from what it holds now
            assert resident(child.pid).hwm < 60 * MB
    finally:
        child.communicate("\n", timeout=10)


def test_a_process_with_children_is_the_sum_of_them_and_judged_by_its_largest() -> None:
    parent = run(PARENT_OF_TWO)
    try:
        taken = tree_resident(parent.pid)
        assert len(taken) == 3
        assert sum(r.rss for r in taken.values()) >= 120 * MB
        meter = MemoryMeter(interval_s=0.05, target_mb=100)
        watched = meter.watch("service with two workers", lambda: parent.pid)
        meter.sample()
        assert len(watched.processes) == 3
        assert watched.rss_peak >= 120 * MB
        assert 60 * MB <= watched.largest_hwm < 100 * MB
        assert meter.within_target()  # each process is under 100 MB, though all three hold more
        assert memory_table(meter)
        meter.target_mb = 50
        assert not meter.within_target()
        assert not memory_table(meter)
    finally:
        parent.communicate("\n", timeout=10)


def test_the_meter_keeps_what_a_process_held_once_it_is_gone() -> None:
    child = run(HOLDS_100_MB)
    alive = True
    meter = MemoryMeter(interval_s=0.05)
    watched = meter.watch("short-lived", lambda: child.pid if alive else None)
    try:
        meter.sample()
    finally:
        child.communicate("\n", timeout=10)
        alive = False
    meter.sample()
    meter.stop()
    assert watched.rss_now >= 100 * MB and watched.largest_hwm >= 100 * MB
    assert meter.within_target()
