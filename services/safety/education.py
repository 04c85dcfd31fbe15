"""Safety education (安全教育): the Friday session of each class, the monthly flag
ceremony of each campus, and themed campaigns such as traffic-safety day's "six ones".

A session is planned for a Friday with its lesson prep (备课), delivered by a
teacher of the class (or a manager), and checked (检查) by a manager who did not
deliver it. A campus holds one safety flag ceremony a month. A campaign lists its
activities; each is done once, and the campaign is summarised when all are done.

Each act is dated by its own time and follows the step before it: a session is delivered
(``on``) no earlier than it was planned and checked (``at``) no earlier than it was
delivered; a campaign's activity is done (``on``) no earlier than the campaign starts, and
it is summarised no earlier than its last activity. What is held at school (a session, a
ceremony, an activity) and the days planned for falls in a term of the school calendar,
which the handler looks up (``facts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator

from services.eventkit.acts import ActAtOrNow, ActOn, not_before
from services.eventkit.bounds import EntityId, Name, Ref, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.common import in_term
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

FRIDAY = 4  # date.weekday()

# -- the Friday session ------------------------------------------------------------------


class PlanSession(Command):
    model_config = examples(
        {
            "session_id": "g6-1-2020-10-16",
            "class_id": "g6-1",
            "week_of": "2020-10-16",
            "theme": "防溺水",
            "lesson_prep_ref": "prep/g6-1/2020-10-16.docx",
            "teacher_id": "huang",
            "at": "2020-10-14T16:00:00+08:00",
        }
    )

    session_id: EntityId
    class_id: EntityId
    week_of: date = Field(description="The Friday of the session's week", examples=["2020-10-16"])
    theme: Name = Field(examples=["防溺水"])
    lesson_prep_ref: Ref = Field(
        min_length=1, description="The lesson prep (备课)", examples=["prep/g6-1/2020-10-16.docx"]
    )
    teacher_id: EntityId | None = Field(
        default=None, description="The teacher who gives it (default: the caller)", examples=["huang"]
    )
    at: ActAtOrNow = None

    @field_validator("week_of")
    @classmethod
    def _a_friday(cls, day: date) -> date:
        if day.weekday() != FRIDAY:
            raise ValueError(f"{day.isoformat()} is not a Friday: sessions are on Friday afternoons")
        return day


class DeliverSession(Command):
    model_config = examples({"on": "2020-10-16"})

    on: ActOn


class CheckSession(Command):
    """A manager checks a delivered session (not one they delivered themselves)."""

    model_config = examples(
        {"result": "good", "note": "备课充分, 学生参与度高", "at": "2020-10-19T09:00:00+08:00"},
        {"result": "needs_improvement", "note": "缺少互动环节"},
    )

    result: SessionResult = Field(examples=["good"])
    note: Text = Field(default="", examples=["备课充分, 学生参与度高"])
    at: ActAtOrNow = None


class SessionStatus(StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    CHECKED = "checked"


@dataclass(frozen=True)
class SessionState:
    status: SessionStatus | None = None
    class_id: str = ""
    teacher_id: str = ""
    planned_at: datetime | None = None
    delivered_on: date | None = None


SessionCommand = Resolved[PlanSession] | Resolved[DeliverSession] | Resolved[CheckSession]


def decide_session(rc: SessionCommand, state: SessionState) -> Sequence[DomainEvent]:
    """``facts["delivered_by"]``: who recorded the delivery (the handler reads it from the stream)."""
    cmd = rc.command
    if isinstance(cmd, PlanSession):
        if state.status is not None:
            raise Rejected(f"session {cmd.session_id} is already planned", field="session_id")
        in_term(cmd.week_of, rc.facts, field="week_of")
        return [
            SafetySessionPlanned(
                session_id=cmd.session_id,
                class_id=cmd.class_id,
                campus_id=rc.tenant.campus_id or "",
                week_of=cmd.week_of,
                theme=cmd.theme,
                teacher_id=cmd.teacher_id or rc.actor,
                lesson_prep_ref=cmd.lesson_prep_ref,
                planned_at=rc.at,
            )
        ]
    if state.status is None:
        raise Rejected("the session was never planned")
    session_id = rc.entity_id
    if isinstance(cmd, DeliverSession):
        if state.status is not SessionStatus.PLANNED:
            raise Rejected("the session was already delivered")
        not_before(cmd.on, state.planned_at, field="on", step="planned", what="session")
        in_term(cmd.on, rc.facts, field="on")
        return [SafetySessionDelivered(session_id=session_id, delivered_on=cmd.on)]
    assert isinstance(cmd, CheckSession)
    if state.status is SessionStatus.PLANNED:
        raise Rejected("a session is checked after it was delivered")
    if state.status is SessionStatus.CHECKED:
        raise Rejected("the session is already checked")
    if rc.actor == rc.facts.get("delivered_by", state.teacher_id):
        raise Rejected("whoever delivered a session does not check it; ask another manager")
    not_before(rc.at, state.delivered_on, field="at", step="delivered", what="session")
    return [SafetySessionChecked(session_id=session_id, checked_by=rc.actor, result=cmd.result, note=cmd.note)]


def evolve_session(state: SessionState, event: DomainEvent) -> SessionState:
    match event:
        case SafetySessionPlanned():
            return SessionState(SessionStatus.PLANNED, event.class_id, event.teacher_id, planned_at=event.planned_at)
        case SafetySessionDelivered():
            return replace(state, status=SessionStatus.DELIVERED, delivered_on=event.delivered_on)
        case SafetySessionChecked():
            return replace(state, status=SessionStatus.CHECKED)
    return state


SafetySession: Decider[SessionCommand, SessionState, DomainEvent] = Decider(
    "SafetySession", SessionState(), decide_session, evolve_session, "safety-session"
)

# -- the monthly flag ceremony -----------------------------------------------------------


class HoldFlagCeremony(Command):
    model_config = examples(
        {"campus_id": "main", "on": "2020-10-12", "theme": "珍爱生命 预防溺水", "speaker": "徐副校长"}
    )

    campus_id: EntityId
    on: ActOn
    theme: Name = Field(examples=["珍爱生命 预防溺水"])
    speaker: ShortText = Field(default="", examples=["徐副校长"])


def ceremony_id(campus_id: str, held_on: date) -> str:
    """One ceremony per campus and month: the month is in its id."""
    return f"{campus_id}-{held_on:%Y-%m}"


@dataclass(frozen=True)
class CeremonyState:
    held_on: date | None = None


def decide_ceremony(rc: Resolved[HoldFlagCeremony], state: CeremonyState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if state.held_on is not None:
        raise Rejected(
            f"campus {cmd.campus_id} already held its safety flag ceremony of {cmd.on:%Y-%m} "
            f"on {state.held_on.isoformat()}",
            field="on",
        )
    in_term(cmd.on, rc.facts, field="on")
    return [
        FlagCeremonyHeld(
            ceremony_id=rc.entity_id, campus_id=cmd.campus_id, held_on=cmd.on, theme=cmd.theme, speaker=cmd.speaker
        )
    ]


def evolve_ceremony(state: CeremonyState, event: DomainEvent) -> CeremonyState:
    if isinstance(event, FlagCeremonyHeld):
        return CeremonyState(held_on=event.held_on)
    return state


FlagCeremony: Decider[Resolved[HoldFlagCeremony], CeremonyState, DomainEvent] = Decider(
    "FlagCeremony", CeremonyState(), decide_ceremony, evolve_ceremony, "flag-ceremony"
)

# -- campaigns ---------------------------------------------------------------------------


class LaunchCampaign(Command):
    model_config = examples(
        {
            "campaign_id": "main-traffic-day-2020",
            "campus_id": "main",
            "title": '交通安全日 "六个一"',
            "activities": [
                "一次国旗下讲话",
                "一节班队活动课",
                "一次校车事故演练",
                "一次交通安全黑板报评比",
                "一个宣传橱窗",
                "一支志愿者队伍",
            ],
            "starts_on": "2020-11-02",
            "at": "2020-10-28T09:00:00+08:00",
        }
    )

    campaign_id: EntityId
    campus_id: EntityId
    title: Name = Field(examples=['交通安全日 "六个一"'])
    activities: list[Name] = Field(
        min_length=1,
        max_length=50,
        examples=[
            [
                "一次国旗下讲话",
                "一节班队活动课",
                "一次校车事故演练",
                "一次交通安全黑板报评比",
                "一个宣传橱窗",
                "一支志愿者队伍",
            ]
        ],
    )
    starts_on: date = Field(description="The day the campaign starts (in a term)", examples=["2020-11-02"])
    at: ActAtOrNow = None

    @field_validator("activities")
    @classmethod
    def _distinct(cls, activities: list[str]) -> list[str]:
        if len(set(activities)) != len(activities):
            raise ValueError("activities must be distinct")
        return activities


class MarkActivityDone(Command):
    model_config = examples({"activity": "一次校车事故演练", "on": "2020-11-20", "note": "全体乘车学生参加"})

    activity: Name = Field(examples=["一次校车事故演练"])
    on: ActOn
    note: Text = ""


class SummariseCampaign(Command):
    model_config = examples({"summary": "六项活动全部完成, 全校参与", "at": "2020-11-27T16:00:00+08:00"})

    summary: Text = Field(min_length=1, examples=["六项活动全部完成, 全校参与"])
    at: ActAtOrNow = None


@dataclass(frozen=True)
class CampaignState:
    launched: bool = False
    activities: tuple[str, ...] = ()
    done: frozenset[str] = frozenset()
    summarised: bool = False
    starts_on: date | None = None
    last_done_on: date | None = None  # the day of its latest activity


CampaignCommand = Resolved[LaunchCampaign] | Resolved[MarkActivityDone] | Resolved[SummariseCampaign]


def decide_campaign(rc: CampaignCommand, state: CampaignState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, LaunchCampaign):
        if state.launched:
            raise Rejected(f"campaign {cmd.campaign_id} is already launched", field="campaign_id")
        in_term(cmd.starts_on, rc.facts, field="starts_on")
        return [
            SafetyCampaignLaunched(
                campaign_id=cmd.campaign_id,
                campus_id=cmd.campus_id,
                title=cmd.title,
                activities=list(cmd.activities),
                starts_on=cmd.starts_on,
            )
        ]
    if not state.launched:
        raise Rejected("the campaign was never launched")
    if state.summarised:
        raise Rejected("the campaign is summarised")
    campaign_id = rc.entity_id
    if isinstance(cmd, MarkActivityDone):
        if cmd.activity not in state.activities:
            raise Rejected(f"{cmd.activity!r} is not an activity of this campaign", field="activity")
        if cmd.activity in state.done:
            raise Rejected(f"{cmd.activity!r} is already done", field="activity")
        not_before(cmd.on, state.starts_on, field="on", step="started", what="campaign")
        in_term(cmd.on, rc.facts, field="on")
        return [
            SafetyCampaignActivityDone(campaign_id=campaign_id, activity=cmd.activity, done_on=cmd.on, note=cmd.note)
        ]
    assert isinstance(cmd, SummariseCampaign)
    pending = [a for a in state.activities if a not in state.done]
    if pending:
        raise Rejected(
            f"{len(pending)} activit{'y is' if len(pending) == 1 else 'ies are'} not done: {', '.join(pending)}"
        )
    not_before(rc.at, state.last_done_on, field="at", step="done", what="last activity")
    return [SafetyCampaignSummarised(campaign_id=campaign_id, summary=cmd.summary)]


def evolve_campaign(state: CampaignState, event: DomainEvent) -> CampaignState:
    match event:
        case SafetyCampaignLaunched():
            return CampaignState(launched=True, activities=tuple(event.activities), starts_on=event.starts_on)
        case SafetyCampaignActivityDone():
            last = event.done_on if state.last_done_on is None else max(state.last_done_on, event.done_on)
            return replace(state, done=state.done | {event.activity}, last_done_on=last)
        case SafetyCampaignSummarised():
            return replace(state, summarised=True)
    return state


SafetyCampaign: Decider[CampaignCommand, CampaignState, DomainEvent] = Decider(
    "SafetyCampaign", CampaignState(), decide_campaign, evolve_campaign, "safety-campaign"
)
