"""Property tests of the hazards' decider: a hazard is closed only by someone other than its fixer (nor
the doers of its repair, nor its assignee), a verified repair rectifies it once, and a closed hazard
changes no more.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import hazards as hz
from services.safety.events import SAFETY_EVENTS, Severity
from tests.properties import NAMES, QUIET, DeciderMachine, machine, machine_ids, run_machine, step, times

pytestmark = QUIET


def closed_by_someone_else(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if after.status is hz.HazardStatus.CLOSED and before.status is not hz.HazardStatus.CLOSED:
        assert before.status is hz.HazardStatus.RECTIFIED and rc.actor != before.rectified_by
        assert rc.actor not in before.fixers and rc.actor != before.assignee_id  # nor who did its repair
    if isinstance(rc.command, hz.RectifyFromRepair) and rc.command.repair_id in before.rectified_from:
        assert not events, "a repair rectified the hazard twice"
    if before.status is hz.HazardStatus.CLOSED and events:
        raise AssertionError("a closed hazard changed")


HAZARD_CREATE = step(
    st.builds(
        hz.ReportHazard,
        hazard_id=st.just("wall-tiles"),
        campus_id=st.just("main"),
        area=NAMES,
        description=st.just("外墙墙砖脱落"),
        severity=st.sampled_from(list(Severity)),
        at=times(),
    )
)
HAZARD = machine(
    "HazardMachine",
    hz.Hazard,
    SAFETY_EVENTS,
    "wall-tiles",
    st.one_of(
        HAZARD_CREATE,
        step(st.builds(hz.AssignHazard, assignee_id=st.sampled_from(["wang-tech", "li-guard"]))),
        step(st.builds(hz.EscalateHazard, authority=st.just("新北区教育局 基建科"))),
        step(st.builds(hz.RectifyHazard, at=times(), note=st.just("重新铺贴"))),
        step(st.builds(hz.VerifyHazard, passed=st.booleans(), note=st.sampled_from(["", "仍有松动"]))),
        step(
            st.builds(
                hz.RectifyFromRepair,
                repair_id=st.just("hazard-wall-tiles"),
                done_by=st.sampled_from(["wang-tech", "li-guard"]),
                fixed_by=st.sampled_from([(), ("wang-tech",)]),
            )
        ),
    ),
    ["zhou", "wang-tech", "li-guard"],
    check=closed_by_someone_else,
    create=HAZARD_CREATE,
)


MACHINES = [HAZARD]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
