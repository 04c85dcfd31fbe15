"""A class on a campus and its teachers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import Field

from services.directory.events import ClassOpened, TeacherAssigned, TeacherUnassigned
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ------------------------------------------------------------------------------


class OpenClass(Command):
    model_config = examples({"class_id": "g6-1", "campus_id": "main", "name": "六1班", "grade": 6})

    class_id: EntityId
    campus_id: EntityId
    name: Name = Field(examples=["六1班"])
    grade: int = Field(ge=1, le=12)
    at: ActAtOrNow = None


class AssignTeacher(Command):
    model_config = examples({"staff_id": "huang", "subject": "语文", "is_class_teacher": True})

    staff_id: EntityId
    subject: Name = Field(examples=["语文"])
    is_class_teacher: bool = False
    at: ActAtOrNow = None


class UnassignTeacher(Command):
    model_config = examples({"staff_id": "huang"})

    staff_id: EntityId
    at: ActAtOrNow = None


# -- state and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class ClassState:
    exists: bool = False
    campus_id: str = ""
    name: str = ""
    teachers: tuple[tuple[str, str], ...] = ()  # (staff_id, subject)
    class_teacher: str | None = None


ClassCommand = Resolved[OpenClass] | Resolved[AssignTeacher] | Resolved[UnassignTeacher]


def decide_class(rc: ClassCommand, state: ClassState) -> Sequence[DomainEvent]:
    cmd, tenant = rc.command, rc.tenant
    if isinstance(cmd, OpenClass):
        if state.exists:
            raise Rejected(f"class {cmd.class_id} already exists", field="class_id")
        return [
            ClassOpened(
                class_id=cmd.class_id,
                campus_id=cmd.campus_id,
                school_id=tenant.school_id or "",
                district_id=tenant.district_id or "",
                name=cmd.name,
                grade=cmd.grade,
            )
        ]
    if not state.exists:
        raise Rejected("the class does not exist")
    class_id = rc.entity_id
    if isinstance(cmd, AssignTeacher):
        if (cmd.staff_id, cmd.subject) in state.teachers:
            raise Rejected(f"{cmd.staff_id} already teaches {cmd.subject} in {state.name}", field="staff_id")
        if cmd.is_class_teacher and state.class_teacher not in (None, cmd.staff_id):
            raise Rejected(
                f"{state.name} already has a class teacher ({state.class_teacher})", field="is_class_teacher"
            )
        return [
            TeacherAssigned(
                class_id=class_id, staff_id=cmd.staff_id, subject=cmd.subject, is_class_teacher=cmd.is_class_teacher
            )
        ]
    assert isinstance(cmd, UnassignTeacher)
    if all(staff != cmd.staff_id for staff, _ in state.teachers):
        raise Rejected(f"{cmd.staff_id} does not teach {state.name}", field="staff_id")
    return [TeacherUnassigned(class_id=class_id, staff_id=cmd.staff_id)]


def evolve_class(state: ClassState, event: DomainEvent) -> ClassState:
    if isinstance(event, ClassOpened):
        return ClassState(exists=True, campus_id=event.campus_id, name=event.name)
    if isinstance(event, TeacherAssigned):
        return replace(
            state,
            teachers=(*state.teachers, (event.staff_id, event.subject)),
            class_teacher=event.staff_id if event.is_class_teacher else state.class_teacher,
        )
    if isinstance(event, TeacherUnassigned):
        return replace(
            state,
            teachers=tuple(t for t in state.teachers if t[0] != event.staff_id),
            class_teacher=None if state.class_teacher == event.staff_id else state.class_teacher,
        )
    return state


SchoolClass: Decider[ClassCommand, ClassState, DomainEvent] = Decider(
    "SchoolClass", ClassState(), decide_class, evolve_class, "class", starts=(OpenClass,)
)
