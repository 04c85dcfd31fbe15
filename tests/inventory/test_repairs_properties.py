"""Property tests of the repairs' decider: a repair is verified by someone other than who did it, a
hazard's done repair is not reassigned, and no step is dated before the one it follows.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.inventory import repairs as rp
from services.inventory.events import INVENTORY_EVENTS, RepairDone, RepairVerified
from tests.properties import NAMES, QUIET, DeciderMachine, machine, machine_ids, run_machine, step, times

pytestmark = QUIET


def verified_by_someone_else(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if after.status is rp.RepairStatus.VERIFIED and before.status is not rp.RepairStatus.VERIFIED:
        assert rc.actor not in (before.done_by, before.assignee_id)
    if isinstance(rc.command, rp.ReassignForHazard) and events:
        # the hazard's rework is the hazard's: a done repair is not reassigned
        assert len(events) == 1 and before.status in (rp.RepairStatus.REPORTED, rp.RepairStatus.ASSIGNED)
    for event in events:
        if isinstance(event, RepairDone | RepairVerified) or isinstance(rc.command, rp.AssignRepair):
            # no step of the repair's own is dated before the one it follows
            assert before.last_step_at is None or rc.at >= before.last_step_at, "a step before the one it follows"


REPAIR_CREATE = step(
    st.builds(
        rp.OpenRepairForHazard,
        hazard_id=st.just("manhole"),
        campus_id=st.just("main"),
        place=NAMES,
        description=st.just("窨井盖下沉"),
        assignee_id=st.sampled_from(["wang-tech", "li-guard"]),
        reported_by=st.just("zhou"),
    )
)
REPAIR = machine(
    "RepairMachine",
    rp.Repair,
    INVENTORY_EVENTS,
    "hazard-manhole",
    st.one_of(
        REPAIR_CREATE,
        step(
            st.builds(
                rp.ReassignForHazard,
                assignee_id=st.sampled_from(["wang-tech", "li-guard"]),
                assigned_by=st.just("zhou"),
            )
        ),
        step(st.builds(rp.AssignRepair, assignee_id=st.sampled_from(["wang-tech", "li-guard"]))),
        step(st.builds(rp.CompleteRepair, at=times(120), note=st.just("更换井盖"))),
        step(st.builds(rp.VerifyRepair)),
    ),
    ["zhou", "gu", "wang-tech", "li-guard"],
    check=verified_by_someone_else,
    create=REPAIR_CREATE,
)


MACHINES = [REPAIR]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
