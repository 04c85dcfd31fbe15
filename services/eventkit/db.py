"""Connection pools and schema migrations (plain SQL files, applied once, in order)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# A connection of its own or one lent by a pool: the kit accepts either.
Connection = asyncpg.Connection | PoolConnectionProxy

log = logging.getLogger(__name__)
# What a server that is down, shutting down or unreachable raises (each answered 503 by the API)
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,  # admin or crash shutdown
    asyncpg.InternalClientError,  # a connection the server is closing under us
    asyncpg.InterfaceError,
    ConnectionError,
    OSError,
    TimeoutError,
)
KIT_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 0x686F7571  # one migrator at a time per database


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _jsonb_encode(value: object) -> bytes:
    return b"\x01" + _dumps(value).encode()  # jsonb's binary form: a version byte, then the text


def _jsonb_decode(data: bytes) -> object:
    return json.loads(data[1:])


async def _init_connection(conn: asyncpg.Connection) -> None:
    """JSON values in and out of json/jsonb columns; jsonb in its binary form, so that
    ``COPY ... (FORMAT binary)`` (the bulk import) can carry it."""
    await conn.set_type_codec("json", encoder=_dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec(
        "jsonb", encoder=_jsonb_encode, decoder=_jsonb_decode, schema="pg_catalog", format="binary"
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What the pool does to a connection given back, after asyncpg rolled back any open transaction.

    asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` on every release: one more round trip for every use of the pool. The kit
    leaves no session state on pooled connections (no SET, no LISTEN, no session advisory
    lock or cursor outliving its transaction: the relay and the migrations' lock holder
    either use a connection of their own or undo what they took), so nothing is sent.
    """
    return None


async def create_pool(
    dsn: str,
    *,
    min_size: int = 2,
    max_size: int = 20,
    command_timeout: float = 10.0,
    application_name: str | None = None,
) -> asyncpg.Pool:
    """A pool whose connections speak JSON for json/jsonb columns (named ``application_name`` in
    the server's ``pg_stat_activity``, if given)."""
    pool = await asyncpg.create_pool(
        dsn,
        server_settings={"application_name": application_name} if application_name else None,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_keep_session,
        command_timeout=command_timeout,
    )
    assert pool is not None
    return pool


async def migrate(conn: Connection, *directories: Path) -> list[str]:
    """Applies every ``NNN_*.sql`` not yet applied, kit first, then the service's own."""
    applied: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        for directory in directories:
            for path in sorted(directory.glob("*.sql")):
                name = f"{directory.parent.name}/{directory.name}/{path.name}"
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied.append(name)
                log.info("migration applied", extra={"migration": name})
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied
