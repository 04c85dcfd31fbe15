"""Property tests of the district decider: a district is registered once, with the name it was given.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.directory.district import District, RegisterDistrict
from services.directory.events import DIRECTORY_EVENTS
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, run_machine, step

pytestmark = QUIET


def registered_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert not before.exists and after.exists and after.name == rc.command.name


DISTRICT = machine(
    "DistrictMachine",
    District,
    DIRECTORY_EVENTS,
    "xinbei",
    step(st.builds(RegisterDistrict, district_id=st.just("xinbei"), name=st.sampled_from(["新北区", "武进区"]))),
    ["platform"],
    tenant=TenantPath(district_id="xinbei"),
    check=registered_once,
)


MACHINES = [DISTRICT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
