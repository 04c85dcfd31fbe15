"""Projections: read tables kept from the service's own events.

Each projection owns a PostgreSQL schema holding its tables and ``_streams``, the
last version it applied per stream (its checkpoint). An event updates the tables
and the checkpoint in one transaction, so it applies once and in order:

- a version at or below the checkpoint is a redelivery and is skipped;
- a version beyond the next one means events were not seen yet (a republish can
  reorder across rounds): the missing ones are read from the store and applied first.

``rebuild`` replays the store as one snapshot saw it (read in short statements, range by
range of positions: no transaction stays open for the replay) into a fresh schema, catches up with
what committed meanwhile while holding the projection's lock, and swaps the fresh
schema in by renaming, in one transaction: readers see the old tables or the new,
never a half-built one.

Batches. The live consumer's batches and a rebuild's go through :meth:`Projection.apply_many`:
the checkpoints of a batch's streams are read in one query and written in one, and the
events to apply (in order, gaps filled, redeliveries skipped, exactly as one by one) go to
:meth:`Projection.apply_batch`. Its default calls :meth:`Projection.apply` per event
through a :class:`StatementPipeline`, which sends runs of the same statement as one
pipelined ``executemany``; a projection may override ``apply_batch`` with set-based SQL
(``unnest``, ``COPY``). The one-event path (:meth:`Projection.process`) stays, for the
consumer's event-by-event retry that singles out a poison event.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import time
import zlib
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

import asyncpg

from services.eventkit.consumer import ConsumerRunner
from services.eventkit.db import Connection
from services.eventkit.decider import Decider
from services.eventkit.envelope import Envelope
from services.eventkit.errors import HouqinError
from services.eventkit.metrics import PROJECTION_LAG
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore, row_to_envelope

log = logging.getLogger(__name__)

_STREAMS_DDL = "CREATE TABLE {schema}._streams (stream_id text PRIMARY KEY, version integer NOT NULL);"
_STATUS_SQL = (
    "INSERT INTO projection_status (name, events_applied, last_event_at, last_applied_at) "
    "VALUES ($1, $2, $3, now()) ON CONFLICT (name) DO UPDATE SET "
    "events_applied = projection_status.events_applied + EXCLUDED.events_applied, "
    "last_event_at = EXCLUDED.last_event_at, last_applied_at = now()"
)


class StatementPipeline:
    """Stands in for the connection while a batch is applied: writes go in runs.

    ``execute(sql, *args)`` is held back while the same statement repeats; a run goes
    to the server as one pipelined ``executemany`` (one round trip instead of one per
    event), and is not waited for: the next events are decoded while the server works,
    and the next run waits for it. Anything else (a read, ``executemany``, ``copy_*``, a
    transaction, a statement without parameters) first waits for everything before it.
    So statements run in the order ``apply`` issued them, and every read sees every
    write before it. Two differences from a plain connection: ``execute`` answers ``""``
    instead of the command status, and an error of a held statement is raised later (a
    failing batch is retried event by event, which names the event).
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sql: str | None = None
        self._args: list[tuple[Any, ...]] = []
        self._in_flight: asyncio.Future[Any] | None = None
        self.statements = 0
        self.round_trips = 0

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        if not args:
            await self.drain()
            self.round_trips += 1
            return await self._conn.execute(query, timeout=timeout)
        if query != self._sql:
            await self.flush()
            self._sql = query
        self._args.append(args)
        self.statements += 1
        return ""

    async def flush(self) -> None:
        """Sends the run held back (after the one in flight), without waiting for it."""
        if self._sql is None:
            return
        await self._wait()
        sql, args = self._sql, self._args
        self._sql, self._args = None, []
        self.round_trips += 1
        if len(args) == 1:
            self._in_flight = asyncio.ensure_future(self._conn.execute(sql, *args[0]))
        else:
            self._in_flight = asyncio.ensure_future(self._conn.executemany(sql, args))

    async def drain(self) -> None:
        """Sends what is held and waits until the server has done everything."""
        await self.flush()
        await self._wait()

    async def settle(self) -> None:
        """After a failure: lets the statement in flight finish, so the connection is free again."""
        self._sql, self._args = None, []
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            await asyncio.gather(in_flight, return_exceptions=True)

    async def _wait(self) -> None:
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            await in_flight

    async def executemany(self, query: str, args: Any, *, timeout: float | None = None) -> None:
        await self.drain()
        self.round_trips += 1
        await self._conn.executemany(query, args, timeout=timeout)

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> list[asyncpg.Record]:
        await self.drain()
        self.round_trips += 1
        return await self._conn.fetch(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> asyncpg.Record | None:
        await self.drain()
        self.round_trips += 1
        row: asyncpg.Record | None = await self._conn.fetchrow(query, *args, **kwargs)
        return row

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        await self.drain()
        self.round_trips += 1
        return await self._conn.fetchval(query, *args, **kwargs)

    def transaction(self, **kwargs: Any) -> _DrainFirst:
        return _DrainFirst(self, self._conn.transaction(**kwargs))

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._conn, name)
        if not asyncio.iscoroutinefunction(attr):
            return attr

        async def drained_first(*args: Any, **kwargs: Any) -> Any:
            await self.drain()
            self.round_trips += 1
            return await attr(*args, **kwargs)

        return drained_first


class _DrainFirst:
    """``async with pipeline.transaction():`` — what was held is done before the savepoint."""

    def __init__(self, pipeline: StatementPipeline, transaction: Any) -> None:
        self._pipeline = pipeline
        self._transaction = transaction

    async def __aenter__(self) -> Any:
        await self._pipeline.drain()
        return await self._transaction.__aenter__()

    async def __aexit__(self, *exc: Any) -> Any:
        if exc[0] is None:
            await self._pipeline.drain()
        else:
            await self._pipeline.settle()
        return await self._transaction.__aexit__(*exc)


SWAP_WAIT_S = 600.0
"""How long a rebuild's swap waits for the live consumer's batch to end before it gives up."""
OPERATIONS_PREFIX = "operations-"
"""Streams of operators' acts (``services.eventkit.operations``): followed by no projection."""
REBUILD_BATCH = 1000
"""Events a rebuild applies per transaction (and reads per range of positions, and applies per
statement at the swap). Over 3,300,000 events, batches of 1,000 replayed 1.23-1.34x as fast as
batches of 5,000 at a peak 21-26 MB lower (``bench.rebuild_batches``): two batches are alive at
once (one applied, the next read), each as rows and as envelopes, and smaller ones overlap the
read and the apply more evenly."""
CHECKPOINTS_KEPT = 20_000
"""Streams a rebuild keeps the checkpoint of in memory (about 150 bytes each); past it, the half
seen first are let go of, and read back from the shadow when their stream comes again. A
stream's events come close together (an inspection's walk, a hazard's life), so few come
back: over 3,300,000 events in 127,548 streams, 20,000 kept a peak 6 MB lower than 100,000 at
a replay 7% slower (one run each)."""


class Projection:
    """Base of a read model. Subclasses set ``name`` and ``event_types`` and implement
    :meth:`ddl` (tables inside ``schema``) and :meth:`apply` (one event, already in order).

    ``streams`` names the aggregates (their deciders) whose streams it reads; events of
    any other stream cost it nothing: no transaction, no checkpoint. Empty: every stream
    (each one checkpointed, wanted types or not).
    """

    name: str = ""
    event_types: frozenset[str] = frozenset()
    streams: tuple[Decider[Any, Any, Any], ...] = ()

    @functools.cached_property
    def _stream_prefixes(self) -> tuple[str, ...]:
        return tuple(f"{d.stream_prefix}-" for d in self.streams)

    def follows(self, stream_id: str) -> bool:
        """Whether this stream is one the projection reads (and keeps a checkpoint for). The
        streams recording operators' acts (``operations-...``) are no read model's."""
        if stream_id.startswith(OPERATIONS_PREFIX):
            return False
        return not self.streams or stream_id.startswith(self._stream_prefixes)

    @property
    def schema(self) -> str:
        return f"proj_{self.name}"

    def ddl(self, schema: str) -> str:
        raise NotImplementedError

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        raise NotImplementedError

    # -- the EventHandler protocol used by ConsumerRunner --------------------------------

    def wants(self, envelope: Envelope) -> bool:
        return self.follows(envelope.stream_id)  # every event of a followed stream moves its checkpoint

    def wants_message(self, stream_id: str, event_type: str) -> bool:
        return self.follows(stream_id)

    async def before_batch(self, conn: Connection) -> None:
        # Shared with other batches, exclusive for a rebuild's swap.
        await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", lock_key(self.schema))

    async def process(self, conn: Connection, envelope: Envelope) -> bool:
        applied = await self.apply_in_order(conn, self.schema, envelope)
        if not applied:
            return False
        await conn.execute(_STATUS_SQL, self.name, applied, envelope.recorded_at)
        if envelope.recorded_at is not None:
            PROJECTION_LAG.labels(self.name).set(max(0.0, time.time() - envelope.recorded_at.timestamp()))
        return True

    async def process_batch(self, conn: Connection, envelopes: Sequence[Envelope]) -> tuple[int, int]:
        """The consumer's batch: applied in one go; returns (events that acted, redeliveries skipped)."""
        applied = await self.apply_many(conn, self.schema, envelopes)
        acted = sum(1 for env in envelopes if env.event_id in applied)
        if applied:
            last = envelopes[-1]
            await conn.execute(_STATUS_SQL, self.name, len(applied), last.recorded_at)
            if last.recorded_at is not None:
                PROJECTION_LAG.labels(self.name).set(max(0.0, time.time() - last.recorded_at.timestamp()))
        return acted, len(envelopes) - acted

    async def apply_in_order(self, conn: Connection, schema: str, envelope: Envelope) -> int:
        """Applies ``envelope`` (and any missing predecessors) into ``schema``; returns how many."""
        if not self.follows(envelope.stream_id):
            return 0
        # The stream's checkpoint row, made if missing, locked until commit: a consumer holding
        # the same event (during a rebalance) waits here, then finds it applied.
        last = await conn.fetchval(
            f"INSERT INTO {schema}._streams AS s (stream_id, version) VALUES ($1, 0) "
            "ON CONFLICT (stream_id) DO UPDATE SET version = s.version RETURNING version",
            envelope.stream_id,
        )
        if envelope.version <= last:
            return 0
        todo = [envelope]
        if envelope.version > last + 1:
            todo = await self._missing(conn, envelope.stream_id, last, envelope.version) + todo
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

    async def catch_up_stream(self, conn: Connection, stream_id: str, *, skip: Collection[UUID] = ()) -> int:
        """Applies a stream's events from its checkpoint to the store's head now, leaving out
        those in ``skip``; returns how many it went through. An operator's answer to an event
        this projection cannot apply (``services.eventkit.operations``): the stream's
        later events were dead-lettered behind it (each fills its gap with it, and fails),
        so skipping the one, or retrying it after a fix, must also bring them in. Any event
        that still fails raises, and nothing of the catch-up is kept."""
        await self.before_batch(conn)
        last = await conn.fetchval(
            f"INSERT INTO {self.schema}._streams AS s (stream_id, version) VALUES ($1, 0) "
            "ON CONFLICT (stream_id) DO UPDATE SET version = s.version RETURNING version",
            stream_id,
        )
        todo = await self._missing(conn, stream_id, last, 2**31 - 1)
        if not todo:
            return 0
        for env in todo:
            if env.event_id not in skip and (not self.event_types or env.type in self.event_types):
                await self.apply(conn, self.schema, env)
        await conn.execute(
            f"UPDATE {self.schema}._streams SET version = $2 WHERE stream_id = $1", stream_id, todo[-1].version
        )
        await conn.execute(_STATUS_SQL, self.name, len(todo), todo[-1].recorded_at)
        return len(todo)

    @staticmethod
    async def _missing(conn: Connection, stream_id: str, after: int, before: int) -> list[Envelope]:
        """The store's events of a stream between two versions (a gap to fill first)."""
        rows = await conn.fetch(
            "SELECT position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, "
            "district_id, school_id, campus_id, actor, correlation_id, causation_id, command_id, data "
            "FROM events WHERE stream_id = $1 AND version > $2 AND version < $3 ORDER BY version",
            stream_id,
            after,
            before,
        )
        return [row_to_envelope(r) for r in rows]

    async def apply_many(
        self,
        conn: Connection,
        schema: str,
        envelopes: Sequence[Envelope],
        *,
        checkpoints: dict[str, int] | None = None,
        fill_gaps: bool = True,
        skip: Collection[UUID] = (),
    ) -> set[Any]:
        """Applies a batch with the semantics of :meth:`apply_in_order` for each event in turn.

        A version at or below its stream's checkpoint is skipped; one beyond the next has
        its missing predecessors read from the store and applied first. The checkpoints of
        the batch's streams are read in one query (unless ``checkpoints`` is given: a
        caller that alone writes ``schema``, as a rebuild, keeps them in memory; absent
        means 0, and the dict is updated) and written in one. ``fill_gaps=False`` is for a
        reader of one snapshot that left out the types the projection does not want: a
        gap there holds only such events. ``skip``: events an operator told this projection
        never to apply (``skipped_events``): their checkpoints move, their effect is left
        out. Returns the ids of the events applied (gap fillers included).
        """
        if self.streams:
            envelopes = [env for env in envelopes if self.follows(env.stream_id)]
            if not envelopes:
                return set()
        if checkpoints is None:
            # Locked until commit, in stream order (no deadlock between two members of a group
            # that briefly hold the same partition during a rebalance).
            rows = await conn.fetch(
                f"INSERT INTO {schema}._streams AS s (stream_id, version) "
                "SELECT unnest($1::text[]), 0 ON CONFLICT (stream_id) DO UPDATE SET version = s.version "
                "RETURNING stream_id, version",
                sorted({env.stream_id for env in envelopes}),
            )
            checkpoints = {r["stream_id"]: r["version"] for r in rows}
        todo: list[Envelope] = []
        moved: dict[str, int] = {}
        for env in envelopes:
            last = checkpoints.get(env.stream_id, 0)
            if env.version <= last:
                continue
            if env.version > last + 1 and fill_gaps:
                todo.extend(await self._missing(conn, env.stream_id, last, env.version))
            todo.append(env)
            checkpoints[env.stream_id] = moved[env.stream_id] = env.version
        if not todo:
            return set()
        wanted = [
            env for env in todo if (not self.event_types or env.type in self.event_types) and env.event_id not in skip
        ]
        if wanted:
            await self.apply_batch(conn, schema, wanted)
        await conn.execute(
            f"INSERT INTO {schema}._streams (stream_id, version) SELECT * FROM unnest($1::text[], $2::int[]) "
            "ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version",
            list(moved),
            list(moved.values()),
        )
        return {env.event_id for env in todo}

    async def apply_batch(self, conn: Connection, schema: str, envelopes: Sequence[Envelope]) -> None:
        """Applies events already in order and of wanted types (the kit keeps the checkpoints).

        The default calls :meth:`apply` for each through a :class:`StatementPipeline`.
        Override it with set-based SQL for speed; it must leave the tables as applying
        the events one by one would.
        """
        pipeline = StatementPipeline(conn)
        try:
            for env in envelopes:
                await self.apply(cast(Connection, pipeline), schema, env)
            await pipeline.drain()
        finally:
            await pipeline.settle()


async def schema_rows(pool: asyncpg.Pool, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a schema, in a stable order: how a live projection is
    compared with a rebuild of it, table by table."""
    tables = [
        r["table_name"]
        for r in await pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", schema
        )
    ]
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in tables:
        ncols = await pool.fetchval(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2", schema, table
        )
        order = ", ".join(str(i) for i in range(1, ncols + 1))
        out[table] = [tuple(r) for r in await pool.fetch(f"SELECT * FROM {schema}.{table} ORDER BY {order}")]
    return out


def lock_key(schema: str) -> int:
    return zlib.crc32(f"houqin.projection.{schema}".encode())


def rebuild_lock_key(schema: str) -> int:
    """The advisory lock a rebuild of the projection holds from start to swap (not the one of
    its tables, :func:`lock_key`, which the live consumer shares): one rebuild at a time, in
    any process of the service (its API, its command line)."""
    return lock_key(f"{schema}__rebuild")


class RebuildRunning(HouqinError):
    """A rebuild of this projection is running already (here or in another process)."""

    status_code = 409
    code = "rebuild_running"


@asynccontextmanager
async def rebuild_lock(pool: asyncpg.Pool, projection: Projection) -> AsyncIterator[None]:
    """Holds the projection's rebuild lock (a session advisory lock on a connection of its
    own) while the block runs; :class:`RebuildRunning` if another rebuild holds it."""
    key = rebuild_lock_key(projection.schema)
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
            raise RebuildRunning(f"a rebuild of {projection.name} is running already; wait for it to finish")
        try:
            yield
        finally:
            if not conn.is_closed():
                await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def rebuild_running(conn: Connection, projection: Projection) -> bool:
    """Whether some session of this database holds the projection's rebuild lock."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 "
            "AND objid = $1::bigint::oid AND objsubid = 1 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            rebuild_lock_key(projection.schema),
        )
    )


def shape_of(projection: Projection) -> str:
    """A fingerprint of the projection's tables: a new release that changes them changes it."""
    return f"shape {zlib.crc32(projection.ddl('projection').encode()):08x}"


async def create_schema(conn: Connection, projection: Projection, schema: str) -> None:
    await conn.execute(f"CREATE SCHEMA {schema}")
    await conn.execute(_STREAMS_DDL.format(schema=schema))
    await conn.execute(projection.ddl(schema))
    await conn.execute(f"COMMENT ON SCHEMA {schema} IS '{shape_of(projection)}'")


async def ensure_projection(pool: asyncpg.Pool, projection: Projection) -> bool:
    """Creates the projection's schema on first start (empty: the consumer fills it).

    Answers whether the schema that exists has other tables than this release's (its shape
    differs): the caller rebuilds it before serving from it."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(projection.schema))
        row = await conn.fetchrow(
            "SELECT obj_description(oid, 'pg_namespace') AS shape FROM pg_namespace WHERE nspname = $1",
            projection.schema,
        )
        if row is None:
            await create_schema(conn, projection, projection.schema)
            return False
        return bool(row["shape"] != shape_of(projection))


@dataclass(frozen=True)
class RebuildReport:
    projection: str
    events: int  # every event of the store at the snapshot
    caught_up: int
    seconds: float
    replayed: int = 0  # those of the projection's types, read and applied (the others only moved checkpoints)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


async def rebuild(
    pool: asyncpg.Pool,
    store: EventStore,
    projection: Projection,
    *,
    batch_size: int = REBUILD_BATCH,
    progress: Callable[[int], None] | None = None,
    locked: bool = False,
) -> RebuildReport:
    """Replays the store into a fresh schema and swaps it in; the live one serves meanwhile.

    Batches go through :meth:`Projection.apply_many` with the shadow's checkpoints kept in
    memory (only the rebuild writes the shadow), and the next batch is read as the
    snapshot saw it while one is applied; each read and each batch is a short transaction
    of its own (:meth:`EventStore.snapshot_batches`), so vacuum goes on during a long replay.

    It holds the projection's rebuild lock throughout (:func:`rebuild_lock`; ``locked``: the
    caller holds it already): a second rebuild, in this process or another, is refused
    with :class:`RebuildRunning` instead of dropping the shadow the first one fills.
    """
    if not locked:
        async with rebuild_lock(pool, projection):
            return await rebuild(pool, store, projection, batch_size=batch_size, progress=progress, locked=True)
    started = time.perf_counter()
    shadow = f"{projection.schema}__rebuild"
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE")
        await create_schema(conn, projection, shadow)

    async with pool.acquire() as conn:  # what operators told it never to apply
        skip = {
            r["event_id"]
            for r in await conn.fetch("SELECT event_id FROM skipped_events WHERE consumer = $1", projection.name)
        }
    replayed = 0
    snapshot = ""
    checkpoints: dict[str, int] = {}  # the shadow's, which only this rebuild writes (at most CHECKPOINTS_KEPT)
    trimmed = False
    # Only the types the projection wants are read; every stream's checkpoint still ends
    # at its last version (of any type) at the snapshot, written after the replay in SQL
    # (:meth:`EventStore.heads_into`): a store of millions of streams is no dict in memory.
    types = projection.event_types or None
    batches = store.snapshot_batches(batch_size, types=types)
    # The next batch is read while this one is applied (two connections, two backends).
    upcoming: asyncio.Future[tuple[str, list[Envelope]]] = asyncio.ensure_future(anext(batches))
    try:
        while True:
            snapshot, batch = await upcoming
            if not batch:
                break
            upcoming = asyncio.ensure_future(anext(batches))
            async with pool.acquire() as conn, conn.transaction():
                if trimmed:  # a stream let go of: its checkpoint as the shadow has it
                    await _checkpoints_of(conn, shadow, {e.stream_id for e in batch} - checkpoints.keys(), checkpoints)
                await projection.apply_many(
                    conn, shadow, batch, checkpoints=checkpoints, fill_gaps=types is None, skip=skip
                )
            replayed += len(batch)
            if len(checkpoints) > CHECKPOINTS_KEPT:  # the half seen first let go of (millions of streams)
                for stream in list(itertools.islice(checkpoints, len(checkpoints) // 2)):
                    del checkpoints[stream]
                trimmed = True
            if progress:
                progress(replayed)
    finally:
        if not upcoming.done():
            upcoming.cancel()
        await asyncio.gather(upcoming, return_exceptions=True)
        await batches.aclose()

    covered = replayed
    if types and snapshot:
        kept = projection._stream_prefixes if projection.streams else None
        await store.heads_into(snapshot, f"{shadow}._streams", left_out=OPERATIONS_PREFIX, kept=kept)
        async with pool.acquire() as conn:  # versions run from 1: the events the snapshot saw
            covered = int(await conn.fetchval(f"SELECT coalesce(sum(version), 0) FROM {shadow}._streams"))

    async with pool.acquire() as conn, conn.transaction():
        # The live consumer pauses here; everything it committed is visible now.
        # It waits for the batch the consumer is applying, however long (not the pool's command
        # timeout, which would throw the whole replay away), up to SWAP_WAIT_S.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(projection.schema), timeout=SWAP_WAIT_S)
        late = 0
        read: set[str] = set()  # streams whose checkpoint this swap has read from the shadow
        if snapshot:  # in batches: minutes of live writes are tens of thousands of events
            async for batch in store.committed_since_batches(snapshot, conn, batch_size):
                # their streams' checkpoints as the shadow has them (the heads written, none let go of)
                streams = {e.stream_id for e in batch} - read
                await _checkpoints_of(conn, shadow, streams, checkpoints)
                read |= streams
                await projection.apply_many(conn, shadow, batch, checkpoints=checkpoints, skip=skip)
                late += len(batch)
        await conn.execute(f"DROP SCHEMA IF EXISTS {projection.schema} CASCADE")
        await conn.execute(f"ALTER SCHEMA {shadow} RENAME TO {projection.schema}")
        await conn.execute(
            "INSERT INTO projection_status (name, rebuilt_at) VALUES ($1, now()) "
            "ON CONFLICT (name) DO UPDATE SET rebuilt_at = now()",
            projection.name,
        )
    report = RebuildReport(projection.name, covered, late, time.perf_counter() - started, replayed)
    log.info(
        "projection rebuilt",
        extra={"projection": projection.name, "events": covered, "replayed": replayed, "seconds": report.seconds},
    )
    return report


async def _checkpoints_of(conn: Connection, shadow: str, streams: set[str], checkpoints: dict[str, int]) -> None:
    """``checkpoints`` told the shadow's checkpoints of ``streams`` (a stream it has none of: 0)."""
    if not streams:
        return
    rows = await conn.fetch(
        f"SELECT stream_id, version FROM {shadow}._streams WHERE stream_id = ANY($1::text[])", list(streams)
    )
    checkpoints.update(dict.fromkeys(streams, 0) | {r["stream_id"]: r["version"] for r in rows})


def projection_runner(settings: Settings, pool: asyncpg.Pool, projection: Projection) -> ConsumerRunner:
    """The live side of one projection alone: a consumer group of its own on the service's topic."""
    return ConsumerRunner(
        settings,
        pool,
        [projection],
        [settings.events_topic],
        group_id=settings.group_of(f"projection.{projection.name}"),
    )


def projections_runner(settings: Settings, pool: asyncpg.Pool, projections: Sequence[Projection]) -> ConsumerRunner:
    """The live side of a service's projections: one consumer group for all of them.

    Each event is fetched and decoded once, and a batch updates every projection in one
    transaction. One consumer per projection multiplied the Kafka fetches, the decoding
    and the commits by the number of projections, for the same work."""
    return ConsumerRunner(
        settings, pool, projections, [settings.events_topic], group_id=settings.group_of("projections")
    )
