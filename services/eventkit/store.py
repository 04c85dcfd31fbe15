"""The PostgreSQL event store: streams with optimistic concurrency, and its outbox.

An append writes the events and their outbox rows in one statement, inside the
caller's transaction when one is given (a reaction appends in the same
transaction as its tracking row). ``UNIQUE(stream_id, version)`` is the
arbiter of concurrent writers: exactly one append at a given version wins.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.errors import ConcurrencyConflict, EventTooLarge, InvalidInput

OUTBOX_CHANNEL = "houqin_outbox"

_COLUMNS = (
    "position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, "
    "district_id, school_id, campus_id, actor, correlation_id, causation_id, command_id, data"
)
EVENT_COLUMNS = _COLUMNS
"""An event's columns, as :func:`row_to_envelope` reads them."""


# Kafka's default limit (message.max.bytes, 1 MiB) less headroom: settings.max_event_bytes.
DEFAULT_MAX_EVENT_BYTES = 1024 * 1024 - 64 * 1024
# The relay's envelope around the payload: its keys, the ids, times and numbers.
_ENVELOPE_OVERHEAD = 512
# The payload as PostgreSQL writes jsonb out (the relay's envelope is built in SQL): ", " and
# ": " between items, UTF-8 as it is. A list of small numbers is half as long again as
# compact JSON, so the measure must be this one.
_as_jsonb_text = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def event_size(env: Envelope) -> int:
    """The bytes of the record the relay publishes for ``env`` (its headers aside): the
    payload as jsonb text, the metadata strings, and the envelope around them."""
    text = _as_jsonb_text(env.data)
    size = len(text) if text.isascii() else len(text.encode())
    for value in (
        env.stream_id, env.type, env.district_id, env.school_id, env.campus_id, env.actor,
        env.correlation_id, env.causation_id, env.command_id,
    ):  # fmt: skip
        if value:
            size += len(value.encode())
    return size + _ENVELOPE_OVERHEAD


def check_event_sizes(events: Iterable[Envelope], limit: int) -> None:
    """Raises :class:`EventTooLarge` for the first event the broker could not take: such an
    event is never written (the relay could not publish it, and it would hold its stream)."""
    for env in events:
        size = event_size(env)
        if size > limit:
            raise EventTooLarge(env.type, size, limit)


def _append_sql(new_rows: str, *, notify: bool, keyed: bool = False, checked: bool = False) -> str:
    """One append in one statement: the stream's version (``cur``), the new events if it is
    still the expected one ($15), and their outbox rows. ``new_rows`` selects the events'
    columns from the parameters. With ``notify``, the relay's wake-up as well: pg_notify
    runs only if a row was appended (once per row; PostgreSQL folds identical notifications
    of a transaction into one, sent at commit).

    ``keyed``: the client's command id is claimed in the same statement ($16 key, $17 caller,
    $18 route, $19 request hash), with its result (the version, event ids and positions the
    events got), and only if the events were appended. A key another attempt already committed
    appends nothing and answers one row, ``taken`` (a retry, the usual case: no error in
    PostgreSQL's log); an attempt still in flight makes the claim wait for it to commit or roll
    back, and then fails the statement on ``commands_pkey`` (the events roll back with it).

    ``checked``: the stream's last event must also be the one given (the parameter after all
    others): an append decided on a state the process kept, without reading the stream, appends
    only onto the very event that state was built to (a store restored or rewritten under the
    process has the version, not the event)."""
    wake = f", pg_notify('{OUTBOX_CHANNEL}', '')::text AS notified" if notify else ""
    taken, claim = "", ""
    current = "SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $1"
    if checked:
        last = 20 if keyed else 16
        # the last event and its version in one probe of the index (no row for an empty stream:
        # a checked append is always onto an existing one, so it appends nothing and conflicts)
        current = "SELECT version AS v, event_id AS last FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1"
        new_rows = new_rows.replace("WHERE cur.v = $15", f"WHERE cur.v = $15 AND cur.last = ${last}::uuid")
    answer = f"SELECT position, recorded_at{wake} FROM ins ORDER BY position"
    if keyed:
        taken = """taken AS (
    SELECT 1 FROM commands WHERE command_id = $16::text AND caller = $17::text AND route = $18::text
), """
        # the events only if no other attempt committed the key
        new_rows = new_rows.replace("WHERE cur.v = $15", "WHERE cur.v = $15 AND NOT EXISTS (SELECT 1 FROM taken)")
        claim = """, cmd AS (
    INSERT INTO commands (command_id, caller, route, request_hash, stream_id, result)
    SELECT $16::text, $17::text, $18::text, $19::text, $1,
           jsonb_build_object('stream_id', $1::text, 'version', $15::int + count(*),
                              'event_ids', jsonb_agg(event_id::text ORDER BY position),
                              'positions', jsonb_agg(position ORDER BY position))
    FROM ins HAVING count(*) > 0
)"""
        none = ", NULL" if notify else ""
        answer = (
            f"SELECT position, recorded_at{wake}, false AS taken FROM ins "
            f"UNION ALL SELECT NULL, NULL{none}, true FROM taken ORDER BY 1"
        )
    return f"""
WITH {taken}cur AS (
    {current}
), ins AS (
    INSERT INTO events (event_id, stream_id, version, type, schema_version, occurred_at,
                        district_id, school_id, campus_id, actor, correlation_id, causation_id,
                        command_id, data)
    {new_rows}
    RETURNING position, stream_id, recorded_at, event_id
), ob AS (
    INSERT INTO outbox (position, stream_id) SELECT position, stream_id FROM ins
){claim}
{answer}
"""


# Several events: one array per column.
_MANY = """SELECT e.event_id, $1, e.version, e.type, e.schema_version, e.occurred_at,
           e.district_id, e.school_id, e.campus_id, e.actor, e.correlation_id, e.causation_id,
           e.command_id, e.data
    FROM unnest($2::uuid[], $3::int[], $4::text[], $5::int[], $6::timestamptz[], $7::text[],
                $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                $14::jsonb[])
         AS e(event_id, version, type, schema_version, occurred_at, district_id, school_id,
              campus_id, actor, correlation_id, causation_id, command_id, data),
         cur
    WHERE cur.v = $15
    ORDER BY e.version"""

# The most common append, one event: scalar parameters instead of one-element arrays cost
# asyncpg and PostgreSQL about 15 µs each less per append (8 writers, in process).
_ONE = """SELECT $2::uuid, $1, $3::int, $4::text, $5::int, $6::timestamptz, $7::text, $8::text, $9::text,
           $10::text, $11::text, $12::text, $13::text, $14::jsonb
    FROM cur
    WHERE cur.v = $15"""

_APPEND_SQL = _append_sql(_MANY, notify=False)
_APPEND_NOTIFY_SQL = _append_sql(_MANY, notify=True)
_APPEND_KEYED_SQL = {
    (many, notify): _append_sql(_MANY if many else _ONE, notify=notify, keyed=True)
    for many in (False, True)
    for notify in (False, True)
}
_APPEND_ONE_SQL = _append_sql(_ONE, notify=False)
_APPEND_ONE_NOTIFY_SQL = _append_sql(_ONE, notify=True)
# (several events, notify, keyed) -> the append checked against the stream's last event
_APPEND_CHECKED_SQL = {
    (many, notify, keyed): _append_sql(_MANY if many else _ONE, notify=notify, keyed=keyed, checked=True)
    for many in (False, True)
    for notify in (False, True)
    for keyed in (False, True)
}


_COMMITTED_SINCE_SQL = (
    f"SELECT {_COLUMNS} FROM events WHERE txid >= pg_snapshot_xmin($1::text::pg_snapshot) "
    "AND NOT pg_visible_in_snapshot(txid, $1::text::pg_snapshot) "
    "AND pg_visible_in_snapshot(txid, $4::text::pg_snapshot) AND position > $2 ORDER BY position LIMIT $3"
)

# The first use of a key by its caller on its route (or, recorded before keys were scoped, on any).
_COMMAND_RESULT_SQL = (
    "SELECT result, request_hash FROM commands WHERE command_id = $1 AND caller = $2 AND route IN ($3, '') "
    "ORDER BY route DESC LIMIT 1"
)

_IMPORT_COLUMNS = [
    "event_id", "stream_id", "version", "type", "schema_version", "occurred_at", "recorded_at", "district_id",
    "school_id", "campus_id", "actor", "correlation_id", "causation_id", "command_id", "data",
]  # fmt: skip

# Streams whose first imported version follows events stored before: the stored ones must be exactly 1..first-1.
_IMPORT_GAPS_SQL = """
SELECT s.stream_id, s.first FROM unnest($1::text[], $2::int[]) AS s(stream_id, first)
WHERE (SELECT count(*) FROM events e WHERE e.stream_id = s.stream_id AND e.version < s.first) <> s.first - 1
LIMIT 1
"""


# A range of positions read at a snapshot taken before (``snapshot_batches``): the primary key
# bounds the scan; the visibility test drops what the snapshot did not see.
_SNAPSHOT_RANGE_SQL = f"""
SELECT {_COLUMNS} FROM events
WHERE position > $1 AND position <= $2 AND pg_visible_in_snapshot(txid, $3::text::pg_snapshot)
  AND ($4::text[] IS NULL OR type = ANY($4::text[]))
ORDER BY position
"""
_SNAPSHOT_HEADS_SQL = """
SELECT stream_id, max(version) AS version FROM events
WHERE position > $1 AND position <= $2 AND pg_visible_in_snapshot(txid, $3::text::pg_snapshot)
GROUP BY stream_id
"""


# Each stream's last version at a snapshot, range by range of positions, into a table of
# checkpoints (stream_id, version): kept the higher of what is there and what the range saw.
# $4: a prefix of streams left out; $5: the prefixes of the streams kept (NULL: every one).
_HEADS_INTO_SQL = """
INSERT INTO {target} (stream_id, version)
SELECT stream_id, max(version) FROM events
WHERE position > $1 AND position <= $2 AND pg_visible_in_snapshot(txid, $3::text::pg_snapshot)
  AND NOT starts_with(stream_id, $4)
  AND ($5::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($5::text[]) AS p WHERE starts_with(stream_id, p)))
GROUP BY stream_id
ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version WHERE {target}.version < EXCLUDED.version
"""


@dataclass(frozen=True)
class ImportResult:
    """What a bulk import wrote."""

    events: int
    streams: int
    published: bool
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


class _ImportRows:
    """Turns envelopes into COPY rows, checking that each stream's versions run on without a gap."""

    def __init__(self, recorded_at: datetime, max_event_bytes: int | None = None) -> None:
        self.recorded_at = recorded_at
        self.max_event_bytes = max_event_bytes  # published imports only: the relay must be able to send each
        self.last: dict[str, int] = {}
        self.first: dict[str, int] = {}  # streams whose first imported version is above 1
        self.events = 0

    def row(self, env: Envelope) -> tuple[Any, ...]:
        stream = env.stream_id
        previous = self.last.get(stream)
        if previous is None:
            if env.version > 1:
                self.first[stream] = env.version
        elif env.version != previous + 1:
            raise ValueError(f"{stream}: version {env.version} follows {previous} in the import")
        if env.version < 1:
            raise ValueError(f"{stream}: version {env.version} is not positive")
        if self.max_event_bytes is not None:
            check_event_sizes((env,), self.max_event_bytes)
        self.last[stream] = env.version
        self.events += 1
        return (
            env.event_id,
            stream,
            env.version,
            env.type,
            env.schema_version,
            env.occurred_at,
            env.recorded_at if env.recorded_at is not None else self.recorded_at,
            env.district_id,
            env.school_id,
            env.campus_id,
            env.actor,
            env.correlation_id,
            env.causation_id,
            env.command_id,
            env.data,
        )


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


@dataclass(frozen=True)
class CommandKey:
    """A client's command id (``Idempotency-Key``) as the store keeps it: scoped to who sent it
    (``caller``, the principal's subject) and where (``route``, such as ``POST /hazards``), and
    bound to the request it was first used with (``request_hash``, see
    ``services.eventkit.commands.request_hash``). The same key from another caller or on another
    route is another command; from the same caller on the same route with another request it is
    refused (:class:`KeyReused`). A plain string (an in-process caller naming its own ids) is
    the key with no caller, route or hash."""

    key: str
    caller: str = ""
    route: str = ""
    request_hash: str | None = None


def _key(command_id: str | CommandKey) -> CommandKey:
    return command_id if isinstance(command_id, CommandKey) else CommandKey(command_id)


class KeyReused(InvalidInput):
    """A command id used again by its caller, on its route, with another request: nothing is appended."""

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was first used with another request (another body or path): "
            "a new request needs a new key",
            field="Idempotency-Key",
        )


class DuplicateCommand(Exception):
    """A concurrent retry of the same command id committed first."""

    def __init__(self, command_id: str | CommandKey) -> None:
        key = _key(command_id)
        super().__init__(key.key)
        self.command_id = key.key
        self.command_key = key


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


class Waker(Protocol):
    def appended(self) -> None: ...


class EventStore:
    """Pass ``pool=None`` for a store used only inside a caller's transaction (``conn=``).

    ``notify`` wakes the outbox relay after an append: with a ``waker``
    (``services.eventkit.wake``), an append in a transaction of the store's own commits
    plain and the waker is told afterwards; without one, or inside a caller's
    transaction, the append itself sends NOTIFY (at the commit).

    An event larger than ``max_event_bytes`` (:func:`event_size`) is refused with
    :class:`EventTooLarge` before anything is written, the command id included."""

    def __init__(
        self,
        pool: asyncpg.Pool | None,
        *,
        notify: bool = True,
        waker: Waker | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._pool = pool
        self.max_event_bytes = max_event_bytes
        self.notify = notify
        self.waker = waker if notify else None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("this event store works only inside a caller's transaction: pass conn")
        return self._pool

    @asynccontextmanager
    async def _tx(self, conn: Connection | None) -> AsyncIterator[Connection]:
        if conn is not None:
            async with conn.transaction():  # a savepoint: a lost race undoes this append, not the caller's work
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
        command_id: str | CommandKey | None = None,
        last_event: UUID | None = None,
    ) -> AppendResult:
        """Appends ``events`` after ``expected_version`` (0 for a new stream).

        ``last_event`` (outside a transaction only): the event the stream must end with, as well
        as its version, for an append decided on a state kept in memory.

        Raises :class:`ConcurrencyConflict` if the stream is elsewhere (or ends with another event),
        :class:`DuplicateCommand` if another attempt of ``command_id`` (the same key, caller
        and route) committed, and :class:`EventTooLarge` (nothing written) for an event the
        broker could not take. The events carry the client's key as their ``command_id``.
        """
        check_event_sizes(events, self.max_event_bytes)
        for offset, env in enumerate(events, start=1):
            if env.stream_id != stream_id or env.version != expected_version + offset:
                raise ValueError(f"event {env.type} is not numbered for {stream_id}@{expected_version + offset}")
        if last_event is not None and (conn is not None or not events):
            raise ValueError("an append checked against its last event is made outside a transaction, with events")
        if not events and command_id is None:
            return AppendResult(stream_id=stream_id, version=expected_version)
        key = None if command_id is None else _key(command_id)
        raw_id = None if key is None else key.key
        waker = self.waker if conn is None else None  # inside a caller's transaction, the append notifies
        notifies = self.notify and waker is None
        args: tuple[Any, ...]
        if len(events) == 1:
            sql = _APPEND_ONE_NOTIFY_SQL if notifies else _APPEND_ONE_SQL
            (e,) = events
            args = (
                stream_id, e.event_id, e.version, e.type, e.schema_version, e.occurred_at, e.district_id,
                e.school_id, e.campus_id, e.actor, e.correlation_id, e.causation_id, e.command_id or raw_id,
                e.data, expected_version,
            )  # fmt: skip
        else:
            sql = _APPEND_NOTIFY_SQL if notifies else _APPEND_SQL
            args = (
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
                [e.command_id or raw_id for e in events],
                [e.data for e in events],
                expected_version,
            )
        if conn is None and (key is None or events):
            # One statement is a transaction of its own: the events and their outbox rows (and,
            # with a key, its claim and the command's result) commit together in one round trip
            # (no BEGIN, COMMIT); the relay is woken after it by the waker, or by the
            # statement's NOTIFY without one.
            if key is not None:
                sql = _APPEND_KEYED_SQL[(len(events) > 1, notifies)]
                args = (*args, key.key, key.caller, key.route, key.request_hash)
            if last_event is not None:
                sql = _APPEND_CHECKED_SQL[(len(events) > 1, notifies, key is not None)]
                args = (*args, last_event)
            async with self.pool.acquire() as own:
                rows = await self._insert(own, stream_id, expected_version, sql, args, key)
            if waker is not None:
                waker.appended()
            return AppendResult(
                stream_id=stream_id,
                version=expected_version + len(events),
                event_ids=[e.event_id for e in events],
                positions=[r["position"] for r in rows],
            )
        async with self._tx(conn) as tx:
            if key is not None:
                # Claim the command id first: a concurrent retry waits here, then sees the winner.
                claimed = await tx.fetchval(
                    "INSERT INTO commands (command_id, caller, route, request_hash, stream_id, result) "
                    "VALUES ($1, $2, $3, $4, $5, '{}') ON CONFLICT DO NOTHING RETURNING 1",
                    key.key,
                    key.caller,
                    key.route,
                    key.request_hash,
                    stream_id,
                )
                if claimed is None:
                    raise DuplicateCommand(key)
            rows = await self._insert(tx, stream_id, expected_version, sql, args) if events else []
            result = AppendResult(
                stream_id=stream_id,
                version=expected_version + len(events),
                event_ids=[e.event_id for e in events],
                positions=[r["position"] for r in rows],
            )
            if key is not None:
                await tx.execute(
                    "UPDATE commands SET result = $4 WHERE command_id = $1 AND caller = $2 AND route = $3",
                    key.key,
                    key.caller,
                    key.route,
                    result.to_json(),
                )
        if waker is not None and events:
            waker.appended()
        return result

    @staticmethod
    async def _insert(
        conn: Connection,
        stream_id: str,
        expected_version: int,
        sql: str,
        args: tuple[Any, ...],
        key: CommandKey | None = None,
    ) -> list[asyncpg.Record]:
        try:
            rows = await conn.fetch(sql, *args)
        except asyncpg.UniqueViolationError as exc:
            if key is not None and exc.constraint_name == "commands_pkey":  # the keyed append's claim
                raise DuplicateCommand(key) from None
            raise ConcurrencyConflict(stream_id, expected_version) from None
        if key is not None and rows and rows[0]["taken"]:
            raise DuplicateCommand(key)  # committed by another attempt: nothing appended
        if not rows:
            actual = await conn.fetchval("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id)
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        return rows

    async def import_events(
        self,
        events: Iterable[Envelope] | AsyncIterable[Envelope],
        *,
        publish: bool = False,
        conn: Connection | None = None,
    ) -> ImportResult:
        """Bulk-imports events with ``COPY``, in one transaction: for history and data sets.

        Much faster than :meth:`append` (one binary ``COPY`` streamed while the next rows
        are made, instead of one statement per stream), and it checks less:

        - there is no expected version per stream: each stream's versions must run on
          without a gap, from 1 or from the version after those already stored (checked
          in the transaction); ``UNIQUE(stream_id, version)`` rejects any version already
          there. Any failure rolls back the whole import (:class:`ConcurrencyConflict`
          for an existing version, ``ValueError`` for a gap);
        - no command ids are claimed (an import is not a command);
        - ``publish=False`` (the default, the "history" mode) writes no outbox rows: the
          events are never sent to Kafka, so no consumer or other service sees them live.
          Rebuild the service's projections from the store afterwards
          (:func:`services.eventkit.projection.rebuild`). With ``publish=True`` every
          imported event also gets its outbox row (in the same transaction) and the relay
          publishes them as it does appended ones, so each is then held to
          ``max_event_bytes`` as an append is (:class:`EventTooLarge`, nothing imported).

        ``events`` may be an iterable or an async iterable (a generator keeps memory flat);
        they are stored in the order given. An envelope's ``recorded_at`` is kept when set
        (history keeps its own times), else the import's start time is used.
        """
        started = time.perf_counter()
        rows = _ImportRows(datetime.now(UTC), self.max_event_bytes if publish else None)

        async def records() -> AsyncIterator[tuple[Any, ...]]:
            if isinstance(events, AsyncIterable):
                async for env in events:
                    yield rows.row(env)
            else:
                for env in events:
                    yield rows.row(env)

        async with self._tx(conn) as tx:
            try:
                await tx.copy_records_to_table("events", records=records(), columns=_IMPORT_COLUMNS)
            except asyncpg.UniqueViolationError as exc:
                # detail: Key (stream_id, version)=(hazard-x, 3) already exists.
                found = re.search(r"=\((.*), (\d+)\) already exists", exc.detail or "")
                if exc.constraint_name == "events_stream_version" and found:
                    raise ConcurrencyConflict(found.group(1), int(found.group(2)) - 1) from None
                raise ValueError(f"the import repeats stored events: {exc.detail or exc}") from None
            if rows.first:
                gap = await tx.fetchrow(_IMPORT_GAPS_SQL, list(rows.first), list(rows.first.values()))
                if gap is not None:
                    raise ValueError(f"{gap['stream_id']}: imported from version {gap['first']}, the store has a gap")
            if publish and rows.events:
                await tx.execute(
                    "INSERT INTO outbox (position, stream_id) SELECT position, stream_id FROM events "
                    "WHERE txid = pg_current_xact_id() ORDER BY position ON CONFLICT DO NOTHING"
                )
                if self.notify:
                    await tx.execute(f"NOTIFY {OUTBOX_CHANNEL}")
        return ImportResult(rows.events, len(rows.last), publish, time.perf_counter() - started)

    async def command_result(
        self, command_id: str | CommandKey, *, conn: Connection | None = None
    ) -> AppendResult | None:
        """The first result of a command id already handled by its caller on its route, if any.

        Raises :class:`KeyReused` (a 422) if that first use was with another request. A key
        recorded before keys were scoped (``route`` empty: its caller is the one of its events)
        answers its caller on any route, with no request to compare."""
        key = _key(command_id)
        if conn is not None:
            row = await conn.fetchrow(_COMMAND_RESULT_SQL, key.key, key.caller, key.route)
        else:
            row = await self.pool.fetchrow(_COMMAND_RESULT_SQL, key.key, key.caller, key.route)
        if row is None:
            return None
        first_hash = row["request_hash"]
        if first_hash is not None and key.request_hash is not None and first_hash != key.request_hash:
            raise KeyReused()
        return AppendResult.from_json(row["result"], duplicate=True)

    async def read_stream(
        self, stream_id: str, from_version: int = 1, *, conn: Connection | None = None
    ) -> list[Envelope]:
        query = f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version"
        if conn is not None:
            rows = await conn.fetch(query, stream_id, from_version)
        else:
            rows = await self.pool.fetch(query, stream_id, from_version)
        return [row_to_envelope(r) for r in rows]

    async def read_first_and_from(self, stream_id: str, from_version: int) -> list[Envelope]:
        """A stream's first event (where it lives) and its events from ``from_version`` on, in one
        read: a command on an existing entity needs both, the first for the caller's scope."""
        query = (
            f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND (version = 1 OR version >= $2) ORDER BY version"
        )
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

    async def snapshot_batches(
        self,
        batch_size: int = 5000,
        *,
        types: Collection[str] | None = None,
        heads: dict[str, int] | None = None,
        span: int | None = None,
    ) -> AsyncGenerator[tuple[str, list[Envelope]], None]:
        """Every event committed at one snapshot, in position order, in batches.

        Yields ``(snapshot, batch)``; the snapshot text (``pg_current_snapshot()``)
        lets a caller find later what committed after it (:meth:`committed_since`).
        With ``types``, only events of those types are read. ``heads``, when given, is
        filled before the last (empty) batch with every stream's last version at the
        snapshot, whatever its type: what a reader of some types needs to know how far
        each stream went.

        No snapshot is held while the caller works: the snapshot is taken once, with the
        highest position it sees, and the events are then read in ranges of positions
        (``span``, ``batch_size`` by default), each range one statement of its own, keeping
        those whose transaction the snapshot sees (``pg_visible_in_snapshot``). An event
        the snapshot sees was written before it, so at or below that position; a stored
        event is never changed or removed, so a later statement sees it as the snapshot
        did. A range read walks the primary key (position) from where the last ended: a
        replay of millions of events lets vacuum (of the outbox and every table) go on.
        """
        span = span or batch_size
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT pg_current_snapshot()::text AS snapshot, coalesce(max(position), 0) AS last FROM events"
            )
        assert row is not None
        snapshot, last = str(row["snapshot"]), int(row["last"])
        wanted = None if types is None else list(types)
        pending: list[Envelope] = []
        after = 0
        while after < last:
            upto = min(after + span, last)
            async with self.pool.acquire() as conn:
                rows = await conn.fetch(_SNAPSHOT_RANGE_SQL, after, upto, snapshot, wanted)
                if heads is not None:
                    for r in await conn.fetch(_SNAPSHOT_HEADS_SQL, after, upto, snapshot):
                        if r["version"] > heads.get(r["stream_id"], 0):
                            heads[r["stream_id"]] = r["version"]
            after = upto
            pending.extend(row_to_envelope(r) for r in rows)
            while len(pending) >= batch_size:
                batch, pending = pending[:batch_size], pending[batch_size:]
                yield snapshot, batch
        if pending:
            yield snapshot, pending
        yield snapshot, []

    async def heads_into(
        self,
        snapshot: str,
        target: str,
        *,
        left_out: str,
        kept: Sequence[str] | None = None,
        span: int = 250_000,
    ) -> None:
        """Every stream's last version at ``snapshot`` (as :meth:`snapshot_batches` saw the
        store) written into the checkpoints table ``target``, where it is ahead of what is there;
        streams starting with ``left_out`` are not, and with ``kept``, only streams starting
        with one of those prefixes are. Range by range of positions, each a statement of its
        own: a store of millions of streams is never held in memory, nor one snapshot for long."""
        async with self.pool.acquire() as conn:
            last = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
            sql = _HEADS_INTO_SQL.format(target=target)
            prefixes = list(kept) if kept is not None else None
            for after in range(0, last, span):
                await conn.execute(sql, after, min(after + span, last), snapshot, left_out, prefixes)

    async def committed_since(self, snapshot: str, conn: Connection) -> list[Envelope]:
        """Events whose transactions were not visible in ``snapshot`` (committed after it)."""
        return [env async for batch in self.committed_since_batches(snapshot, conn) for env in batch]

    async def committed_since_batches(
        self, snapshot: str, conn: Connection, batch_size: int = 1000
    ) -> AsyncGenerator[list[Envelope], None]:
        """:meth:`committed_since` in batches of positions in order: a rebuild that ran for minutes
        under live writes has tens of thousands of them, and a process should not hold them all
        at once (34,000 envelopes were 40 MB of a rebuilding service's peak).

        Those committed by the time the first batch is read, not after: writers that go on would
        otherwise be chased for ever (a later one reaches its readers as any event does)."""
        until = str(await conn.fetchval("SELECT pg_current_snapshot()::text"))
        after = 0
        while True:
            rows = await conn.fetch(_COMMITTED_SINCE_SQL, snapshot, after, batch_size, until)
            if not rows:
                return
            after = rows[-1]["position"]
            yield [row_to_envelope(r) for r in rows]
            if len(rows) < batch_size:
                return
