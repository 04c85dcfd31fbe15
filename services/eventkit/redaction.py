"""Sensitive fields of events, withheld from whoever may not read them wherever an event is
shown or kept outside its service's reads: the live event stream, dead letters, error logs.

A service declares them beside its events, on the event class::

    @event("safety.InjuryReported")
    class InjuryReported(DomainEvent):
        sensitive = Sensitive(("injury", "first_aid"), readers=INJURY_READERS)

Registering the event (:meth:`EventRegistry.register`) records its declaration under its wire
name, so :func:`redact` needs only the envelope: each listed field of its payload is replaced by
:data:`WITHHELD` unless the principal holds one of the readers' roles. Nobody (``None``: a log,
a dead letter) reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from services.eventkit.auth import Principal, Role

WITHHELD = "[withheld]"


@dataclass(frozen=True)
class Sensitive:
    """The fields of an event's payload that only ``readers`` (roles) may read."""

    fields: tuple[str, ...]
    readers: tuple[Role, ...] = ()


_DECLARED: dict[str, Sensitive] = {}
_LOADED: list[bool] = []


def _declared() -> dict[str, Sensitive]:
    """Every service's declarations: a process that shows or dead-letters another service's
    events (the gateway, a reaction) need not have imported their module itself."""
    if not _LOADED:
        _LOADED.append(True)
        from services import registry  # the standard library only; each events module on demand

        for service in registry.SERVICES:
            service.load_events()
    return _DECLARED


def declare(event_type: str, sensitive: Sensitive | None) -> None:
    """Records the sensitive fields of ``event_type`` (the event registry does, on registering)."""
    if sensitive is not None and sensitive.fields:
        _DECLARED[event_type] = sensitive


def sensitive_of(event_type: str) -> Sensitive | None:
    return _declared().get(event_type)


def may_read(event_type: str, principal: Principal | None) -> bool:
    """Whether ``principal`` reads every field of an event of ``event_type``."""
    sensitive = _declared().get(event_type)
    return sensitive is None or (principal is not None and principal.has_role(*sensitive.readers))


def redact_data(event_type: str, data: Mapping[str, Any], principal: Principal | None) -> dict[str, Any]:
    """The payload of an event of ``event_type`` as ``principal`` may read it."""
    if may_read(event_type, principal):
        return dict(data)
    sensitive = _DECLARED[event_type]
    return {k: (WITHHELD if k in sensitive.fields and v not in (None, "", []) else v) for k, v in data.items()}


def redact(envelope: Mapping[str, Any], principal: Principal | None) -> dict[str, Any]:
    """An envelope (a dict with ``type`` and ``data``) as ``principal`` may read it."""
    event_type = str(envelope.get("type", ""))
    data = envelope.get("data")
    if not isinstance(data, Mapping) or may_read(event_type, principal):
        return dict(envelope)
    return dict(envelope) | {"data": redact_data(event_type, data, principal)}


def redact_wire(value: bytes | None) -> bytes | None:
    """A message's bytes with its sensitive fields withheld from everyone (a dead letter); a
    message that is not an envelope's JSON is kept whole (it carries no payload we could read)."""
    if value is None:
        return None
    try:
        envelope = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    if not isinstance(envelope, dict) or may_read(str(envelope.get("type", "")), None):
        return value
    return orjson.dumps(redact(envelope, None))


def redact_text(text: str, value: bytes | None) -> str:
    """``text`` (an error's message, which may quote the payload) without the values of the
    sensitive fields of the envelope ``value``."""
    if value is None:
        return text
    try:
        envelope = orjson.loads(value)
    except orjson.JSONDecodeError:
        return text
    if not isinstance(envelope, dict):
        return text
    sensitive = _declared().get(str(envelope.get("type", "")))
    data = envelope.get("data")
    if sensitive is None or not isinstance(data, dict):
        return text
    for name in sensitive.fields:
        secret = data.get(name)
        for piece in secret if isinstance(secret, list) else [secret]:
            if isinstance(piece, str) and piece:
                text = text.replace(piece, WITHHELD)
    return text
