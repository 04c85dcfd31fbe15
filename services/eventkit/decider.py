"""The decider: the smallest honest aggregate.

``decide(command, state) -> events`` says what happens (or raises :class:`Rejected`),
``evolve(state, event) -> state`` says what it means. Both are pure: no I/O, no
clock, no id generation; whatever they need arrives in the command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Generic, TypeVar

from services.eventkit.acts import act_instant
from services.eventkit.days import local_day
from services.eventkit.envelope import DomainEvent, TenantPath

C = TypeVar("C")
S = TypeVar("S")
E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True)
class Decider(Generic[C, S, E]):
    """An aggregate. ``starts`` names the commands that begin a new entity (a report, an
    opening): the command bus decides them on the initial state without reading the stream,
    and reads it only if the append finds the stream there after all, or the decision refuses."""

    name: str
    initial_state: S
    decide: Callable[[C, S], Sequence[E]]
    evolve: Callable[[S, E], S]
    stream_prefix: str
    starts: tuple[type, ...] = ()

    def fold(self, events: Iterable[E], state: S | None = None) -> S:
        current = self.initial_state if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current

    def stream_id(self, entity_id: str) -> str:
        return f"{self.stream_prefix}-{entity_id}"


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Resolved(Generic[C]):
    """A command with the facts its handler resolved: where it belongs in the tenant tree.

    Deciders get the tenant from here rather than trusting ids a client sent.
    """

    command: C
    tenant: TenantPath
    entity_id: str = ""
    facts: Mapping[str, str] = field(default_factory=dict)
    actor: str = ""  # who sends the command (filled in by the command bus)
    at: datetime = EPOCH  # when the act happened: the command's own at/on, else its arrival (the bus)
    received_at: datetime = EPOCH  # when the command arrived: the events' recorded time (the bus)

    @property
    def on(self) -> date:
        """The day of the act at the school."""
        return local_day(self.at)


def stamped(rc: Resolved[C], *, actor: str, received: datetime, fallback: datetime | None = None) -> Resolved[C]:
    """``rc`` with who sends it, when it arrived and when its act happened (refused if in the future)."""
    return replace(rc, actor=actor, received_at=received, at=act_instant(rc.command, received, fallback))
