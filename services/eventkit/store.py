"""The PostgreSQL event store: streams with optimistic concurrency, and its outbox.

An append writes the events and their outbox rows in one statement, inside the
caller's transaction when one is given (a reaction appends in the same
transaction as its tracking row). ``UNIQUE(stream_id, version)`` is the
arbiter of concurrent writers: exactly one append at a given version wins.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.errors import ConcurrencyConflict

OUTBOX_CHANNEL = "houqin_outbox"

_COLUMNS = (
    "position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, "
    "district_id, school_id, campus_id, actor, correlation_id, causation_id, command_id, data"
)

_APPEND_SQL = """
WITH cur AS (
    SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $1
), ins AS (
    INSERT INTO events (event_id, stream_id, version, type, schema_version, occurred_at,
                        district_id, school_id, campus_id, actor, correlation_id, causation_id,
                        command_id, data)
    SELECT e.event_id, $1, e.version, e.type, e.schema_version, e.occurred_at,
           e.district_id, e.school_id, e.campus_id, e.actor, e.correlation_id, e.causation_id,
           e.command_id, e.data
    FROM unnest($2::uuid[], $3::int[], $4::text[], $5::int[], $6::timestamptz[], $7::text[],
                $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                $14::jsonb[])
         AS e(event_id, version, type, schema_version, occurred_at, district_id, school_id,
              campus_id, actor, correlation_id, causation_id, command_id, data),
         cur
    WHERE cur.v = $15
    ORDER BY e.version
    RETURNING position, stream_id, recorded_at
), ob AS (
    INSERT INTO outbox (position, stream_id) SELECT position, stream_id FROM ins
)
SELECT position, recorded_at FROM ins ORDER BY position
"""


@dataclass(frozen=True)
class AppendResult:
    """What an append did; a retried command id returns its first result with ``duplicate``."""

    stream_id: str
    version: int
    event_ids: list[UUID] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    duplicate: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "stream_id": self.stream_id,
            "version": self.version,
            "event_ids": [str(e) for e in self.event_ids],
            "positions": self.positions,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], *, duplicate: bool = False) -> AppendResult:
        return cls(
            stream_id=data["stream_id"],
            version=data["version"],
            event_ids=[UUID(e) for e in data["event_ids"]],
            positions=list(data["positions"]),
            duplicate=duplicate,
        )


class DuplicateCommand(Exception):
    """A concurrent retry of the same command id committed first."""

    def __init__(self, command_id: str) -> None:
        super().__init__(command_id)
        self.command_id = command_id


def row_to_envelope(row: asyncpg.Record) -> Envelope:
    data = row["data"]
    return Envelope(
        position=row["position"],
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        version=row["version"],
        type=row["type"],
        schema_version=row["schema_version"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        district_id=row["district_id"],
        school_id=row["school_id"],
        campus_id=row["campus_id"],
        actor=row["actor"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        command_id=row["command_id"],
        data=data if isinstance(data, dict) else json.loads(data),
    )


class EventStore:
    """Pass ``pool=None`` for a store used only inside a caller's transaction (``conn=``)."""

    def __init__(self, pool: asyncpg.Pool | None, *, notify: bool = True) -> None:
        self._pool = pool
        self.notify = notify

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("this event store works only inside a caller's transaction: pass conn")
        return self._pool

    @asynccontextmanager
    async def _tx(self, conn: Connection | None) -> AsyncIterator[Connection]:
        if conn is not None:
            yield conn
            return
        async with self.pool.acquire() as own, own.transaction():
            yield own

    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[Envelope],
        *,
        conn: Connection | None = None,
        command_id: str | None = None,
    ) -> AppendResult:
        """Appends ``events`` after ``expected_version`` (0 for a new stream).

        Raises :class:`ConcurrencyConflict` if the stream is elsewhere, and
        :class:`DuplicateCommand` if another attempt of ``command_id`` committed.
        """
        for offset, env in enumerate(events, start=1):
            if env.stream_id != stream_id or env.version != expected_version + offset:
                raise ValueError(f"event {env.type} is not numbered for {stream_id}@{expected_version + offset}")
        async with self._tx(conn) as tx:
            if command_id is not None:
                # Claim the command id first: a concurrent retry waits here, then sees the winner.
                claimed = await tx.fetchval(
                    "INSERT INTO commands (command_id, stream_id, result) VALUES ($1, $2, '{}') "
                    "ON CONFLICT DO NOTHING RETURNING 1",
                    command_id,
                    stream_id,
                )
                if claimed is None:
                    raise DuplicateCommand(command_id)
            rows: list[asyncpg.Record] = []
            if events:
                try:
                    rows = await tx.fetch(
                        _APPEND_SQL,
                        stream_id,
                        [e.event_id for e in events],
                        [e.version for e in events],
                        [e.type for e in events],
                        [e.schema_version for e in events],
                        [e.occurred_at for e in events],
                        [e.district_id for e in events],
                        [e.school_id for e in events],
                        [e.campus_id for e in events],
                        [e.actor for e in events],
                        [e.correlation_id for e in events],
                        [e.causation_id for e in events],
                        [e.command_id or command_id for e in events],
                        [e.data for e in events],
                        expected_version,
                    )
                except asyncpg.UniqueViolationError:
                    raise ConcurrencyConflict(stream_id, expected_version) from None
                if not rows:
                    actual = await tx.fetchval(
                        "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id
                    )
                    raise ConcurrencyConflict(stream_id, expected_version, actual)
                if self.notify:
                    await tx.execute(f"NOTIFY {OUTBOX_CHANNEL}")
            result = AppendResult(
                stream_id=stream_id,
                version=expected_version + len(events),
                event_ids=[e.event_id for e in events],
                positions=[r["position"] for r in rows],
            )
            if command_id is not None:
                await tx.execute("UPDATE commands SET result = $2 WHERE command_id = $1", command_id, result.to_json())
            return result

    async def command_result(self, command_id: str, *, conn: Connection | None = None) -> AppendResult | None:
        """The first result of a command id already handled, if any."""
        query = "SELECT result FROM commands WHERE command_id = $1"
        if conn is not None:
            raw = await conn.fetchval(query, command_id)
        else:
            raw = await self.pool.fetchval(query, command_id)
        return None if raw is None else AppendResult.from_json(raw, duplicate=True)

    async def read_stream(
        self, stream_id: str, from_version: int = 1, *, conn: Connection | None = None
    ) -> list[Envelope]:
        query = f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version"
        if conn is not None:
            rows = await conn.fetch(query, stream_id, from_version)
        else:
            rows = await self.pool.fetch(query, stream_id, from_version)
        return [row_to_envelope(r) for r in rows]

    async def stream_version(self, stream_id: str) -> int:
        return int(
            await self.pool.fetchval("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id)
        )

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[Envelope]:
        """Committed events after a position. Positions of late commits can appear below
        what was read before: use :meth:`snapshot_batches` where completeness matters."""
        rows = await self.pool.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2", after_position, limit
        )
        return [row_to_envelope(r) for r in rows]

    async def head_position(self) -> int:
        return int(await self.pool.fetchval("SELECT coalesce(max(position), 0) FROM events"))

    async def count(self) -> int:
        return int(await self.pool.fetchval("SELECT count(*) FROM events"))

    async def snapshot_batches(self, batch_size: int = 5000) -> AsyncIterator[tuple[str, list[Envelope]]]:
        """Every event committed at one snapshot, in position order, in batches.

        Yields ``(snapshot, batch)``; the snapshot text (``pg_current_snapshot()``)
        lets a caller find later what committed after it (:meth:`committed_since`).
        """
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = str(await conn.fetchval("SELECT pg_current_snapshot()::text"))
            cursor = await conn.cursor(f"SELECT {_COLUMNS} FROM events ORDER BY position")
            while True:
                rows = await cursor.fetch(batch_size)
                if not rows:
                    break
                yield snapshot, [row_to_envelope(r) for r in rows]
            yield snapshot, []

    async def committed_since(self, snapshot: str, conn: Connection) -> list[Envelope]:
        """Events whose transactions were not visible in ``snapshot`` (committed after it)."""
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE txid >= pg_snapshot_xmin($1::text::pg_snapshot) "
            "AND NOT pg_visible_in_snapshot(txid, $1::text::pg_snapshot) ORDER BY position",
            snapshot,
        )
        return [row_to_envelope(r) for r in rows]
