"""The one command path: load the stream, decide, append at the version read.

Handlers stay thin: they check who may do what, resolve the tenant, and call
:meth:`CommandBus.execute`. A client's ``expected_version`` makes a stale write a
409; without it, a lost race is retried once on fresh state. A client's command id
(``Idempotency-Key``) makes a retry return the first result and append nothing.

A command id is scoped to its caller (the principal's subject) and its route (``POST`` and the
route's path template), and bound to the request it was first used with: a canonical hash of the
parsed command body (every field, defaults included, as JSON) and the path parameters
(:func:`request_hash`). The route binds it (``services.eventkit.routes.command_route``, on the
command lane as through the framework); a command sent in process is bound by the bus to its
caller, the command's name and the entity it is for. The same key from another caller is another
command; the same key and request from the same caller answers the first result with
``duplicate``; the same key with another request is a 422 naming ``Idempotency-Key``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from services.eventkit.acts import CLOCK_SKEW, OutOfOrder
from services.eventkit.auth import Principal

# the bounded field types, defined in services.eventkit.bounds and still importable from here
from services.eventkit.bounds import EntityId as EntityId
from services.eventkit.bounds import Name as Name
from services.eventkit.bounds import Text as Text
from services.eventkit.bounds import Version
from services.eventkit.db import Connection
from services.eventkit.decider import Decider, Resolved, stamped
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry, TenantPath, new_envelope
from services.eventkit.errors import ConcurrencyConflict, HouqinError, Rejected
from services.eventkit.metrics import COMMAND_LATENCY, EVENTS_APPENDED
from services.eventkit.read_after import read_token
from services.eventkit.store import CommandKey, DuplicateCommand, EventStore


class Command(BaseModel):
    """Base of every command (and command request body).

    ``expected_version`` is the version the client last read: a stale one is a 409.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    expected_version: Version | None = Field(
        default=None, description="The version the client last read; omit to accept the current one"
    )


def examples(*bodies: dict[str, Any]) -> ConfigDict:
    """A command's config with request examples for the OpenAPI document."""
    return ConfigDict(extra="forbid", frozen=True, json_schema_extra={"examples": list(bodies)})


_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def request_hash(body: BaseModel | None, path: Mapping[str, str]) -> str:
    """The request a command id is bound to: SHA-256 of the parsed body (every field, defaults
    included, as JSON with sorted keys: two bodies that parse to the same command are the same
    request) and the path parameters."""
    material = {"body": None if body is None else body.model_dump(mode="json"), "path": dict(path)}
    return hashlib.sha256(_canonical(material).encode()).hexdigest()


@dataclass(frozen=True)
class CommandContext:
    """Everything about a command that is not the command itself.

    ``command_id`` is the client's key; ``key`` the same key bound to its caller, route and
    request (set by the route that received it; see :meth:`command_key`)."""

    principal: Principal
    correlation_id: str = field(default_factory=lambda: str(uuid4()))
    command_id: str | None = None
    expected_version: int | None = None
    causation_id: str | None = None
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # when the command arrived
    acted_at: datetime | None = None  # the act's time when the command gives none (a reaction's upstream act)
    key: CommandKey | None = None

    def command_key(self, command: Any, entity_id: str) -> CommandKey | None:
        """The command id as the store keeps it (None without one): as the route bound it, or,
        for a command sent in process, bound to the caller, the command's name and the entity."""
        if self.command_id is None:
            return None
        if self.key is not None and self.key.key == self.command_id:
            return self.key
        body = command if isinstance(command, BaseModel) else None
        return CommandKey(
            self.command_id,
            self.principal.subject,
            f"command {type(command).__name__}",
            request_hash(body, {"entity_id": entity_id}),
        )


class CommandResult(BaseModel):
    """What a command endpoint answers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "stream_id": "hazard-aoyuan-wall-tiles",
                    "version": 2,
                    "events": ["safety.HazardEscalated"],
                    "event_ids": ["0b8f8c0e-4d0e-4f43-9d65-3c1f2a8f9e11"],
                    "duplicate": False,
                    "read_after": "safety:hazard-aoyuan-wall-tiles@2",
                }
            ]
        }
    )

    stream_id: str
    version: int
    events: list[str]
    event_ids: list[str]
    duplicate: bool = False
    read_after: str = Field(
        default="",
        description="Send it as the header Houqin-Read-After of a read that must see this command's events",
    )


def caused_by(envelope: Envelope, principal: Principal) -> CommandContext:
    """The context of a command a reaction sends: the upstream event's correlation, and it as cause."""
    return CommandContext(
        principal=principal,
        correlation_id=envelope.correlation_id or str(envelope.event_id),
        causation_id=str(envelope.event_id),
        occurred_at=envelope.recorded_at or envelope.occurred_at,
        acted_at=envelope.occurred_at,
    )


def decide_now_after_earlier_steps(
    decider: Decider[Any, Any, Any], command: Any, state: Any
) -> tuple[Any, list[DomainEvent]]:
    """The decision, for an act that gives no time of its own done after every step already
    recorded: concurrent requests arrive in one order and commit in another, so an act dated by
    its arrival may find a step stamped a moment later. Within the clock skew it happens at that
    step's time instead of being refused as out of order; an act the client dated is refused."""
    for _ in range(4):
        try:
            return command, list(decider.decide(command, state))
        except OutOfOrder as refusal:
            later = refusal.step_time
            inner = getattr(command, "command", None)
            dated = getattr(inner, "at", None) is not None or getattr(inner, "on", None) is not None
            if (
                not isinstance(command, Resolved)
                or dated
                or not isinstance(later, datetime)
                or not command.at < later <= command.received_at + CLOCK_SKEW
            ):
                raise
            command = replace(command, at=later)
    return command, list(decider.decide(command, state))


STATES_KEPT = 4096  # aggregates a process keeps the latest state of (a few KB each, most of them)
# After a stream is found moved by another writer, the commands of this process that read it
# first before its state is trusted again: two replicas taking turns on one stream cost a read
# each time, and one refused append every this many commands, not one every other command.
READS_WHEN_CONTENDED = 32


@dataclass(frozen=True, slots=True)
class KeptState:
    """What a process keeps of an aggregate: its state at ``version``, built to ``last_event``.

    ``tenant``: where the stream's first event put it, once the process has seen that event.
    ``trusted``: the last event is this process's own append, so the next command may be decided
    on this state without reading the stream (:class:`ReadAhead`), its append checked against
    ``last_event``. ``contended``: such an append found the stream moved by another writer
    (another replica, a reaction): that many of this process's next appends read it first."""

    state: Any
    version: int
    last_event: UUID
    tenant: TenantPath | None = None
    trusted: bool = False
    contended: int = 0


class AggregateStates:
    """The latest committed state of the aggregates a process worked on lately, by stream.

    A command on an existing aggregate then reads only the stream's last event it knows and
    those after it, instead of reading and decoding the whole stream: an inspection's walk is
    30 findings, a hazard's life a dozen steps. The known last event is read again and compared
    by id, so a store restored or rewritten under a running process is read in full, not
    trusted. Only states read outside a transaction (committed events alone) are kept: a
    transaction's own events may still roll back. Evolve and decide are pure, so one state
    object is safely shared by concurrent commands.

    After the process's own append the state is kept with its events (``trusted``): the next
    command on the aggregate is decided without a read, and its append goes through only if the
    stream still ends with that event (:meth:`EventStore.append`'s ``last_event``).
    """

    def __init__(self, size: int = STATES_KEPT) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[str, str], KeptState] = OrderedDict()

    def get(self, decider: str, stream_id: str) -> KeptState | None:
        entry = self.entries.get((decider, stream_id))
        if entry is not None:
            self.entries.move_to_end((decider, stream_id))
        return entry

    def keep(
        self,
        decider: str,
        stream_id: str,
        state: Any,
        version: int,
        last_event: UUID,
        *,
        tenant: TenantPath | None = None,
        trusted: bool = False,
    ) -> None:
        key = (decider, stream_id)
        known = self.entries.get(key)
        if known is not None and known.version > version:
            return  # a concurrent command already kept a later one
        contended = known.contended if known is not None else 0
        if trusted and contended:
            contended -= 1  # one more of the appends that read first: the last of them is trusted again
            trusted = contended == 0
        if tenant is None and known is not None:
            tenant = known.tenant
        self.entries[key] = KeptState(state, version, last_event, tenant, trusted, contended)
        self.entries.move_to_end(key)
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def contend(self, decider: str, stream_id: str) -> None:
        """The stream has another writer: read it before the next commands."""
        known = self.entries.get((decider, stream_id))
        if known is not None:
            self.entries[(decider, stream_id)] = replace(known, trusted=False, contended=READS_WHEN_CONTENDED)

    def forget(self, decider: str, stream_id: str) -> None:
        self.entries.pop((decider, stream_id), None)


@dataclass(frozen=True)
class ReadAhead:
    """A stream read before its command runs, with the tenant check (one round trip for both):
    its first event and its events from ``from_version`` on, as they were then. A command that
    appends after a stale read conflicts and reads again; one with a client's expected version
    reads afresh (it must not be refused for a version read earlier).

    ``kept``: nothing was read; the state the process kept after its own append is trusted (the
    tenant check on its tenant, the command decided on it, its append checked against its last
    event; a refusal, nothing to append or a conflict reads the stream, as a guess would)."""

    from_version: int
    envelopes: list[Envelope]
    kept: KeptState | None = None

    def first(self) -> Envelope | None:
        return self.envelopes[0] if self.envelopes and self.envelopes[0].version == 1 else None

    def tenant(self) -> TenantPath | None:
        """Where the stream's first event put it, or None if it has none."""
        if self.kept is not None:
            return self.kept.tenant
        first = self.first()
        return None if first is None else first.tenant

    def covers(self, version: int) -> bool:
        return self.from_version <= version

    def events_from(self, version: int) -> list[Envelope]:
        return [e for e in self.envelopes if e.version >= version]


class CommandBus:
    def __init__(
        self, service: str, store: EventStore, registry: EventRegistry, *, states: AggregateStates | None = None
    ) -> None:
        self.service = service
        self.store = store
        self.registry = registry
        self.states = states

    @classmethod
    def in_transaction(cls, service: str, registry: EventRegistry) -> CommandBus:
        """A bus for reactions: every call passes the reaction's own connection."""
        return cls(service, EventStore(None), registry)

    async def read_ahead(self, decider: Decider[Any, Any, Any], stream_id: str) -> ReadAhead:
        """The stream's first event and what a command on it will load: from the version of the
        state kept of it, or all of it; nothing at all when the state kept is trusted."""
        known = self.states.get(decider.name, stream_id) if self.states is not None else None
        if known is not None and known.trusted and known.tenant is not None:
            return ReadAhead(known.version, [], kept=known)
        from_version = known.version if known is not None else 1
        return ReadAhead(from_version, await self.store.read_first_and_from(stream_id, from_version))

    async def _events_from(
        self, stream_id: str, version: int, conn: Connection | None, ahead: ReadAhead | None
    ) -> list[Envelope]:
        if ahead is not None and conn is None and ahead.covers(version):
            events = ahead.events_from(version)
            if events and events[0].version == version:
                return events
        # in a transaction, or not read ahead: the kept state moved past what was read, say
        return await self.store.read_stream(stream_id, version, conn=conn)

    async def load(
        self,
        decider: Decider[Any, Any, Any],
        stream_id: str,
        *,
        conn: Connection | None = None,
        ahead: ReadAhead | None = None,
    ) -> tuple[Any, int]:
        """The aggregate's state and version (from the state kept of it, and what came after;
        taken from ``ahead`` when it holds them)."""
        states = self.states
        known = states.get(decider.name, stream_id) if states is not None else None
        if known is not None and states is not None:
            state, version = known.state, known.version
            envelopes = await self._events_from(stream_id, version, conn, ahead)
            if envelopes and envelopes[0].version == version and envelopes[0].event_id == known.last_event:
                newer = envelopes[1:]
                if newer:
                    state = decider.fold((self.registry.decode(e) for e in newer), state)
                    if conn is None:
                        states.keep(decider.name, stream_id, state, newer[-1].version, newer[-1].event_id)
                return state, envelopes[-1].version
            states.forget(decider.name, stream_id)  # the store is not what was kept of it: read it all
        envelopes = await self._events_from(stream_id, 1, conn, ahead)
        state = decider.fold(self.registry.decode(e) for e in envelopes)
        if envelopes and states is not None and conn is None:
            first = envelopes[0].tenant if envelopes[0].version == 1 else None
            states.keep(decider.name, stream_id, state, envelopes[-1].version, envelopes[-1].event_id, tenant=first)
        return state, (envelopes[-1].version if envelopes else 0)

    async def execute(
        self,
        decider: Decider[Any, Any, Any],
        entity_id: str,
        command: Any,
        ctx: CommandContext,
        tenant: TenantPath,
        *,
        conn: Connection | None = None,
        ahead: ReadAhead | None = None,
    ) -> CommandResult:
        """Load, decide, append (``ahead``: the stream as read with the tenant check, if it was)."""
        stream_id = decider.stream_id(entity_id)
        if isinstance(command, Resolved):
            command = stamped(command, actor=ctx.principal.subject, received=ctx.occurred_at, fallback=ctx.acted_at)
        inner = getattr(command, "command", command)  # a Resolved command carries the client's
        expected = getattr(inner, "expected_version", None)
        if expected is not None and ctx.expected_version is None:
            ctx = replace(ctx, expected_version=expected)
        key = ctx.command_key(inner, entity_id)
        started = time.perf_counter()
        try:
            # Outside a transaction the append claims the key in its own statement and a second
            # attempt fails it (DuplicateCommand, then the first result): the look-up before is
            # spared to the first attempt, which is nearly every command, and a retry is decided
            # again before it is answered the first result. In a caller's transaction it is asked.
            if conn is not None:
                first = await self._first_result(key, conn)
                if first is not None:
                    return first
            try:
                return await self._decide_and_append(decider, stream_id, command, ctx, key, tenant, conn, ahead)
            except HouqinError:
                # Any refusal of an attempt that another attempt of this very command committed
                # (before this one, when nothing was looked up, or since the look-up) is
                # answered that first result: a retry decided on a state its first attempt moved.
                first = await self._first_result(key, conn)
                if first is not None:
                    return first
                raise
        finally:
            # every outcome, refusals and conflicts included: the time a caller waited on the store
            COMMAND_LATENCY.labels(self.service, type(inner).__name__).observe(time.perf_counter() - started)

    async def _decide_and_append(
        self,
        decider: Decider[Any, Any, Any],
        stream_id: str,
        command: Any,
        ctx: CommandContext,
        key: CommandKey | None,
        tenant: TenantPath,
        conn: Connection | None,
        ahead: ReadAhead | None = None,
    ) -> CommandResult:
        inner = getattr(command, "command", command)
        kept = None
        if ctx.expected_version is not None:
            ahead = None  # a client's expected version is checked against the stream as it is now
        elif conn is None:
            kept = ahead.kept if ahead is not None else self._trusted(decider, stream_id)
        # A command that begins an entity is decided on the initial state without a read; if
        # the stream exists after all (the append conflicts) or the decision refuses, it reads.
        # So is a command on the state this process kept after its own append (``kept``).
        guess_new = bool(decider.starts) and isinstance(inner, decider.starts) and ctx.expected_version in (None, 0)
        attempts = (1 if ctx.expected_version is not None else 2) + (1 if guess_new or kept else 0)
        for attempt in range(attempts):
            guessing = guess_new and attempt == 0
            trusting = kept is not None and not guess_new and attempt == 0
            last_event = None
            if guessing:
                state, version = decider.initial_state, 0
            elif trusting and kept is not None:
                state, version, last_event = kept.state, kept.version, kept.last_event
            else:
                state, version = await self.load(decider, stream_id, conn=conn, ahead=ahead)
                ahead = None  # read once: a conflict reads the stream again
            if ctx.expected_version is not None and ctx.expected_version != version:
                raise ConcurrencyConflict(stream_id, ctx.expected_version, version)
            try:
                command, events = decide_now_after_earlier_steps(decider, command, state)
            except Rejected:
                if guessing or trusting:
                    continue  # refused on the guess: decided again on what the stream holds
                raise
            if (guessing or trusting) and not events:
                continue  # nothing to append would prove nothing about the stream: read it
            envelopes = [
                new_envelope(
                    event,
                    stream_id=stream_id,
                    version=version + i,
                    tenant=tenant,
                    actor=ctx.principal.subject,
                    correlation_id=ctx.correlation_id,
                    causation_id=ctx.causation_id,
                    command_id=ctx.command_id,
                    occurred_at=command.at if isinstance(command, Resolved) else ctx.occurred_at,
                )
                for i, event in enumerate(events, start=1)
            ]
            try:
                result = await self.store.append(
                    stream_id, version, envelopes, conn=conn, command_id=key, last_event=last_event
                )
            except DuplicateCommand as duplicate:
                first = await self.store.command_result(duplicate.command_key, conn=conn)
                assert first is not None
                return await self._replayed(first.stream_id, first.event_ids, first.version, conn)
            except ConcurrencyConflict:
                if trusting and kept is not None:
                    await self._moved_under(decider, stream_id, kept)
                if attempt + 1 < attempts:
                    continue
                raise
            if envelopes:
                EVENTS_APPENDED.labels(self.service).inc(len(envelopes))
                if conn is None and self.states is not None:
                    self._keep_appended(decider, stream_id, state, envelopes)
            return CommandResult(
                stream_id=stream_id,
                version=result.version,
                events=[e.type for e in envelopes],
                event_ids=[str(e.event_id) for e in envelopes],
                read_after=read_token(self.service, stream_id, result.version),
            )
        raise AssertionError("unreachable")

    def _trusted(self, decider: Decider[Any, Any, Any], stream_id: str) -> KeptState | None:
        known = self.states.get(decider.name, stream_id) if self.states is not None else None
        return known if known is not None and known.trusted else None

    def _keep_appended(
        self, decider: Decider[Any, Any, Any], stream_id: str, state: Any, envelopes: list[Envelope]
    ) -> None:
        """The state after this process's own append, kept trusted: the events as the store
        will give them back (decoded from their envelopes), folded onto the state decided on."""
        assert self.states is not None
        after = decider.fold((self.registry.decode(e) for e in envelopes), state)
        first = envelopes[0].tenant if envelopes[0].version == 1 else None
        last = envelopes[-1]
        self.states.keep(decider.name, stream_id, after, last.version, last.event_id, tenant=first, trusted=True)

    async def _moved_under(self, decider: Decider[Any, Any, Any], stream_id: str, kept: KeptState) -> None:
        """A trusted state was not the stream's any more: the stream has another writer (read it
        before the next commands). The caller's scope was checked on the tenant kept: if
        the stream's first event is no longer there (a store restored under the process), the
        command conflicts rather than act on an entity nobody checked the caller may see."""
        assert self.states is not None
        self.states.contend(decider.name, stream_id)
        first = next(iter(await self.store.read_first_and_from(stream_id, 2**31 - 1)), None)
        if first is None or first.version != 1 or (kept.tenant is not None and first.tenant != kept.tenant):
            self.states.forget(decider.name, stream_id)
            raise ConcurrencyConflict(stream_id, kept.version)

    async def _first_result(self, key: CommandKey | None, conn: Connection | None) -> CommandResult | None:
        """The result of an earlier attempt of this command (same command id, caller and route),
        if one committed; a 422 if that attempt was another request."""
        if key is None:
            return None
        first = await self.store.command_result(key, conn=conn)
        if first is None:
            return None
        return await self._replayed(first.stream_id, first.event_ids, first.version, conn)

    async def _replayed(
        self, stream_id: str, event_ids: list[Any], version: int, conn: Connection | None
    ) -> CommandResult:
        ids = [str(e) for e in event_ids]
        query = "SELECT type FROM events WHERE event_id = ANY($1::uuid[]) ORDER BY position"
        rows = await (conn.fetch(query, ids) if conn is not None else self.store.pool.fetch(query, ids))
        return CommandResult(
            stream_id=stream_id,
            version=version,
            events=[r["type"] for r in rows],
            event_ids=ids,
            duplicate=True,
            read_after=read_token(self.service, stream_id, version),
        )
