"""Classes, staff, students and parents: who is where, doing what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.directory.commands import (
    AssignTeacher,
    ChangeStaffRoles,
    EnrollStudent,
    JoinStaff,
    LeaveStaff,
    LinkParent,
    MoveStudent,
    OpenClass,
    RegisterParent,
    StudentLeaves,
    UnassignTeacher,
)
from services.directory.events import (
    ClassOpened,
    ParentLinked,
    ParentRegistered,
    StaffJoined,
    StaffLeft,
    StaffRolesChanged,
    StudentEnrolled,
    StudentLeft,
    StudentMovedClass,
    TeacherAssigned,
    TeacherUnassigned,
)
from services.eventkit.auth import Role
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# Roles whose work happens on a campus: they need at least one.
CAMPUS_ROLES = frozenset(
    {
        Role.LOGISTICS_MANAGER,
        Role.VICE_PRINCIPAL,
        Role.MEDICAL,
        Role.CLEANER,
        Role.GUARD,
        Role.CANTEEN_WORKER,
        Role.TECHNICIAN,
        Role.TEACHER,
        Role.CLASS_TEACHER,
    }
)

# -- Class -------------------------------------------------------------------------------


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

# -- Staff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffState:
    exists: bool = False
    name: str = ""
    roles: frozenset[Role] = frozenset()
    campus_ids: tuple[str, ...] = ()
    left: bool = False


StaffCommand = Resolved[JoinStaff] | Resolved[ChangeStaffRoles] | Resolved[LeaveStaff]


def _check_roles(roles: Sequence[Role], campus_ids: Sequence[str]) -> None:
    if Role.PARENT in roles:
        raise Rejected("parents are registered as parents, not staff", field="roles")
    if Role.PLATFORM_ADMIN in roles:
        raise Rejected("the platform admin role is not given through the directory", field="roles")
    if CAMPUS_ROLES.intersection(roles) and not campus_ids:
        raise Rejected("a campus role needs at least one campus", field="campus_ids")


def decide_staff(rc: StaffCommand, state: StaffState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, JoinStaff):
        if state.exists:
            raise Rejected(f"staff {cmd.staff_id} already exists", field="staff_id")
        _check_roles(cmd.roles, cmd.campus_ids)
        return [
            StaffJoined(
                staff_id=cmd.staff_id,
                district_id=cmd.district_id,
                school_id=cmd.school_id,
                name=cmd.name,
                roles=sorted(set(cmd.roles)),
                campus_ids=sorted(set(cmd.campus_ids)),
                phone=cmd.phone,
            )
        ]
    if not state.exists:
        raise Rejected("the staff member does not exist")
    if state.left:
        raise Rejected(f"{state.name} has left")
    staff_id = rc.entity_id
    if isinstance(cmd, ChangeStaffRoles):
        _check_roles(cmd.roles, cmd.campus_ids)
        roles, campuses = sorted(set(cmd.roles)), sorted(set(cmd.campus_ids))
        if frozenset(roles) == state.roles and tuple(campuses) == state.campus_ids:
            return []
        return [StaffRolesChanged(staff_id=staff_id, roles=roles, campus_ids=campuses)]
    assert isinstance(cmd, LeaveStaff)
    return [StaffLeft(staff_id=staff_id, left_on=cmd.left_on, reason=cmd.reason)]


def evolve_staff(state: StaffState, event: DomainEvent) -> StaffState:
    if isinstance(event, StaffJoined):
        return StaffState(True, event.name, frozenset(event.roles), tuple(event.campus_ids))
    if isinstance(event, StaffRolesChanged):
        return replace(state, roles=frozenset(event.roles), campus_ids=tuple(event.campus_ids))
    if isinstance(event, StaffLeft):
        return replace(state, left=True)
    return state


StaffMember: Decider[StaffCommand, StaffState, DomainEvent] = Decider(
    "StaffMember", StaffState(), decide_staff, evolve_staff, "staff", starts=(JoinStaff,)
)

# -- Student -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentState:
    exists: bool = False
    name: str = ""
    class_id: str = ""
    left: bool = False


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
                enrolled_on=cmd.enrolled_on,
            )
        ]
    if not state.exists:
        raise Rejected("the student is not enrolled")
    if state.left:
        raise Rejected(f"{state.name} has left the school")
    student_id = rc.entity_id
    if isinstance(cmd, MoveStudent):
        if cmd.to_class_id == state.class_id:
            raise Rejected(f"{state.name} is already in that class", field="to_class_id")
        return [
            StudentMovedClass(
                student_id=student_id,
                from_class_id=state.class_id,
                to_class_id=cmd.to_class_id,
                campus_id=tenant.campus_id or "",
                moved_on=cmd.moved_on,
            )
        ]
    assert isinstance(cmd, StudentLeaves)
    return [StudentLeft(student_id=student_id, class_id=state.class_id, left_on=cmd.left_on, reason=cmd.reason)]


def evolve_student(state: StudentState, event: DomainEvent) -> StudentState:
    if isinstance(event, StudentEnrolled):
        return StudentState(True, event.name, event.class_id)
    if isinstance(event, StudentMovedClass):
        return replace(state, class_id=event.to_class_id)
    if isinstance(event, StudentLeft):
        return replace(state, left=True)
    return state


Student: Decider[StudentCommand, StudentState, DomainEvent] = Decider(
    "Student", StudentState(), decide_student, evolve_student, "student", starts=(EnrollStudent,)
)

# -- Parent ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParentState:
    exists: bool = False
    name: str = ""
    children: tuple[str, ...] = ()


ParentCommand = Resolved[RegisterParent] | Resolved[LinkParent]


def decide_parent(rc: ParentCommand, state: ParentState) -> Sequence[DomainEvent]:
    cmd, tenant = rc.command, rc.tenant
    if isinstance(cmd, RegisterParent):
        if state.exists:
            raise Rejected(f"parent {cmd.parent_id} is already registered", field="parent_id")
        return [
            ParentRegistered(
                parent_id=cmd.parent_id,
                district_id=tenant.district_id or "",
                school_id=cmd.school_id,
                name=cmd.name,
                phone=cmd.phone,
            )
        ]
    if not state.exists:
        raise Rejected("the parent is not registered")
    assert isinstance(cmd, LinkParent)
    if cmd.student_id in state.children:
        raise Rejected(f"{state.name} is already linked to {cmd.student_id}", field="student_id")
    return [
        ParentLinked(
            parent_id=rc.entity_id, student_id=cmd.student_id, class_id=rc.facts["class_id"], relation=cmd.relation
        )
    ]


def evolve_parent(state: ParentState, event: DomainEvent) -> ParentState:
    if isinstance(event, ParentRegistered):
        return ParentState(True, event.name)
    if isinstance(event, ParentLinked):
        return replace(state, children=(*state.children, event.student_id))
    return state


Parent: Decider[ParentCommand, ParentState, DomainEvent] = Decider(
    "Parent", ParentState(), decide_parent, evolve_parent, "parent", starts=(RegisterParent,)
)
