"""Property tests of the class decider: one class teacher, among the class's teachers.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.directory.events import DIRECTORY_EVENTS
from services.directory.school_class import AssignTeacher, OpenClass, SchoolClass, UnassignTeacher
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from tests.properties import NAMES, QUIET, DeciderMachine, machine, machine_ids, run_machine, step

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


MACHINES = [CLASS]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
