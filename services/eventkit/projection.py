"""Projections: read tables kept from the service's own events.

Each projection owns a PostgreSQL schema holding its tables and ``_streams``, the
last version it applied per stream (its checkpoint). An event updates the tables
and the checkpoint in one transaction, so it applies once and in order:

- a version at or below the checkpoint is a redelivery and is skipped;
- a version beyond the next one means events were not seen yet (a republish can
  reorder across rounds): the missing ones are read from the store and applied first.

``rebuild`` replays the store at one snapshot into a fresh schema, catches up with
what committed meanwhile while holding the projection's lock, and swaps the fresh
schema in by renaming, in one transaction: readers see the old tables or the new,
never a half-built one.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from services.eventkit.consumer import ConsumerRunner
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.metrics import PROJECTION_LAG
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore, row_to_envelope

log = logging.getLogger(__name__)

_STREAMS_DDL = "CREATE TABLE {schema}._streams (stream_id text PRIMARY KEY, version integer NOT NULL);"


class Projection:
    """Base of a read model. Subclasses set ``name`` and ``event_types`` and implement
    :meth:`ddl` (tables inside ``schema``) and :meth:`apply` (one event, already in order)."""

    name: str = ""
    event_types: frozenset[str] = frozenset()

    @property
    def schema(self) -> str:
        return f"proj_{self.name}"

    def ddl(self, schema: str) -> str:
        raise NotImplementedError

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        raise NotImplementedError

    # -- the EventHandler protocol used by ConsumerRunner --------------------------------

    def wants(self, envelope: Envelope) -> bool:
        return True  # every event of a stream moves its checkpoint, wanted or not

    async def before_batch(self, conn: Connection) -> None:
        # Shared with other batches, exclusive for a rebuild's swap.
        await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", lock_key(self.schema))

    async def process(self, conn: Connection, envelope: Envelope) -> bool:
        applied = await self.apply_in_order(conn, self.schema, envelope)
        if not applied:
            return False
        await conn.execute(
            "INSERT INTO projection_status (name, events_applied, last_event_at, last_applied_at) "
            "VALUES ($1, $2, $3, now()) ON CONFLICT (name) DO UPDATE SET "
            "events_applied = projection_status.events_applied + EXCLUDED.events_applied, "
            "last_event_at = EXCLUDED.last_event_at, last_applied_at = now()",
            self.name,
            applied,
            envelope.recorded_at,
        )
        if envelope.recorded_at is not None:
            PROJECTION_LAG.labels(self.name).set(max(0.0, time.time() - envelope.recorded_at.timestamp()))
        return True

    async def apply_in_order(self, conn: Connection, schema: str, envelope: Envelope) -> int:
        """Applies ``envelope`` (and any missing predecessors) into ``schema``; returns how many."""
        last = await conn.fetchval(f"SELECT version FROM {schema}._streams WHERE stream_id = $1", envelope.stream_id)
        last = last or 0
        if envelope.version <= last:
            return 0
        todo = [envelope]
        if envelope.version > last + 1:
            rows = await conn.fetch(
                "SELECT position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, "
                "district_id, school_id, campus_id, actor, correlation_id, causation_id, command_id, data "
                "FROM events WHERE stream_id = $1 AND version > $2 AND version < $3 ORDER BY version",
                envelope.stream_id,
                last,
                envelope.version,
            )
            todo = [row_to_envelope(r) for r in rows] + todo
        for env in todo:
            if not self.event_types or env.type in self.event_types:
                await self.apply(conn, schema, env)
        await conn.execute(
            f"INSERT INTO {schema}._streams (stream_id, version) VALUES ($1, $2) "
            "ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version",
            envelope.stream_id,
            envelope.version,
        )
        return len(todo)


def lock_key(schema: str) -> int:
    return zlib.crc32(f"houqin.projection.{schema}".encode())


async def create_schema(conn: Connection, projection: Projection, schema: str) -> None:
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.execute(_STREAMS_DDL.format(schema=schema))
    await conn.execute(projection.ddl(schema))


async def ensure_projection(pool: asyncpg.Pool, projection: Projection) -> None:
    """Creates the projection's schema on first start (empty: the consumer fills it)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(projection.schema))
        exists = await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", projection.schema)
        if not exists:
            await create_schema(conn, projection, projection.schema)


@dataclass(frozen=True)
class RebuildReport:
    projection: str
    events: int
    caught_up: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


async def rebuild(
    pool: asyncpg.Pool,
    store: EventStore,
    projection: Projection,
    *,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Replays the store into a fresh schema and swaps it in; the live one serves meanwhile."""
    started = time.perf_counter()
    shadow = f"{projection.schema}__rebuild"
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE")
        await create_schema(conn, projection, shadow)

    replayed = 0
    snapshot = ""
    async for taken_at, batch in store.snapshot_batches(batch_size):
        snapshot = taken_at
        if not batch:
            break
        async with pool.acquire() as conn, conn.transaction():
            for env in batch:
                await projection.apply_in_order(conn, shadow, env)
        replayed += len(batch)
        if progress:
            progress(replayed)

    async with pool.acquire() as conn, conn.transaction():
        # The live consumer pauses here; everything it committed is visible now.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(projection.schema))
        late = await store.committed_since(snapshot, conn) if snapshot else []
        for env in late:
            await projection.apply_in_order(conn, shadow, env)
        await conn.execute(f"DROP SCHEMA IF EXISTS {projection.schema} CASCADE")
        await conn.execute(f"ALTER SCHEMA {shadow} RENAME TO {projection.schema}")
        await conn.execute(
            "INSERT INTO projection_status (name, rebuilt_at) VALUES ($1, now()) "
            "ON CONFLICT (name) DO UPDATE SET rebuilt_at = now()",
            projection.name,
        )
    report = RebuildReport(projection.name, replayed, len(late), time.perf_counter() - started)
    log.info("projection rebuilt", extra={"projection": projection.name, "events": replayed, "seconds": report.seconds})
    return report


def projection_runner(settings: Settings, pool: asyncpg.Pool, projection: Projection) -> ConsumerRunner:
    """The live side: the projection as a consumer of the service's own topic."""
    return ConsumerRunner(
        settings,
        pool,
        projection,
        [settings.events_topic],
        group_id=settings.group_of(f"projection.{projection.name}"),
    )
