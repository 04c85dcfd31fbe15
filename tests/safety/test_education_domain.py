"""Safety education: Friday sessions, flag ceremonies and campaigns, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.safety.education import (
    CheckSession,
    DeliverSession,
    FlagCeremony,
    HoldFlagCeremony,
    LaunchCampaign,
    MarkActivityDone,
    PlanSession,
    SafetyCampaign,
    SafetySession,
    SummariseCampaign,
    ceremony_id,
)
from services.safety.events import (
    FlagCeremonyHeld,
    SafetyCampaignActivityDone,
    SafetyCampaignLaunched,
    SafetyCampaignSummarised,
    SafetySessionChecked,
    SafetySessionDelivered,
    SafetySessionPlanned,
    SessionResult,
)
from tests.deciders import Stream
from tests.safety.terms import TERM_FACTS

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2020, 10, 16, 15, 0, tzinfo=UTC)
FRIDAY = date(2020, 10, 16)
PLANNED_AT = datetime(2020, 10, 14, 8, 0, tzinfo=UTC)
LATER_ON = datetime(2020, 12, 1, 2, 0, tzinfo=UTC)  # when the ceremonies and the campaign are recorded


session = Stream(SafetySession, MAIN, "g6-1-w42", actor="huang", at=AT, facts=TERM_FACTS)
ceremony = Stream(FlagCeremony, MAIN, actor="zhou", at=LATER_ON, facts=TERM_FACTS)
campaign = Stream(SafetyCampaign, MAIN, "traffic-2020", actor="zhou", at=LATER_ON, facts=TERM_FACTS)


# -- sessions ----------------------------------------------------------------------------

PLAN = PlanSession(
    session_id="g6-1-w42",
    class_id="g6-1",
    week_of=FRIDAY,
    theme="防溺水",
    lesson_prep_ref="prep/g6-1/w42.docx",
    at=PLANNED_AT,
)
PLANNED = SafetySessionPlanned(
    session_id="g6-1-w42",
    class_id="g6-1",
    campus_id="main",
    week_of=FRIDAY,
    theme="防溺水",
    teacher_id="huang",
    lesson_prep_ref="prep/g6-1/w42.docx",
    planned_at=PLANNED_AT,
)
DELIVERED = SafetySessionDelivered(session_id="g6-1-w42", delivered_on=FRIDAY)


def test_a_session_is_planned_by_its_teacher_delivered_and_checked() -> None:
    assert session.when(PLAN) == [PLANNED]
    assert session.when(DeliverSession(on=FRIDAY), given=[PLANNED]) == [DELIVERED]
    checked = session.when(
        CheckSession(result=SessionResult.GOOD),
        given=[PLANNED, DELIVERED],
        actor="zhou",
        facts={"delivered_by": "huang"},
    )
    assert checked == [SafetySessionChecked(session_id="g6-1-w42", checked_by="zhou", result=SessionResult.GOOD)]
    assert SafetySession.stream_id("g6-1-w42") == "safety-session-g6-1-w42"


def test_a_manager_plans_a_session_for_a_teacher() -> None:
    (event,) = session.when(PLAN.model_copy(update={"teacher_id": "sun"}), actor="zhou")
    assert isinstance(event, SafetySessionPlanned) and event.teacher_id == "sun"


def test_a_session_is_on_a_friday() -> None:
    with pytest.raises(ValidationError, match="not a Friday") as invalid:
        PlanSession.model_validate(PLAN.model_dump() | {"week_of": date(2020, 10, 15)})
    assert invalid.value.errors()[0]["loc"] == ("week_of",)


def test_a_session_needs_its_lesson_prep() -> None:
    with pytest.raises(ValidationError) as invalid:
        PlanSession.model_validate(PLAN.model_dump() | {"lesson_prep_ref": ""})
    assert invalid.value.errors()[0]["loc"] == ("lesson_prep_ref",)


def test_a_session_is_planned_once() -> None:
    session.refused(PLAN, given=[PLANNED], field="session_id")


def test_a_session_is_delivered_once_and_only_when_planned() -> None:
    session.refused(DeliverSession(on=FRIDAY), match="never planned")
    session.refused(DeliverSession(on=FRIDAY), given=[PLANNED, DELIVERED], match="already delivered")


def test_a_session_is_checked_after_it_was_delivered() -> None:
    session.refused(
        CheckSession(result=SessionResult.GOOD), given=[PLANNED], actor="zhou", match="after it was delivered"
    )


def test_whoever_delivered_a_session_does_not_check_it() -> None:
    session.refused(
        CheckSession(result=SessionResult.GOOD),
        given=[PLANNED, DELIVERED],
        actor="zhou",
        facts={"delivered_by": "zhou"},
        match="does not check",
    )
    # without word of who recorded the delivery, the session's teacher is taken as its deliverer
    session.refused(
        CheckSession(result=SessionResult.GOOD), given=[PLANNED, DELIVERED], actor="huang", match="does not check"
    )


def test_a_session_is_checked_once() -> None:
    checked = SafetySessionChecked(session_id="g6-1-w42", checked_by="zhou", result=SessionResult.NEEDS_IMPROVEMENT)
    session.refused(
        CheckSession(result=SessionResult.GOOD),
        given=[PLANNED, DELIVERED, checked],
        actor="gu",
        facts={"delivered_by": "huang"},
        match="already checked",
    )


# -- flag ceremonies ---------------------------------------------------------------------

HOLD = HoldFlagCeremony(campus_id="main", on=date(2020, 10, 12), theme="珍爱生命 预防溺水", speaker="徐副校长")
HELD = FlagCeremonyHeld(
    ceremony_id="main-2020-10",
    campus_id="main",
    held_on=date(2020, 10, 12),
    theme="珍爱生命 预防溺水",
    speaker="徐副校长",
)


def test_a_flag_ceremony_is_held_once_a_month() -> None:
    cid = ceremony_id("main", date(2020, 10, 12))
    assert cid == "main-2020-10" == ceremony_id("main", date(2020, 10, 26))
    assert ceremony.when(HOLD, entity_id=cid) == [HELD]
    second = HOLD.model_copy(update={"on": date(2020, 10, 26)})
    ceremony.refused(second, given=[HELD], entity_id=cid, match="2020-10", field="on")
    assert FlagCeremony.stream_id(cid) == "flag-ceremony-main-2020-10"


# -- campaigns ---------------------------------------------------------------------------

SIX_ONES = [
    "一次国旗下讲话",
    "一节班队活动课",
    "一次校车事故演练",
    "一次交通安全黑板报评比",
    "一个宣传橱窗",
    "一支志愿者队伍",
]
LAUNCH = LaunchCampaign(
    campaign_id="traffic-2020",
    campus_id="main",
    title='交通安全日 "六个一"',
    activities=SIX_ONES,
    starts_on=date(2020, 11, 2),
)
LAUNCHED = SafetyCampaignLaunched(
    campaign_id="traffic-2020",
    campus_id="main",
    title='交通安全日 "六个一"',
    activities=SIX_ONES,
    starts_on=date(2020, 11, 2),
)


def done(activity: str) -> SafetyCampaignActivityDone:
    return SafetyCampaignActivityDone(campaign_id="traffic-2020", activity=activity, done_on=date(2020, 11, 30))


def test_a_campaign_is_launched_with_its_activities() -> None:
    assert campaign.when(LAUNCH) == [LAUNCHED]
    campaign.refused(LAUNCH, given=[LAUNCHED], field="campaign_id")


def test_activities_are_distinct_and_at_least_one() -> None:
    with pytest.raises(ValidationError):
        LaunchCampaign.model_validate(LAUNCH.model_dump() | {"activities": []})
    with pytest.raises(ValidationError, match="distinct"):
        LaunchCampaign.model_validate(LAUNCH.model_dump() | {"activities": ["一次国旗下讲话", "一次国旗下讲话"]})


def test_an_activity_of_the_campaign_is_done_once() -> None:
    mark = MarkActivityDone(activity="一次校车事故演练", on=date(2020, 11, 30))
    assert campaign.when(mark, given=[LAUNCHED]) == [done("一次校车事故演练")]
    campaign.refused(mark, given=[LAUNCHED, done("一次校车事故演练")], match="already done", field="activity")
    campaign.refused(
        MarkActivityDone(activity="一次春游", on=date(2020, 11, 30)),
        given=[LAUNCHED],
        match="not an activity",
        field="activity",
    )


def test_a_campaign_is_summarised_when_every_activity_is_done() -> None:
    five = [LAUNCHED, *(done(a) for a in SIX_ONES[:5])]
    campaign.refused(SummariseCampaign(summary="总结"), given=five, match="一支志愿者队伍")
    all_six = [*five, done(SIX_ONES[5])]
    summarised = SafetyCampaignSummarised(campaign_id="traffic-2020", summary="总结")
    assert campaign.when(SummariseCampaign(summary="总结"), given=all_six) == [summarised]
    campaign.refused(SummariseCampaign(summary="再总结"), given=[*all_six, summarised], match="summarised")


def test_nothing_happens_to_a_campaign_never_launched() -> None:
    campaign.refused(MarkActivityDone(activity="一次国旗下讲话", on=date(2020, 11, 30)), match="never launched")


# -- the time of each act ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "command", "given", "field", "step", "step_time"),
    [
        (session, DeliverSession(on=date(2020, 10, 13)), [PLANNED], "on", "planned", PLANNED_AT),
        (
            session,
            CheckSession(result=SessionResult.GOOD, at=datetime(2020, 10, 15, 8, 0, tzinfo=UTC)),
            [PLANNED, DELIVERED],
            "at",
            "delivered",
            FRIDAY,
        ),
        (
            campaign,
            MarkActivityDone(activity=SIX_ONES[0], on=date(2020, 10, 30)),
            [LAUNCHED],
            "on",
            "started",
            date(2020, 11, 2),
        ),
        (
            campaign,
            SummariseCampaign(summary="总结", at=datetime(2020, 11, 29, 8, 0, tzinfo=UTC)),
            [LAUNCHED, *(done(a) for a in SIX_ONES)],
            "at",
            "done",
            date(2020, 11, 30),
        ),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(
    stream: Stream[Any], command: Any, given: list[Any], field: str, step: str, step_time: object
) -> None:
    refusal = stream.refused(command, given=given, actor="zhou", field=field, raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == step and refusal.step_time == step_time


@pytest.mark.parametrize(
    ("stream", "command", "given", "field"),
    [
        (session, PLAN.model_copy(update={"week_of": date(2021, 2, 5)}), [], "week_of"),
        (session, DeliverSession(on=date(2021, 2, 5)), [PLANNED], "on"),
        (ceremony, HOLD.model_copy(update={"on": date(2021, 2, 1)}), [], "on"),
        (campaign, LAUNCH.model_copy(update={"starts_on": date(2021, 2, 1)}), [], "starts_on"),
        (campaign, MarkActivityDone(activity=SIX_ONES[0], on=date(2021, 2, 1)), [LAUNCHED], "on"),
    ],
)
def test_what_is_held_at_school_falls_in_a_term(
    stream: Stream[Any], command: Any, given: list[Any], field: str
) -> None:
    march = datetime(2021, 3, 1, tzinfo=UTC)
    refusal = stream.refused(command, given=given, actor="zhou", at=march, field=field, raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == "term ended" and refusal.step_time == date(2021, 1, 31)
    stream.refused(
        command, given=given, actor="zhou", at=march, facts={}, field=field, raises=OutOfOrder, match="no term"
    )


def test_a_session_given_last_week_is_dated_by_its_day() -> None:
    (delivered,) = session.when(DeliverSession(on=FRIDAY), given=[PLANNED], at=AT + timedelta(days=7))
    assert delivered == DELIVERED
