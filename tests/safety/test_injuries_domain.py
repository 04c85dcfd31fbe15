"""Student injuries (学生受伤事故), given / when / then."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import Rejected
from services.safety.events import (
    InjuryClosed,
    InjuryFollowedUp,
    InjuryParentNotified,
    InjuryReported,
    InjurySetting,
)
from services.safety.injuries import CloseInjury, FollowUp, Injury, InjuryState, NotifyParent, ReportInjury

CST = timezone(timedelta(hours=8))
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
OCCURRED = datetime(2020, 10, 12, 10, 5, tzinfo=CST)
TOLD_AT = datetime(2020, 10, 12, 10, 30, tzinfo=CST)

REPORT = ReportInjury(
    injury_id="inj-1",
    student_id="lin",
    setting=InjurySetting.BREAK,
    occurred_at=OCCURRED,
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
CLOSE = CloseInjury(closed_on=date(2020, 10, 20), cause="课间在走廊追逐", measures="班会强调课间文明活动")
CLOSED = InjuryClosed(
    injury_id="inj-1", closed_on=date(2020, 10, 20), cause="课间在走廊追逐", measures="班会强调课间文明活动"
)


def when(given: Sequence[DomainEvent], command: Any, actor: str = "huang") -> list[DomainEvent]:
    state = Injury.fold(given)
    facts = {"class_id": "g6-1"}
    return list(Injury.decide(Resolved(command, MAIN, "inj-1", facts, actor=actor, at=TOLD_AT), state))


def test_an_injury_is_reported_with_the_students_class_and_campus() -> None:
    assert when([], REPORT) == [REPORTED]
    assert Injury.stream_id("inj-1") == "injury-inj-1"


def test_an_injury_is_reported_once() -> None:
    with pytest.raises(Rejected) as refused:
        when([REPORTED], REPORT)
    assert refused.value.field == "injury_id"


def test_a_report_says_what_happened_and_the_first_aid() -> None:
    for name in ("injury", "first_aid"):
        with pytest.raises(ValidationError) as invalid:
            ReportInjury.model_validate(REPORT.model_dump() | {name: " "})
        assert invalid.value.errors()[0]["loc"] == (name,)


def test_a_report_needs_a_time_with_its_zone() -> None:
    with pytest.raises(ValidationError) as invalid:
        ReportInjury.model_validate(REPORT.model_dump() | {"occurred_at": datetime(2020, 10, 12, 10, 5)})
    assert invalid.value.errors()[0]["loc"] == ("occurred_at",)


def test_the_injury_goes_round_to_closed() -> None:
    assert when([REPORTED], NotifyParent(notified_at=TOLD_AT, how="电话")) == [TOLD]
    follow = FollowUp(on=date(2020, 10, 14), note="伤口愈合良好")
    assert when([REPORTED, TOLD], follow, actor="doctor-he") == [FOLLOWED]
    assert when([REPORTED, TOLD, FOLLOWED], CLOSE, actor="zhou") == [CLOSED]
    assert Injury.fold([REPORTED, TOLD, FOLLOWED, CLOSED]) == InjuryState(
        reported=True, occurred_at=OCCURRED, parent_told=True, closed=True
    )


def test_an_injury_is_not_closed_before_the_parents_are_told() -> None:
    with pytest.raises(Rejected, match="tell the parents"):
        when([REPORTED, FOLLOWED], CLOSE, actor="zhou")


def test_the_parents_are_not_told_before_it_happened() -> None:
    with pytest.raises(Rejected) as refused:
        when([REPORTED], NotifyParent(notified_at=OCCURRED - timedelta(hours=1), how="电话"))
    assert refused.value.field == "notified_at"


@pytest.mark.parametrize(
    "command",
    [
        FollowUp(on=date(2020, 10, 21), note="再次回访"),
        CLOSE,
        NotifyParent(notified_at=TOLD_AT, how="面谈"),
    ],
)
def test_a_closed_injury_takes_nothing_more(command: Any) -> None:
    with pytest.raises(Rejected, match="closed"):
        when([REPORTED, TOLD, CLOSED], command, actor="zhou")


def test_an_unreported_injury_takes_nothing() -> None:
    with pytest.raises(Rejected, match="never reported"):
        when([], FollowUp(on=date(2020, 10, 14), note="n"))


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (FollowUp(on=date(2020, 10, 11), note="回访"), "on"),
        (CloseInjury(closed_on=date(2020, 10, 11), cause="追逐", measures="班会"), "closed_on"),
    ],
)
def test_no_follow_up_or_closing_is_dated_before_the_day_of_the_injury(command: Any, field: str) -> None:
    with pytest.raises(Rejected) as refused:
        when([REPORTED, TOLD], command, actor="zhou")
    assert refused.value.field == field


def test_the_day_of_the_injury_is_the_schools_day_whatever_zone_it_was_reported_in() -> None:
    # 2020-10-12 07:30 at school is still 2020-10-11 in UTC: a follow-up that very day is fine
    early = REPORTED.model_copy(update={"occurred_at": datetime(2020, 10, 11, 23, 30, tzinfo=UTC)})
    same_day = FollowUp(on=date(2020, 10, 12), note="当天回访")
    assert when([early, TOLD], same_day, actor="doctor-he")[0] == FOLLOWED.model_copy(
        update={"on": date(2020, 10, 12), "note": "当天回访"}
    )
    with pytest.raises(Rejected):
        when([early, TOLD], FollowUp(on=date(2020, 10, 11), note="n"), actor="doctor-he")
