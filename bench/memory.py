"""How much memory each process of a benchmark holds: resident memory (``VmRSS``) and its
peak (``VmHWM``) from ``/proc/<pid>/status``, of a service's process and all its children
(a gateway or a service may run several worker processes), sampled in a thread all through
the run so that a process's figures survive it being stopped.

``MEMORY`` is the one meter of a benchmark's run: ``bench.processes.BenchProcess`` has every
service and gateway it starts watched, and ``bench.report.footer`` prints its table with the
target (:data:`TARGET_MB` per process)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from bench.cpu import descendants

MB = 1024 * 1024
TARGET_MB = 250


class Resident(NamedTuple):
    """A process's resident memory now and at its peak so far, in bytes."""

    rss: int
    hwm: int


def resident(pid: int | str) -> Resident:
    """``VmRSS`` and ``VmHWM`` of one process (raises OSError once it is gone)."""
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return Resident(rss, hwm)


def tree_resident(root: int) -> dict[int, Resident]:
    """:class:`Resident` of a process and of each of its descendants (those alive)."""
    taken: dict[int, Resident] = {}
    for pid in descendants([root]):
        try:
            taken[pid] = resident(pid)
        except OSError:
            continue
    return taken


def _alone(pid: int) -> dict[int, Resident]:
    try:
        return {pid: resident(pid)}
    except OSError:
        return {}


def reset_peak(pid: int | str = "self") -> bool:
    """Starts a process's ``VmHWM`` again from its resident memory now (``clear_refs`` 5), so
    that a peak measured afterwards is one step's; False where the kernel does not allow it."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


@dataclass
class Watched:
    """What one named process (with its children) held: the sum of its processes' resident
    memory at the last sample and at the largest, and the largest peak of any one of them."""

    name: str
    pid_of: Callable[[], int | None]
    judged: bool = True
    children: bool = True
    processes: set[int] = field(default_factory=set)
    rss_now: int = 0
    rss_peak: int = 0
    largest_hwm: int = 0
    largest_pid: int = 0
    samples: int = 0

    def sample(self) -> None:
        root = self.pid_of()
        if root is None:
            return
        taken = tree_resident(root) if self.children else _alone(root)
        if not taken:
            return
        self.samples += 1
        self.processes.update(taken)
        self.rss_now = sum(r.rss for r in taken.values())
        self.rss_peak = max(self.rss_peak, self.rss_now)
        pid, top = max(taken.items(), key=lambda item: item[1].hwm)
        if top.hwm > self.largest_hwm:
            self.largest_hwm, self.largest_pid = top.hwm, pid


class MemoryMeter:
    """Samples every watched process every ``interval_s`` in a daemon thread (which runs while
    the event loop is busy), and once more on :meth:`sample` (before a process is stopped)."""

    def __init__(self, interval_s: float = 0.5, target_mb: float = TARGET_MB) -> None:
        self.interval_s = interval_s
        self.target_mb = target_mb
        self.watched: list[Watched] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(
        self, name: str, pid_of: Callable[[], int | None], *, judged: bool = True, children: bool = True
    ) -> Watched:
        """Watches a process (and its children, unless ``children`` is False) from now on;
        ``pid_of`` gives its pid (None once stopped; a process started again has a new one);
        ``judged``: held to the target. Two of one name are told apart."""
        with self._lock:
            taken = {w.name for w in self.watched}
            unique, n = name, 2
            while unique in taken:
                unique, n = f"{name} #{n}", n + 1
            watched = Watched(unique, pid_of, judged, children)
            self.watched.append(watched)
        watched.sample()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="memory-meter", daemon=True)
            self._thread.start()
        return watched

    def sample(self) -> None:
        with self._lock:
            for w in self.watched:
                w.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def within_target(self) -> bool:
        """Whether every judged process (each one of a tree) peaked at or under the target."""
        return all(w.largest_hwm <= self.target_mb * MB for w in self.watched if w.judged)


def watch_load_generator(meter: MemoryMeter) -> None:
    """This process (the load generator, which may hold the data set): shown, not judged;
    alone, since the services it starts are its children."""
    if not any(w.name == LOAD_GENERATOR for w in meter.watched):
        meter.watch(LOAD_GENERATOR, os.getpid, judged=False, children=False)


LOAD_GENERATOR = "load generator (this process)"


MEMORY = MemoryMeter()
