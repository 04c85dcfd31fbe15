"""Property tests of the proposals' decider: a proposal is received once, then confirmed or
dismissed once (never both, never before what it is about), confirmed under the rule named or
else the one suggested, into its worker's appraisal of its month.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.hr_eval import proposals as pr
from services.hr_eval.events import HR_EVAL_EVENTS, ItemSource, ProposalConfirmed
from tests.properties import (
    QUIET,
    REASONS,
    DeciderMachine,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET

EVENT_ID = "8d1c7c9e-59a4-4d0b-9b0c-4f2c3a1b2d3e"


def allowed(rc: Resolved[Any], state: pr.ProposalState) -> bool:
    cmd = rc.command
    if isinstance(cmd, pr.ReceiveProposal):
        return state.status is None
    if state.status is not pr.ProposalStatus.RECEIVED or state.occurred_at is None or rc.at < state.occurred_at:
        return False
    return isinstance(cmd, pr.DismissProposal) or bool(cmd.rule_code or state.rule_code)


def decided_once(rc: Resolved[Any], before: pr.ProposalState, events: list[DomainEvent], after: Any) -> None:
    assert len(events) == 1, "each command of a proposal decides one event"
    if before.status is not None:
        assert before.status is pr.ProposalStatus.RECEIVED, "a confirmed or dismissed proposal changed"
        assert after.status in (pr.ProposalStatus.CONFIRMED, pr.ProposalStatus.DISMISSED)
    (event,) = events
    if isinstance(event, ProposalConfirmed):
        assert isinstance(rc.command, pr.ConfirmProposal)
        assert event.rule_code == (rc.command.rule_code or before.rule_code) != ""
        assert event.appraisal_id == f"{before.staff_id}-{before.month}"


RECEIVE = step(
    st.builds(
        pr.ReceiveProposal,
        from_event_id=st.just(EVENT_ID),
        from_event_type=st.just("safety.AppraisalItemProposed"),
        staff_id=st.sampled_from(["li-guard", "chen-clean"]),
        campus_id=st.just("main"),
        occurred_at=times(60),
        source=st.sampled_from(list(ItemSource)),
        source_ref=st.just("patrol-1015"),
        rule_code=st.sampled_from(["", "D-3"]),
    )
)
PROPOSAL = machine(
    "ProposalMachine",
    pr.Proposal,
    HR_EVAL_EVENTS,
    EVENT_ID,
    st.one_of(
        RECEIVE,
        step(st.builds(pr.DismissProposal, reason=REASONS, at=st.none() | times(120))),
        step(
            st.builds(
                pr.ConfirmProposal,
                item_id=st.sampled_from(["gate-1015", "gate-1016"]),
                rule_code=st.none() | st.sampled_from(["D-3", "D-4"]),
                at=st.none() | times(120),
            )
        ),
    ),
    ["zhou", "gu", "houqin-hr-eval"],
    check=decided_once,
    create=RECEIVE,
    on_refusal=refused_only_when(allowed),
)


MACHINES = [PROPOSAL]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
