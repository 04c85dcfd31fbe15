"""A student: enrolled in a class, moved within the school, leaving."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from services.directory.events import Admission, StudentEnrolled, StudentLeft, StudentMovedClass
from services.eventkit.acts import ActOn, not_before
from services.eventkit.bounds import EntityId, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ------------------------------------------------------------------------------


class EnrollStudent(Command):
    model_config = examples(
        {
            "student_id": "yao",
            "name": "姚同学",
            "class_id": "g6-1",
            "admission": "transfer",
            "on": "2020-09-01",
        }
    )

    student_id: EntityId
    name: Name
    class_id: EntityId
    admission: Admission
    on: ActOn


class MoveStudent(Command):
    model_config = examples({"to_class_id": "g6-2", "on": "2020-10-08"})

    to_class_id: EntityId
    on: ActOn


class StudentLeaves(Command):
    model_config = examples({"on": "2021-01-31", "reason": "转学"})

    on: ActOn
    reason: Name


# -- state and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class StudentState:
    exists: bool = False
    name: str = ""
    class_id: str = ""
    left: bool = False
    last_step: str = ""  # the step a move or leaving must follow: enrolled, moved class
    last_step_on: date | None = None


StudentCommand = Resolved[EnrollStudent] | Resolved[MoveStudent] | Resolved[StudentLeaves]


def decide_student(rc: StudentCommand, state: StudentState) -> Sequence[DomainEvent]:
    cmd, tenant = rc.command, rc.tenant
    if isinstance(cmd, EnrollStudent):
        if state.exists:
            raise Rejected(f"student {cmd.student_id} is already enrolled", field="student_id")
        return [
            StudentEnrolled(
                student_id=cmd.student_id,
                name=cmd.name,
                class_id=cmd.class_id,
                campus_id=tenant.campus_id or "",
                school_id=tenant.school_id or "",
                district_id=tenant.district_id or "",
                admission=cmd.admission,
                enrolled_on=cmd.on,
            )
        ]
    if not state.exists:
        raise Rejected("the student is not enrolled")
    if state.left:
        raise Rejected(f"{state.name} has left the school")
    student_id = rc.entity_id
    not_before(cmd.on, state.last_step_on, field="on", step=state.last_step, what="student")
    if isinstance(cmd, MoveStudent):
        if cmd.to_class_id == state.class_id:
            raise Rejected(f"{state.name} is already in that class", field="to_class_id")
        return [
            StudentMovedClass(
                student_id=student_id,
                from_class_id=state.class_id,
                to_class_id=cmd.to_class_id,
                campus_id=tenant.campus_id or "",
                moved_on=cmd.on,
            )
        ]
    assert isinstance(cmd, StudentLeaves)
    return [StudentLeft(student_id=student_id, class_id=state.class_id, left_on=cmd.on, reason=cmd.reason)]


def evolve_student(state: StudentState, event: DomainEvent) -> StudentState:
    if isinstance(event, StudentEnrolled):
        return StudentState(True, event.name, event.class_id, last_step="enrolled", last_step_on=event.enrolled_on)
    if isinstance(event, StudentMovedClass):
        return replace(state, class_id=event.to_class_id, last_step="moved class", last_step_on=event.moved_on)
    if isinstance(event, StudentLeft):
        return replace(state, left=True)
    return state


Student: Decider[StudentCommand, StudentState, DomainEvent] = Decider(
    "Student", StudentState(), decide_student, evolve_student, "student", starts=(EnrollStudent,)
)
