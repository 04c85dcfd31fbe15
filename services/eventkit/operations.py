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

Each act writes an ``operations_audit`` row (who, when, what, why) in the transaction of its
effect. The service's ``/ops`` routes (operators only) and its command line
(``python -m services.<name> parked|skip|retry|audit``) call these.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from uuid import UUID

import asyncpg
import orjson
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, StringConstraints

from services.eventkit.app import OPERATOR_ONLY, Operator, Runtime
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
from services.eventkit.envelope import Envelope
from services.eventkit.errors import InvalidInput, NotFound, Rejected
from services.eventkit.projection import Projection, projections_runner
from services.eventkit.relay import PARKED_CHANGED
from services.eventkit.runtime import ServiceRuntime
from services.eventkit.settings import Settings
from services.eventkit.store import OUTBOX_CHANNEL, row_to_envelope


class DeadLetterState(enum.StrEnum):
    OPEN = "open"
    PARKED = "parked"
    SKIPPED = "skipped"
    REPLAYED = "replayed"


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=NO_NUL)]
T = TypeVar("T")


async def _audit(conn: Connection, actor: str, action: str, target: str, reason: str, detail: BaseModel) -> int:
    audit_id: int = await conn.fetchval(
        "INSERT INTO operations_audit (actor, action, target, reason, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        actor,
        action,
        target,
        reason,
        detail.model_dump(mode="json"),
    )
    return audit_id


# -- the relay's parked rows ------------------------------------------------------------


async def parked_rows(conn: Connection) -> list[ParkedRow]:
    """Every parked row, with how many rows of its stream wait behind it."""
    rows = await conn.fetch(
        "SELECT p.position, p.stream_id, p.event_id, p.type, p.size_bytes, p.reason, p.parked_at, "
        "(SELECT count(*) FROM outbox o WHERE o.stream_id = p.stream_id) AS held_behind "
        "FROM parked_outbox p ORDER BY p.position"
    )
    return [ParkedRow.model_validate(dict(r)) for r in rows]


async def _take_parked(conn: Connection, position: int) -> ParkedOutboxRow:
    row = await conn.fetchrow(
        "DELETE FROM parked_outbox WHERE position = $1 RETURNING position, stream_id, event_id, type, size_bytes",
        position,
    )
    if row is None:
        raise NotFound(f"no parked outbox row at position {position}")
    return ParkedOutboxRow.model_validate(dict(row))


async def release_parked(conn: Connection, position: int, *, actor: str, reason: str) -> Released:
    """The parked row goes back to the outbox (first of its stream): the relay sends it, then
    the rows held behind it. If the broker still refuses it, it is parked again."""
    async with conn.transaction():
        row = await _take_parked(conn, position)
        await conn.execute(
            "INSERT INTO outbox (position, stream_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            row.position,
            row.stream_id,
        )
        audit_id = await _audit(conn, actor, "outbox.release", f"outbox/{position}", reason, row)
        await conn.execute(f"SELECT pg_notify('{OUTBOX_CHANNEL}', '{PARKED_CHANGED}')")
    return Released(released=row, audit_id=audit_id)


async def discard_parked(conn: Connection, position: int, *, actor: str, reason: str) -> Discarded:
    """The parked row is never sent; the rows held behind it flow on. The event stays in the
    store (the service's own projections read it when they fill a gap)."""
    async with conn.transaction():
        row = await _take_parked(conn, position)
        audit_id = await _audit(conn, actor, "outbox.discard", f"outbox/{position}", reason, row)
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
    conn: Connection, consumer: str | None = None, limit: int = 100, state: str | None = None
) -> list[DeadLetter]:
    """The latest dead letters (their payloads aside), each with its state and its event's type and time."""
    rows = await conn.fetch(
        f"SELECT * FROM (SELECT {_DEAD_COLUMNS}, d.payload FROM dead_letters d "
        "WHERE $1::text IS NULL OR d.consumer = $1) d WHERE $3::text IS NULL OR d.state = $3 "
        "ORDER BY d.id DESC LIMIT $2",
        consumer,
        limit,
        state,
    )
    return [DeadLetter.model_validate(_with_event(r, _envelope_of(r["payload"]))) for r in rows]


async def dead_letter(conn: Connection, dead_letter_id: int) -> DeadLetterDetail:
    """One dead letter with its message (as kept: sensitive fields withheld)."""
    row = await conn.fetchrow(f"SELECT {_DEAD_COLUMNS}, d.payload FROM dead_letters d WHERE d.id = $1", dead_letter_id)
    if row is None:
        raise NotFound(f"no dead letter {dead_letter_id}")
    envelope = _envelope_of(row["payload"])
    return DeadLetterDetail.model_validate(_with_event(row, envelope) | {"envelope": envelope})


async def dead_letter_counts(conn: Connection) -> list[DeadLetterCount]:
    """Per consumer: the events it dead-lettered (each counted once however often it failed),
    how many wait for an operator, how many are parked."""
    rows = await conn.fetch(
        "WITH latest AS (SELECT DISTINCT ON (d.consumer, d.event_id) d.consumer, d.event_id, "
        f"{_STATE} AS state FROM dead_letters d WHERE d.event_id IS NOT NULL "
        "ORDER BY d.consumer, d.event_id, d.id DESC) "
        "SELECT consumer, count(*) FILTER (WHERE state = 'open') AS open, "
        "count(*) FILTER (WHERE state = 'parked') AS parked, count(*) AS total "
        "FROM latest GROUP BY consumer ORDER BY consumer"
    )
    return [DeadLetterCount.model_validate(dict(r)) for r in rows]


async def open_events(conn: Connection, consumer: str, limit: int = 1000) -> list[UUID]:
    """The events of ``consumer``'s open dead letters, in the order they were first dead-lettered."""
    rows = await conn.fetch(
        "WITH latest AS (SELECT DISTINCT ON (d.event_id) d.event_id, d.id, "
        f"{_STATE} AS state FROM dead_letters d WHERE d.consumer = $1 AND d.event_id IS NOT NULL "
        "ORDER BY d.event_id, d.id DESC), "
        "first AS (SELECT event_id, min(id) AS first_id FROM dead_letters WHERE consumer = $1 GROUP BY event_id) "
        "SELECT l.event_id FROM latest l JOIN first f USING (event_id) WHERE l.state = 'open' "
        "ORDER BY f.first_id LIMIT $2",
        consumer,
        limit,
    )
    return [r["event_id"] for r in rows]


async def _event_of(
    conn: Connection, consumer: Consumer, event_id: UUID | None, partition: int | None, offset: int | None
) -> Envelope:
    """The event, from its dead letter (by id, or by partition and offset), else from the store."""
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
        row = await conn.fetchrow(
            "SELECT position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, "
            "district_id, school_id, campus_id, actor, correlation_id, causation_id, command_id, data "
            "FROM events WHERE event_id = $1",
            event_id,
        )
        if row is not None:
            return row_to_envelope(row)
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
) -> Skipped:
    """The handler never applies this event: a projection moves its checkpoint past it and
    brings the stream's later events in now; a reaction records it as handled (a
    redelivery does nothing). Audited, in one transaction with the effect."""
    env = await _event_of(conn, consumer, event_id, partition, offset)
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
        audit_id = await _audit(conn, actor, "event.skip", f"{consumer.label}/{env.event_id}", reason, skipped)
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
) -> Retried:
    """Applies the event again now (after the fix that lets it apply): a projection catches its
    stream up to the store's head, the event included; a reaction handles it once. Still
    failing, it raises and nothing is kept (a 422 naming the error)."""
    env = await _event_of(conn, consumer, event_id, partition, offset)
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
            audit_id = await _audit(conn, actor, "event.retry", f"{consumer.label}/{env.event_id}", reason, retried)
            if isinstance(handler, Projection):
                await _close_caught_up(conn, consumer, env, actor, reason)
    except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError):
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
                     f"{reason} (applied with {env.event_id})"[:500], detail)  # fmt: skip


async def park_event(
    conn: Connection,
    consumer: Consumer,
    *,
    actor: str,
    reason: str,
    event_id: UUID | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> ParkedEvent:
    """The dead letter is kept and shown as parked: not applied, not counted as waiting, and left
    out of a replay of all (replaying it by name still applies it). Audited."""
    env = await _event_of(conn, consumer, event_id, partition, offset)
    known = await conn.fetchval(
        "SELECT 1 FROM dead_letters WHERE consumer = $1 AND event_id = $2 LIMIT 1", consumer.label, env.event_id
    )
    if known is None:
        raise NotFound(f"{consumer.label} has no dead letter of event {env.event_id}")
    async with conn.transaction():
        detail = RetriedEvent(event_id=env.event_id, stream_id=env.stream_id, version=env.version,
                              type=env.type, applied=0)  # fmt: skip
        audit_id = await _audit(conn, actor, "event.park", f"{consumer.label}/{env.event_id}", reason, detail)
    return ParkedEvent(consumer=consumer.label, event_id=env.event_id, stream_id=env.stream_id, audit_id=audit_id)


async def replay_all(conn: Connection, consumer: Consumer, *, expected: int, actor: str, reason: str) -> ReplayedAll:
    """Replays the consumer's open dead letters, oldest first, each as :func:`retry_event` does
    (the consumer's own exactly-once path: a second replay applies nothing). ``expected`` is the
    count the operator confirmed: another count (a dead letter came or went since) refuses (409).
    The first event that still fails stops it (answered in ``failed``)."""
    events = await open_events(conn, consumer.label)
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
            replayed.append(await retry_event(conn, consumer, actor=actor, reason=reason, event_id=event_id))
        except InvalidInput as exc:
            return ReplayedAll(consumer=consumer.label, replayed=replayed, failed=f"{event_id}: {exc.reason}"[:600])
    return ReplayedAll(consumer=consumer.label, replayed=replayed)


async def audit_rows(conn: Connection, limit: int = 100) -> list[AuditEntry]:
    rows = await conn.fetch(
        "SELECT id, at, actor, action, target, reason, detail FROM operations_audit ORDER BY id DESC LIMIT $1", limit
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


async def on_event(act: Callable[..., Awaitable[T]], body: EventAct, actor: str, runtime: ServiceRuntime) -> T:
    """``act`` (skip or retry) on the event ``body`` names, for the consumer it names."""
    consumer = find_consumer(running_consumers(runtime), body.consumer)
    async with runtime.pool.acquire() as conn:
        return await act(
            conn, consumer, actor=actor, reason=body.reason,
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
    async def list_parked(_: Operator, runtime: Runtime) -> ParkedRows:
        async with runtime.pool.acquire() as conn:
            return ParkedRows(parked=await parked_rows(conn))

    @router.post(
        "/parked/{position}/release",
        response_model=Released,
        summary="Send a parked row again (operators)",
        responses=named,
    )
    async def release(position: int, body: OperatorReason, principal: Operator, runtime: Runtime) -> Released:
        async with runtime.pool.acquire() as conn:
            return await release_parked(conn, position, actor=principal.subject, reason=body.reason)

    @router.post(
        "/parked/{position}/discard",
        response_model=Discarded,
        summary="Never send a parked row (operators)",
        responses=named,
    )
    async def discard(position: int, body: OperatorReason, principal: Operator, runtime: Runtime) -> Discarded:
        async with runtime.pool.acquire() as conn:
            return await discard_parked(conn, position, actor=principal.subject, reason=body.reason)

    @router.get(
        "/dead-letters",
        response_model=DeadLetters,
        summary="Events consumers could not apply (operators)",
        responses=OPERATOR_ONLY,
    )
    async def list_dead(
        _: Operator,
        runtime: Runtime,
        consumer: Annotated[str | None, Query(max_length=300)] = None,
        state: Annotated[DeadLetterState | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> DeadLetters:
        async with runtime.pool.acquire() as conn:
            return DeadLetters(
                dead_letters=await dead_letters(conn, consumer, limit=limit, state=state.value if state else None)
            )

    @router.get(
        "/dead-letters/counts",
        response_model=DeadLetterCounts,
        summary="Per consumer, its dead letters: waiting, parked, all (operators)",
        responses=OPERATOR_ONLY,
    )
    async def count_dead(_: Operator, runtime: Runtime) -> DeadLetterCounts:
        async with runtime.pool.acquire() as conn:
            return DeadLetterCounts(counts=await dead_letter_counts(conn))

    @router.get(
        "/dead-letters/{dead_letter_id}",
        response_model=DeadLetterDetail,
        summary="One dead letter with its event, sensitive fields withheld (operators)",
        responses=named,
    )
    async def one_dead(
        dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)], _: Operator, runtime: Runtime
    ) -> DeadLetterDetail:
        async with runtime.pool.acquire() as conn:
            return await dead_letter(conn, dead_letter_id)

    @router.post(
        "/dead-letters/park",
        response_model=ParkedEvent,
        summary="Keep a dead letter aside, not replayed (operators)",
        responses=named,
    )
    async def park(body: EventAct, principal: Operator, runtime: Runtime) -> ParkedEvent:
        return await on_event(park_event, body, principal.subject, runtime)

    @router.post(
        "/dead-letters/replay-all",
        response_model=ReplayedAll,
        summary="Replay a consumer's waiting dead letters, as many as confirmed (operators)",
        responses=named | {409: {"description": "Not the count confirmed", "model": ErrorResponse}},
    )
    async def replay_everything(body: ReplayAll, principal: Operator, runtime: Runtime) -> ReplayedAll:
        consumer = find_consumer(running_consumers(runtime), body.consumer)
        async with runtime.pool.acquire() as conn:
            return await replay_all(conn, consumer, expected=body.expected, actor=principal.subject, reason=body.reason)

    @router.post(
        "/events/skip",
        response_model=Skipped,
        summary="A consumer never applies one event (operators)",
        responses=named,
    )
    async def skip(body: EventAct, principal: Operator, runtime: Runtime) -> Skipped:
        return await on_event(skip_event, body, principal.subject, runtime)

    @router.post(
        "/events/retry",
        response_model=Retried,
        summary="A consumer applies one event again now (operators)",
        responses=named,
    )
    async def retry(body: EventAct, principal: Operator, runtime: Runtime) -> Retried:
        return await on_event(retry_event, body, principal.subject, runtime)

    @router.get(
        "/audit",
        response_model=AuditLog,
        summary="Operators' acts on parked rows and events (operators)",
        responses=OPERATOR_ONLY,
    )
    async def audit(_: Operator, runtime: Runtime) -> AuditLog:
        async with runtime.pool.acquire() as conn:
            return AuditLog(audit=await audit_rows(conn))

    return router
