"""Property tests of the inspections' deciders: an inspection completes only with every item checked
and its sign-offs; a rhythm is what was last set.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import inspections as ins
from services.safety.events import SAFETY_EVENTS, InspectionKind, Severity
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, run_machine, step, times

pytestmark = QUIET


ITEMS = ["灭火器在有效期内", "安全出口畅通", "消防栓门板完好"]
AREAS = ["教学楼", "食堂"]


def completed_when_checked_and_signed(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if after.completed and not before.completed:
        assert set(before.checklist) <= before.checked
        assert len(set(before.sign_offs)) >= ins.REQUIRED_SIGN_OFFS.get(before.kind, 0)
    assert len(set(after.sign_offs)) == len(after.sign_offs)
    assert not before.completed
    if before.started:  # no step before the start, no completion before the last sign-off
        assert rc.at >= before.started_at
        if after.completed:
            assert rc.at >= before.last_step_at


INSPECTION_CREATE = step(
    st.builds(
        ins.StartInspection,
        inspection_id=st.just("fire-2020-10"),
        campus_id=st.just("main"),
        kind=st.sampled_from(list(InspectionKind)),
        areas=st.lists(st.sampled_from(AREAS), min_size=1, max_size=2, unique=True),
        checklist=st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3, unique=True),
        at=times(),
    )
)
INSPECTION = machine(
    "InspectionMachine",
    ins.Inspection,
    SAFETY_EVENTS,
    "fire-2020-10",
    st.one_of(
        INSPECTION_CREATE,
        step(
            st.builds(
                ins.RecordFinding,
                item=st.sampled_from([*ITEMS, *ITEMS, "电梯年检"]),
                area=st.sampled_from([*AREAS, *AREAS, "操场"]),
                ok=st.booleans(),
                severity=st.none() | st.sampled_from(list(Severity)),
            ),
            {"hazard_id": "from-inspection"},
        ),
        step(st.just(ins.SignOffInspection())),
        step(st.builds(ins.CompleteInspection, at=times(), summary=st.just("一处门板待修"))),
    ),
    ["zhou", "xu-vp", "gu"],
    check=completed_when_checked_and_signed,
    create=INSPECTION_CREATE,
)


def rhythm_as_last_set(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    explicit = dict(before.rhythm)
    assert (events == []) == (cmd.kind in explicit and explicit[cmd.kind] == cmd.every_days), (
        "a rhythm set again to what it is must record nothing, anything else must be recorded"
    )
    now = dict(after.rhythm)
    assert now[cmd.kind] == cmd.every_days
    assert {k: v for k, v in now.items() if k != cmd.kind} == {k: v for k, v in explicit.items() if k != cmd.kind}
    kinds = [k for k, _ in after.rhythm]
    assert kinds == sorted(set(kinds))


SCHEDULE = machine(
    "InspectionScheduleMachine",
    ins.InspectionSchedule,
    SAFETY_EVENTS,
    "main",
    step(
        st.builds(
            ins.SetInspectionSchedule,
            kind=st.sampled_from(list(InspectionKind)),
            every_days=st.sampled_from([None, 1, 7, 31]),
        )
    ),
    ["zhou"],
    check=rhythm_as_last_set,
    refusals=(),  # setting a rhythm is never refused
)


MACHINES = [INSPECTION, SCHEDULE]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
