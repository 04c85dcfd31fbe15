"""Property tests of the student decider.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from services.directory.events import DIRECTORY_EVENTS, Admission
from services.directory.student import EnrollStudent, MoveStudent, Student, StudentLeaves
from tests.properties import NAMES, QUIET, REASONS, DeciderMachine, days, machine, machine_ids, run_machine, step

pytestmark = QUIET


CLASSES = st.sampled_from(["g6-1", "g1-1", "g2-3"])
STUDENT_CREATE = step(
    st.builds(
        EnrollStudent,
        student_id=st.just("yao"),
        name=NAMES,
        class_id=CLASSES,
        admission=st.sampled_from(list(Admission)),
        on=days(),
    )
)
STUDENT = machine(
    "StudentMachine",
    Student,
    DIRECTORY_EVENTS,
    "yao",
    st.one_of(
        STUDENT_CREATE,
        step(st.builds(MoveStudent, to_class_id=CLASSES, on=days())),
        step(st.builds(StudentLeaves, on=days(), reason=REASONS)),
    ),
    ["platform"],
    create=STUDENT_CREATE,
)


MACHINES = [STUDENT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
