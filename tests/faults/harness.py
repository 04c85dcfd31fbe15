"""A Kafka broker and a PostgreSQL server of the fault tests' own, and services to run on them.

Fault tests stop and start the broker and the database server under load. They never
touch the shared ones (127.0.0.1:9092 and the Debian cluster ``main`` on 5432): a second
broker (``infra/kafka/start.sh`` with its own state dir and ports) and a second cluster
(``infra/postgres/start.sh`` with ``HOUQIN_PG_CLUSTER=faults``) are theirs alone.

A :class:`Harness` belongs to one test: it makes the test's databases and topic
namespace, starts services in process or as real processes (to SIGKILL; the runner of
``services/eventkit/processes.py``), and stops and drops all of it when the test ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.eventkit.app import create_app
from services.eventkit.db import create_pool
from services.eventkit.kafka import delete_topics
from services.eventkit.processes import HOST, ServiceProcess
from services.eventkit.runtime import Mode, ServiceDefinition, ServiceRuntime
from services.eventkit.settings import Settings
from tests.conftest import drop_database

ROOT = Path(__file__).resolve().parents[2]
KAFKA_PORT = int(os.environ.get("HOUQIN_FAULTS_KAFKA_PORT", "19092"))
KAFKA_CONTROLLER_PORT = int(os.environ.get("HOUQIN_FAULTS_KAFKA_CONTROLLER_PORT", "19093"))
PG_PORT = int(os.environ.get("HOUQIN_FAULTS_PG_PORT", "5499"))
PG_CLUSTER = "faults"
STATE_DIR = ROOT / "infra" / ".state" / "faults"
SCRIPT_TIMEOUT_S = 180


def _pg_version() -> str:
    return sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: [int(p) for p in v.split(".") if p.isdigit()])[-1]


@dataclass(frozen=True)
class FaultInfra:
    """The fault tests' own broker and database server (never the shared ones)."""

    pg_port: int = PG_PORT
    kafka_port: int = KAFKA_PORT
    kafka_controller_port: int = KAFKA_CONTROLLER_PORT
    pg_user: str = "houqin"
    pg_password: str = "houqin"

    def __post_init__(self) -> None:
        # The whole point: these are not the shared ones.
        assert self.pg_port != 5432 and self.kafka_port != 9092, "fault tests need their own servers"

    @property
    def kafka_bootstrap(self) -> str:
        return f"{HOST}:{self.kafka_port}"

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.pg_user}:{self.pg_password}@{HOST}:{self.pg_port}/{database}"

    # -- the scripts ---------------------------------------------------------------------

    def _kafka_env(self) -> dict[str, str]:
        return os.environ | {
            "HOUQIN_STATE_DIR": str(STATE_DIR),
            "HOUQIN_KAFKA_PORT": str(self.kafka_port),
            "HOUQIN_KAFKA_CONTROLLER_PORT": str(self.kafka_controller_port),
            "HOUQIN_KAFKA_HEAP": os.environ.get("HOUQIN_FAULTS_KAFKA_HEAP", "-Xms128m -Xmx512m"),
        }

    def _pg_env(self) -> dict[str, str]:
        return os.environ | {
            "HOUQIN_PG_CLUSTER": PG_CLUSTER,
            "HOUQIN_PG_PORT": str(self.pg_port),
            "HOUQIN_PG_SHARED_BUFFERS": "64MB",
            "HOUQIN_PG_USER": self.pg_user,
            "HOUQIN_PG_PASSWORD": self.pg_password,
        }

    def _run(self, argv: list[str], env: dict[str, str]) -> None:
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def start_all(self) -> None:
        self.start_postgres_cluster()
        self.start_kafka_sync()

    def stop_all(self) -> None:
        errors: list[BaseException] = []
        for stop in (self.stop_kafka_sync, self.stop_postgres_sync):
            try:
                stop()
            except Exception as exc:  # stop the other one anyway
                errors.append(exc)
        if errors:
            raise errors[0]

    def start_postgres_cluster(self) -> None:
        """Creates the cluster on first use, starts it, makes the role (infra/postgres/start.sh)."""
        self._run(["bash", str(ROOT / "infra/postgres/start.sh")], self._pg_env())

    def start_kafka_sync(self) -> None:
        self._run(["bash", str(ROOT / "infra/kafka/start.sh")], self._kafka_env())

    def stop_kafka_sync(self) -> None:
        self._run(["bash", str(ROOT / "infra/kafka/stop.sh")], self._kafka_env())

    def stop_postgres_sync(self, mode: str = "fast") -> None:
        """``fast`` rolls back what is in flight, but a backend that has its lock and its last
        statement before its own signal arrives still commits; ``immediate`` is a crash: nothing
        in flight commits (the restart recovers from the WAL)."""
        self._run(["pg_ctlcluster", _pg_version(), PG_CLUSTER, "stop", "-m", mode], self._pg_env())

    def start_postgres_sync(self) -> None:
        self._run(["pg_ctlcluster", _pg_version(), PG_CLUSTER, "start"], self._pg_env())
        deadline = time.monotonic() + 60
        while subprocess.run(["pg_isready", "-q", "-h", HOST, "-p", str(self.pg_port)]).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the faults cluster does not answer on {HOST}:{self.pg_port}")
            time.sleep(0.2)

    # The event loop keeps running (services, consumers, load) while a script works.

    async def stop_kafka(self) -> None:
        await asyncio.to_thread(self.stop_kafka_sync)

    async def start_kafka(self) -> None:
        await asyncio.to_thread(self.start_kafka_sync)

    async def stop_postgres(self, mode: str = "fast") -> None:
        await asyncio.to_thread(self.stop_postgres_sync, mode)

    async def start_postgres(self) -> None:
        await asyncio.to_thread(self.start_postgres_sync)

    def kafka_is_up(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((HOST, self.kafka_port), timeout=1):
            return True
        return False

    def postgres_is_up(self) -> bool:
        return subprocess.run(["pg_isready", "-q", "-h", HOST, "-p", str(self.pg_port)]).returncode == 0


class FinHoldingProxy:
    """A TCP proxy in front of PostgreSQL that passes every byte on at once, but when the
    server closes a connection keeps the client's side open ``hold_s`` longer.

    A server that goes down sends each idle connection a last error message, then closes
    it; a client can use the connection in between. This widens that window from
    milliseconds to seconds, so that what happens in it can be tested.
    """

    def __init__(self, target_port: int, hold_s: float) -> None:
        self.target_port = target_port
        self.hold_s = hold_s
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def dsn(self, dsn: str) -> str:
        """``dsn`` through the proxy, without TLS (whose close_notify would end the connection first)."""
        proxied = dsn.replace(f"@{HOST}:{self.target_port}/", f"@{HOST}:{self.port}/")
        return proxied + ("&" if "?" in proxied else "?") + "sslmode=disable"

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(HOST, self.target_port)
        except OSError:
            client_w.close()
            return

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, hold: float) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            if hold:
                await asyncio.sleep(hold)
            dst.close()

        tasks = {
            asyncio.ensure_future(pump(client_r, server_w, 0)),
            asyncio.ensure_future(pump(server_r, client_w, self.hold_s)),
        }
        self._tasks |= tasks
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks -= tasks

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


# -- services ------------------------------------------------------------------------------


@dataclass
class Service:
    """A service running in this process (API, relay and consumers, or some of them)."""

    definition: ServiceDefinition
    settings: Settings
    app: FastAPI
    client: httpx.AsyncClient
    lifespan: Any
    stopped: bool = False

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def runtime(self) -> ServiceRuntime:
        runtime: ServiceRuntime = self.app.state.runtime
        return runtime

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        await self.client.aclose()
        await self.lifespan.__aexit__(None, None, None)


@dataclass
class Harness:
    """One test's view of the fault infrastructure; everything it starts stops with the test."""

    infra: FaultInfra
    log_dir: Path
    namespace: str = field(default_factory=lambda: f"faults{uuid4().hex[:10]}")
    databases: list[str] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    processes: list[ServiceProcess] = field(default_factory=list)
    pools: list[asyncpg.Pool] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    app_errors: list[tuple[str, str]] = field(default_factory=list)  # (service, repr) of every 500 in process
    proxies: list[FinHoldingProxy] = field(default_factory=list)
    runtimes: list[ServiceRuntime] = field(default_factory=list)

    async def database(self, label: str) -> str:
        name = f"houqin_f_{label}_{uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.infra.admin_dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.databases.append(name)
        return self.infra.admin_dsn(name)

    async def settings(self, service: str, **overrides: Any) -> Settings:
        dsn = overrides.pop("database_url", None) or await self.database(service)
        values: dict[str, Any] = {
            "service": service,
            "namespace": self.namespace,
            "database_url": dsn,
            "kafka_bootstrap": self.infra.kafka_bootstrap,
            "relay_poll_interval_s": 0.2,
            "log_json": True,
            "log_level": "WARNING",
            "pool_max_size": 10,
        }
        return Settings(**(values | overrides))

    async def start(self, definition: ServiceDefinition, settings: Settings, mode: Mode = Mode.ALL) -> Service:
        app = create_app(definition, settings, mode=mode)

        async def unhandled(_: Request, exc: Exception) -> JSONResponse:
            # still a 500, as without this handler; the test keeps what it was
            self.app_errors.append((definition.name, repr(exc)))
            return JSONResponse({"error": "internal_error", "exception": repr(exc)}, status_code=500)

        app.add_exception_handler(Exception, unhandled)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        # 500s come back as responses (not exceptions), as a real client would see them
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://service", timeout=30)
        service = Service(definition, settings, app, client, lifespan)
        self.services.append(service)
        return service

    def process(
        self,
        settings: Settings,
        *,
        mode: Mode = Mode.ALL,
        argv: list[str] | None = None,
        label: str = "",
        **env: str,
    ) -> ServiceProcess:
        """A service as a real process, not started yet (``.start()``), with none of this
        process's ``HOUQIN_*`` variables; its log in the test's directory (``label`` tells
        apart the logs of several processes of one service and mode)."""
        proc = ServiceProcess(
            settings.service,
            settings,
            mode=mode,
            argv=argv,
            env={"HOUQIN_LOG_JSON": "false", **env},
            inherit_houqin_env=False,
            log_path=self.log_dir / f"{settings.service}-{mode}{'-' + label if label else ''}.log",
        )
        self.processes.append(proc)
        return proc

    async def migrated(self, definition: ServiceDefinition, **overrides: Any) -> ServiceRuntime:
        """A service's database, migrated, with its projections' schemas; no API, relay or consumer."""
        runtime = ServiceRuntime(definition, await self.settings(definition.name, **overrides))
        await runtime.open()
        self.runtimes.append(runtime)
        return runtime

    async def pool(self, settings: Settings, max_size: int = 5) -> asyncpg.Pool:
        """A pool of the test's own on a service's database (to look, not to write)."""
        pool = await create_pool(settings.dsn, min_size=1, max_size=max_size)
        self.pools.append(pool)
        return pool

    async def proxy(self, hold_s: float) -> FinHoldingProxy:
        """A :class:`FinHoldingProxy` to the faults cluster, closed after the services."""
        proxy = FinHoldingProxy(self.infra.pg_port, hold_s)
        await proxy.start()
        self.proxies.append(proxy)
        return proxy

    def background(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self.tasks.append(task)
        return task

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for proc in reversed(self.processes):
            await proc.close()
        for service in reversed(self.services):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(service.stop(), 60)
        for runtime in self.runtimes:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runtime.close(), 30)
        for pool in self.pools:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pool.close(), 10)
        for proxy in self.proxies:
            await proxy.close()
        if self.infra.kafka_is_up():
            with contextlib.suppress(Exception):
                await delete_topics(self.infra.kafka_bootstrap, self.namespace)
        if self.databases and self.infra.postgres_is_up():
            conn = await asyncpg.connect(self.infra.admin_dsn())
            try:
                for name in self.databases:
                    await drop_database(conn, name)
            finally:
                await conn.close()
