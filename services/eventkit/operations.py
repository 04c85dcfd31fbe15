"""What an operator does when an event cannot be sent or applied, each act audited.

- **Parked outbox rows** (``services.eventkit.relay``): a record the broker refused is set
  aside and its stream's later rows are held back behind it. :func:`release_parked` puts
  it back in the outbox with its position (sent first of its stream, then the held ones:
  for after the broker's limit was raised); :func:`discard_parked` drops it (its stream
  flows on without it; the event stays in the store).
- **Events a consumer cannot apply** (``services.eventkit.consumer``): a poisoned event is
  dead-lettered, and a projection's stream then stays behind it (each later event fills
  its gap with it, and fails too). :func:`skip_event` tells the handler never to apply it
  (``skipped_events``; a rebuild leaves it out too) and brings the stream's later events
  in; :func:`retry_event` applies it again now (after a fix). An event is named by its
  consumer and its id, or by the partition and offset of its dead letter.

Each act is recorded as an event of the service's store (``operations.EventReplayed``,
``operations.DeadLetterParked``... in the stream ``operations-event-<event id>``, with the
operator as its actor, the reason, and the correlation id of the event acted on: it is
published like any other event, shown in the console's tail and followed with its
correlation) and as an ``operations_audit`` row that indexes it, both in the transaction of
its effect.

**Scope.** Dead letters, parked rows and acts carry the tenant of the event they are about: an
operator of one district lists, counts, inspects and settles only that district's (a platform
admin: every district's, and the messages that are no event and so belong nowhere). Given no
principal (the service's command line, run on its machine), every one.

The service's ``/ops`` routes (operators only) and its command line
(``python -m services.<name> parked|skip|retry|audit``) call these.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID, uuid4

import asyncpg
import orjson
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, StringConstraints

from services.eventkit.app import OPERATIONS, OPERATOR_ONLY, Operator, Runtime
from services.eventkit.auth import Principal
from services.eventkit.bounds import NO_NUL
from services.eventkit.consumer import ConsumerRunner, EventHandler
from services.eventkit.contract import (
    AuditEntry,
    AuditLog,
    DeadLetter,
    DeadLetterCount,
    DeadLetterCounts,
    DeadLetterDetail,
    DeadLetters,
    Discarded,
    ErrorResponse,
    ParkedEvent,
    ParkedOutboxRow,
    ParkedRow,
    ParkedRows,
    Released,
    ReplayedAll,
    Retried,
    RetriedEvent,
    Skipped,
    SkippedEvent,
)
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope, TenantPath
from services.eventkit.errors import ConcurrencyConflict, Forbidden, InvalidInput, NotFound, Rejected
from services.eventkit.projection import OPERATIONS_PREFIX, Projection, projections_runner
from services.eventkit.redaction import redact
from services.eventkit.relay import PARKED_CHANGED
from services.eventkit.runtime import ServiceRuntime
from services.eventkit.settings import Settings
from services.eventkit.store import EVENT_COLUMNS, OUTBOX_CHANNEL, EventStore, row_to_envelope


class DeadLetterState(enum.StrEnum):
    OPEN = "open"
    PARKED = "parked"
    SKIPPED = "skipped"
    REPLAYED = "replayed"


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=NO_NUL)]
T = TypeVar("T")


ACT_EVENTS = {
    "event.retry": "operations.EventReplayed",
    "event.park": "operations.DeadLetterParked",
    "event.skip": "operations.EventSkipped",
    "outbox.release": "operations.OutboxRowReleased",
    "outbox.discard": "operations.OutboxRowDiscarded",
    "projection.rebuild": "operations.ProjectionRebuildStarted",
}
"""The event each operator's act appends (its ``action`` in the audit)."""


def operations_stream(kind: str, key: str) -> str:
    """The stream of the acts on one thing: ``operations-event-<id>``, ``operations-projection-<name>``
    (no projection follows these: :data:`~services.eventkit.projection.OPERATIONS_PREFIX`)."""
    return f"{OPERATIONS_PREFIX}{kind}-{key}"


async def _audit(
    conn: Connection,
    actor: str,
    action: str,
    target: str,
    reason: str,
    detail: BaseModel,
    *,
    stream: str,
    about: Envelope | None = None,
    tenant: TenantPath | None = None,
) -> int:
    """Records the act: an event appended to ``stream`` (the operator its actor; the event
    ``about`` its cause, whose correlation it joins and whose tenant it takes) and the audit row
    that indexes it. Called inside the act's transaction: both commit with its effect, or neither."""
    tenant = tenant if tenant is not None else (about.tenant if about is not None else TenantPath())
    data = {"action": action, "target": target, "reason": reason, "detail": detail.model_dump(mode="json")}
    version = await conn.fetchval("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream)
    event = Envelope(
        event_id=uuid4(), stream_id=stream, version=version + 1, type=ACT_EVENTS[action], schema_version=1,
        occurred_at=datetime.now(UTC), district_id=tenant.district_id, school_id=tenant.school_id,
        campus_id=tenant.campus_id, actor=actor, data=data,
        correlation_id=about.correlation_id if about is not None else None,
        causation_id=str(about.event_id) if about is not None else None,
    )  # fmt: skip
    await EventStore(None).append(stream, version, [event], conn=conn)
    audit_id: int = await conn.fetchval(
        "INSERT INTO operations_audit (actor, action, target, reason, detail, event_id, district_id, school_id, "
        "campus_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        actor, action, target, reason, data["detail"], event.event_id,
        tenant.district_id, tenant.school_id, tenant.campus_id,
    )  # fmt: skip
    return audit_id


async def _stored(conn: Connection, key: str, value: Any) -> Envelope | None:
    """The store's event whose ``key`` (``event_id`` or ``position``) is ``value``."""
    row = await conn.fetchrow(f"SELECT {EVENT_COLUMNS} FROM events WHERE {key} = $1", value)
    return row_to_envelope(row) if row is not None else None


def _scope(principal: Principal | None, first_param: int, prefix: str) -> tuple[str, list[list[str]]]:
    """A SQL condition keeping the rows whose tenant the principal operates on (all of them for
    no principal: the command line), and its parameters."""
    if principal is None:
        return "TRUE", []
    return principal.scope_sql(first_param, prefix, roles=OPERATIONS)


def _require_over(principal: Principal | None, tenant: TenantPath, what: str) -> None:
    """403 unless the principal operates on the tenant (an event of no tenant: platform admins only)."""
    if principal is None or principal.holds(tenant, *OPERATIONS):
        return
    raise Forbidden(
        f"{principal.subject} operates on no {what} there: it belongs outside the token's scope"
        if tenant.district_id or tenant.school_id or tenant.campus_id
        else f"{principal.subject} may not act on a {what} that belongs to no district (platform admins do)"
    )


# -- the relay's parked rows ------------------------------------------------------------


async def parked_rows(conn: Connection, principal: Principal | None = None) -> list[ParkedRow]:
    """Every parked row (of the principal's scope), with how many rows of its stream wait behind it."""
    scope, params = _scope(principal, 1, "e.")
    rows = await conn.fetch(
        "SELECT p.position, p.stream_id, p.event_id, p.type, p.size_bytes, p.reason, p.parked_at, "
        "(SELECT count(*) FROM outbox o WHERE o.stream_id = p.stream_id) AS held_behind "
        f"FROM parked_outbox p JOIN events e ON e.position = p.position WHERE {scope} ORDER BY p.position",
        *params,
    )
    return [ParkedRow.model_validate(dict(r)) for r in rows]


async def _take_parked(
    conn: Connection, position: int, principal: Principal | None
) -> tuple[ParkedOutboxRow, Envelope]:
    parked = await conn.fetchval("SELECT position FROM parked_outbox WHERE position = $1", position)
    env = await _stored(conn, "position", parked) if parked is not None else None
    if env is None:
        raise NotFound(f"no parked outbox row at position {position}")
    _require_over(principal, env.tenant, "parked row")
    row = await conn.fetchrow(
        "DELETE FROM parked_outbox WHERE position = $1 RETURNING position, stream_id, event_id, type, size_bytes",
        position,
    )
    if row is None:
        raise NotFound(f"no parked outbox row at position {position}")
    return ParkedOutboxRow.model_validate(dict(row)), env


async def release_parked(
    conn: Connection, position: int, *, actor: str, reason: str, principal: Principal | None = None
) -> Released:
    """The parked row goes back to the outbox (first of its stream): the relay sends it, then
    the rows held behind it. If the broker still refuses it, it is parked again."""
    async with conn.transaction():
        row, env = await _take_parked(conn, position, principal)
        await conn.execute(
            "INSERT INTO outbox (position, stream_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            row.position,
            row.stream_id,
        )
        audit_id = await _audit(conn, actor, "outbox.release", f"outbox/{position}", reason, row,
                                stream=operations_stream("event", str(row.event_id)), about=env)  # fmt: skip
        await conn.execute(f"SELECT pg_notify('{OUTBOX_CHANNEL}', '{PARKED_CHANGED}')")
    return Released(released=row, audit_id=audit_id)


async def discard_parked(
    conn: Connection, position: int, *, actor: str, reason: str, principal: Principal | None = None
) -> Discarded:
    """The parked row is never sent; the rows held behind it flow on. The event stays in the
    store (the service's own projections read it when they fill a gap)."""
    async with conn.transaction():
        row, env = await _take_parked(conn, position, principal)
        audit_id = await _audit(conn, actor, "outbox.discard", f"outbox/{position}", reason, row,
                                stream=operations_stream("event", str(row.event_id)), about=env)  # fmt: skip
        await conn.execute(f"SELECT pg_notify('{OUTBOX_CHANNEL}', '{PARKED_CHANGED}')")
    return Discarded(discarded=row, audit_id=audit_id)


# -- events a consumer cannot apply -----------------------------------------------------


@dataclass(frozen=True)
class Consumer:
    """A handler as operators name it: its label in dead letters and metrics (the group,
    and the handler if it shares one), or the handler's own name."""

    label: str
    handler: EventHandler


def consumers_of(
    settings: Settings, projections: Sequence[Projection], reactions: Sequence[EventHandler]
) -> list[Consumer]:
    """The service's handlers with their labels, as its running consumers name them."""
    runners: list[ConsumerRunner] = []
    if projections:
        runners.append(projections_runner(settings, None, projections))  # type: ignore[arg-type]
    runners.extend(ConsumerRunner(settings, None, [r], []) for r in reactions)  # type: ignore[arg-type]
    return [Consumer(runner.label(h), h) for runner in runners for h in runner.handlers]


def find_consumer(consumers: Sequence[Consumer], name: str) -> Consumer:
    for consumer in consumers:
        if name in (consumer.label, consumer.handler.name):
            return consumer
    known = ", ".join(c.label for c in consumers) or "none"
    raise NotFound(f"no consumer {name!r} in this service (it has: {known})")


# The state of a dead letter: the latest act on its event (by its consumer) since it was recorded.
_STATE = (
    "COALESCE((SELECT CASE a.action WHEN 'event.park' THEN 'parked' WHEN 'event.skip' THEN 'skipped' "
    "ELSE 'replayed' END FROM operations_audit a WHERE a.target = d.consumer || '/' || d.event_id "
    "AND a.action IN ('event.park', 'event.skip', 'event.retry') AND a.at >= d.recorded_at "
    "ORDER BY a.id DESC LIMIT 1), 'open')"
)
_DEAD_COLUMNS = (
    'd.id, d.consumer, d.topic, d.partition, d."offset", d.event_id, d.stream_id, d.reason, d.recorded_at, '
    "d.district_id, d.school_id, d.campus_id, "
    "EXISTS (SELECT 1 FROM operations_audit a WHERE a.target = d.consumer || '/' || d.event_id) AS handled, "
    f"{_STATE} AS state"
)


def _envelope_of(payload: bytes | None) -> dict[str, Any] | None:
    """The dead letter's message as a dict (its sensitive fields were withheld when it was kept)."""
    if payload is None:
        return None
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _with_event(row: asyncpg.Record, envelope: dict[str, Any] | None) -> dict[str, Any]:
    out = {k: v for k, v in dict(row).items() if k != "payload"}
    if envelope is not None:
        out["type"] = str(envelope.get("type"))[:200] if envelope.get("type") is not None else None
        out["occurred_at"] = envelope.get("occurred_at")
    return out


async def dead_letters(
    conn: Connection,
    consumer: str | None = None,
    limit: int = 100,
    state: str | None = None,
    principal: Principal | None = None,
) -> list[DeadLetter]:
    """The latest dead letters of the principal's scope (their payloads aside), each with its
    state and its event's type and time."""
    scope, params = _scope(principal, 4, "d.")
    rows = await conn.fetch(
        f"SELECT * FROM (SELECT {_DEAD_COLUMNS}, d.payload FROM dead_letters d "
        f"WHERE ($1::text IS NULL OR d.consumer = $1) AND {scope}) d WHERE $3::text IS NULL OR d.state = $3 "
        "ORDER BY d.id DESC LIMIT $2",
        consumer,
        limit,
        state,
        *params,
    )
    return [DeadLetter.model_validate(_with_event(r, _envelope_of(r["payload"]))) for r in rows]


async def dead_letter(conn: Connection, dead_letter_id: int, principal: Principal | None = None) -> DeadLetterDetail:
    """One dead letter with its message (as kept: sensitive fields withheld); 403 outside the scope."""
    row = await conn.fetchrow(f"SELECT {_DEAD_COLUMNS}, d.payload FROM dead_letters d WHERE d.id = $1", dead_letter_id)
    if row is None:
        raise NotFound(f"no dead letter {dead_letter_id}")
    tenant = TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])
    _require_over(principal, tenant, "dead letter")
    envelope = _envelope_of(row["payload"])
    return DeadLetterDetail.model_validate(_with_event(row, envelope) | {"envelope": envelope})


async def dead_letter_counts(conn: Connection, principal: Principal | None = None) -> list[DeadLetterCount]:
    """Per consumer: the events of the principal's scope it dead-lettered (each counted once
    however often it failed), how many wait for an operator, how many are parked."""
    scope, params = _scope(principal, 1, "d.")
    rows = await conn.fetch(
        "WITH latest AS (SELECT DISTINCT ON (d.consumer, d.event_id) d.consumer, d.event_id, "
        f"{_STATE} AS state FROM dead_letters d WHERE d.event_id IS NOT NULL AND {scope} "
        "ORDER BY d.consumer, d.event_id, d.id DESC) "
        "SELECT consumer, count(*) FILTER (WHERE state = 'open') AS open, "
        "count(*) FILTER (WHERE state = 'parked') AS parked, count(*) AS total "
        "FROM latest GROUP BY consumer ORDER BY consumer",
        *params,
    )
    return [DeadLetterCount.model_validate(dict(r)) for r in rows]


async def open_events(
    conn: Connection, consumer: str, limit: int = 1000, principal: Principal | None = None
) -> list[UUID]:
    """The events of ``consumer``'s open dead letters of the principal's scope, in the order
    they were first dead-lettered."""
    scope, params = _scope(principal, 3, "d.")
    rows = await conn.fetch(
        "WITH latest AS (SELECT DISTINCT ON (d.event_id) d.event_id, d.id, "
        f"{_STATE} AS state FROM dead_letters d WHERE d.consumer = $1 AND d.event_id IS NOT NULL AND {scope} "
        "ORDER BY d.event_id, d.id DESC), "
        "first AS (SELECT event_id, min(id) AS first_id FROM dead_letters WHERE consumer = $1 GROUP BY event_id) "
        "SELECT l.event_id FROM latest l JOIN first f USING (event_id) WHERE l.state = 'open' "
        "ORDER BY f.first_id LIMIT $2",
        consumer,
        limit,
        *params,
    )
    return [r["event_id"] for r in rows]


async def _event_of(
    conn: Connection,
    consumer: Consumer,
    event_id: UUID | None,
    partition: int | None,
    offset: int | None,
    principal: Principal | None = None,
) -> Envelope:
    """The event, from its dead letter (by id, or by partition and offset), else from the store;
    403 if the principal does not operate on its tenant."""
    env = await _find_event(conn, consumer, event_id, partition, offset)
    _require_over(principal, env.tenant, "event")
    return env


async def _find_event(
    conn: Connection, consumer: Consumer, event_id: UUID | None, partition: int | None, offset: int | None
) -> Envelope:
    if event_id is None and (partition is None or offset is None):
        raise InvalidInput(
            "name the event by its id, or by the partition and offset of its dead letter", field="event_id"
        )
    if event_id is not None:
        payload = await conn.fetchval(
            "SELECT payload FROM dead_letters WHERE consumer = $1 AND event_id = $2 ORDER BY id DESC LIMIT 1",
            consumer.label,
            event_id,
        )
    else:
        payload = await conn.fetchval(
            'SELECT payload FROM dead_letters WHERE consumer = $1 AND partition = $2 AND "offset" = $3 '
            "ORDER BY id DESC LIMIT 1",
            consumer.label,
            partition,
            offset,
        )
    kept: Envelope | None = None
    if payload is not None:
        try:
            kept = Envelope.from_wire(payload)
        except ValueError:
            raise InvalidInput(
                "that dead letter is not an event (nothing to apply or skip)", field="event_id"
            ) from None
        event_id = kept.event_id
    # The store's copy first when the service has it (its own event): the dead letter's payload
    # has its health and injury fields withheld, which a replay must not apply.
    if event_id is not None:
        stored = await _stored(conn, "event_id", event_id)
        if stored is not None:
            return stored
    if kept is not None:
        return kept
    raise NotFound(f"{consumer.label} has no dead letter of that event, and the store has no such event")


async def skip_event(
    conn: Connection,
    consumer: Consumer,
    *,
    actor: str,
    reason: str,
    event_id: UUID | None = None,
    partition: int | None = None,
    offset: int | None = None,
    principal: Principal | None = None,
) -> Skipped:
    """The handler never applies this event: a projection moves its checkpoint past it and
    brings the stream's later events in now; a reaction records it as handled (a
    redelivery does nothing). Audited, in one transaction with the effect."""
    env = await _event_of(conn, consumer, event_id, partition, offset, principal)
    handler = consumer.handler
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO skipped_events (consumer, event_id, stream_id, skipped_by, reason) "
            "VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (consumer, event_id) DO UPDATE SET skipped_by = $4, reason = $5, skipped_at = now()",
            handler.name,
            env.event_id,
            env.stream_id,
            actor,
            reason,
        )
        if isinstance(handler, Projection):
            caught_up = await handler.catch_up_stream(conn, env.stream_id, skip={env.event_id})
        else:
            await conn.execute(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                handler.name,
                env.event_id,
            )
            caught_up = 0
        skipped = SkippedEvent(event_id=env.event_id, stream_id=env.stream_id, version=env.version,
                               type=env.type, applied_after=caught_up)  # fmt: skip
        audit_id = await _audit(conn, actor, "event.skip", f"{consumer.label}/{env.event_id}", reason, skipped,
                                stream=operations_stream("event", str(env.event_id)), about=env)  # fmt: skip
    return Skipped(skipped=skipped, consumer=consumer.label, audit_id=audit_id)


async def retry_event(
    conn: Connection,
    consumer: Consumer,
    *,
    actor: str,
    reason: str,
    event_id: UUID | None = None,
    partition: int | None = None,
    offset: int | None = None,
    principal: Principal | None = None,
) -> Retried:
    """Applies the event again now (after the fix that lets it apply): a projection catches its
    stream up to the store's head, the event included; a reaction handles it once. Still
    failing, it raises and nothing is kept (a 422 naming the error)."""
    env = await _event_of(conn, consumer, event_id, partition, offset, principal)
    handler = consumer.handler
    try:
        async with conn.transaction():
            if isinstance(handler, Projection):
                applied = await handler.catch_up_stream(conn, env.stream_id)
            else:
                await handler.before_batch(conn)
                applied = 1 if await handler.process(conn, env) else 0
            retried = RetriedEvent(event_id=env.event_id, stream_id=env.stream_id, version=env.version,
                                   type=env.type, applied=applied)  # fmt: skip
            audit_id = await _audit(conn, actor, "event.retry", f"{consumer.label}/{env.event_id}", reason, retried,
                                    stream=operations_stream("event", str(env.event_id)), about=env)  # fmt: skip
            if isinstance(handler, Projection):
                await _close_caught_up(conn, consumer, env, actor, reason)
    except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError, ConcurrencyConflict):
        raise
    except Exception as exc:
        raise InvalidInput(f"the event still fails: {type(exc).__name__}: {exc}"[:500], field="event_id") from None
    return Retried(retried=retried, consumer=consumer.label, audit_id=audit_id)


async def _close_caught_up(conn: Connection, consumer: Consumer, env: Envelope, actor: str, reason: str) -> None:
    """A projection's catch-up applied the stream's later events too: their open dead letters
    are replayed with it (audited as such, so that they no longer count as waiting)."""
    rows = await conn.fetch(
        f"SELECT DISTINCT d.event_id FROM dead_letters d WHERE d.consumer = $1 AND d.stream_id = $2 "
        f"AND d.event_id IS NOT NULL AND d.event_id <> $3 AND {_STATE} = 'open'",
        consumer.label,
        env.stream_id,
        env.event_id,
    )
    for row in rows:
        detail = RetriedEvent(event_id=row["event_id"], stream_id=env.stream_id, version=0, type="", applied=0)
        await _audit(conn, actor, "event.retry", f"{consumer.label}/{row['event_id']}",
                     f"{reason} (applied with {env.event_id})"[:500], detail,
                     stream=operations_stream("event", str(row["event_id"])), about=env)  # fmt: skip


async def park_event(
    conn: Connection,
    consumer: Consumer,
    *,
    actor: str,
    reason: str,
    event_id: UUID | None = None,
    partition: int | None = None,
    offset: int | None = None,
    principal: Principal | None = None,
) -> ParkedEvent:
    """The dead letter is kept and shown as parked: not applied, not counted as waiting, and left
    out of a replay of all (replaying it by name still applies it). Audited."""
    env = await _event_of(conn, consumer, event_id, partition, offset, principal)
    known = await conn.fetchval(
        "SELECT 1 FROM dead_letters WHERE consumer = $1 AND event_id = $2 LIMIT 1", consumer.label, env.event_id
    )
    if known is None:
        raise NotFound(f"{consumer.label} has no dead letter of event {env.event_id}")
    async with conn.transaction():
        detail = RetriedEvent(event_id=env.event_id, stream_id=env.stream_id, version=env.version,
                              type=env.type, applied=0)  # fmt: skip
        audit_id = await _audit(conn, actor, "event.park", f"{consumer.label}/{env.event_id}", reason, detail,
                                stream=operations_stream("event", str(env.event_id)), about=env)  # fmt: skip
    return ParkedEvent(consumer=consumer.label, event_id=env.event_id, stream_id=env.stream_id, audit_id=audit_id)


async def replay_all(
    conn: Connection,
    consumer: Consumer,
    *,
    expected: int,
    actor: str,
    reason: str,
    principal: Principal | None = None,
) -> ReplayedAll:
    """Replays the consumer's open dead letters, oldest first, each as :func:`retry_event` does
    (the consumer's own exactly-once path: a second replay applies nothing). ``expected`` is the
    count the operator confirmed: another count (a dead letter came or went since) refuses (409).
    The first event that still fails stops it (answered in ``failed``). Only the dead letters of
    the principal's scope are counted and replayed."""
    events = await open_events(conn, consumer.label, principal=principal)
    if len(events) != expected:
        raise Rejected(
            f"{consumer.label} has {len(events)} dead letters waiting, not the {expected} you confirmed: look again"
        )
    replayed: list[Retried] = []
    for event_id in events:
        state = await conn.fetchval(
            f"SELECT {_STATE} FROM dead_letters d WHERE d.consumer = $1 AND d.event_id = $2 ORDER BY d.id DESC LIMIT 1",
            consumer.label,
            event_id,
        )
        if state != "open":  # applied with an earlier one of its stream
            continue
        try:
            replayed.append(
                await retry_event(conn, consumer, actor=actor, reason=reason, event_id=event_id, principal=principal)
            )
        except InvalidInput as exc:
            return ReplayedAll(consumer=consumer.label, replayed=replayed, failed=f"{event_id}: {exc.reason}"[:600])
    return ReplayedAll(consumer=consumer.label, replayed=replayed)


async def stored_event(conn: Connection, event_id: UUID, principal: Principal | None = None) -> dict[str, Any]:
    """One event of the service's store, by id, as the principal may read it (its health and
    injury fields withheld from whoever may not read them); 403 outside the principal's scope."""
    env = await _stored(conn, "event_id", event_id)
    if env is None:
        raise NotFound(f"this service's store has no event {event_id}")
    _require_over(principal, env.tenant, "event")
    return redact(env.model_dump(mode="json"), principal)


async def audit_rows(conn: Connection, limit: int = 100, principal: Principal | None = None) -> list[AuditEntry]:
    """The latest acts on what the principal operates on (an act on no district's event, such as a
    rebuild: platform admins only)."""
    scope, params = _scope(principal, 2, "")
    rows = await conn.fetch(
        "SELECT id, at, actor, action, target, reason, detail, event_id, district_id, school_id, campus_id "
        f"FROM operations_audit WHERE {scope} ORDER BY id DESC LIMIT $1",
        limit,
        *params,
    )
    return [AuditEntry.model_validate(dict(r)) for r in rows]


# -- the routes -------------------------------------------------------------------------


class OperatorReason(BaseModel):
    reason: Reason = Field(description="Why (kept in the audit)")


class ReplayAll(BaseModel):
    consumer: str = Field(
        max_length=300, pattern=NO_NUL, description="The consumer, as dead letters name it, or the handler's name"
    )
    expected: int = Field(ge=0, le=1000, description="How many dead letters the operator confirmed replaying")
    reason: Reason = Field(description="Why (kept in the audit)")


class EventAct(BaseModel):
    consumer: str = Field(
        max_length=300, pattern=NO_NUL, description="The consumer, as dead letters name it, or the handler's name"
    )
    event_id: UUID | None = None
    partition: int | None = Field(default=None, ge=0, le=100_000)
    offset: int | None = Field(default=None, ge=0, le=2**63 - 1)  # a Kafka offset (bigint)
    reason: Reason = Field(description="Why (kept in the audit)")


def running_consumers(runtime: ServiceRuntime) -> list[Consumer]:
    definition = runtime.definition
    return consumers_of(runtime.settings, definition.projections, [s.reaction for s in definition.reactions])


async def on_event(
    act: Callable[..., Awaitable[T]], body: EventAct, principal: Principal, runtime: ServiceRuntime
) -> T:
    """``act`` (skip, retry or park) on the event ``body`` names, for the consumer it names."""
    consumer = find_consumer(running_consumers(runtime), body.consumer)
    async with runtime.pool.acquire() as conn:
        return await act(
            conn, consumer, actor=principal.subject, reason=body.reason, principal=principal,
            event_id=body.event_id, partition=body.partition, offset=body.offset,
        )  # fmt: skip


@functools.cache
def operations_router() -> APIRouter:
    """``/ops`` routes for parked rows, poisoned events and the audit: operators only. Each
    answers its model (the command line prints the same)."""
    router = APIRouter(prefix="/ops", tags=["operations"])
    named = OPERATOR_ONLY | {404: {"description": "No such parked row, consumer or event", "model": ErrorResponse}}

    @router.get(
        "/parked",
        response_model=ParkedRows,
        summary="Outbox rows the broker refused, parked (operators)",
        responses=OPERATOR_ONLY,
    )
    async def list_parked(principal: Operator, runtime: Runtime) -> ParkedRows:
        async with runtime.pool.acquire() as conn:
            return ParkedRows(parked=await parked_rows(conn, principal))

    @router.post(
        "/parked/{position}/release",
        response_model=Released,
        summary="Send a parked row again (operators)",
        responses=named,
    )
    async def release(position: int, body: OperatorReason, principal: Operator, runtime: Runtime) -> Released:
        async with runtime.pool.acquire() as conn:
            return await release_parked(
                conn, position, actor=principal.subject, reason=body.reason, principal=principal
            )

    @router.post(
        "/parked/{position}/discard",
        response_model=Discarded,
        summary="Never send a parked row (operators)",
        responses=named,
    )
    async def discard(position: int, body: OperatorReason, principal: Operator, runtime: Runtime) -> Discarded:
        async with runtime.pool.acquire() as conn:
            return await discard_parked(
                conn, position, actor=principal.subject, reason=body.reason, principal=principal
            )

    @router.get(
        "/dead-letters",
        response_model=DeadLetters,
        summary="Events consumers could not apply (operators)",
        responses=OPERATOR_ONLY,
    )
    async def list_dead(
        principal: Operator,
        runtime: Runtime,
        consumer: Annotated[str | None, Query(max_length=300)] = None,
        state: Annotated[DeadLetterState | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DeadLetters:
        async with runtime.pool.acquire() as conn:
            return DeadLetters(
                dead_letters=await dead_letters(
                    conn, consumer, limit=limit, state=state.value if state else None, principal=principal
                )
            )

    @router.get(
        "/dead-letters/counts",
        response_model=DeadLetterCounts,
        summary="Per consumer, its dead letters: waiting, parked, all (operators)",
        responses=OPERATOR_ONLY,
    )
    async def count_dead(principal: Operator, runtime: Runtime) -> DeadLetterCounts:
        async with runtime.pool.acquire() as conn:
            return DeadLetterCounts(counts=await dead_letter_counts(conn, principal))

    @router.get(
        "/dead-letters/{dead_letter_id}",
        response_model=DeadLetterDetail,
        summary="One dead letter with its event, sensitive fields withheld (operators)",
        responses=named,
    )
    async def one_dead(
        dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: Operator, runtime: Runtime
    ) -> DeadLetterDetail:
        async with runtime.pool.acquire() as conn:
            return await dead_letter(conn, dead_letter_id, principal)

    @router.post(
        "/dead-letters/park",
        response_model=ParkedEvent,
        summary="Keep a dead letter aside, not replayed (operators)",
        responses=named,
    )
    async def park(body: EventAct, principal: Operator, runtime: Runtime) -> ParkedEvent:
        return await on_event(park_event, body, principal, runtime)

    @router.post(
        "/dead-letters/replay-all",
        response_model=ReplayedAll,
        summary="Replay a consumer's waiting dead letters, as many as confirmed (operators)",
        responses=named | {409: {"description": "Not the count confirmed", "model": ErrorResponse}},
    )
    async def replay_everything(body: ReplayAll, principal: Operator, runtime: Runtime) -> ReplayedAll:
        consumer = find_consumer(running_consumers(runtime), body.consumer)
        async with runtime.pool.acquire() as conn:
            return await replay_all(
                conn, consumer, expected=body.expected, actor=principal.subject, reason=body.reason, principal=principal
            )

    @router.get(
        "/events/{event_id}",
        response_model=Envelope,
        summary="One event of the store, by id, sensitive fields withheld as the caller may not read them (operators)",
        responses=named,
    )
    async def one_event(event_id: UUID, principal: Operator, runtime: Runtime) -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            return await stored_event(conn, event_id, principal)

    @router.post(
        "/events/skip",
        response_model=Skipped,
        summary="A consumer never applies one event (operators)",
        responses=named,
    )
    async def skip(body: EventAct, principal: Operator, runtime: Runtime) -> Skipped:
        return await on_event(skip_event, body, principal, runtime)

    @router.post(
        "/events/retry",
        response_model=Retried,
        summary="A consumer applies one event again now (operators)",
        responses=named,
    )
    async def retry(body: EventAct, principal: Operator, runtime: Runtime) -> Retried:
        return await on_event(retry_event, body, principal, runtime)

    @router.get(
        "/audit",
        response_model=AuditLog,
        summary="Operators' acts on parked rows and events (operators)",
        responses=OPERATOR_ONLY,
    )
    async def audit(principal: Operator, runtime: Runtime) -> AuditLog:
        async with runtime.pool.acquire() as conn:
            return AuditLog(audit=await audit_rows(conn, principal=principal))

    return router
