"""Student watches (重点关注学生) and floor duty (楼层值日), given / when / then."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput
from services.safety.events import (
    BreakPeriod,
    CheckInStatus,
    DutySlot,
    FloorDutyCheckedIn,
    FloorDutyRosterSet,
    StudentWatchClosed,
    StudentWatchOpened,
    StudentWatchReviewed,
    WatchOutcome,
)
from services.safety.floor_duty import (
    MAY_RECORD_ANY,
    ON_DUTY,
    DutySlotInput,
    DutyTurn,
    FloorDutyRoster,
    RecordDutyCheckIn,
    SetFloorDutyRoster,
    on_duty,
)
from services.safety.student_watch import (
    CLASS_ID,
    CloseStudentWatch,
    NoteStudentWatch,
    OpenStudentWatch,
    ReviewStudentWatch,
    StudentWatch,
)
from tests.deciders import Stream
from tests.safety.terms import TERM_FACTS

CST = timezone(timedelta(hours=8))
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")

OPEN = OpenStudentWatch(
    watch_id="yao-2020", student_id="yao", class_teacher_id="huang", reason="课间行为冲动", on=date(2020, 9, 14)
)
OPENED = StudentWatchOpened(
    watch_id="yao-2020",
    student_id="yao",
    class_id="g6-1",
    class_teacher_id="huang",
    reason="课间行为冲动",
    opened_on=date(2020, 9, 14),
    opened_by="zhou",
)
REVIEWED = StudentWatchReviewed(
    watch_id="yao-2020",
    reviewed_on=date(2021, 1, 20),
    outcome=WatchOutcome.IMPROVED,
    note="",
    reviewed_by="zhou",
)
CLOSED = StudentWatchClosed(watch_id="yao-2020", closed_on=date(2021, 1, 29), note="", closed_by="zhou")
watch = Stream(StudentWatch, MAIN, "yao-2020", actor="zhou", facts={CLASS_ID: "g6-1"})


def test_a_watch_is_opened_in_the_students_class_once() -> None:
    assert watch.when(OPEN) == [OPENED]
    watch.refused(OPEN, given=[OPENED], field="watch_id")


def test_a_watch_closes_only_once_reviewed_and_not_before_its_review() -> None:
    watch.refused(CloseStudentWatch(on=date(2021, 1, 29)), given=[OPENED], match="review")
    watch.refused(CloseStudentWatch(on=date(2021, 1, 19)), given=[OPENED, REVIEWED], raises=OutOfOrder, field="on")
    assert watch.when(CloseStudentWatch(on=date(2021, 1, 29)), given=[OPENED, REVIEWED]) == [CLOSED]


def test_nothing_is_dated_before_the_watch_was_opened_and_a_closed_one_takes_nothing() -> None:
    early = NoteStudentWatch(note="x", at=datetime(2020, 9, 13, 10, tzinfo=CST))
    watch.refused(early, given=[OPENED], raises=OutOfOrder, field="at")
    review = ReviewStudentWatch(outcome=WatchOutcome.WORSE, on=date(2020, 9, 1))
    watch.refused(review, given=[OPENED], raises=OutOfOrder, field="on")
    watch.refused(NoteStudentWatch(note="x"), given=[OPENED, REVIEWED, CLOSED], match="closed")


SLOTS = [
    DutySlotInput(building="teaching-a", floor=2, break_period=BreakPeriod.MORNING_BREAK, teacher_id="sun"),
    DutySlotInput(
        building="teaching-a", floor=1, break_period=BreakPeriod.LUNCH_BREAK, weekdays=[1, 3], teacher_id="huang"
    ),
]
ROSTER = SetFloorDutyRoster(campus_id="main", term_id="2020-2021-1", effective_from=date(2020, 9, 1), slots=SLOTS)
roster = Stream(FloorDutyRoster, MAIN, "main-2020-2021-1", actor="zhou", facts=TERM_FACTS)


def test_a_roster_is_in_force_from_its_day_until_the_next_version() -> None:
    (first,) = roster.when(ROSTER)
    assert isinstance(first, FloorDutyRosterSet) and first.slots[0].weekdays == [1, 2, 3, 4, 5]
    later = ROSTER.model_copy(
        update={"effective_from": date(2020, 11, 2), "slots": [SLOTS[0].model_copy(update={"teacher_id": "huang"})]}
    )
    (second,) = roster.when(later, given=[first])
    state = roster.given(first, second)
    monday, wednesday = date(2020, 10, 19), date(2020, 11, 4)
    assert on_duty(state, monday, "teaching-a", 2, BreakPeriod.MORNING_BREAK) == "sun"
    assert on_duty(state, wednesday, "teaching-a", 2, BreakPeriod.MORNING_BREAK) == "huang"
    assert on_duty(state, monday, "teaching-a", 1, BreakPeriod.LUNCH_BREAK) == "huang"
    assert on_duty(state, date(2020, 10, 20), "teaching-a", 1, BreakPeriod.LUNCH_BREAK) is None  # a Tuesday
    assert on_duty(state, wednesday, "teaching-a", 1, BreakPeriod.LUNCH_BREAK) is None  # not in the new version
    roster.refused(ROSTER, given=[first, second], raises=OutOfOrder, field="effective_from")


def test_a_roster_is_in_its_term_with_one_teacher_a_turn() -> None:
    outside = ROSTER.model_copy(update={"effective_from": date(2021, 3, 1)})
    roster.refused(outside, raises=OutOfOrder, field="effective_from")
    twice = ROSTER.model_copy(update={"slots": [SLOTS[0], SLOTS[0].model_copy(update={"teacher_id": "huang"})]})
    roster.refused(twice, raises=InvalidInput, field="slots")


LATE = RecordDutyCheckIn(
    campus_id="main",
    on=date(2020, 10, 19),
    building="teaching-a",
    floor=2,
    break_period=BreakPeriod.MORNING_BREAK,
    status=CheckInStatus.LATE,
    arrived_at=datetime(2020, 10, 19, 9, 48, tzinfo=CST),
)
TURN = "main.2020-10-19.teaching-a.2.morning_break"
turn = Stream(DutyTurn, MAIN, TURN, actor="zhou", facts={ON_DUTY: "sun", MAY_RECORD_ANY: "1"})
CHECKED = FloorDutyCheckedIn(
    turn_id=TURN,
    campus_id="main",
    day=date(2020, 10, 19),
    building="teaching-a",
    floor=2,
    break_period=BreakPeriod.MORNING_BREAK,
    teacher_id="sun",
    status=CheckInStatus.LATE,
    arrived_at=datetime(2020, 10, 19, 9, 48, tzinfo=CST),
    recorded_by="zhou",
)


def test_a_turn_is_checked_once_for_the_teacher_on_the_roster() -> None:
    assert turn.when(LATE) == [CHECKED]
    turn.refused(LATE, given=[CHECKED], field="break_period")
    turn.refused(LATE, facts={ON_DUTY: "", MAY_RECORD_ANY: "1"}, field="floor")


def test_only_the_teacher_on_duty_or_a_patrol_records_the_turn() -> None:
    turn.refused(LATE, facts={ON_DUTY: "sun"}, actor="huang", raises=Forbidden)
    own = turn.when(LATE, facts={ON_DUTY: "sun"}, actor="sun")
    assert own[0].recorded_by == "sun"  # type: ignore[attr-defined]


def test_a_turn_has_an_arrival_on_its_day_unless_missed() -> None:
    missed = LATE.model_copy(update={"status": CheckInStatus.MISSED})
    turn.refused(missed, raises=InvalidInput, field="arrived_at")
    turn.refused(LATE.model_copy(update={"arrived_at": None}), raises=InvalidInput, field="arrived_at")
    next_day = LATE.model_copy(update={"arrived_at": datetime(2020, 10, 20, 9, 48, tzinfo=CST)})
    turn.refused(next_day, raises=InvalidInput, field="arrived_at")
    (event,) = turn.when(missed.model_copy(update={"arrived_at": None}))
    assert isinstance(event, FloorDutyCheckedIn) and event.arrived_at is None


def test_a_slot_keeps_its_weekdays_once_each() -> None:
    slot = SLOTS[0].model_copy(update={"weekdays": [3, 1, 1]})
    (event,) = roster.when(ROSTER.model_copy(update={"slots": [slot]}))
    assert isinstance(event, FloorDutyRosterSet) and event.slots == [
        DutySlot(
            building="teaching-a", floor=2, break_period=BreakPeriod.MORNING_BREAK, weekdays=[1, 3], teacher_id="sun"
        )
    ]
