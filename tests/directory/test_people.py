"""Classes, staff, students and parents: given events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import date

import pytest

from services.directory.events import (
    Admission,
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
from services.directory.parent import LinkParent, Parent, ParentState, RegisterParent
from services.directory.school_class import AssignTeacher, ClassState, OpenClass, SchoolClass, UnassignTeacher
from services.directory.staff import ChangeStaffRoles, JoinStaff, LeaveStaff, StaffMember, StaffState
from services.directory.student import EnrollStudent, MoveStudent, Student, StudentLeaves, StudentState
from services.eventkit.auth import Role
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

XUEXIAO = TenantPath(district_id="xinbei", school_id="xuexiao")
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AOYUAN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")

CLASS_OPENED = ClassOpened(
    class_id="g6-1", campus_id="main", school_id="xuexiao", district_id="xinbei", name="六1班", grade=6
)
WANG_TEACHES = TeacherAssigned(class_id="g6-1", staff_id="wang", subject="数学")
LI_CLASS_TEACHER = TeacherAssigned(class_id="g6-1", staff_id="li", subject="语文", is_class_teacher=True)

WANG_JOINED = StaffJoined(
    staff_id="wang",
    district_id="xinbei",
    school_id="xuexiao",
    name="王老师",
    roles=[Role.TEACHER],
    campus_ids=["main"],
)
ENROLLED = StudentEnrolled(
    student_id="zhang-san",
    name="张三",
    class_id="g6-1",
    campus_id="main",
    school_id="xuexiao",
    district_id="xinbei",
    admission=Admission.TRANSFER,
    enrolled_on=date(2020, 10, 12),
)
PARENT_REGISTERED = ParentRegistered(
    parent_id="zhang-mum", district_id="xinbei", school_id="xuexiao", name="张妈妈", phone="13800000000"
)


school_class = Stream(SchoolClass, MAIN, "g6-1")


# -- SchoolClass -------------------------------------------------------------------------


def test_a_class_is_opened_on_its_campus() -> None:
    cmd = OpenClass(class_id="g6-1", campus_id="main", name="六1班", grade=6)
    assert school_class.when(cmd) == [CLASS_OPENED]
    assert school_class.given(CLASS_OPENED) == ClassState(exists=True, campus_id="main", name="六1班")


def test_a_class_is_opened_once() -> None:
    cmd = OpenClass(class_id="g6-1", campus_id="main", name="六1班", grade=6)
    school_class.refused(cmd, given=[CLASS_OPENED], field="class_id")


def test_a_teacher_is_assigned() -> None:
    cmd = AssignTeacher(staff_id="wang", subject="数学")
    assert school_class.when(cmd, given=[CLASS_OPENED]) == [WANG_TEACHES]


def test_a_class_teacher_is_assigned() -> None:
    cmd = AssignTeacher(staff_id="li", subject="语文", is_class_teacher=True)
    events = school_class.when(cmd, given=[CLASS_OPENED, WANG_TEACHES])
    assert events == [LI_CLASS_TEACHER]
    state = school_class.given(CLASS_OPENED, WANG_TEACHES, *events)
    assert state.class_teacher == "li"
    assert state.teachers == (("wang", "数学"), ("li", "语文"))


def test_a_class_has_one_class_teacher() -> None:
    cmd = AssignTeacher(staff_id="wang", subject="班会", is_class_teacher=True)
    school_class.refused(cmd, given=[CLASS_OPENED, LI_CLASS_TEACHER], field="is_class_teacher")


def test_the_class_teacher_may_teach_another_subject_as_class_teacher() -> None:
    cmd = AssignTeacher(staff_id="li", subject="道德与法治", is_class_teacher=True)
    events = school_class.when(cmd, given=[CLASS_OPENED, LI_CLASS_TEACHER])
    assert events == [TeacherAssigned(class_id="g6-1", staff_id="li", subject="道德与法治", is_class_teacher=True)]


def test_the_same_assignment_is_refused() -> None:
    cmd = AssignTeacher(staff_id="wang", subject="数学")
    school_class.refused(cmd, given=[CLASS_OPENED, WANG_TEACHES], field="staff_id")


def test_the_same_teacher_may_teach_a_second_subject() -> None:
    cmd = AssignTeacher(staff_id="wang", subject="科学")
    events = school_class.when(cmd, given=[CLASS_OPENED, WANG_TEACHES])
    assert events == [TeacherAssigned(class_id="g6-1", staff_id="wang", subject="科学")]


def test_assigning_to_an_unknown_class_is_refused() -> None:
    school_class.refused(AssignTeacher(staff_id="wang", subject="数学"))


def test_a_teacher_is_unassigned() -> None:
    events = school_class.when(UnassignTeacher(staff_id="li"), given=[CLASS_OPENED, WANG_TEACHES, LI_CLASS_TEACHER])
    assert events == [TeacherUnassigned(class_id="g6-1", staff_id="li")]
    state = school_class.given(CLASS_OPENED, WANG_TEACHES, LI_CLASS_TEACHER, *events)
    assert state.teachers == (("wang", "数学"),)
    assert state.class_teacher is None


def test_after_the_class_teacher_left_another_may_take_over() -> None:
    history = [CLASS_OPENED, LI_CLASS_TEACHER, TeacherUnassigned(class_id="g6-1", staff_id="li")]
    cmd = AssignTeacher(staff_id="wang", subject="数学", is_class_teacher=True)
    assert school_class.when(cmd, given=history) == [
        TeacherAssigned(class_id="g6-1", staff_id="wang", subject="数学", is_class_teacher=True)
    ]


def test_unassigning_someone_who_does_not_teach_the_class_is_refused() -> None:
    school_class.refused(UnassignTeacher(staff_id="zhao"), given=[CLASS_OPENED, WANG_TEACHES], field="staff_id")


# -- StaffMember -------------------------------------------------------------------------


def join(**overrides: object) -> JoinStaff:
    fields: dict[str, object] = {
        "staff_id": "wang",
        "district_id": "xinbei",
        "school_id": "xuexiao",
        "name": "王老师",
        "roles": [Role.TEACHER],
        "campus_ids": ["main"],
    }
    return JoinStaff.model_validate(fields | overrides)


staff = Stream(StaffMember, XUEXIAO, "wang")


def test_a_staff_member_joins() -> None:
    assert staff.when(join()) == [WANG_JOINED]
    assert staff.given(WANG_JOINED) == StaffState(True, "王老师", frozenset({Role.TEACHER}), ("main",))


def test_roles_and_campuses_are_stored_sorted_and_once() -> None:
    cmd = join(roles=[Role.TEACHER, Role.CLASS_TEACHER, Role.TEACHER], campus_ids=["main", "aoyuan", "main"])
    [joined] = staff.when(cmd)
    assert isinstance(joined, StaffJoined)
    assert joined.roles == [Role.CLASS_TEACHER, Role.TEACHER]
    assert joined.campus_ids == ["aoyuan", "main"]


def test_district_staff_need_no_campus() -> None:
    cmd = join(staff_id="admin-1", school_id=None, roles=[Role.DISTRICT_ADMIN], campus_ids=[])
    assert staff.when(cmd, entity_id="admin-1") == [
        StaffJoined(
            staff_id="admin-1", district_id="xinbei", school_id=None, name="王老师", roles=[Role.DISTRICT_ADMIN]
        )
    ]


def test_a_staff_member_joins_once() -> None:
    staff.refused(join(), given=[WANG_JOINED], field="staff_id")


@pytest.mark.parametrize("role", [Role.PARENT, Role.PLATFORM_ADMIN])
def test_roles_not_given_through_the_staff_list(role: Role) -> None:
    staff.refused(join(roles=[Role.TEACHER, role]), field="roles")
    staff.refused(ChangeStaffRoles(roles=[role]), given=[WANG_JOINED], field="roles")


@pytest.mark.parametrize(
    "role",
    [
        Role.LOGISTICS_MANAGER,
        Role.VICE_PRINCIPAL,
        Role.MEDICAL,
        Role.CLEANER,
        Role.GUARD,
        Role.CANTEEN_WORKER,
        Role.TECHNICIAN,
        Role.TEACHER,
        Role.CLASS_TEACHER,
    ],
)
def test_campus_roles_need_a_campus(role: Role) -> None:
    staff.refused(join(roles=[role], campus_ids=[]), field="campus_ids")
    staff.refused(ChangeStaffRoles(roles=[role]), given=[WANG_JOINED], field="campus_ids")


@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.ACCEPTANCE_MEMBER, Role.OPERATOR])
def test_other_roles_need_no_campus(role: Role) -> None:
    [joined] = staff.when(join(roles=[role], campus_ids=[]))
    assert isinstance(joined, StaffJoined)
    assert joined.roles == [role]


def test_roles_are_changed() -> None:
    cmd = ChangeStaffRoles(roles=[Role.CLASS_TEACHER, Role.TEACHER], campus_ids=["aoyuan"])
    events = staff.when(cmd, given=[WANG_JOINED])
    assert events == [
        StaffRolesChanged(staff_id="wang", roles=[Role.CLASS_TEACHER, Role.TEACHER], campus_ids=["aoyuan"])
    ]
    state = staff.given(WANG_JOINED, *events)
    assert state.roles == {Role.TEACHER, Role.CLASS_TEACHER}
    assert state.campus_ids == ("aoyuan",)


def test_the_same_roles_again_change_nothing() -> None:
    cmd = ChangeStaffRoles(roles=[Role.TEACHER, Role.TEACHER], campus_ids=["main"])
    assert staff.when(cmd, given=[WANG_JOINED]) == []


def test_changing_the_roles_of_someone_unknown_is_refused() -> None:
    staff.refused(ChangeStaffRoles(roles=[Role.OPERATOR]))


def test_a_staff_member_leaves() -> None:
    cmd = LeaveStaff(left_on=date(2021, 1, 31), reason="退休")
    events = staff.when(cmd, given=[WANG_JOINED])
    assert events == [StaffLeft(staff_id="wang", left_on=date(2021, 1, 31), reason="退休")]
    assert staff.given(WANG_JOINED, *events).left


@pytest.mark.parametrize(
    "cmd",
    [
        ChangeStaffRoles(roles=[Role.TEACHER], campus_ids=["aoyuan"]),
        ChangeStaffRoles(roles=[Role.TEACHER], campus_ids=["main"]),
        LeaveStaff(left_on=date(2021, 2, 1), reason="again"),
    ],
)
def test_someone_who_left_refuses_changes(cmd: ChangeStaffRoles | LeaveStaff) -> None:
    left = [WANG_JOINED, StaffLeft(staff_id="wang", left_on=date(2021, 1, 31), reason="退休")]
    staff.refused(cmd, given=left, match="has left")


# -- Student -----------------------------------------------------------------------------


def enrol(**overrides: object) -> EnrollStudent:
    fields: dict[str, object] = {
        "student_id": "zhang-san",
        "name": "张三",
        "class_id": "g6-1",
        "admission": "transfer",
        "enrolled_on": "2020-10-12",
    }
    return EnrollStudent.model_validate(fields | overrides)


student = Stream(Student, MAIN, "zhang-san")


def test_a_student_is_enrolled_in_the_tenant_of_the_class() -> None:
    assert student.when(enrol()) == [ENROLLED]
    assert student.given(ENROLLED) == StudentState(True, "张三", "g6-1")


def test_a_student_is_enrolled_once() -> None:
    student.refused(enrol(class_id="g6-2"), given=[ENROLLED], field="student_id")


def test_a_student_moves_class() -> None:
    cmd = MoveStudent(to_class_id="g6-2", moved_on=date(2021, 2, 20))
    events = student.when(cmd, given=[ENROLLED], tenant=AOYUAN)
    assert events == [
        StudentMovedClass(
            student_id="zhang-san",
            from_class_id="g6-1",
            to_class_id="g6-2",
            campus_id="aoyuan",
            moved_on=date(2021, 2, 20),
        )
    ]
    assert student.given(ENROLLED, *events).class_id == "g6-2"


def test_a_move_to_the_same_class_is_refused() -> None:
    student.refused(MoveStudent(to_class_id="g6-1", moved_on=date(2021, 2, 20)), given=[ENROLLED], field="to_class_id")


def test_moving_someone_not_enrolled_is_refused() -> None:
    student.refused(MoveStudent(to_class_id="g6-2", moved_on=date(2021, 2, 20)))


def test_a_student_leaves_from_their_current_class() -> None:
    moved = StudentMovedClass(
        student_id="zhang-san", from_class_id="g6-1", to_class_id="g6-2", campus_id="main", moved_on=date(2021, 2, 20)
    )
    cmd = StudentLeaves(left_on=date(2021, 7, 1), reason="毕业")
    events = student.when(cmd, given=[ENROLLED, moved])
    assert events == [StudentLeft(student_id="zhang-san", class_id="g6-2", left_on=date(2021, 7, 1), reason="毕业")]
    assert student.given(ENROLLED, moved, *events).left


@pytest.mark.parametrize(
    "cmd",
    [
        MoveStudent(to_class_id="g6-2", moved_on=date(2021, 9, 1)),
        StudentLeaves(left_on=date(2021, 9, 1), reason="again"),
    ],
)
def test_a_student_who_left_refuses_changes(cmd: MoveStudent | StudentLeaves) -> None:
    left = [ENROLLED, StudentLeft(student_id="zhang-san", class_id="g6-1", left_on=date(2021, 7, 1), reason="毕业")]
    student.refused(cmd, given=left, match="has left")


# -- Parent ------------------------------------------------------------------------------


parent = Stream(Parent, XUEXIAO, "zhang-mum")


def test_a_parent_is_registered_in_the_district_of_the_school() -> None:
    cmd = RegisterParent(parent_id="zhang-mum", school_id="xuexiao", name="张妈妈", phone="13800000000")
    assert parent.when(cmd) == [PARENT_REGISTERED]
    assert parent.given(PARENT_REGISTERED) == ParentState(True, "张妈妈")


def test_a_parent_is_registered_once() -> None:
    cmd = RegisterParent(parent_id="zhang-mum", school_id="xuexiao", name="张妈妈")
    parent.refused(cmd, given=[PARENT_REGISTERED], field="parent_id")


def test_a_parent_is_linked_to_a_child_in_the_class_resolved() -> None:
    cmd = LinkParent(student_id="zhang-san", relation="mother")
    events = parent.when(cmd, given=[PARENT_REGISTERED], facts={"class_id": "g6-1"})
    assert events == [ParentLinked(parent_id="zhang-mum", student_id="zhang-san", class_id="g6-1", relation="mother")]
    assert parent.given(PARENT_REGISTERED, *events).children == ("zhang-san",)


def test_a_parent_is_linked_to_a_child_once() -> None:
    linked = ParentLinked(parent_id="zhang-mum", student_id="zhang-san", class_id="g6-1", relation="mother")
    cmd = LinkParent(student_id="zhang-san", relation="mother")
    parent.refused(cmd, given=[PARENT_REGISTERED, linked], facts={"class_id": "g6-1"}, field="student_id")


def test_a_parent_may_have_two_children() -> None:
    linked = ParentLinked(parent_id="zhang-mum", student_id="zhang-san", class_id="g6-1", relation="mother")
    cmd = LinkParent(student_id="zhang-si", relation="mother")
    events = parent.when(cmd, given=[PARENT_REGISTERED, linked], facts={"class_id": "g3-2"})
    assert events == [ParentLinked(parent_id="zhang-mum", student_id="zhang-si", class_id="g3-2", relation="mother")]


def test_linking_an_unregistered_parent_is_refused() -> None:
    parent.refused(LinkParent(student_id="zhang-san", relation="mother"), facts={"class_id": "g6-1"})
