"""The local PostgreSQL and Kafka a benchmark runs on: a fresh database and a topic namespace
of its own (removed at the end whatever happens), settings for a service on them, and the
outbox's draining. Benchmarks run against 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import asyncpg

from bench.cli import console
from services.eventkit.kafka import delete_topics as kit_delete_topics
from services.eventkit.settings import Settings

PG_HOST = os.environ.get("HOUQIN_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("HOUQIN_PG_PORT", "5432"))
PG_USER = os.environ.get("HOUQIN_PG_USER", "houqin")
PG_PASSWORD = os.environ.get("HOUQIN_PG_PASSWORD", "houqin")
KAFKA = os.environ.get("HOUQIN_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _require_local() -> None:
    hosts = [PG_HOST, *(b.rpartition(":")[0] for b in KAFKA.split(","))]
    for host in hosts:
        if host not in LOCAL_HOSTS:
            raise SystemExit(f"benchmarks run against 127.0.0.1 only; {host!r} is not local")


def admin_dsn(database: str = "postgres") -> str:
    return f"postgresql://{PG_USER}:{PG_PASSWORD}@{PG_HOST}:{PG_PORT}/{database}"


@asynccontextmanager
async def fresh_database(bench: str, label: str = "") -> AsyncIterator[str]:
    """``CREATE DATABASE houqin_bench_<bench>[_<label>]_<random>``; dropped at the end whatever happens."""
    _require_local()
    name = f"houqin_bench_{bench}{'_' + label if label else ''}_{uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield admin_dsn(name)
    finally:
        await _drop_database(name)


async def _drop_database(name: str) -> None:
    """Ends this run's own sessions on the database, then drops it (an autovacuum worker
    still in it, which ``WITH (FORCE)`` may not end for a non-superuser, stops by itself)."""
    conn = await asyncpg.connect(admin_dsn())
    try:
        for attempt in range(20):
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND usename = current_user AND pid <> pg_backend_pid()",
                name,
            )
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except (asyncpg.ObjectInUseError, asyncpg.InsufficientPrivilegeError):
                if attempt == 19:
                    raise
                await asyncio.sleep(0.5)
    finally:
        await conn.close()


def new_namespace(bench: str) -> str:
    """A Kafka topic and consumer-group prefix no other run shares."""
    return f"bench{bench.replace('_', '')}{uuid4().hex[:8]}"


async def delete_topics(namespace: str) -> None:
    """Removes this run's topics (``<namespace>.*``) from the broker."""
    try:
        await kit_delete_topics(KAFKA, namespace + ".")
    except Exception as exc:
        console.print(f"[yellow]could not delete the topics of {namespace}: {exc!r}[/yellow]")


def settings_for(service: str, dsn: str, namespace: str, **overrides: Any) -> Settings:
    _require_local()
    base: dict[str, Any] = {
        "service": service,
        "namespace": namespace,
        "database_url": dsn,
        "kafka_bootstrap": KAFKA,
        "log_json": False,
        "log_level": "WARNING",
        "relay_poll_interval_s": 0.5,
    }
    return Settings(**(base | overrides))


async def drain_outbox(pool: asyncpg.Pool, timeout_s: float) -> float | None:
    """Seconds until the outbox is empty (None if it did not empty in time)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if await pool.fetchval("SELECT count(*) FROM outbox") == 0:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    return None


async def at_rest(pool: asyncpg.Pool, label: str) -> None:
    """VACUUM ANALYZE and CHECKPOINT: a freshly imported and rebuilt database as a term leaves it.
    Rebuilt tables have no visibility map and an import leaves gigabytes of dirty buffers:
    without this, autovacuum and the checkpointer do it during the measurement."""
    with console.status(f"{label}: vacuuming and checkpointing (a database at rest, as in a term)"):
        await pool.execute("VACUUM ANALYZE")
        try:
            await pool.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            console.print("[yellow]no CHECKPOINT (needs pg_checkpoint): the checkpointer may run meanwhile[/yellow]")
