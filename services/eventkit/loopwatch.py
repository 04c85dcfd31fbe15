"""What a served process's event loop and garbage collector are doing, for operators.

One event loop serves every request, relay round and consumer batch of a process: when
anything blocks it, everything waits. The watch measures how late the loop runs a timer
(``houqin_event_loop_lag_seconds``) and, when it is blocked longer than
``STALL_S``, a thread looks at what the loop's thread is running at that moment; the
warning logged once the loop is back names it. Collections of the garbage collector are
timed too (``houqin_gc_pause_seconds``), since a full one stops the loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import time
import traceback
from typing import Any

from services.eventkit.metrics import EVENT_LOOP_LAG, GC_PAUSE

log = logging.getLogger(__name__)

TICK_S = 0.05
STALL_S = 0.2


class LoopWatch:
    """Times the event loop's lateness; names what blocked it for more than ``stall_s``."""

    def __init__(self, stall_s: float = STALL_S, tick_s: float = TICK_S) -> None:
        self.stall_s = stall_s
        self.tick_s = tick_s
        self.last_tick = time.monotonic()
        self.stalls = 0
        self.blocked_in: list[str] | None = None
        self._loop_thread = threading.get_ident()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: ticks, and starts the thread that looks when a tick is late."""
        self._loop_thread = threading.get_ident()
        self._thread = threading.Thread(target=self._look, name="loop-watch", daemon=True)
        self._thread.start()
        try:
            while not stop.is_set():
                self.last_tick = expected = time.monotonic()
                await asyncio.sleep(self.tick_s)
                late = time.monotonic() - expected - self.tick_s
                EVENT_LOOP_LAG.observe(max(0.0, late))
                if late >= self.stall_s:
                    self.stalls += 1
                    where = self.blocked_in or ["(not seen)"]
                    log.warning(
                        "event loop blocked", extra={"blocked_ms": round(late * 1000), "blocked_in": where[-6:]}
                    )
                self.blocked_in = None
        finally:
            self._stop.set()

    def _look(self) -> None:
        while not self._stop.wait(self.stall_s / 4):
            if self.blocked_in is None and time.monotonic() - self.last_tick > self.tick_s + self.stall_s:
                frame = sys._current_frames().get(self._loop_thread)
                if frame is not None:
                    self.blocked_in = [
                        f"{'/'.join(f.filename.rsplit('/', 2)[-2:])}:{f.lineno} {f.name}"
                        for f in traceback.extract_stack(frame)
                    ]


_gc_started: dict[str, float] = {}


def _time_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_started["at"] = time.perf_counter()
    elif "at" in _gc_started:
        GC_PAUSE.labels(str(info["generation"])).observe(time.perf_counter() - _gc_started.pop("at"))


def time_collections() -> None:
    """Times every collection of the garbage collector (once per process)."""
    if _time_collection not in gc.callbacks:
        gc.callbacks.append(_time_collection)
