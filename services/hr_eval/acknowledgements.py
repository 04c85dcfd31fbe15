"""A worker's acknowledgement of the rule book version they work under (确认已学习考核细则).

One stream per school, version and member of staff, so that the hundreds of workers of a
district acknowledging on the same morning never wait for each other. The member of staff is
whoever sends the command: nobody acknowledges for someone else. A version is acknowledged
once, no earlier than it was published; one never published is not acknowledged at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.bounds import INT4_MAX, EntityId
from services.eventkit.commands import Command, examples
from services.eventkit.days import CHINA
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval.events import RuleBookAcknowledged

PUBLISHED_AT = "published_at"
"""The fact the handler reads from the school's rule book: when the version was published."""


def acknowledgement_id(school_id: str, version: int, staff_id: str) -> str:
    """The stream of one member of staff's acknowledgement of one version: ``<school>.v<n>.<staff>``
    (ids hold no dot, so no two triples share a stream)."""
    return f"{school_id}.v{version}.{staff_id}"


def publication_facts(published_at: datetime | None) -> dict[str, str]:
    """The facts of a published version (none: the version was never published)."""
    return {} if published_at is None else {PUBLISHED_AT: published_at.isoformat()}


class AcknowledgeRuleBook(Command):
    """The caller acknowledges a version of their school's rule book: they studied it and work under it."""

    model_config = examples({"school_id": "xuexiao", "version": 1, "at": "2020-09-01T08:30:00+08:00"})

    school_id: EntityId = Field(description="The school whose rule book is acknowledged")
    version: int = Field(ge=1, le=INT4_MAX, description="The version acknowledged (a published one)")
    at: ActAtOrNow = None


@dataclass(frozen=True)
class AcknowledgementState:
    school_id: str = ""
    version: int = 0
    staff_id: str = ""
    acknowledged_at: datetime | None = None


AcknowledgementCommand = Resolved[AcknowledgeRuleBook]


def decide(rc: AcknowledgementCommand, state: AcknowledgementState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if state.acknowledged_at is not None:
        raise Rejected(
            f"{state.staff_id} acknowledged version {state.version} of the rule book on "
            f"{state.acknowledged_at.astimezone(CHINA).isoformat()}",
            field="version",
        )
    published_at = _published_at(rc.facts)
    if published_at is None:
        raise InvalidInput(
            f"version {cmd.version} of the rule book of {cmd.school_id} was never published", field="version"
        )
    not_before(rc.at, published_at, field="at", step="published", what=f"version {cmd.version} of the rule book")
    return [
        RuleBookAcknowledged(school_id=cmd.school_id, version=cmd.version, staff_id=rc.actor, acknowledged_at=rc.at)
    ]


def _published_at(facts: Mapping[str, str]) -> datetime | None:
    value = facts.get(PUBLISHED_AT)
    return datetime.fromisoformat(value) if value else None


def evolve(state: AcknowledgementState, event: DomainEvent) -> AcknowledgementState:
    if isinstance(event, RuleBookAcknowledged):
        return AcknowledgementState(event.school_id, event.version, event.staff_id, event.acknowledged_at)
    return state


RuleBookAcknowledgement: Decider[AcknowledgementCommand, AcknowledgementState, DomainEvent] = Decider(
    "RuleBookAcknowledgement",
    AcknowledgementState(),
    decide,
    evolve,
    "rulebookack",
    starts=(AcknowledgeRuleBook,),
)
"""One stream per school, version and member of staff (see :func:`acknowledgement_id`)."""
