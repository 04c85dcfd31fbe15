"""Students: given events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.directory.events import Admission, StudentEnrolled, StudentLeft, StudentMovedClass
from services.directory.student import EnrollStudent, MoveStudent, Student, StudentLeaves, StudentState
from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AOYUAN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")

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


def enrol(**overrides: object) -> EnrollStudent:
    fields: dict[str, object] = {
        "student_id": "zhang-san",
        "name": "张三",
        "class_id": "g6-1",
        "admission": "transfer",
        "on": "2020-10-12",
    }
    return EnrollStudent.model_validate(fields | overrides)


student = Stream(Student, MAIN, "zhang-san")


def test_a_student_is_enrolled_in_the_tenant_of_the_class() -> None:
    assert student.when(enrol()) == [ENROLLED]
    assert student.given(ENROLLED) == StudentState(
        True, "张三", "g6-1", last_step="enrolled", last_step_on=date(2020, 10, 12)
    )


def test_a_student_is_enrolled_once() -> None:
    student.refused(enrol(class_id="g6-2"), given=[ENROLLED], field="student_id")


def test_a_student_moves_class() -> None:
    cmd = MoveStudent(to_class_id="g6-2", on=date(2021, 2, 20))
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
    student.refused(MoveStudent(to_class_id="g6-1", on=date(2021, 2, 20)), given=[ENROLLED], field="to_class_id")


def test_moving_someone_not_enrolled_is_refused() -> None:
    student.refused(MoveStudent(to_class_id="g6-2", on=date(2021, 2, 20)))


def test_a_student_leaves_from_their_current_class() -> None:
    moved = StudentMovedClass(
        student_id="zhang-san", from_class_id="g6-1", to_class_id="g6-2", campus_id="main", moved_on=date(2021, 2, 20)
    )
    cmd = StudentLeaves(on=date(2021, 7, 1), reason="毕业")
    events = student.when(cmd, given=[ENROLLED, moved])
    assert events == [StudentLeft(student_id="zhang-san", class_id="g6-2", left_on=date(2021, 7, 1), reason="毕业")]
    assert student.given(ENROLLED, moved, *events).left


@pytest.mark.parametrize(
    "cmd",
    [
        MoveStudent(to_class_id="g6-2", on=date(2021, 9, 1)),
        StudentLeaves(on=date(2021, 9, 1), reason="again"),
    ],
)
def test_a_student_who_left_refuses_changes(cmd: MoveStudent | StudentLeaves) -> None:
    left = [ENROLLED, StudentLeft(student_id="zhang-san", class_id="g6-1", left_on=date(2021, 7, 1), reason="毕业")]
    student.refused(cmd, given=left, match="has left")


MOVED = StudentMovedClass(
    student_id="zhang-san", from_class_id="g6-1", to_class_id="g6-2", campus_id="main", moved_on=date(2021, 2, 20)
)


@pytest.mark.parametrize(
    ("command", "given", "step"),
    [
        (MoveStudent(to_class_id="g6-2", on=date(2020, 10, 11)), [ENROLLED], "enrolled"),
        (StudentLeaves(on=date(2020, 10, 1), reason="转学"), [ENROLLED], "enrolled"),
        (StudentLeaves(on=date(2021, 2, 19), reason="转学"), [ENROLLED, MOVED], "moved class"),
    ],
)
def test_a_student_moves_or_leaves_no_earlier_than_the_step_before(
    command: Any, given: list[DomainEvent], step: str
) -> None:
    refusal = student.refused(command, given=given, field="on", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == step
