"""Property tests of the student watch, the floor duty roster and the duty turn: a closed watch
changes no more and closes only once reviewed; nothing is dated before the watch was opened; a
roster's version is in its term and not before the one in force; a turn is checked once, by its
teacher or a manager, with an arrival time on its day unless missed.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Forbidden, InvalidInput, Rejected
from services.safety import floor_duty as fd
from services.safety import student_watch as sw
from services.safety.common import term_facts
from services.safety.events import (
    SAFETY_EVENTS,
    BreakPeriod,
    CheckInStatus,
    FloorDutyCheckedIn,
    FloorDutyRosterSet,
    StudentWatchClosed,
    StudentWatchOpened,
    WatchOutcome,
    WatchPlanKind,
)
from tests.properties import (
    DAYS_OR_TODAY,
    QUIET,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET

TERM = term_facts("2020-2021-1", date(2020, 9, 1), date(2021, 1, 31))


def watch_kept(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert not before.closed, "a closed watch changed"
    if isinstance(event, StudentWatchOpened):
        assert not before.opened and event.class_id == rc.facts[sw.CLASS_ID] and event.opened_by == rc.actor
        return
    assert before.opened and before.opened_on is not None
    assert rc.on >= before.opened_on, "an act dated before the watch was opened"
    if isinstance(event, StudentWatchClosed):
        assert before.reviews > 0, "closed before any review"
        assert before.last_review_on is not None and event.closed_on >= before.last_review_on


def watch_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, sw.OpenStudentWatch):
        return not state.opened
    if not state.opened or state.closed:
        return False
    if rc.on < state.opened_on:
        return False
    if isinstance(cmd, sw.CloseStudentWatch):
        return bool(state.reviews and rc.on >= state.last_review_on)
    return True


WATCH_CREATE = step(
    st.builds(
        sw.OpenStudentWatch,
        watch_id=st.just("yao-2020"),
        student_id=st.just("yao"),
        class_teacher_id=st.just("huang"),
        reason=st.just("课间行为可能危及同学"),
        on=days(),
    ),
    {sw.CLASS_ID: "g6-1"},
)
PLAN_ITEM = st.builds(
    sw.WatchPlanItemInput, kind=st.sampled_from(list(WatchPlanKind)), who=st.just("huang"), what=st.just("陪学")
)
WATCH = machine(
    "StudentWatchMachine",
    sw.StudentWatch,
    SAFETY_EVENTS,
    "yao-2020",
    st.one_of(
        WATCH_CREATE,
        step(st.builds(sw.SetStudentWatchPlan, items=st.lists(PLAN_ITEM, min_size=1, max_size=4), on=DAYS_OR_TODAY)),
        step(st.builds(sw.NoteStudentWatch, note=st.just("课间表现良好"), at=st.none() | times())),
        step(st.builds(sw.ReviewStudentWatch, outcome=st.sampled_from(list(WatchOutcome)), on=DAYS_OR_TODAY)),
        step(st.builds(sw.CloseStudentWatch, on=DAYS_OR_TODAY)),
    ),
    ["zhou", "huang"],
    check=watch_kept,
    create=WATCH_CREATE,
    on_refusal=refused_only_when(watch_allowed),
)


SLOT = st.builds(
    fd.DutySlotInput,
    building=st.sampled_from(["teaching-a", "teaching-b"]),
    floor=st.integers(1, 3),
    break_period=st.sampled_from(list(BreakPeriod)),
    weekdays=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    teacher_id=st.sampled_from(["huang", "sun"]),
)


def roster_kept(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, FloorDutyRosterSet)
    assert date(2020, 9, 1) <= event.effective_from <= date(2021, 1, 31), "a roster outside its term"
    if before.versions:
        assert event.effective_from >= before.versions[-1].effective_from
    assert fd.in_force(after, event.effective_from) is not None
    turns = [(s.building, s.floor, s.break_period, d) for s in event.slots for d in s.weekdays]
    assert len(turns) == len(set(turns)), "two teachers on one turn"


def roster_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if not date(2020, 9, 1) <= cmd.effective_from <= date(2021, 1, 31):
        return False
    if state.versions and cmd.effective_from < state.versions[-1].effective_from:
        return False
    turns = [(s.building, s.floor, s.break_period, d) for s in cmd.slots for d in set(s.weekdays)]
    return len(turns) == len(set(turns))


ROSTER_SET = step(
    st.builds(
        fd.SetFloorDutyRoster,
        campus_id=st.just("main"),
        term_id=st.just("2020-2021-1"),
        effective_from=days(),
        slots=st.lists(SLOT, min_size=1, max_size=4),
    ),
    TERM,
)
ROSTER = machine(
    "FloorDutyRosterMachine",
    fd.FloorDutyRoster,
    SAFETY_EVENTS,
    "main-2020-2021-1",
    ROSTER_SET,
    ["zhou", "gu"],
    check=roster_kept,
    create=ROSTER_SET,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when(roster_allowed),
)


def turn_kept(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, FloorDutyCheckedIn)
    assert not before.checked, "a turn checked twice"
    assert event.teacher_id == rc.facts[fd.ON_DUTY]
    assert rc.facts.get(fd.MAY_RECORD_ANY) == "1" or rc.actor == event.teacher_id
    assert (event.arrived_at is None) == (event.status is CheckInStatus.MISSED)
    if event.arrived_at is not None:
        assert local_day(event.arrived_at) == event.day


def turn_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    teacher = rc.facts.get(fd.ON_DUTY, "")
    if state.checked or not teacher:
        return False
    if rc.facts.get(fd.MAY_RECORD_ANY) != "1" and rc.actor != teacher:
        return False
    if cmd.status is CheckInStatus.MISSED:
        return cmd.arrived_at is None
    return cmd.arrived_at is not None and local_day(cmd.arrived_at) == cmd.on


TURN_CHECK = st.builds(
    fd.RecordDutyCheckIn,
    campus_id=st.just("main"),
    on=st.just(date(2020, 10, 19)),
    building=st.just("teaching-a"),
    floor=st.just(3),
    break_period=st.just(BreakPeriod.MORNING_BREAK),
    status=st.sampled_from(list(CheckInStatus)),
    arrived_at=st.none() | times(days=60),
).flatmap(
    lambda c: st.sampled_from([{fd.ON_DUTY: "sun"}, {fd.ON_DUTY: "sun", fd.MAY_RECORD_ANY: "1"}, {fd.ON_DUTY: ""}]).map(
        lambda facts: (c, facts)
    )
)
TURN = machine(
    "DutyTurnMachine",
    fd.DutyTurn,
    SAFETY_EVENTS,
    "main.2020-10-19.teaching-a.3.morning_break",
    TURN_CHECK,
    ["sun", "zhou"],
    check=turn_kept,
    create=TURN_CHECK,
    refusals=(Rejected, InvalidInput, Forbidden),
    on_refusal=refused_only_when(turn_allowed),
)


MACHINES = [WATCH, ROSTER, TURN]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
