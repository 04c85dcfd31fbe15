"""The history of a record: every event of its stream, as an audit trail.

Every service answers ``GET /history/{stream_id}`` (one stream, paged by version) and
``GET /history?streams=a,b`` (the first page of several, for the gateway's batches): each
event with its type, the time of the act (the envelope's ``occurred_at``) and its day at
the school, the time it was recorded (``recorded_at``, the server's clock), who did it,
its correlation and causation ids, its payload (upcast to the current shape) and a
one-line summary.

A stream is seen by whoever covers its tenant (where its first event put it): 404 for a
stream that does not exist or is outside the caller's scope (the same answer: see
:mod:`services.eventkit.errors`), 401 without a token. Each
service's :class:`HistoryPolicy` (its definition's ``history``) may refuse a stream or
withhold its details (an injury from a teacher of another class): a withheld entry keeps
its type, times, actor and ids, and its summary is the event's title alone, without payload.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from services.eventkit.auth import Principal
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry, TenantPath
from services.eventkit.errors import HouqinError, NotFound
from services.eventkit.store import row_to_envelope

MAX_PAGE = 500
MAX_STREAMS = 100  # streams one batch call may name

Summary = Callable[[Any], str]
"""One line saying what an event did, from its (upcast) payload."""

_COLUMNS = (
    "position, event_id, stream_id, version, type, schema_version, occurred_at, recorded_at, "
    "district_id, school_id, campus_id, actor, correlation_id, causation_id, command_id, data"
)


class HistoryEntry(BaseModel):
    """One event of a record's history."""

    stream_id: str
    version: int
    type: str = Field(examples=["safety.HazardReported"])
    acted_at: datetime = Field(description="When the act happened (the event's occurred_at)")
    acted_on: date = Field(description="The day of the act at the school")
    recorded_at: datetime | None = Field(description="When the service recorded it (the server's clock)")
    actor: str | None = Field(description="Who did it: a member of staff's id, an admin's, or a reaction's")
    correlation_id: str | None
    causation_id: str | None
    summary: str = Field(examples=["Reported a high hazard at 操场: 窨井盖下沉"])
    redacted: bool = Field(default=False, description="Its details are withheld from the caller")
    data: dict[str, Any] | None = Field(description="The payload, in its current shape; null when withheld")


class HistoryPage(BaseModel):
    """A page of a stream's history; pass ``next_after_version`` as ``after_version`` for the next."""

    stream_id: str
    items: list[HistoryEntry]
    next_after_version: int | None = None


class StreamHistory(HistoryPage):
    """One stream of a batch: its first page, or why it is not shown (not_found, forbidden)."""

    error: str | None = None


class HistoryBatch(BaseModel):
    streams: list[StreamHistory]


# -- summaries -------------------------------------------------------------------------------

_QUIET = re.compile(r"(_id|_by|_at|_on|_ref|_fen)$")


def words(event_type: str) -> str:
    """``safety.HazardAssignedInHouse`` -> ``Hazard assigned in house``."""
    name = event_type.rsplit(".", 1)[-1]
    parts = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name) or [name]
    return " ".join([parts[0], *(p.lower() for p in parts[1:])])


def clip(text: object, width: int = 80) -> str:
    """A value as one short line."""
    line = " ".join(str(text).split())
    return line if len(line) <= width else line[: width - 1] + "…"


def note(text: str, lead: str = ": ") -> str:
    """An optional note as the tail of a summary (nothing if there is none)."""
    return f"{lead}{clip(text)}" if text else ""


def default_summary(title: str, data: Mapping[str, Any]) -> str:
    """The title and the payload's salient fields: short texts and numbers, not ids or times."""
    salient = [
        f"{key}: {clip(value, 40)}"
        for key, value in data.items()
        if not _QUIET.search(key)
        and key not in ("id", "schema_version")
        and isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and str(value) != ""
    ][:3]
    return f"{title} ({', '.join(salient)})" if salient else title


class HistoryPolicy:
    """What a service shows of its records' history; the default shows everything in scope.

    ``titles`` names event types (the default is the type's own words: ``Hazard reported``);
    ``summaries`` says in one line what an event of a type did, from its upcast payload (the
    default is the title and the payload's salient fields); ``hidden`` names payload fields
    never shown (a phone number). A service subclasses it to widen or narrow who sees a
    stream (:meth:`covers`, :meth:`details`)."""

    def __init__(
        self,
        titles: Mapping[str, str] | None = None,
        summaries: Mapping[str, Summary] | None = None,
        *,
        hidden: frozenset[str] = frozenset(),
    ) -> None:
        self.titles = dict(titles or {})
        self.summaries = dict(summaries or {})
        self.hidden = hidden

    def title(self, event_type: str) -> str:
        return self.titles.get(event_type) or words(event_type)

    def summary(self, env: Envelope, event: DomainEvent | None, data: Mapping[str, Any]) -> str:
        write = self.summaries.get(env.type)
        if write is not None and event is not None:
            return write(event)
        return default_summary(self.title(env.type), data)

    async def covers(self, db: Connection, principal: Principal, tenant: TenantPath) -> bool:
        """Whether the stream's tenant is in the caller's scope (else 403)."""
        return principal.covers(tenant)

    async def details(self, db: Connection, principal: Principal, first: Envelope) -> bool:
        """Whether the caller sees the stream's details (payloads, summaries); raise
        :class:`Forbidden` to refuse the stream altogether. ``first`` is its first event."""
        return True


# -- reading -----------------------------------------------------------------------------


def entry(registry: EventRegistry, policy: HistoryPolicy, env: Envelope, *, redact: bool) -> HistoryEntry:
    """An event as an entry of its history: upcast through the registry, summarised, or withheld."""
    event: DomainEvent | None = None
    data: dict[str, Any] = env.data
    if registry.knows(env.type):
        event = registry.decode(env)
        data = event.model_dump(mode="json")
    data = {key: value for key, value in data.items() if key not in policy.hidden}
    return HistoryEntry(
        stream_id=env.stream_id,
        version=env.version,
        type=env.type,
        acted_at=env.occurred_at,
        acted_on=local_day(env.occurred_at),
        recorded_at=env.recorded_at,
        actor=env.actor,
        correlation_id=env.correlation_id,
        causation_id=env.causation_id,
        summary=policy.title(env.type) if redact else policy.summary(env, event, data),
        redacted=redact,
        data=None if redact else data,
    )


async def _firsts(db: Connection, stream_ids: list[str]) -> dict[str, Envelope]:
    query = f"SELECT {_COLUMNS} FROM events WHERE stream_id = ANY($1::text[]) AND version = 1"
    rows = await db.fetch(query, stream_ids)
    return {r["stream_id"]: row_to_envelope(r) for r in rows}


async def _shown(db: Connection, policy: HistoryPolicy, principal: Principal, first: Envelope | None) -> bool:
    """Whether the caller sees the stream's details: 404 without it or out of scope, 403 refused."""
    if first is None or not await policy.covers(db, principal, first.tenant):
        raise NotFound("no such record")  # outside the caller's scope, as if there were none
    return await policy.details(db, principal, first)


async def stream_page(
    db: Connection,
    registry: EventRegistry,
    policy: HistoryPolicy,
    principal: Principal,
    stream_id: str,
    after_version: int = 0,
    limit: int = 100,
) -> HistoryPage:
    """A page of one stream's history for the caller (404, 403 as the module says)."""
    limit = max(1, min(limit, MAX_PAGE))
    shown = await _shown(db, policy, principal, (await _firsts(db, [stream_id])).get(stream_id))
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version > $2 ORDER BY version LIMIT $3",
        stream_id,
        after_version,
        limit + 1,
    )
    items = [entry(registry, policy, row_to_envelope(r), redact=not shown) for r in rows[:limit]]
    more = len(rows) > limit
    return HistoryPage(stream_id=stream_id, items=items, next_after_version=items[-1].version if more else None)


async def batch(
    db: Connection,
    registry: EventRegistry,
    policy: HistoryPolicy,
    principal: Principal,
    stream_ids: list[str],
    limit: int = 50,
) -> HistoryBatch:
    """The first page of each stream, in two statements whatever their number; a stream the
    caller may not see says so (``not_found``, ``forbidden``) and shows nothing."""
    limit = max(1, min(limit, MAX_PAGE))
    wanted = list(dict.fromkeys(stream_ids))
    firsts = await _firsts(db, wanted)
    shown: dict[str, bool] = {}
    errors: dict[str, str] = {}
    for stream_id in wanted:
        try:
            shown[stream_id] = await _shown(db, policy, principal, firsts.get(stream_id))
        except HouqinError as exc:
            errors[stream_id] = exc.code
    rows = await db.fetch(
        f"SELECT {_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY stream_id ORDER BY version) AS n "
        "FROM events WHERE stream_id = ANY($1::text[])) e WHERE n <= $2 ORDER BY stream_id, version",
        sorted(shown),
        limit + 1,
    )
    by_stream: dict[str, list[Envelope]] = {}
    for r in rows:
        by_stream.setdefault(r["stream_id"], []).append(row_to_envelope(r))
    out: list[StreamHistory] = []
    for stream_id in wanted:
        if stream_id in errors:
            out.append(StreamHistory(stream_id=stream_id, items=[], error=errors[stream_id]))
            continue
        envs = by_stream.get(stream_id, [])
        items = [entry(registry, policy, env, redact=not shown[stream_id]) for env in envs[:limit]]
        more = len(envs) > limit
        out.append(
            StreamHistory(stream_id=stream_id, items=items, next_after_version=items[-1].version if more else None)
        )
    return HistoryBatch(streams=out)
