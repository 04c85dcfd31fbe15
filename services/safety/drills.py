"""Drills (演练): one each month, a different kind each time.

A drill is planned with its plan (方案), conducted with a record of who took part
and how long the evacuation took, and summarised with its write-up (总结与报道).
Each step happens once and in that order, each dated by its act: a drill is conducted
(``on``) no earlier than it was planned, and summarised (``at``) no earlier than the day it
was conducted. The day it is planned for and the day it is held fall in a term of the
school calendar (the handler looks the term up: ``facts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, ActOn, not_before
from services.eventkit.bounds import EntityId, Name, Ref, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.common import in_term
from services.safety.events import DrillConducted, DrillKind, DrillPlanned, DrillSummarised

# -- commands ----------------------------------------------------------------------------


class PlanDrill(Command):
    model_config = examples(
        {
            "drill_id": "main-fire-2020-12",
            "campus_id": "main",
            "kind": "fire",
            "title": "119消防疏散演练",
            "planned_on": "2020-12-09",
            "plan_ref": "drills/2020-12/fire-plan.pdf",
            "at": "2020-11-25T10:00:00+08:00",
        }
    )

    drill_id: EntityId
    campus_id: EntityId
    kind: DrillKind = Field(examples=["fire"])
    title: Name = Field(examples=["119消防疏散演练"])
    planned_on: date = Field(description="The day the drill is planned for (in a term)", examples=["2020-12-09"])
    plan_ref: Ref = Field(
        min_length=1, description="The plan document (方案)", examples=["drills/2020-11/fire-plan.pdf"]
    )
    at: ActAtOrNow = None


class ConductDrill(Command):
    model_config = examples(
        {
            "on": "2020-12-09",
            "participants": 1260,
            "evacuation_seconds": 185,
            "record_ref": "drills/2020-12/fire-record.pdf",
        }
    )

    on: ActOn
    participants: int = Field(ge=1, le=100_000, examples=[1260])
    evacuation_seconds: int | None = Field(default=None, ge=1, le=86_400, examples=[185])
    record_ref: Ref = Field(default="", examples=["drills/2020-11/fire-record.pdf"])


class SummariseDrill(Command):
    model_config = examples(
        {
            "summary": "全校3分05秒完成疏散, 二楼东侧楼梯口拥堵, 下次分批下楼",
            "report_ref": "https://mp.weixin.qq.com/s/fire-drill",
            "at": "2020-12-10T16:00:00+08:00",
        }
    )

    summary: Text = Field(min_length=1, examples=["全校3分05秒完成疏散, 二楼东侧楼梯口拥堵, 下次分批下楼"])
    report_ref: Ref = Field(default="", examples=["https://mp.weixin.qq.com/s/fire-drill"])
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


class DrillStatus(StrEnum):
    PLANNED = "planned"
    CONDUCTED = "conducted"
    SUMMARISED = "summarised"


@dataclass(frozen=True)
class DrillState:
    status: DrillStatus | None = None
    campus_id: str = ""
    kind: DrillKind = DrillKind.OTHER
    planned_at: datetime | None = None  # when the plan was made
    conducted_on: date | None = None


DrillCommand = Resolved[PlanDrill] | Resolved[ConductDrill] | Resolved[SummariseDrill]


def decide(rc: DrillCommand, state: DrillState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, PlanDrill):
        if state.status is not None:
            raise Rejected(f"drill {cmd.drill_id} is already planned", field="drill_id")
        in_term(cmd.planned_on, rc.facts, field="planned_on")
        return [
            DrillPlanned(
                drill_id=cmd.drill_id,
                campus_id=cmd.campus_id,
                kind=cmd.kind,
                title=cmd.title,
                planned_on=cmd.planned_on,
                plan_ref=cmd.plan_ref,
                planned_at=rc.at,
            )
        ]
    if state.status is None:
        raise Rejected("the drill was never planned")
    drill_id = rc.entity_id
    if isinstance(cmd, ConductDrill):
        if state.status is not DrillStatus.PLANNED:
            raise Rejected("the drill was already conducted")
        not_before(cmd.on, state.planned_at, field="on", step="planned", what="drill")
        in_term(cmd.on, rc.facts, field="on")
        return [
            DrillConducted(
                drill_id=drill_id,
                campus_id=state.campus_id,
                kind=state.kind,
                conducted_on=cmd.on,
                participants=cmd.participants,
                evacuation_seconds=cmd.evacuation_seconds,
                record_ref=cmd.record_ref,
            )
        ]
    assert isinstance(cmd, SummariseDrill)
    if state.status is DrillStatus.PLANNED:
        raise Rejected("a drill is summarised after it was conducted")
    if state.status is DrillStatus.SUMMARISED:
        raise Rejected("the drill is already summarised")
    not_before(rc.at, state.conducted_on, field="at", step="conducted", what="drill")
    return [DrillSummarised(drill_id=drill_id, summary=cmd.summary, report_ref=cmd.report_ref)]


def evolve(state: DrillState, event: DomainEvent) -> DrillState:
    match event:
        case DrillPlanned():
            return DrillState(DrillStatus.PLANNED, event.campus_id, event.kind, planned_at=event.planned_at)
        case DrillConducted():
            return replace(state, status=DrillStatus.CONDUCTED, conducted_on=event.conducted_on)
        case DrillSummarised():
            return replace(state, status=DrillStatus.SUMMARISED)
    return state


Drill: Decider[DrillCommand, DrillState, DomainEvent] = Decider("Drill", DrillState(), decide, evolve, "drill")
