"""Shared fixtures: real PostgreSQL and real Kafka, started once per test session.

One fixture decides where they come from: testcontainers when a Docker engine
answers, the ``infra/`` scripts (Debian's PostgreSQL, Kafka from Maven Central)
otherwise. ``HOUQIN_TEST_INFRA=local`` forces the latter.

Every test session gets its own topic namespace and its own databases, so a
running development system on the same broker and server is never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.eventkit.app import create_app
from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.kafka import delete_topics
from services.eventkit.runtime import Mode, ServiceDefinition
from services.eventkit.settings import Settings

# the harnesses of the domain and property tests assert: with pytest's explanations
pytest.register_assert_rewrite("tests.deciders", "tests.properties")

ROOT = Path(__file__).resolve().parents[1]

# every page a read answers is held to the rows its OpenAPI documents (services.eventkit.routes.page_route)
os.environ.setdefault("HOUQIN_VALIDATE_READS", "1")


@dataclass(frozen=True)
class Infra:
    pg_host: str
    pg_port: int
    pg_user: str
    pg_password: str
    kafka_bootstrap: str
    source: str

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/{database}"


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    if os.environ.get("HOUQIN_TEST_INFRA") != "local" and _docker_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        with (
            PostgresContainer("postgres:16", username="houqin", password="houqin", dbname="houqin") as pg,
            KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft() as kafka,
        ):
            yield Infra(
                pg.get_container_host_ip(),
                int(pg.get_exposed_port(5432)),
                "houqin",
                "houqin",
                kafka.get_bootstrap_server(),
                "testcontainers",
            )
        return
    if not os.environ.get("HOUQIN_TEST_SKIP_START"):
        for script in ("infra/postgres/start.sh", "infra/kafka/start.sh"):
            done = subprocess.run(["bash", str(ROOT / script)], cwd=ROOT)
            if done.returncode != 0:
                pytest.exit(f"{script} failed: run it by hand to see why", returncode=3)
    yield Infra(
        os.environ.get("HOUQIN_PG_HOST", "127.0.0.1"),
        int(os.environ.get("HOUQIN_PG_PORT", "5432")),
        os.environ.get("HOUQIN_PG_USER", "houqin"),
        os.environ.get("HOUQIN_PG_PASSWORD", "houqin"),
        os.environ.get("HOUQIN_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        "local",
    )


@pytest_asyncio.fixture(scope="session")
async def namespace(infra: Infra) -> AsyncIterator[str]:
    """Topic and consumer-group prefix of this test session; its topics are deleted at the end."""
    prefix = f"test{uuid4().hex[:10]}"
    yield prefix
    with contextlib.suppress(Exception):  # a broker a test left stopped: nothing to clean
        await delete_topics(infra.kafka_bootstrap, prefix)


DatabaseFactory = Callable[[str], Awaitable[str]]


@pytest_asyncio.fixture(scope="session")
async def new_database(infra: Infra) -> AsyncIterator[DatabaseFactory]:
    """Creates a fresh database and returns its DSN; all are dropped at the end."""
    created: list[str] = []

    async def create(label: str) -> str:
        name = f"houqin_t_{label}_{uuid4().hex[:8]}"
        conn = await asyncpg.connect(infra.admin_dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        created.append(name)
        return infra.admin_dsn(name)

    yield create
    conn = await asyncpg.connect(infra.admin_dsn())
    try:
        for name in created:
            await drop_database(conn, name)
    finally:
        await conn.close()


async def drop_database(conn: asyncpg.Connection, name: str) -> None:
    """Drops a test database; a backend that cannot be ended yet (autovacuum) gets a few tries."""
    for attempt in range(5):
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
            if attempt == 4:
                warnings.warn(f"test database {name} left behind: it is still in use", stacklevel=1)
                return
            await asyncio.sleep(0.5)


SettingsFactory = Callable[..., Awaitable[Settings]]


@pytest_asyncio.fixture(scope="session")
async def make_settings(infra: Infra, namespace: str, new_database: DatabaseFactory) -> SettingsFactory:
    """Settings for a service under test: its own fresh database, the session's topics."""

    async def make(service: str, *, namespace_suffix: str = "", **overrides: Any) -> Settings:
        dsn = overrides.pop("database_url", None) or await new_database(service)
        # one idle connection per pool: a session keeps every service it started until its end
        defaults: dict[str, Any] = {
            "relay_poll_interval_s": 0.2,
            "log_json": False,
            "log_level": "WARNING",
            "pool_min_size": 1,
            "loop_watch": False,  # one thread per service started: a session starts a hundred
        }
        return Settings(
            service=service,
            namespace=namespace + namespace_suffix,
            database_url=dsn,
            kafka_bootstrap=infra.kafka_bootstrap,
            **(defaults | overrides),
        )

    return make


def token_for(settings: Settings, subject: str, *roles: Role, **scope: Any) -> dict[str, str]:
    principal = Principal(
        subject=subject,
        roles=frozenset(roles),
        districts=frozenset(scope.get("districts", ())),
        schools=frozenset(scope.get("schools", ())),
        campuses=frozenset(scope.get("campuses", ())),
        classes=frozenset(scope.get("classes", ())),
    )
    return {"Authorization": f"Bearer {mint_token(settings, principal)}"}


@dataclass
class RunningService:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def pool(self) -> asyncpg.Pool:
        pool: asyncpg.Pool = self.runtime.pool
        return pool


ServiceStarter = Callable[..., Any]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def start_service() -> AsyncIterator[Callable[..., Any]]:
    """Starts a service in process (API + relay + consumers), with a client on its API; the
    services a test module started stop at its end (kept for the session, a hundred services'
    relays and consumers shared one event loop and slowed every later module)."""
    stack: list[tuple[Any, httpx.AsyncClient]] = []

    async def start(definition: ServiceDefinition, settings: Settings, mode: Mode = Mode.ALL) -> RunningService:
        app = create_app(definition, settings, mode=mode)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")
        stack.append((lifespan, client))
        return RunningService(app, client, settings)

    yield start
    for lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Polls ``check`` until it returns something truthy (and returns it), or fails."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
