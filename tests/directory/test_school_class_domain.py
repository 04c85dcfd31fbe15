"""Classes and their teachers: given events, when a command, then events or a refusal."""

from __future__ import annotations

from services.directory.events import ClassOpened, TeacherAssigned, TeacherUnassigned
from services.directory.school_class import AssignTeacher, ClassState, OpenClass, SchoolClass, UnassignTeacher
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")

CLASS_OPENED = ClassOpened(
    class_id="g6-1", campus_id="main", school_id="xuexiao", district_id="xinbei", name="六1班", grade=6
)
WANG_TEACHES = TeacherAssigned(class_id="g6-1", staff_id="wang", subject="数学")
LI_CLASS_TEACHER = TeacherAssigned(class_id="g6-1", staff_id="li", subject="语文", is_class_teacher=True)


school_class = Stream(SchoolClass, MAIN, "g6-1")


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
