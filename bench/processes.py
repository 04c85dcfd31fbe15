"""Services under a benchmark: each a real process (``python -m services.<svc> serve``,
``python -m gateway``) on a free port of 127.0.0.1, started by the one runner of
``services/eventkit/processes.py``.

Under ``HOUQIN_BENCH_PROFILE=<dir>`` each runs under ``py-spy record --format raw`` (this
machine does not let py-spy attach to a running process), and its profile is written to
``<dir>/<service>-<mode>-<port>.raw`` when the benchmark stops it.

Each one's resident memory (with its children's) is sampled all through the run by
``bench.memory.MEMORY``, whose table ``bench.report.footer`` prints.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.cli import console
from bench.memory import MEMORY, Watched, watch_load_generator
from services.eventkit.processes import ServiceProcess, free_port
from services.eventkit.settings import Settings


class BenchProcess(ServiceProcess):
    """A service (or the gateway) with its own database and namespace, its log in a temporary
    file; ``root``: another checkout's code, to compare with it. ``launch()`` starts it and
    waits until it answers, ``close()`` stops it (SIGTERM, SIGKILL after 30 s)."""

    def __init__(
        self,
        service: str,
        settings: Settings,
        *,
        mode: str = "all",
        env: dict[str, str] | None = None,
        root: Path | None = None,
    ) -> None:
        port = free_port() if service == "gateway" or mode in ("all", "api") else None
        profile_dir = os.environ.get("HOUQIN_BENCH_PROFILE")
        named = port or free_port()  # a process without a port is named by one all the same
        self.profile = str(Path(profile_dir) / f"{service}-{mode}-{named}.raw") if profile_dir else None
        under: list[str] = []
        if self.profile is not None:
            spy = str(Path(sys.executable).with_name("py-spy"))
            under = [spy, "record", "-r", "250", "--nonblocking", "--format", "raw", "-o", self.profile, "--"]
        super().__init__(service, settings, mode=mode, port=port, env=env, cwd=root, under=under, settle_s=1.0)
        self.memory: Watched | None = None

    def start(self) -> None:
        """Starts it, watched by the run's memory meter from then on (once, across restarts)."""
        super().start()
        if self.memory is None:
            watch_load_generator(MEMORY)
            name = self.service if self.service == "gateway" or self.mode == "all" else f"{self.service} ({self.mode})"
            self.memory = MEMORY.watch(name, lambda: self.pid if self.alive else None)

    async def close(self) -> None:
        if self.memory is not None and self.alive:
            self.memory.sample()  # its figures as it was under the load, before it is stopped
        await super().close()
        if self.profile is not None:
            console.print(f"profile of {self.service} ({self.mode}): {self.profile}")
