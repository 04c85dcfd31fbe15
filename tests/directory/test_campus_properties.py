"""Property tests of the campus decider.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from services.directory.campus import Campus, CloseCampus, OpenCampus, RenameCampus
from services.directory.events import DIRECTORY_EVENTS
from tests.properties import NAMES, QUIET, REASONS, DeciderMachine, machine, machine_ids, run_machine, step

pytestmark = QUIET


CAMPUS_CREATE = step(st.builds(OpenCampus, campus_id=st.just("main"), school_id=st.just("xuexiao"), name=NAMES))
CAMPUS = machine(
    "CampusMachine",
    Campus,
    DIRECTORY_EVENTS,
    "main",
    st.one_of(
        CAMPUS_CREATE,
        step(st.builds(RenameCampus, name=NAMES)),
        step(st.builds(CloseCampus, reason=REASONS)),
    ),
    ["platform"],
    create=CAMPUS_CREATE,
)


MACHINES = [CAMPUS]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
