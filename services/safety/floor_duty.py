"""Break-time floor duty (楼层值日): who watches each floor of each building at each break, and
whether they were there.

A campus's roster for a term (one stream per campus and term) names, for each floor of a
building and each break, the teacher on duty on which school days. It is set again whenever
it changes: each version is in force from its ``effective_from`` day until the next one's,
so the roster of any past day can be read. A duty turn (a floor, a break, a day) is checked
once: the teacher came on time, came late (with the time), or did not come (missed).

The seed blames late or missing floor duty for three of its four injuries: an injury at a
break or an activity names its building, floor and break, and the read joins it with the
roster and the check-ins (``services.safety.queries.floor_duty``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from services.eventkit.acts import CLOCK_SKEW, ActAtOrNow, ActOn, InTheFuture, not_before
from services.eventkit.bounds import EntityId, Many, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.days import local_day
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Forbidden, InvalidInput, Rejected
from services.safety.common import in_term
from services.safety.events import (
    BreakPeriod,
    CheckInStatus,
    DutySlot,
    FloorDutyCheckedIn,
    FloorDutyRosterSet,
)

Building = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$", max_length=31),
    Field(description="The building's code on the campus (e.g. teaching-a)", examples=["teaching-a"]),
]
Floor = Annotated[int, Field(ge=-3, le=30, description="The floor (1: the ground floor)")]
Weekday = Annotated[int, Field(ge=1, le=7, description="An ISO weekday: 1 is Monday")]
SCHOOL_DAYS = [1, 2, 3, 4, 5]

# Facts the handlers resolve.
ON_DUTY = "on_duty"  # the teacher the roster puts on the turn ("" if nobody)
MAY_RECORD_ANY = "may_record_any"  # "1": the caller manages the campus (records any teacher's turn)


def roster_id(campus_id: str, term_id: str) -> str:
    return f"{campus_id}-{term_id}"


def turn_id(campus_id: str, day: date, building: str, floor: int, period: BreakPeriod) -> str:
    """A duty turn's id: one check-in per floor, break and day."""
    return f"{campus_id}.{day.isoformat()}.{building}.{floor}.{period.value}"


# -- commands ----------------------------------------------------------------------------


class DutySlotInput(Value):
    """A slot of a roster: the teacher on duty at a floor of a building at a break, on which days."""

    building: Building
    floor: Floor
    break_period: BreakPeriod = Field(description="The break the teacher watches the floor at")
    weekdays: Annotated[list[Weekday], Field(min_length=1, max_length=7)] = Field(
        default_factory=lambda: list(SCHOOL_DAYS), description="The school days of the turn (default Monday-Friday)"
    )
    teacher_id: EntityId = Field(description="The teacher on duty (on the staff of the campus)")


class SetFloorDutyRoster(Command):
    model_config = examples(
        {
            "campus_id": "main",
            "term_id": "2020-2021-1",
            "effective_from": "2020-09-01",
            "slots": [
                {"building": "teaching-a", "floor": 3, "break_period": "morning_break", "teacher_id": "sun"},
                {"building": "teaching-a", "floor": 2, "break_period": "morning_break", "teacher_id": "huang"},
            ],
            "at": "2020-09-01T08:00:00+08:00",
        }
    )

    campus_id: EntityId
    term_id: EntityId
    effective_from: date = Field(description="The first day this roster is in force (in the term)")
    slots: Many[DutySlotInput] = Field(min_length=1, description="Every slot of the roster from its first day")
    note: ShortText = ""
    at: ActAtOrNow = None


class RecordDutyCheckIn(Command):
    model_config = examples(
        {
            "campus_id": "main",
            "on": "2020-10-19",
            "building": "teaching-a",
            "floor": 3,
            "break_period": "morning_break",
            "status": "late",
            "arrived_at": "2020-10-19T09:48:00+08:00",
        }
    )

    campus_id: EntityId
    on: ActOn
    building: Building
    floor: Floor
    break_period: BreakPeriod = Field(description="The break of the turn")
    status: CheckInStatus = Field(description="Whether the teacher on duty came on time, late, or not at all")
    arrived_at: AwareDatetime | None = Field(
        default=None, description="When the teacher arrived on the floor (on time or late; none if missed)"
    )
    note: ShortText = ""


# -- the roster --------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterVersion:
    effective_from: date
    slots: tuple[DutySlot, ...]


@dataclass(frozen=True)
class RosterState:
    set: bool = False
    campus_id: str = ""
    term_id: str = ""
    versions: tuple[RosterVersion, ...] = ()


def in_force(state: RosterState, day: date) -> RosterVersion | None:
    """The version of the roster in force on ``day`` (the latest one effective by then)."""
    found = None
    for version in state.versions:
        if version.effective_from <= day:
            found = version
    return found


def on_duty(state: RosterState, day: date, building: str, floor: int, period: BreakPeriod) -> str | None:
    """The teacher on duty at a floor and break on ``day``, by the roster then in force."""
    version = in_force(state, day)
    if version is None:
        return None
    for slot in version.slots:
        if (slot.building, slot.floor, slot.break_period) == (building, floor, period) and (
            day.isoweekday() in slot.weekdays
        ):
            return slot.teacher_id
    return None


RosterCommand = Resolved[SetFloorDutyRoster]


def decide_roster(rc: RosterCommand, state: RosterState) -> Sequence[DomainEvent]:
    """``facts``: the term (``services.safety.common.term_facts``); the handler checked the teachers."""
    cmd = rc.command
    in_term(cmd.effective_from, rc.facts, field="effective_from")
    if state.versions:
        last = state.versions[-1].effective_from
        not_before(cmd.effective_from, last, field="effective_from", step="in force", what="previous roster")
    turns: set[tuple[str, int, BreakPeriod, int]] = set()
    for slot in cmd.slots:
        for day in sorted(set(slot.weekdays)):  # a day named twice in one slot is one turn
            turn = (slot.building, slot.floor, slot.break_period, day)
            if turn in turns:
                raise InvalidInput(
                    f"two teachers on floor {slot.floor} of {slot.building} at {slot.break_period.value} "
                    f"on weekday {day}: one teacher a turn",
                    field="slots",
                )
            turns.add(turn)
    slots = [
        DutySlot(
            building=s.building,
            floor=s.floor,
            break_period=s.break_period,
            weekdays=sorted(set(s.weekdays)),
            teacher_id=s.teacher_id,
        )
        for s in cmd.slots
    ]
    return [
        FloorDutyRosterSet(
            roster_id=rc.entity_id,
            campus_id=cmd.campus_id,
            term_id=cmd.term_id,
            effective_from=cmd.effective_from,
            slots=slots,
            set_by=rc.actor,
            note=cmd.note,
        )
    ]


def evolve_roster(state: RosterState, event: DomainEvent) -> RosterState:
    if isinstance(event, FloorDutyRosterSet):
        kept = tuple(v for v in state.versions if v.effective_from < event.effective_from)
        version = RosterVersion(event.effective_from, tuple(event.slots))
        return RosterState(set=True, campus_id=event.campus_id, term_id=event.term_id, versions=(*kept, version))
    return state


FloorDutyRoster: Decider[RosterCommand, RosterState, DomainEvent] = Decider(
    "FloorDutyRoster", RosterState(), decide_roster, evolve_roster, "floor-duty-roster"
)


# -- a duty turn's check-in --------------------------------------------------------------


@dataclass(frozen=True)
class TurnState:
    checked: bool = False
    status: CheckInStatus | None = None
    arrived_at: datetime | None = None


TurnCommand = Resolved[RecordDutyCheckIn]


def decide_turn(rc: TurnCommand, state: TurnState) -> Sequence[DomainEvent]:
    """``facts[ON_DUTY]``: the teacher the roster puts on the turn; ``facts[MAY_RECORD_ANY]``: the
    caller manages the campus (else only the teacher on duty records their own turn)."""
    cmd = rc.command
    if state.checked:
        raise Rejected("this duty turn is already checked", field="break_period")
    teacher = rc.facts.get(ON_DUTY, "")
    if not teacher:
        raise Rejected(
            f"nobody is on duty on floor {cmd.floor} of {cmd.building} at {cmd.break_period.value} "
            f"on {cmd.on.isoformat()}: set the roster first",
            field="floor",
        )
    if rc.facts.get(MAY_RECORD_ANY) != "1" and rc.actor != teacher:
        raise Forbidden(f"{rc.actor} is not on duty there: the teacher on duty or a manager records the turn")
    if cmd.status is CheckInStatus.MISSED:
        if cmd.arrived_at is not None:
            raise InvalidInput("a missed turn has no arrival time", field="arrived_at")
    else:
        if cmd.arrived_at is None:
            came = cmd.status.value.replace("_", " ")
            raise InvalidInput(f"a turn {came} needs its arrival time", field="arrived_at")
        if local_day(cmd.arrived_at) != cmd.on:
            raise InvalidInput(f"arrived_at is not on {cmd.on.isoformat()}", field="arrived_at")
        if cmd.arrived_at > rc.received_at + CLOCK_SKEW:
            raise InTheFuture(
                f"arrived_at {cmd.arrived_at.isoformat()} is in the future", field="arrived_at", now=rc.received_at
            )
    return [
        FloorDutyCheckedIn(
            turn_id=rc.entity_id,
            campus_id=cmd.campus_id,
            day=cmd.on,
            building=cmd.building,
            floor=cmd.floor,
            break_period=cmd.break_period,
            teacher_id=teacher,
            status=cmd.status,
            arrived_at=cmd.arrived_at,
            recorded_by=rc.actor,
            note=cmd.note,
        )
    ]


def evolve_turn(state: TurnState, event: DomainEvent) -> TurnState:
    if isinstance(event, FloorDutyCheckedIn):
        return replace(state, checked=True, status=event.status, arrived_at=event.arrived_at)
    return state


DutyTurn: Decider[TurnCommand, TurnState, DomainEvent] = Decider(
    "DutyTurn", TurnState(), decide_turn, evolve_turn, "duty-turn", starts=(RecordDutyCheckIn,)
)
