"""Student injuries (学生受伤事故), given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.safety.events import (
    InjuryClosed,
    InjuryFollowedUp,
    InjuryParentNotified,
    InjuryReported,
    InjurySetting,
)
from services.safety.injuries import CloseInjury, FollowUp, Injury, InjuryState, NotifyParent, ReportInjury
from tests.deciders import Stream

CST = timezone(timedelta(hours=8))
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
OCCURRED = datetime(2020, 10, 12, 10, 5, tzinfo=CST)
TOLD_AT = datetime(2020, 10, 12, 10, 30, tzinfo=CST)

REPORT = ReportInjury(
    injury_id="inj-1",
    student_id="lin",
    setting=InjurySetting.BREAK,
    at=OCCURRED,
    injury="追逐时摔倒, 左膝擦伤",
    first_aid="医务室清洗消毒, 包扎",
)
REPORTED = InjuryReported(
    injury_id="inj-1",
    campus_id="main",
    student_id="lin",
    class_id="g6-1",
    setting=InjurySetting.BREAK,
    occurred_at=OCCURRED,
    injury="追逐时摔倒, 左膝擦伤",
    first_aid="医务室清洗消毒, 包扎",
    reported_by="huang",
)
TOLD = InjuryParentNotified(injury_id="inj-1", notified_at=TOLD_AT, how="电话", notified_by="huang")
FOLLOWED = InjuryFollowedUp(injury_id="inj-1", on=date(2020, 10, 14), note="伤口愈合良好", by="doctor-he")
CLOSE = CloseInjury(on=date(2020, 10, 20), cause="课间在走廊追逐", measures="班会强调课间文明活动")
CLOSED = InjuryClosed(
    injury_id="inj-1", closed_on=date(2020, 10, 20), cause="课间在走廊追逐", measures="班会强调课间文明活动"
)


injury = Stream(Injury, MAIN, "inj-1", actor="huang", facts={"class_id": "g6-1"})


def test_an_injury_is_reported_with_the_students_class_and_campus() -> None:
    assert injury.when(REPORT) == [REPORTED]
    assert Injury.stream_id("inj-1") == "injury-inj-1"


def test_an_injury_is_reported_once() -> None:
    injury.refused(REPORT, given=[REPORTED], field="injury_id")


def test_a_report_says_what_happened_and_the_first_aid() -> None:
    for name in ("injury", "first_aid"):
        with pytest.raises(ValidationError) as invalid:
            ReportInjury.model_validate(REPORT.model_dump() | {name: " "})
        assert invalid.value.errors()[0]["loc"] == (name,)


def test_a_report_needs_a_time_with_its_zone() -> None:
    with pytest.raises(ValidationError) as invalid:
        ReportInjury.model_validate(REPORT.model_dump() | {"at": datetime(2020, 10, 12, 10, 5)})
    assert invalid.value.errors()[0]["loc"] == ("at",)


def test_the_injury_goes_round_to_closed() -> None:
    assert injury.when(NotifyParent(at=TOLD_AT, how="电话"), given=[REPORTED]) == [TOLD]
    follow = FollowUp(on=date(2020, 10, 14), note="伤口愈合良好")
    assert injury.when(follow, given=[REPORTED, TOLD], actor="doctor-he") == [FOLLOWED]
    assert injury.when(CLOSE, given=[REPORTED, TOLD, FOLLOWED], actor="zhou") == [CLOSED]
    assert injury.given(REPORTED, TOLD, FOLLOWED, CLOSED) == InjuryState(
        reported=True,
        occurred_at=OCCURRED,
        parent_told=True,
        closed=True,
        last_step="followed up",
        last_step_on=date(2020, 10, 14),
    )


def test_an_injury_is_not_closed_before_the_parents_are_told() -> None:
    injury.refused(CLOSE, given=[REPORTED, FOLLOWED], actor="zhou", match="tell the parents")


def test_the_parents_are_not_told_before_it_happened() -> None:
    injury.refused(NotifyParent(at=OCCURRED - timedelta(hours=1), how="电话"), given=[REPORTED], field="at")


@pytest.mark.parametrize(
    "command",
    [
        FollowUp(on=date(2020, 10, 21), note="再次回访"),
        CLOSE,
        NotifyParent(at=TOLD_AT, how="面谈"),
    ],
)
def test_a_closed_injury_takes_nothing_more(command: Any) -> None:
    injury.refused(command, given=[REPORTED, TOLD, CLOSED], actor="zhou", match="closed")


def test_an_unreported_injury_takes_nothing() -> None:
    injury.refused(FollowUp(on=date(2020, 10, 14), note="n"), match="never reported")


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (FollowUp(on=date(2020, 10, 11), note="回访"), "on"),
        (CloseInjury(on=date(2020, 10, 11), cause="追逐", measures="班会"), "on"),
    ],
)
def test_no_follow_up_or_closing_is_dated_before_the_day_of_the_injury(command: Any, field: str) -> None:
    injury.refused(command, given=[REPORTED, TOLD], actor="zhou", field=field)


def test_the_day_of_the_injury_is_the_schools_day_whatever_zone_it_was_reported_in() -> None:
    # 2020-10-12 07:30 at school is still 2020-10-11 in UTC: a follow-up that very day is fine
    early = REPORTED.model_copy(update={"occurred_at": datetime(2020, 10, 11, 23, 30, tzinfo=UTC)})
    same_day = FollowUp(on=date(2020, 10, 12), note="当天回访")
    assert injury.when(same_day, given=[early, TOLD], actor="doctor-he")[0] == FOLLOWED.model_copy(
        update={"on": date(2020, 10, 12), "note": "当天回访"}
    )
    injury.refused(FollowUp(on=date(2020, 10, 11), note="n"), given=[early, TOLD], actor="doctor-he")


def test_an_injury_is_not_closed_before_its_last_follow_up_or_the_parents_were_told() -> None:
    later = FOLLOWED.model_copy(update={"on": date(2020, 10, 22)})
    refusal = injury.refused(CLOSE, given=[REPORTED, TOLD, later], actor="zhou", field="on", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == "followed up" and refusal.step_time == date(2020, 10, 22)
    told_late = TOLD.model_copy(update={"notified_at": datetime(2020, 10, 21, 9, 0, tzinfo=CST)})
    injury.refused(CLOSE, given=[REPORTED, told_late], actor="zhou", field="on", match="parents told of")
    assert injury.when(CLOSE, given=[REPORTED, TOLD, FOLLOWED], actor="zhou") == [CLOSED]
