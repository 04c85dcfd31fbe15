"""Inspections: daily patrols, monthly checks, special checks and fire inspections.

An inspection covers areas of a campus with a checklist; every item gets a
finding before it completes, and a finding with a problem raises a hazard. A fire
inspection (消防检查, "two directors check in person") completes only with the
sign-offs of two different directors. Each campus has a rhythm per kind that
says when the next one is due.

Each act is dated (``at``): findings and sign-offs not before the inspection started,
its completion not before it started nor before its last sign-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from services.eventkit.acts import ActAt, ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Many, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.hr_eval.events import ItemSource as AppraisalSource
from services.safety.events import (
    AppraisalItemProposed,
    InspectionCompleted,
    InspectionFindingRecorded,
    InspectionKind,
    InspectionScheduleSet,
    InspectionSignedOff,
    InspectionStarted,
    Severity,
)

REQUIRED_SIGN_OFFS = {InspectionKind.FIRE: 2}
DEFAULT_RHYTHM_DAYS: dict[InspectionKind, int | None] = {
    InspectionKind.DAILY_PATROL: 1,
    InspectionKind.MONTHLY_CHECK: 31,
    InspectionKind.FIRE: 31,
    InspectionKind.SPECIAL_CHECK: None,
}

# -- commands ----------------------------------------------------------------------------

RuleCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", max_length=32),
    Field(description="The code of the rule of the school's appraisal rule book the finding falls under, e.g. R-2"),
]
"""A rule's code in the appraisal rule book: letters, digits, dots, dashes, up to 32 characters."""


class StartInspection(Command):
    model_config = examples(
        {
            "inspection_id": "fire-2020-10-main",
            "campus_id": "main",
            "kind": "fire",
            "areas": ["教学楼", "食堂"],
            "checklist": ["灭火器在有效期内", "安全出口畅通", "消防栓门板完好"],
            "at": "2020-10-30T14:00:00+08:00",
        }
    )
    inspection_id: EntityId
    campus_id: EntityId
    kind: InspectionKind
    areas: Many[Name] = Field(min_length=1, examples=[["教学楼", "操场", "食堂"]])
    checklist: Many[Name] = Field(min_length=1, examples=[["灭火器在有效期内", "安全出口畅通", "消防栓门板完好"]])
    at: ActAt

    @field_validator("checklist")
    @classmethod
    def _distinct_items(cls, items: list[str]) -> list[str]:
        if len(set(items)) != len(items):
            raise ValueError("checklist items must be distinct")
        return items


class RecordFinding(Command):
    model_config = examples(
        {"item": "安全出口畅通", "area": "教学楼", "ok": True, "at": "2020-10-30T14:20:00+08:00"},
        {"item": "消防栓门板完好", "area": "教学楼", "ok": False, "note": "三楼门板损坏", "severity": "medium"},
    )
    item: Name
    area: Name
    ok: bool
    note: Text = ""
    severity: Severity | None = Field(default=None, description="Required when not ok: the hazard's severity")
    hazard_id: EntityId | None = Field(default=None, description="Id of the hazard a problem raises (made if omitted)")
    responsible_staff_id: EntityId | None = Field(
        default=None,
        description="The worker of the campus the finding is put down to: proposed for their month's appraisal",
    )
    rule_code: RuleCode | None = Field(
        default=None, description="With a responsible worker: the appraisal rule the finding suggests"
    )
    at: ActAtOrNow = None


class SignOffInspection(Command):
    """A director signs the inspection off (fire inspections need two)."""

    model_config = examples({}, {"at": "2020-10-30T15:40:00+08:00"})

    at: ActAtOrNow = None


class CompleteInspection(Command):
    model_config = examples({"at": "2020-10-30T16:00:00+08:00", "summary": "两位主任亲自检查, 一处门板待修"})
    at: ActAt
    summary: Text = ""


class SetInspectionSchedule(Command):
    model_config = examples({"kind": "fire", "every_days": 30})
    kind: InspectionKind
    every_days: int | None = Field(ge=1, le=366, description="None: no fixed rhythm")


# -- the inspection ----------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionState:
    started: bool = False
    campus_id: str = ""
    kind: InspectionKind = InspectionKind.DAILY_PATROL
    areas: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()
    checked: frozenset[str] = frozenset()
    problems: int = 0
    findings: int = 0
    sign_offs: tuple[str, ...] = ()
    completed: bool = False
    started_at: datetime | None = None
    last_step: str = ""  # the latest step a completion must follow: started, signed off
    last_step_at: datetime | None = None


InspectionCommand = (
    Resolved[StartInspection] | Resolved[RecordFinding] | Resolved[SignOffInspection] | Resolved[CompleteInspection]
)


def decide_inspection(rc: InspectionCommand, state: InspectionState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, StartInspection):
        if state.started:
            raise Rejected(f"inspection {cmd.inspection_id} already exists", field="inspection_id")
        return [
            InspectionStarted(
                inspection_id=cmd.inspection_id,
                campus_id=cmd.campus_id,
                kind=cmd.kind,
                areas=list(cmd.areas),
                checklist=list(cmd.checklist),
                inspector_id=rc.actor,
                started_at=rc.at,
            )
        ]
    if not state.started:
        raise Rejected("the inspection was never started")
    if state.completed:
        raise Rejected("the inspection is completed")
    inspection_id = rc.entity_id
    not_before(rc.at, state.started_at, field="at", step="started", what="inspection")
    if isinstance(cmd, RecordFinding):
        if cmd.item not in state.checklist:
            raise Rejected(f"{cmd.item!r} is not on this inspection's checklist", field="item")
        if cmd.area not in state.areas:
            raise Rejected(f"{cmd.area!r} is not an area of this inspection", field="area")
        if not cmd.ok and cmd.severity is None:
            raise Rejected("a problem needs a severity for its hazard", field="severity")
        if cmd.rule_code is not None and cmd.responsible_staff_id is None:
            raise Rejected("a rule is suggested for the worker responsible: name them", field="responsible_staff_id")
        finding = InspectionFindingRecorded(
            inspection_id=inspection_id,
            item=cmd.item,
            area=cmd.area,
            ok=cmd.ok,
            note=cmd.note,
            hazard_id=None if cmd.ok else rc.facts["hazard_id"],
            responsible_staff_id=cmd.responsible_staff_id,
        )
        if cmd.responsible_staff_id is None:
            return [finding]
        daily = state.kind == InspectionKind.DAILY_PATROL
        proposal = AppraisalItemProposed(
            staff_id=cmd.responsible_staff_id,
            campus_id=state.campus_id,
            occurred_at=rc.at,  # when it was found
            source=AppraisalSource.PATROL if daily else AppraisalSource.INSPECTION,
            source_ref=inspection_id,
            rule_code=cmd.rule_code or "",
            place=cmd.area,
            note=f"{cmd.item}: {cmd.note}" if cmd.note else cmd.item,
        )
        return [finding, proposal]
    if isinstance(cmd, SignOffInspection):
        if rc.actor in state.sign_offs:
            raise Rejected(f"{rc.actor} already signed this inspection off")
        return [InspectionSignedOff(inspection_id=inspection_id, director_id=rc.actor, signed_at=rc.at)]
    assert isinstance(cmd, CompleteInspection)
    missing = [item for item in state.checklist if item not in state.checked]
    if missing:
        raise Rejected(f"{len(missing)} checklist item(s) have no finding: {', '.join(missing)}")
    needed = REQUIRED_SIGN_OFFS.get(state.kind, 0)
    if len(state.sign_offs) < needed:
        raise Rejected(
            f"a {state.kind.value} inspection needs {needed} sign-offs by different directors; "
            f"it has {len(state.sign_offs)}"
        )
    not_before(rc.at, state.last_step_at, field="at", step=state.last_step, what="inspection")
    return [
        InspectionCompleted(
            inspection_id=inspection_id,
            campus_id=state.campus_id,
            kind=state.kind,
            completed_at=rc.at,
            findings=state.findings,
            problems=state.problems,
            summary=cmd.summary,
        )
    ]


def evolve_inspection(state: InspectionState, event: DomainEvent) -> InspectionState:
    match event:
        case InspectionStarted():
            return InspectionState(
                started=True,
                campus_id=event.campus_id,
                kind=event.kind,
                areas=tuple(event.areas),
                checklist=tuple(event.checklist),
                started_at=event.started_at,
                last_step="started",
                last_step_at=event.started_at,
            )
        case InspectionFindingRecorded():
            return replace(
                state,
                checked=state.checked | {event.item},
                findings=state.findings + 1,
                problems=state.problems + (0 if event.ok else 1),
            )
        case InspectionSignedOff():
            signed = replace(state, sign_offs=(*state.sign_offs, event.director_id))
            if state.last_step_at is not None and event.signed_at < state.last_step_at:
                return signed
            return replace(signed, last_step="signed off", last_step_at=event.signed_at)
        case InspectionCompleted():
            return replace(state, completed=True)
    return state


Inspection: Decider[InspectionCommand, InspectionState, DomainEvent] = Decider(
    "Inspection", InspectionState(), decide_inspection, evolve_inspection, "inspection", starts=(StartInspection,)
)

# -- the rhythm of a campus --------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleState:
    rhythm: tuple[tuple[InspectionKind, int | None], ...] = ()


def decide_schedule(rc: Resolved[SetInspectionSchedule], state: ScheduleState) -> Sequence[DomainEvent]:
    cmd = rc.command
    current = dict(state.rhythm).get(cmd.kind, DEFAULT_RHYTHM_DAYS[cmd.kind])
    if current == cmd.every_days and cmd.kind in dict(state.rhythm):
        return []
    return [InspectionScheduleSet(campus_id=rc.entity_id, kind=cmd.kind, every_days=cmd.every_days)]


def evolve_schedule(state: ScheduleState, event: DomainEvent) -> ScheduleState:
    if isinstance(event, InspectionScheduleSet):
        rhythm = dict(state.rhythm) | {event.kind: event.every_days}
        return ScheduleState(tuple(sorted(rhythm.items())))
    return state


InspectionSchedule: Decider[Resolved[SetInspectionSchedule], ScheduleState, DomainEvent] = Decider(
    "InspectionSchedule", ScheduleState(), decide_schedule, evolve_schedule, "inspection-schedule"
)
