"""The benchmarks' account of what each process used: CPU seconds and wake-ups."""

from __future__ import annotations

import subprocess
import sys
from subprocess import PIPE

from bench.cpu import CpuMeter, Usage

SLEEPER = "import time\nfor _ in range(300):\n    time.sleep(0.001)\n"
# spins 0.35 s of CPU: the meter reads /proc in clock ticks (10 ms), which may count 0.3 s as 0.29
SPINNER = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.35:\n    pass\n"
# after its part, each child says so and waits for a line, so that it is measured alive
THEN_WAIT = "print('done', flush=True)\ninput()\n"


def run(code: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", code + THEN_WAIT], stdin=PIPE, stdout=PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "done\n"
    return child


def test_a_process_that_sleeps_often_wakes_often_and_one_that_spins_uses_cpu() -> None:
    sleeper, spinner = run(SLEEPER), run(SPINNER)
    try:
        meter = CpuMeter({"sleeper": [sleeper.pid], "spinner": [spinner.pid]}, ["no-such-database"])
        taken = meter.sample()
        assert taken["sleeper"].wakeups >= 300
        assert taken["spinner"].cpu_s >= 0.3 and taken["spinner"].wakeups < 100
        assert taken["PostgreSQL"] == Usage(0.0, 0)
    finally:
        for child in (sleeper, spinner):
            child.communicate("\n", timeout=10)


def test_per_request_figures_divide_what_was_used_between_two_samples() -> None:
    before = {"service": Usage(1.0, 100), "PostgreSQL": Usage(2.0, 50)}
    after = {"service": Usage(1.5, 1100), "PostgreSQL": Usage(2.25, 3050)}
    assert CpuMeter.per_op(before, after, 1000) == "CPU per request: service 500 µs, PostgreSQL 250 µs; in all 750 µs"
    assert CpuMeter.per_op(before, after, 1000, wakeups=True).endswith(
        "; wake-ups per request: service 1.0, PostgreSQL 3.0"
    )
    assert CpuMeter.per_op(before, after, 0) == "-"
