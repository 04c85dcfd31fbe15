"""Given / when / then for deciders: the one harness of the domain tests.

A decider is pure (``decide(command, state) -> events``, ``evolve(state, event) -> state``),
so a domain test needs no more than this::

    hazard = Stream(Hazard, AOYUAN, "h1", actor="shen", at=T1)

    assert hazard.when(AssignHazard(assignee_id="wang-tech"), given=[REPORTED]) == [ASSIGNED]
    hazard.refused(ReportHazard(...), given=[REPORTED], field="hazard_id")
    hazard.refused(VerifyHazard(passed=True), given=[...], actor="wang-tech", match="own fix")
    assert hazard.given(REPORTED, ASSIGNED).status is HazardStatus.ASSIGNED

:class:`Stream` holds what a test file's commands have in common (the tenant and entity
they are resolved for, who sends them, when, the facts a handler resolves); each call may
say otherwise. The functions :func:`given`, :func:`when` and :func:`refused` are the same
without the defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import pytest

from services.eventkit.decider import EPOCH, Decider, Resolved, stamped
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import HouqinError, Rejected

S = TypeVar("S")


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED: Any = _Unchecked()
"""The default of :func:`refused`'s ``field``: the refusal's field is not checked (``None`` checks it has none)."""

LATER = datetime(2100, 1, 1, tzinfo=UTC)
"""When a command arrives in a test that does not say: after every act a test dates."""


def given(decider: Decider[Any, S, Any], *events: DomainEvent) -> S:
    """The state after ``events`` (none: the initial state)."""
    return decider.fold(events)


def resolved(
    command: Any,
    tenant: TenantPath,
    entity_id: str = "",
    *,
    facts: Mapping[str, str] | None = None,
    actor: str = "",
    at: datetime = EPOCH,
    received: datetime | None = None,
) -> Resolved[Any]:
    """The command as its handler hands it to the decider, stamped as the command bus does: it
    arrives at ``received`` and its act happens at its own ``at``/``on`` if it has one, else
    ``at``. Without ``received``, it arrives ``at``, or :data:`LATER` if ``at`` is left at
    :data:`EPOCH` (then no act is in the future, and one without a time happens at the epoch)."""
    rc = Resolved(command, tenant, entity_id, dict(facts or {}))
    if received is not None:
        return stamped(rc, actor=actor, received=received, fallback=at)
    if at == EPOCH:
        return stamped(rc, actor=actor, received=LATER, fallback=EPOCH)
    return stamped(rc, actor=actor, received=at)


def when(
    decider: Decider[Any, Any, Any],
    command: Any,
    *,
    given: Iterable[DomainEvent] = (),
    tenant: TenantPath,
    entity_id: str = "",
    facts: Mapping[str, str] | None = None,
    actor: str = "",
    at: datetime = EPOCH,
) -> list[DomainEvent]:
    """The events ``decider`` decides for ``command`` on the state after ``given``."""
    state = decider.fold(given)
    return list(decider.decide(resolved(command, tenant, entity_id, facts=facts, actor=actor, at=at), state))


def refused(
    decider: Decider[Any, Any, Any],
    command: Any,
    *,
    raises: type[HouqinError] = Rejected,
    match: str | None = None,
    field: str | None = UNCHECKED,
    **when_: Any,
) -> HouqinError:
    """Asserts the command is refused with ``raises`` (whose message matches ``match``, a regular
    expression searched as :func:`pytest.raises` does, and which names ``field``) and returns
    the refusal for any further look. ``when_`` are :func:`when`'s keywords."""
    with pytest.raises(raises, match=match) as caught:
        when(decider, command, **when_)
    refusal = caught.value
    if field is not UNCHECKED:
        assert refusal.field == field, f"refused naming {refusal.field!r}, not {field!r}: {refusal.reason}"
    return refusal


@dataclass(frozen=True)
class Stream(Generic[S]):
    """One stream of ``decider`` as a test file's commands reach it: for ``entity_id`` in
    ``tenant``, sent by ``actor`` at ``at``, with the ``facts`` a handler resolves. A call's
    own ``tenant``, ``entity_id``, ``actor``, ``at`` or ``facts`` replace these."""

    decider: Decider[Any, S, Any]
    tenant: TenantPath
    entity_id: str = ""
    actor: str = ""
    at: datetime = EPOCH
    facts: Mapping[str, str] = field(default_factory=dict)

    def given(self, *events: DomainEvent) -> S:
        return given(self.decider, *events)

    def when(self, command: Any, *, given: Iterable[DomainEvent] = (), **overrides: Any) -> list[DomainEvent]:
        return when(self.decider, command, given=given, **self._with(overrides))

    def refused(
        self,
        command: Any,
        *,
        given: Iterable[DomainEvent] = (),
        raises: type[HouqinError] = Rejected,
        match: str | None = None,
        field: str | None = UNCHECKED,
        **overrides: Any,
    ) -> HouqinError:
        return refused(
            self.decider, command, given=given, raises=raises, match=match, field=field, **self._with(overrides)
        )

    def resolved(self, command: Any, **overrides: Any) -> Resolved[Any]:
        return resolved(command, **self._with(overrides))

    def _with(self, overrides: dict[str, Any]) -> dict[str, Any]:
        unknown = set(overrides) - {"tenant", "entity_id", "actor", "at", "facts"}
        assert not unknown, f"not a part of a resolved command: {sorted(unknown)}"
        defaults = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "decider"}
        return defaults | overrides
