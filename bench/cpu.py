"""What each process of a benchmark used: CPU seconds and wake-ups (voluntary context
switches), from ``/proc``, to say per request what each one costs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple


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
