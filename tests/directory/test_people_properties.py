"""Property tests of the directory's people deciders: classes (one class teacher, among the class's
teachers), staff (sound roles; who left changes no more), students and parents (each child linked
once).

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.directory.events import DIRECTORY_EVENTS, Admission, ParentLinked, ParentRegistered
from services.directory.parent import LinkParent, Parent, RegisterParent
from services.directory.school_class import AssignTeacher, OpenClass, SchoolClass, UnassignTeacher
from services.directory.staff import ChangeStaffRoles, JoinStaff, LeaveStaff, StaffMember
from services.directory.student import EnrollStudent, MoveStudent, Student, StudentLeaves
from services.eventkit.auth import Role
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.properties import NAMES, QUIET, REASONS, DeciderMachine, days, machine, machine_ids, run_machine, step

pytestmark = QUIET


STAFF_IDS = st.sampled_from(["huang", "sun", "zhu"])


def one_class_teacher(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    teachers = {staff for staff, _ in after.teachers}
    assert after.class_teacher is None or after.class_teacher in teachers


CLASS_CREATE = step(
    st.builds(OpenClass, class_id=st.just("g6-1"), campus_id=st.just("main"), name=NAMES, grade=st.integers(1, 12))
)
CLASS = machine(
    "ClassMachine",
    SchoolClass,
    DIRECTORY_EVENTS,
    "g6-1",
    st.one_of(
        CLASS_CREATE,
        step(
            st.builds(
                AssignTeacher,
                staff_id=STAFF_IDS,
                subject=st.sampled_from(["语文", "数学"]),
                is_class_teacher=st.booleans(),
            )
        ),
        step(st.builds(UnassignTeacher, staff_id=STAFF_IDS)),
    ),
    ["platform"],
    check=one_class_teacher,
    create=CLASS_CREATE,
)


ROLE_SETS = st.lists(st.sampled_from(list(Role)), min_size=1, max_size=3)
CAMPUSES = st.lists(st.sampled_from(["main", "aoyuan"]), max_size=2)


def staff_roles_are_sound(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert Role.PARENT not in after.roles and Role.PLATFORM_ADMIN not in after.roles
    campus_roles = {Role.LOGISTICS_MANAGER, Role.TEACHER, Role.CLEANER, Role.GUARD, Role.TECHNICIAN, Role.MEDICAL}
    assert not (campus_roles & after.roles) or after.campus_ids
    assert not before.left, "a staff member who left changes no more"


STAFF_CREATE = step(
    st.builds(
        JoinStaff,
        staff_id=st.just("zhou"),
        district_id=st.just("xinbei"),
        school_id=st.just("xuexiao"),
        name=NAMES,
        roles=ROLE_SETS,
        campus_ids=CAMPUSES,
    )
)
STAFF = machine(
    "StaffMachine",
    StaffMember,
    DIRECTORY_EVENTS,
    "zhou",
    st.one_of(
        STAFF_CREATE,
        step(st.builds(ChangeStaffRoles, roles=ROLE_SETS, campus_ids=CAMPUSES)),
        step(st.builds(LeaveStaff, left_on=days(), reason=REASONS)),
    ),
    ["platform"],
    check=staff_roles_are_sound,
    create=STAFF_CREATE,
)


CLASSES = st.sampled_from(["g6-1", "g1-1", "g2-3"])
STUDENT_CREATE = step(
    st.builds(
        EnrollStudent,
        student_id=st.just("yao"),
        name=NAMES,
        class_id=CLASSES,
        admission=st.sampled_from(list(Admission)),
        enrolled_on=days(),
    )
)
STUDENT = machine(
    "StudentMachine",
    Student,
    DIRECTORY_EVENTS,
    "yao",
    st.one_of(
        STUDENT_CREATE,
        step(st.builds(MoveStudent, to_class_id=CLASSES, moved_on=days())),
        step(st.builds(StudentLeaves, left_on=days(), reason=REASONS)),
    ),
    ["platform"],
    create=STUDENT_CREATE,
)


CHILD_CLASS = {"yao": "g6-1", "lin": "g1-1", "chen": "g2-3"}


def each_child_linked_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert len(set(after.children)) == len(after.children)
    assert after.children[: len(before.children)] == before.children, "a link was undone"
    (event,) = events
    if isinstance(event, ParentLinked):
        assert before.exists and event.student_id == rc.command.student_id not in before.children
        assert (event.parent_id, event.class_id) == (rc.entity_id, rc.facts["class_id"])
    else:
        assert isinstance(event, ParentRegistered) and not before.exists
        assert event.district_id == rc.tenant.district_id


PARENT_CREATE = step(
    st.builds(
        RegisterParent,
        parent_id=st.just("yao-mum"),
        school_id=st.just("xuexiao"),
        name=st.sampled_from(["姚妈妈", "林爸爸"]),
        phone=st.sampled_from(["", "138 0000 0000"]),
    )
)
PARENT = machine(
    "ParentMachine",
    Parent,
    DIRECTORY_EVENTS,
    "yao-mum",
    st.one_of(
        PARENT_CREATE,
        st.builds(
            LinkParent, student_id=st.sampled_from(sorted(CHILD_CLASS)), relation=st.sampled_from(["mother", "父亲"])
        ).map(lambda c: (c, {"class_id": CHILD_CLASS[c.student_id]})),
    ),
    ["platform", "xinbei-admin"],
    tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
    check=each_child_linked_once,
    create=PARENT_CREATE,
)


MACHINES = [CLASS, STAFF, STUDENT, PARENT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
