"""Student injuries (学生受伤事故): reported -> parent told -> followed up -> closed.

An injury is reported with where it happened (PE, a break, an activity), what it
is and the first aid given; the student's class and campus come from the
directory. It closes with its cause and the measures taken, and only once the
parents were told. A closed injury takes nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from pydantic import Field

from services.eventkit.acts import ActAt, ActOn, not_before
from services.eventkit.bounds import EntityId, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.days import local_day
from services.eventkit.decider import EPOCH, Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.events import (
    BreakPeriod,
    InjuryClosed,
    InjuryFollowedUp,
    InjuryParentNotified,
    InjuryReported,
    InjurySetting,
)
from services.safety.floor_duty import Building, Floor

# -- commands ----------------------------------------------------------------------------


class ReportInjury(Command):
    model_config = examples(
        {
            "injury_id": "main-2020-10-19-yao",
            "student_id": "yao",
            "setting": "break",
            "at": "2020-10-19T09:40:00+08:00",
            "injury": "课间追逐撞到门框, 额头擦伤",
            "first_aid": "医务室清洗消毒, 冰敷",
        }
    )

    injury_id: EntityId
    student_id: EntityId
    setting: InjurySetting = Field(examples=["break"])
    at: ActAt
    injury: Text = Field(min_length=1, examples=["追逐时摔倒, 左膝擦伤"])
    first_aid: Text = Field(min_length=1, examples=["医务室清洗消毒, 包扎"])
    building: Building | None = Field(default=None, description="The building's code, if it happened in one")
    floor: Floor | None = Field(default=None, description="The floor it happened on, if in a building")
    break_period: BreakPeriod | None = Field(default=None, description="The break or activity time it happened at")
    camera_area_id: EntityId | None = Field(
        default=None, description="The camera area it happened in (see /camera-areas)", examples=["main-2f-east"]
    )


class NotifyParent(Command):
    model_config = examples({"at": "2020-10-19T10:00:00+08:00", "how": "电话"})

    at: ActAt
    how: Name = Field(examples=["电话"])


class FollowUp(Command):
    model_config = examples({"on": "2020-10-21", "note": "电话回访, 伤口愈合良好"})

    on: ActOn
    note: Text = Field(min_length=1, examples=["电话回访, 伤口愈合良好"])


class CloseInjury(Command):
    model_config = examples(
        {"on": "2020-10-26", "cause": "课间在走廊追逐", "measures": "班会强调课间文明活动; 楼层值日老师到岗"}
    )

    on: ActOn
    cause: Text = Field(min_length=1, examples=["课间在走廊追逐"])
    measures: Text = Field(min_length=1, examples=["班会强调课间文明活动; 楼层值日老师到岗"])


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InjuryState:
    reported: bool = False
    occurred_at: datetime = EPOCH
    parent_told: bool = False
    closed: bool = False
    last_step: str = ""  # the latest step a closing must follow: happened, parents told, followed up
    last_step_on: date | None = None


InjuryCommand = Resolved[ReportInjury] | Resolved[NotifyParent] | Resolved[FollowUp] | Resolved[CloseInjury]


def decide(rc: InjuryCommand, state: InjuryState) -> Sequence[DomainEvent]:
    """``facts["class_id"]``: the student's class (the handler reads it from the directory)."""
    cmd = rc.command
    if isinstance(cmd, ReportInjury):
        if state.reported:
            raise Rejected(f"injury {cmd.injury_id} is already reported", field="injury_id")
        return [
            InjuryReported(
                injury_id=cmd.injury_id,
                campus_id=rc.tenant.campus_id or "",
                student_id=cmd.student_id,
                class_id=rc.facts["class_id"],
                setting=cmd.setting,
                occurred_at=rc.at,
                injury=cmd.injury,
                first_aid=cmd.first_aid,
                reported_by=rc.actor,
                building=cmd.building,
                floor=cmd.floor,
                break_period=cmd.break_period,
                camera_area_id=cmd.camera_area_id,
            )
        ]
    if not state.reported:
        raise Rejected("the injury was never reported")
    if state.closed:
        raise Rejected("the injury is closed")
    injury_id = rc.entity_id
    if isinstance(cmd, NotifyParent):
        not_before(rc.at, state.occurred_at, field="at", step="injured", what="student")
        return [InjuryParentNotified(injury_id=injury_id, notified_at=rc.at, how=cmd.how, notified_by=rc.actor)]
    if isinstance(cmd, FollowUp):
        not_before(cmd.on, state.occurred_at, field="on", step="injured", what="student")
        return [InjuryFollowedUp(injury_id=injury_id, on=cmd.on, note=cmd.note, by=rc.actor)]
    assert isinstance(cmd, CloseInjury)
    not_before(cmd.on, state.occurred_at, field="on", step="injured", what="student")
    if not state.parent_told:
        raise Rejected("tell the parents before closing the injury")
    not_before(cmd.on, state.last_step_on, field="on", step=state.last_step, what="injury")
    return [InjuryClosed(injury_id=injury_id, closed_on=cmd.on, cause=cmd.cause, measures=cmd.measures)]


def evolve(state: InjuryState, event: DomainEvent) -> InjuryState:
    match event:
        case InjuryReported():
            return InjuryState(reported=True, occurred_at=event.occurred_at)
        case InjuryParentNotified():
            return _later(replace(state, parent_told=True), "parents told of", local_day(event.notified_at))
        case InjuryFollowedUp():
            return _later(state, "followed up", event.on)
        case InjuryClosed():
            return replace(state, closed=True)
    return state


def _later(state: InjuryState, step: str, on: date) -> InjuryState:
    """``step`` as the one a closing must follow, if ``on`` is later than the one so far."""
    if state.last_step_on is not None and on < state.last_step_on:
        return state
    return replace(state, last_step=step, last_step_on=on)


Injury: Decider[InjuryCommand, InjuryState, DomainEvent] = Decider(
    "Injury", InjuryState(), decide, evolve, "injury", starts=(ReportInjury,)
)
