"""Property tests of the staff violations' decider: a violation recorded once with its proposed
deduction (the worker, the rule, how it was seen, dated when it was seen); withdrawn once, no
earlier than it was seen, and never before it was recorded.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen import violations as vi
from services.canteen.events import CANTEEN_EVENTS, AppraisalItemProposed, ViolationObserved, ViolationWithdrawn
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.hr_eval.events import ItemSource
from tests.properties import (
    QUIET,
    DeciderMachine,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET

VIOLATION_ID = "main-2020-09-01-1"
SOURCES = {vi.ViolationSource.PATROL: ItemSource.PATROL, vi.ViolationSource.CANTEEN_AUDIT: ItemSource.CANTEEN_AUDIT}


def violation_allowed(rc: Resolved[Any], state: vi.ViolationState) -> bool:
    if isinstance(rc.command, vi.ObserveViolation):
        return state.observed_at is None
    return state.observed_at is not None and not state.withdrawn and rc.at >= state.observed_at


def honest_violation(rc: Resolved[Any], before: vi.ViolationState, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    if isinstance(cmd, vi.ObserveViolation):
        observed, proposed = events
        assert before.observed_at is None, "recorded twice"
        assert isinstance(observed, ViolationObserved) and isinstance(proposed, AppraisalItemProposed)
        assert (observed.violation_id, observed.staff_id, observed.observed_by) == (
            VIOLATION_ID,
            cmd.staff_id,
            rc.actor,
        )
        assert (proposed.staff_id, proposed.campus_id, proposed.rule_code) == (cmd.staff_id, "main", cmd.rule_code)
        assert (proposed.source, proposed.source_ref) == (SOURCES[cmd.source], VIOLATION_ID), "proposed as another"
        assert proposed.occurred_at == rc.at, "the proposal not dated when the violation was seen"
        assert (proposed.place, proposed.note, proposed.evidence_refs) == (
            cmd.place,
            cmd.description,
            list(cmd.evidence_refs),
        )
        assert after.observed_at == rc.at and not after.withdrawn
        return
    (withdrawn,) = events
    assert isinstance(withdrawn, ViolationWithdrawn)
    assert before.observed_at is not None and not before.withdrawn, "withdrawn unrecorded or twice"
    assert rc.at >= before.observed_at, "withdrawn before it was seen"
    assert (withdrawn.violation_id, withdrawn.withdrawn_by) == (VIOLATION_ID, rc.actor) and after.withdrawn


OBSERVE = step(
    st.builds(
        vi.ObserveViolation,
        violation_id=st.just(VIOLATION_ID),
        campus_id=st.just("main"),
        staff_id=st.sampled_from(["jiang-cook", "han-canteen"]),
        rule_code=st.sampled_from(["Q-2", "Q-3"]),
        description=st.just("操作时未佩戴口罩"),
        place=st.just("本部 食堂 切配间"),
        evidence_refs=st.lists(st.sampled_from(["cctv/main/kitchen/0901T10:12", "photo/0901-1.jpg"]), max_size=2),
        source=st.sampled_from(list(vi.ViolationSource)),
        at=st.none() | times(3),
    )
)
WITHDRAW = step(st.builds(vi.WithdrawViolation, reason=st.just("监控核实为其他人员"), at=st.none() | times(6)))
VIOLATION = machine(
    "ViolationMachine",
    vi.Violation,
    CANTEEN_EVENTS,
    VIOLATION_ID,
    st.one_of(WITHDRAW, OBSERVE),
    ["zhou", "gu"],
    check=honest_violation,
    create=OBSERVE,
    on_refusal=refused_only_when(violation_allowed),
)


MACHINES = [VIOLATION]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
