"""Health records (一人一档): one per student, opened at enrolment (new or transfer).

The medical room reviews each record's form and files special conditions
(特殊体质) apart; the teachers of the student's class at that moment are told at
once, and each of them acknowledges it.

Each act is dated: a record is reviewed (``on``) and a condition filed (``at``) no earlier
than the record was opened, and a condition acknowledged no earlier than it was filed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, ActOn, ActOnOrToday, not_before
from services.eventkit.bounds import EntityId, Ref, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.events import (
    HealthRecordOpened,
    HealthRecordReviewed,
    SpecialConditionAcknowledged,
    SpecialConditionRecorded,
)

# Facts the handler resolves from the directory.
CLASS_ID = "class_id"  # the student's class now
ADMISSION = "admission"  # new | transfer
TEACHERS = "teachers"  # the class's teachers now, comma-separated

# -- commands ----------------------------------------------------------------------------


class OpenHealthRecord(Command):
    model_config = examples({"student_id": "yao", "on": "2020-09-01", "form_ref": "forms/health/yao.pdf"})
    student_id: EntityId
    on: ActOn
    form_ref: Ref = Field(default="", examples=["forms/health/yao.pdf"])


class ReviewHealthRecord(Command):
    model_config = examples({"notes": "插班生体检表齐全", "on": "2020-09-03"})
    notes: Text = ""
    on: ActOnOrToday = None


class RecordSpecialCondition(Command):
    model_config = examples(
        {
            "condition_id": "peanut-allergy",
            "description": "花生过敏",
            "care_instructions": "避免含花生食物；随身携带肾上腺素笔",
            "at": "2020-09-02T10:00:00+08:00",
        }
    )
    condition_id: EntityId = Field(examples=["peanut-allergy"])
    description: Text = Field(min_length=1, examples=["花生过敏"])
    care_instructions: Text = Field(min_length=1, examples=["避免含花生食物；随身携带肾上腺素笔"])
    at: ActAtOrNow = None


class AcknowledgeSpecialCondition(Command):
    model_config = examples(
        {"condition_id": "peanut-allergy"}, {"condition_id": "peanut-allergy", "at": "2020-09-02T12:00:00+08:00"}
    )
    condition_id: EntityId
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionState:
    teachers_to_tell: tuple[str, ...] = ()
    acknowledged: frozenset[str] = frozenset()
    filed_at: datetime | None = None


@dataclass(frozen=True)
class HealthRecordState:
    opened: bool = False
    class_id: str = ""
    admission: str = ""
    reviews: int = 0
    opened_on: date | None = None
    conditions: Mapping[str, ConditionState] = field(default_factory=dict)


HealthRecordCommand = (
    Resolved[OpenHealthRecord]
    | Resolved[ReviewHealthRecord]
    | Resolved[RecordSpecialCondition]
    | Resolved[AcknowledgeSpecialCondition]
)


def decide(rc: HealthRecordCommand, state: HealthRecordState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, OpenHealthRecord):
        if state.opened:
            raise Rejected(f"student {cmd.student_id} already has a health record", field="student_id")
        return [
            HealthRecordOpened(
                student_id=cmd.student_id,
                class_id=rc.facts[CLASS_ID],
                admission=rc.facts[ADMISSION],
                opened_on=cmd.on,
                form_ref=cmd.form_ref,
            )
        ]
    if not state.opened:
        raise Rejected("the student has no health record")
    student_id = rc.entity_id
    if isinstance(cmd, ReviewHealthRecord):
        not_before(rc.on, state.opened_on, field="on", step="opened", what="health record")
        return [HealthRecordReviewed(student_id=student_id, reviewed_by=rc.actor, reviewed_on=rc.on, notes=cmd.notes)]
    if isinstance(cmd, RecordSpecialCondition):
        if cmd.condition_id in state.conditions:
            raise Rejected(f"condition {cmd.condition_id} is already on file", field="condition_id")
        not_before(rc.at, state.opened_on, field="at", step="opened", what="health record")
        teachers = sorted({t for t in rc.facts.get(TEACHERS, "").split(",") if t})
        return [
            SpecialConditionRecorded(
                student_id=student_id,
                class_id=rc.facts.get(CLASS_ID) or state.class_id,
                condition_id=cmd.condition_id,
                description=cmd.description,
                care_instructions=cmd.care_instructions,
                teachers_to_tell=teachers,
                filed_at=rc.at,
            )
        ]
    assert isinstance(cmd, AcknowledgeSpecialCondition)
    condition = state.conditions.get(cmd.condition_id)
    if condition is None:
        raise Rejected(f"no condition {cmd.condition_id} is on file", field="condition_id")
    if rc.actor not in condition.teachers_to_tell:
        raise Rejected(f"{rc.actor} was not told of this condition: it is for the class's teachers")
    if rc.actor in condition.acknowledged:
        raise Rejected(f"{rc.actor} has already acknowledged this condition")
    not_before(rc.at, condition.filed_at, field="at", step="recorded", what="condition")
    return [
        SpecialConditionAcknowledged(
            student_id=student_id, condition_id=cmd.condition_id, teacher_id=rc.actor, acknowledged_at=rc.at
        )
    ]


def evolve(state: HealthRecordState, event: DomainEvent) -> HealthRecordState:
    match event:
        case HealthRecordOpened():
            return HealthRecordState(
                opened=True, class_id=event.class_id, admission=event.admission, opened_on=event.opened_on
            )
        case HealthRecordReviewed():
            return replace(state, reviews=state.reviews + 1)
        case SpecialConditionRecorded():
            condition = ConditionState(teachers_to_tell=tuple(event.teachers_to_tell), filed_at=event.filed_at)
            return replace(state, conditions={**state.conditions, event.condition_id: condition})
        case SpecialConditionAcknowledged():
            told = state.conditions.get(event.condition_id, ConditionState())
            acknowledged = replace(told, acknowledged=told.acknowledged | {event.teacher_id})
            return replace(state, conditions={**state.conditions, event.condition_id: acknowledged})
    return state


HealthRecord: Decider[HealthRecordCommand, HealthRecordState, DomainEvent] = Decider(
    "HealthRecord", HealthRecordState(), decide, evolve, "health-record"
)
