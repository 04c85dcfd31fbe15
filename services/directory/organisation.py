"""Districts, schools (with their calendar) and campuses: the tenant tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.directory.commands import (
    CloseCampus,
    OpenCampus,
    RegisterDistrict,
    RegisterSchool,
    RenameCampus,
    ScheduleTerm,
)
from services.directory.events import (
    CampusClosed,
    CampusOpened,
    CampusRenamed,
    DistrictRegistered,
    SchoolRegistered,
    TermScheduled,
)
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- District ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictState:
    exists: bool = False
    name: str = ""


def decide_district(rc: Resolved[RegisterDistrict], state: DistrictState) -> Sequence[DomainEvent]:
    if state.exists:
        raise Rejected(f"district {rc.command.district_id} is already registered", field="district_id")
    return [DistrictRegistered(district_id=rc.command.district_id, name=rc.command.name)]


def evolve_district(state: DistrictState, event: DomainEvent) -> DistrictState:
    if isinstance(event, DistrictRegistered):
        return DistrictState(exists=True, name=event.name)
    return state


District: Decider[Resolved[RegisterDistrict], DistrictState, DomainEvent] = Decider(
    "District", DistrictState(), decide_district, evolve_district, "district", starts=(RegisterDistrict,)
)

# -- School and its calendar -------------------------------------------------------------


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

# -- Campus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampusState:
    exists: bool = False
    school_id: str = ""
    district_id: str = ""
    name: str = ""
    closed: bool = False


CampusCommand = Resolved[OpenCampus] | Resolved[RenameCampus] | Resolved[CloseCampus]


def decide_campus(rc: CampusCommand, state: CampusState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, OpenCampus):
        if state.exists:
            raise Rejected(f"campus {cmd.campus_id} already exists", field="campus_id")
        return [
            CampusOpened(
                campus_id=cmd.campus_id,
                school_id=cmd.school_id,
                district_id=rc.tenant.district_id or "",
                name=cmd.name,
                address=cmd.address,
            )
        ]
    if not state.exists:
        raise Rejected("the campus does not exist")
    if state.closed:
        raise Rejected(f"campus {state.name} is closed")
    campus_id = rc.tenant.campus_id or ""
    if isinstance(cmd, RenameCampus):
        if cmd.name == state.name:
            return []
        return [CampusRenamed(campus_id=campus_id, name=cmd.name)]
    assert isinstance(cmd, CloseCampus)
    return [CampusClosed(campus_id=campus_id, reason=cmd.reason)]


def evolve_campus(state: CampusState, event: DomainEvent) -> CampusState:
    if isinstance(event, CampusOpened):
        return CampusState(True, event.school_id, event.district_id, event.name)
    if isinstance(event, CampusRenamed):
        return replace(state, name=event.name)
    if isinstance(event, CampusClosed):
        return replace(state, closed=True)
    return state


Campus: Decider[CampusCommand, CampusState, DomainEvent] = Decider(
    "Campus", CampusState(), decide_campus, evolve_campus, "campus", starts=(OpenCampus,)
)
