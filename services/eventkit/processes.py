"""A service as a process of its own: ``python -m services.<name> serve --mode <mode>`` (or
``python -m gateway``, or any command given), on a free port of 127.0.0.1, its output in a log file.

What starts a service this way: the benchmarks (``bench/processes.py``, which can run it under
a profiler), the fault tests (which SIGKILL it and start it again) and the tests that kill a
relay mid-publish. Start it (:meth:`ServiceProcess.start`), wait until its API answers
(:meth:`ServiceProcess.ready`, or both at once with :meth:`ServiceProcess.launch`), stop it
with SIGTERM, then SIGKILL if it has not finished within the grace period
(:meth:`ServiceProcess.terminate`), or at once (:meth:`ServiceProcess.kill`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

import httpx

from services.eventkit.settings import Settings

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
API_MODES = ("all", "api")


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``HOUQIN_*`` variables that give a service's process these settings (its database,
    topic namespace, broker and the replicas of the topics it creates, token key, relay and pool
    sizes, log level, metrics port, and its read replica's database if it has one)."""
    return {
        "HOUQIN_DATABASE_URL": settings.dsn,
        "HOUQIN_NAMESPACE": settings.namespace,
        "HOUQIN_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "HOUQIN_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "HOUQIN_KAFKA_REPLICATION_FACTOR": str(settings.kafka_replication_factor),
        "HOUQIN_KAFKA_MIN_INSYNC_REPLICAS": str(settings.kafka_min_insync_replicas),
        "HOUQIN_JWT_SECRET": settings.jwt_secret,
        "HOUQIN_RELAY_POLL_INTERVAL_S": str(settings.relay_poll_interval_s),
        "HOUQIN_RELAY_BATCH_SIZE": str(settings.relay_batch_size),
        "HOUQIN_POOL_MAX_SIZE": str(settings.pool_max_size),
        "HOUQIN_POOL_MIN_SIZE": str(settings.pool_min_size),
        "HOUQIN_LOG_LEVEL": settings.log_level,
        # no metrics port unless the settings name one: a port + 1000 could be another process's
        # free port; the main port's /metrics answers an operator's token
        "HOUQIN_METRICS_PORT": str(settings.metrics_port or 0),
    } | ({"HOUQIN_READ_DATABASE_URL": settings.read_dsn} if settings.read_dsn else {})


class ServiceProcess:
    """One service (or the gateway) in a process of its own; it can be started again once it ended.

    - ``mode``: the ``serve --mode`` of a service; with ``all`` and ``api`` (and for the
      gateway) it listens on ``port`` (a free one if not given) and has a ``client`` on it.
    - ``argv``: another command instead (a test's own consumer...): no port, no client.
    - ``env``: variables on top of the settings'; with ``inherit_houqin_env=False`` none of
      this process's own ``HOUQIN_*`` variables pass to the child, only those given.
    - ``log_path``: where its output goes, appended to (a line marks each start); if not
      given, a temporary file removed by :meth:`close`.
    - ``under``: a command it runs under (a profiler, ``py-spy record ... --``). Stopping
      sends that one SIGINT first (it writes what it gathered), then the service SIGTERM.
    - ``settle_s``: how long a process without an API must stay alive to count as started.
    """

    def __init__(
        self,
        service: str,
        settings: Settings,
        *,
        mode: str = "all",
        port: int | None = None,
        argv: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        inherit_houqin_env: bool = True,
        log_path: Path | None = None,
        cwd: Path | None = None,
        under: Sequence[str] = (),
        settle_s: float = 0.5,
    ) -> None:
        self.service = service
        self.settings = settings
        self.mode = str(mode)
        listens = argv is None and (service == "gateway" or self.mode in API_MODES)
        self.port = (port or free_port()) if listens else None
        if argv is None:
            argv = [sys.executable, "-m", "gateway"] if service == "gateway" else self.serve_argv()
        self.argv = list(argv)
        self.under = list(under)
        self.cwd = cwd or ROOT
        self.settle_s = settle_s
        parent = (
            os.environ if inherit_houqin_env else {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
        )
        listen = {"HOUQIN_HTTP_HOST": HOST, "HOUQIN_HTTP_PORT": str(self.port)} if self.port is not None else {}
        self.env: dict[str, str] = {
            **parent,
            **settings_env(settings),
            **listen,
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self._temporary_log = log_path is None
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix=f"houqin-{service}-{self.mode}-", suffix=".log")
            os.close(fd)
            log_path = Path(name)
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] | None = None
        self.client: httpx.AsyncClient | None = None
        self._log: TextIO | None = None

    def serve_argv(self) -> list[str]:
        return [sys.executable, "-m", f"services.{self.service}", "serve", "--mode", self.mode]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        """The service's own pid (under another command: that command's child)."""
        assert self.popen is not None, "not started"
        if not self.under:
            return self.popen.pid
        children = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
        try:
            return int(children.read_text().split()[0])
        except (OSError, IndexError, ValueError):
            return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        """Starts the process (again, after it ended); does not wait for it."""
        assert not self.alive, "already running"
        command = [*self.under, *self.argv]
        if self._log is None:
            self._log = self.log_path.open("a")
        self._log.write(f"--- start {' '.join(command)}\n")
        self._log.flush()
        self.popen = subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        if self.port is not None and self.client is None:
            self.client = httpx.AsyncClient(base_url=self.url, timeout=30)

    async def ready(self, timeout: float = 60.0) -> None:
        """Until its API answers ``/healthz``; a process without an API: until it has stayed
        alive ``settle_s``. Raises if it exits first or does not answer in time."""
        assert self.popen is not None, "not started"
        if self.client is None:
            await asyncio.sleep(self.settle_s)
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.describe()} exited with {self.popen.returncode}:\n{self.log_tail()}")
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.describe()} exited with {self.popen.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if (await self.client.get("/healthz", timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.describe()} did not answer within {timeout}s:\n{self.log_tail()}")

    async def launch(self, timeout: float = 60.0) -> None:
        """:meth:`start`, then :meth:`ready`."""
        self.start()
        await self.ready(timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind (no relay round finished, no offsets committed)."""
        assert self.popen is not None, "not started"
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)

    async def wait_exit(self, timeout: float) -> int:
        """Its exit code (minus the signal that ended it), once it has exited."""
        assert self.popen is not None, "not started"
        deadline = time.monotonic() + timeout
        while self.popen.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.describe()} still running after {timeout}s: see {self.log_path}")
            await asyncio.sleep(0.05)
        return self.popen.returncode

    async def terminate(self, grace_s: float = 30.0) -> None:
        """SIGTERM (the service finishes what it has in hand), SIGKILL after ``grace_s``. Under
        another command: SIGINT to that one first, then SIGTERM to the service."""
        if self.popen is not None and self.popen.poll() is None:
            if self.under:
                pid = self.pid
                self.popen.send_signal(signal.SIGINT)
                with contextlib.suppress(TimeoutError):
                    await self.wait_exit(grace_s)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            else:
                self.popen.send_signal(signal.SIGTERM)
            try:
                await self.wait_exit(grace_s)
            except TimeoutError:
                self.popen.kill()
                self.popen.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    async def close(self) -> None:
        """:meth:`terminate`, then closes its client (and removes a temporary log)."""
        await self.terminate()
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        if self._temporary_log:
            with contextlib.suppress(OSError):
                self.log_path.unlink()

    def describe(self) -> str:
        return f"{self.service} ({' '.join(self.argv[1:])})"

    def log_tail(self, lines: int = 20) -> str:
        try:
            with self.log_path.open(errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""
