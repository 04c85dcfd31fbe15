"""The event envelope and the registry of event types.

Every event crosses process boundaries as an :class:`Envelope`: the metadata that
routing, tenancy, tracing and idempotency need, plus the domain payload as JSON.
Event types are registered under a stable wire name (``"directory.CampusOpened"``)
and a schema version; upcasters turn payloads written by older versions into the
current model when they are read, so stored events are never rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

import orjson
from pydantic import BaseModel, ConfigDict, Field

from services.eventkit.errors import NewerSchemaVersion, UnknownEventType
from services.eventkit.redaction import Sensitive, declare


class DomainEvent(BaseModel):
    """Base of every domain event payload: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str] = ""
    schema_version: ClassVar[int] = 1
    sensitive: ClassVar[Sensitive | None] = None  # fields withheld from all but their readers (redaction.py)


class Value(BaseModel):
    """An immutable value inside an event or command (a line of a list, a file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TenantPath(BaseModel):
    """Where a record lives: district -> school -> campus (the outer ones may stand alone)."""

    model_config = ConfigDict(frozen=True)

    district_id: str | None = None
    school_id: str | None = None
    campus_id: str | None = None


TENANT_ID_CHARS = 200


def tenant_of_message(raw: bytes | None) -> TenantPath:
    """The tenant a message names, read leniently (a message no :class:`Envelope` decodes may
    still say where it belongs); nothing (an empty path) when it is not a JSON object."""
    if not raw:
        return TenantPath()
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return TenantPath()
    if not isinstance(value, dict):
        return TenantPath()

    def node(key: str) -> str | None:
        v = value.get(key)
        return v[:TENANT_ID_CHARS] if isinstance(v, str) and v else None

    return TenantPath(district_id=node("district_id"), school_id=node("school_id"), campus_id=node("campus_id"))


class Envelope(BaseModel):
    """One stored (or published) event with all its metadata."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    stream_id: str
    version: int
    type: str
    schema_version: int
    occurred_at: datetime
    recorded_at: datetime | None = None
    position: int | None = None
    district_id: str | None = None
    school_id: str | None = None
    campus_id: str | None = None
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    command_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def tenant(self) -> TenantPath:
        return TenantPath(district_id=self.district_id, school_id=self.school_id, campus_id=self.campus_id)

    def to_wire(self) -> bytes:
        """The JSON bytes published to Kafka."""
        return self.model_dump_json().encode()

    @classmethod
    def from_wire(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


E = TypeVar("E", bound=DomainEvent)
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a payload of one schema version into the next."""
EnvelopeUpcaster = Callable[[dict[str, Any], "Envelope"], dict[str, Any]]
"""The same, for a step that needs the envelope: a time the old payload lacks is its recorded time."""


class EventRegistry:
    """Maps wire names to payload models, and old schema versions to upcasters."""

    def __init__(self) -> None:
        self._types: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._envelope_upcasters: dict[tuple[str, int], EnvelopeUpcaster] = {}

    def register(self, name: str, version: int = 1) -> Callable[[type[E]], type[E]]:
        """Class decorator: ``@registry.register("directory.CampusOpened", version=2)``."""

        def wrap(model: type[E]) -> type[E]:
            if name in self._types and self._types[name] is not model:
                raise ValueError(f"event type {name!r} registered twice")
            model.event_type = name
            model.schema_version = version
            self._types[name] = model
            declare(name, model.sensitive)
            return model

        return wrap

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Registers a function turning a payload of ``from_version`` into ``from_version + 1``."""

        def wrap(fn: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = fn
            return fn

        return wrap

    def upcaster_with_envelope(self, name: str, from_version: int) -> Callable[[EnvelopeUpcaster], EnvelopeUpcaster]:
        """As :meth:`upcaster`, for a function that also reads the envelope (its ``occurred_at``,
        ``recorded_at``): an act's time missing from an old payload is filled from it."""

        def wrap(fn: EnvelopeUpcaster) -> EnvelopeUpcaster:
            self._envelope_upcasters[(name, from_version)] = fn
            return fn

        return wrap

    def model_for(self, name: str) -> type[DomainEvent]:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def knows(self, name: str) -> bool:
        return name in self._types

    @property
    def names(self) -> list[str]:
        return sorted(self._types)

    def upcast(
        self, name: str, schema_version: int, data: dict[str, Any], envelope: Envelope | None = None
    ) -> dict[str, Any]:
        """``data`` of ``schema_version`` as the current version; ``envelope`` is what an
        envelope-reading step gets (its absence is an error only for such a step).

        A version above the current one was written by a newer release: it raises
        :class:`NewerSchemaVersion` (a consumer waits for the release that knows it; read as
        the current model, its new fields would be refused or, worse, misread)."""
        current = self.model_for(name).schema_version
        if schema_version > current:
            raise NewerSchemaVersion(name, schema_version, current)
        version = schema_version
        while version < current:
            step = self._upcasters.get((name, version))
            with_envelope = self._envelope_upcasters.get((name, version))
            if step is not None:
                data = step(dict(data))
            elif with_envelope is not None:
                if envelope is None:
                    raise UnknownEventType(f"{name} v{version}: its upcaster needs the event's envelope")
                data = with_envelope(dict(data), envelope)
            else:
                raise UnknownEventType(f"{name} v{version}: no upcaster to v{version + 1}")
            version += 1
        return data

    def decode(self, envelope: Envelope) -> DomainEvent:
        """The envelope's payload as the current model of its type, upcast if it is older."""
        data = self.upcast(envelope.type, envelope.schema_version, envelope.data, envelope)
        return self.model_for(envelope.type).model_validate(data)


def new_envelope(
    event: DomainEvent,
    *,
    stream_id: str,
    version: int,
    tenant: TenantPath | None = None,
    actor: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    command_id: str | None = None,
    occurred_at: datetime | None = None,
    event_id: UUID | None = None,
) -> Envelope:
    """Wraps a payload for appending; the store fills in position and recorded_at."""
    tenant = tenant or TenantPath()
    return Envelope(
        event_id=event_id or uuid4(),
        stream_id=stream_id,
        version=version,
        type=event.event_type,
        schema_version=event.schema_version,
        occurred_at=occurred_at or datetime.now(UTC),
        district_id=tenant.district_id,
        school_id=tenant.school_id,
        campus_id=tenant.campus_id,
        actor=actor,
        correlation_id=correlation_id,
        causation_id=causation_id,
        command_id=command_id,
        data=json.loads(event.model_dump_json()),
    )
