"""A school of a district, with its calendar (terms)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from pydantic import ValidationInfo, field_validator

from services.directory.events import SchoolRegistered, TermScheduled
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ------------------------------------------------------------------------------


class RegisterSchool(Command):
    model_config = examples({"school_id": "xuexiao", "district_id": "xinbei", "name": "薛家实验小学"})

    school_id: EntityId
    district_id: EntityId
    name: Name
    at: ActAtOrNow = None


class ScheduleTerm(Command):
    model_config = examples(
        {"term_id": "2020-2021-1", "name": "2020-2021 第一学期", "starts_on": "2020-09-01", "ends_on": "2021-01-31"}
    )

    term_id: EntityId
    name: Name
    starts_on: date
    ends_on: date

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, ends_on: date, info: ValidationInfo) -> date:
        # A field validator (not a model one), so that the error names ends_on.
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on <= starts_on:
            raise ValueError("ends_on must be after starts_on")
        return ends_on

    at: ActAtOrNow = None


# -- state and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    term_id: str
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class SchoolState:
    exists: bool = False
    district_id: str = ""
    name: str = ""
    terms: tuple[Term, ...] = ()


SchoolCommand = Resolved[RegisterSchool] | Resolved[ScheduleTerm]


def decide_school(rc: SchoolCommand, state: SchoolState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, RegisterSchool):
        if state.exists:
            raise Rejected(f"school {cmd.school_id} is already registered", field="school_id")
        return [SchoolRegistered(school_id=cmd.school_id, district_id=cmd.district_id, name=cmd.name)]
    if not state.exists:
        raise Rejected("the school is not registered")
    assert isinstance(cmd, ScheduleTerm)
    for term in state.terms:
        if term.term_id == cmd.term_id:
            raise Rejected(f"term {cmd.term_id} is already scheduled", field="term_id")
        if cmd.starts_on <= term.ends_on and term.starts_on <= cmd.ends_on:
            raise Rejected(f"the term overlaps {term.name} ({term.starts_on} to {term.ends_on})", field="starts_on")
    return [
        TermScheduled(
            school_id=rc.tenant.school_id or "",
            term_id=cmd.term_id,
            name=cmd.name,
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
        )
    ]


def evolve_school(state: SchoolState, event: DomainEvent) -> SchoolState:
    if isinstance(event, SchoolRegistered):
        return SchoolState(exists=True, district_id=event.district_id, name=event.name)
    if isinstance(event, TermScheduled):
        term = Term(event.term_id, event.name, event.starts_on, event.ends_on)
        return replace(state, terms=tuple(sorted((*state.terms, term), key=lambda t: t.starts_on)))
    return state


def term_on(state: SchoolState, day: date) -> Term | None:
    """The term a day falls in, so that "this term" means the same everywhere."""
    return next((t for t in state.terms if t.starts_on <= day <= t.ends_on), None)


School: Decider[SchoolCommand, SchoolState, DomainEvent] = Decider(
    "School", SchoolState(), decide_school, evolve_school, "school", starts=(RegisterSchool,)
)
