"""Property tests of the staff decider: sound roles; who left changes no more.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.directory.events import DIRECTORY_EVENTS
from services.directory.staff import ChangeStaffRoles, JoinStaff, LeaveStaff, StaffMember
from services.eventkit.auth import Role
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from tests.properties import NAMES, QUIET, REASONS, DeciderMachine, days, machine, machine_ids, run_machine, step

pytestmark = QUIET


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
        step(st.builds(LeaveStaff, on=days(), reason=REASONS)),
    ),
    ["platform"],
    check=staff_roles_are_sound,
    create=STAFF_CREATE,
)


MACHINES = [STAFF]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
