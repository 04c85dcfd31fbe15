"""The time of an act: taken from the command, refused in the future, checked against earlier steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.eventkit.acts import (
    CLOCK_SKEW,
    ActAt,
    ActAtOrNow,
    ActOn,
    ActOnOrToday,
    InTheFuture,
    OutOfOrder,
    act_instant,
    not_after,
    not_before,
    start_of_day,
    time_rule,
    within,
)
from services.eventkit.commands import Command, decide_now_after_earlier_steps
from services.eventkit.days import CHINA
from services.eventkit.decider import Resolved, stamped
from services.eventkit.envelope import TenantPath
from services.safety.events import HazardAssignedInHouse, HazardReported, Severity
from services.safety.hazards import AssignHazard, Hazard

NOW = datetime(2020, 10, 14, 2, 0, tzinfo=UTC)  # 10:00 at the school


class Rectify(Command):
    at: ActAt


class Verify(Command):
    at: ActAtOrNow = None


class Return(Command):
    on: ActOn


class Move(Command):
    on: ActOnOrToday = None


class Plain(Command):
    pass


def test_an_instant_is_taken_as_given_and_a_missing_one_is_the_arrival() -> None:
    monday = datetime(2020, 10, 12, 9, 0, tzinfo=CHINA)
    assert act_instant(Rectify(at=monday), NOW) == monday
    assert act_instant(Verify(), NOW) == NOW
    assert act_instant(Plain(), NOW) == NOW
    assert act_instant(Plain(), NOW, fallback=monday) == monday  # a reaction: the upstream act's time


def test_a_day_is_its_start_at_the_school_unless_it_is_today() -> None:
    assert act_instant(Return(on=date(2020, 10, 12)), NOW) == datetime(2020, 10, 12, tzinfo=CHINA)
    assert act_instant(Return(on=date(2020, 10, 14)), NOW) == NOW
    assert act_instant(Move(), NOW) == NOW
    assert start_of_day(date(2020, 10, 12)).astimezone(UTC) == datetime(2020, 10, 11, 16, 0, tzinfo=UTC)


def test_an_act_in_the_future_is_refused_beyond_the_clock_skew() -> None:
    assert act_instant(Rectify(at=NOW + CLOCK_SKEW), NOW) == NOW + CLOCK_SKEW
    with pytest.raises(InTheFuture) as caught:
        act_instant(Rectify(at=NOW + CLOCK_SKEW + timedelta(seconds=1)), NOW)
    assert caught.value.field == "at" and caught.value.status_code == 409
    with pytest.raises(InTheFuture) as day:
        act_instant(Return(on=date(2020, 10, 15)), NOW)
    assert day.value.field == "on" and day.value.to_dict()["now"] == NOW.isoformat()


def test_a_day_with_an_instant_is_compared_by_the_schools_day() -> None:
    late_evening = datetime(2020, 10, 12, 23, 30, tzinfo=CHINA)  # 15:30 UTC, the school's 12th
    not_before(date(2020, 10, 12), late_evening, field="on", step="issued")
    with pytest.raises(OutOfOrder):
        not_before(date(2020, 10, 11), late_evening, field="on", step="issued")


def test_a_refusal_names_the_field_and_the_earlier_steps_time() -> None:
    reported = datetime(2020, 10, 12, 8, 30, tzinfo=CHINA)
    not_before(reported, reported, field="at", step="reported")  # the same instant is not before it
    not_before(reported, None, field="at", step="reported")
    with pytest.raises(OutOfOrder) as caught:
        not_before(reported - timedelta(minutes=1), reported, field="at", step="reported", what="hazard")
    refusal = caught.value
    assert refusal.field == "at" and refusal.status_code == 409
    assert "before the hazard was reported (2020-10-12T08:30:00+08:00)" in refusal.reason
    assert refusal.to_dict() == {
        "error": "out_of_order",
        "reason": refusal.reason,
        "field": "at",
        "step": "reported",
        "step_time": reported.isoformat(),
    }
    with pytest.raises(OutOfOrder, match="after the key was returned"):
        not_after(date(2020, 10, 13), date(2020, 10, 12), field="on", step="returned", what="key")


def test_an_act_must_fall_in_its_term() -> None:
    within(date(2020, 9, 1), date(2020, 9, 1), date(2021, 1, 31), field="on", term="2020-2021-1")
    with pytest.raises(OutOfOrder, match="before the term 2020-2021-1 began") as early:
        within(date(2020, 8, 31), date(2020, 9, 1), date(2021, 1, 31), field="on", term="2020-2021-1")
    assert early.value.field == "on"
    with pytest.raises(OutOfOrder, match="after the term"):
        within(datetime(2021, 2, 1, 1, tzinfo=CHINA), date(2020, 9, 1), date(2021, 1, 31), field="at", term="t")


def test_the_openapi_description_says_how_each_command_is_dated() -> None:
    assert "`at` (required" in time_rule(Rectify)
    assert "omitted, it is the time the command arrives" in time_rule(Verify)
    assert "`on` (required" in time_rule(Return)
    assert "omitted, it is today at the school" in time_rule(Move)
    assert "server's clock" in time_rule(Plain)


def test_an_act_done_now_follows_a_step_stamped_a_moment_later_but_a_dated_act_is_refused() -> None:
    """Concurrent requests arrive in one order and commit in another: an act dated by its arrival
    happens after a step recorded a moment before it was decided, within the clock skew."""

    def reported(at: datetime) -> object:
        event = HazardReported(
            hazard_id="h1", campus_id="main", area="操场", description="窨井盖下沉", severity=Severity.HIGH,
            reported_by="guard", reported_at=at,
        )  # fmt: skip
        return Hazard.fold([event])

    def assign(**dated: datetime) -> Resolved[AssignHazard]:
        rc = Resolved(AssignHazard(assignee_id="wang-tech", **dated), TenantPath(campus_id="main"), "h1")
        return stamped(rc, actor="shen", received=NOW)

    moment_later = NOW + timedelta(seconds=2)
    command, events = decide_now_after_earlier_steps(Hazard, assign(), reported(moment_later))
    assert command.at == moment_later
    assert isinstance(events[0], HazardAssignedInHouse) and events[0].assigned_at == moment_later
    with pytest.raises(OutOfOrder):  # the client said when: that is refused, not moved
        decide_now_after_earlier_steps(Hazard, assign(at=NOW), reported(moment_later))
    with pytest.raises(OutOfOrder):  # beyond the clock skew it is a real disorder
        decide_now_after_earlier_steps(Hazard, assign(), reported(NOW + CLOCK_SKEW + timedelta(seconds=1)))
