"""Property tests of the serving audits' decider: each server's mean portion and spread (of the
target, per mille) rounded half up, within the district's tolerance or not; a proposed deduction
exactly for each server beyond it, dated by the audit; an audit recorded once.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.canteen import audits as au
from services.canteen.events import CANTEEN_EVENTS, AppraisalItemProposed, Meal, ServingAuditRecorded
from services.canteen.rules import RULES_FACT, Rules, rules_fact
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.hr_eval.events import ItemSource
from tests.deciders import LATER, resolved
from tests.properties import (
    QUIET,
    SETTINGS,
    START,
    TENANT,
    DeciderMachine,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    times,
)

pytestmark = QUIET

AUDIT_ID = "main-2020-09-01-lunch-1"


def half_up(x: Fraction) -> int:
    return int(x + Fraction(1, 2))  # x >= 0: floor(x + 1/2)


def beyond(grams: list[int], target: int, tolerance: int) -> bool:
    return half_up(Fraction(1000 * (max(grams) - min(grams)), target)) > tolerance


def audit_holds(rc: Resolved[Any], before: au.AuditState, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    recorded, *proposals = events
    assert isinstance(recorded, ServingAuditRecorded) and not before.recorded and after.recorded
    tolerance = json.loads(rc.facts[RULES_FACT])["serving_tolerance_permille"]
    assert recorded.tolerance_permille == tolerance, "not the tolerance in force"
    assert (recorded.served_on, recorded.auditor_id, recorded.dish) == (rc.on, rc.actor, cmd.dish)
    assert [(p.server_id, p.grams) for p in recorded.portions] == [(p.server_id, list(p.grams)) for p in cmd.portions]
    for line, result in zip(cmd.portions, recorded.results, strict=True):
        grams = list(line.grams)
        assert result.server_id == line.server_id
        assert result.mean_grams == half_up(Fraction(sum(grams), len(grams))), "the mean portion is not rounded half up"
        assert result.spread_permille == half_up(Fraction(1000 * (max(grams) - min(grams)), cmd.target_grams))
        assert result.within_tolerance is not beyond(grams, cmd.target_grams, tolerance), (
            "judged against the tolerance wrongly"
        )
    due = [line.server_id for line in cmd.portions if beyond(list(line.grams), cmd.target_grams, tolerance)]
    assert [p.staff_id for p in proposals if isinstance(p, AppraisalItemProposed)] == due, "not one per server beyond"
    assert len(proposals) == len(due)
    for proposal in proposals:
        assert isinstance(proposal, AppraisalItemProposed)
        assert (proposal.campus_id, proposal.occurred_at, proposal.rule_code) == (cmd.campus_id, rc.at, cmd.rule_code)
        assert (proposal.source, proposal.source_ref) == (ItemSource.CANTEEN_AUDIT, AUDIT_ID)


SERVERS = ["jiang-cook", "han-canteen", "li-canteen", "wang-canteen"]
TOLERANCES = st.sampled_from([100, 100, 50, 0, 3, 10, 1000])


def portions(target: int) -> st.SearchStrategy[list[au.ServerPortionsLine]]:
    """Portions around the target: spreads at, just over and half a per mille off the tolerances."""
    grams = st.integers(-15, 15).map(lambda d: max(0, target + d)) | st.sampled_from([0, target])
    return st.lists(
        st.builds(
            au.ServerPortionsLine, server_id=st.sampled_from(SERVERS), grams=st.lists(grams, min_size=3, max_size=6)
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda line: line.server_id,
    )


def audit(target: int) -> st.SearchStrategy[au.RecordServingAudit]:
    return st.builds(
        au.RecordServingAudit,
        audit_id=st.just(AUDIT_ID),
        campus_id=st.just("main"),
        meal=st.sampled_from(list(Meal)),
        dish=st.just("红烧鸡块"),
        target_grams=st.just(target),
        rule_code=st.sampled_from(["Q-1", "q.2_b"]),
        portions=portions(target),
        at=st.none() | times(2),
    )


RECORD = st.builds(
    lambda cmd, tolerance: (cmd, rules_fact(Rules(serving_tolerance_permille=tolerance))),
    st.sampled_from([100, 120, 150, 400, 1000, 199, 3, 1]).flatmap(audit),
    TOLERANCES,
)
AUDIT = machine(
    "ServingAuditMachine",
    au.ServingAudit,
    CANTEEN_EVENTS,
    AUDIT_ID,
    RECORD,
    ["zhou", "gu"],
    check=audit_holds,
    create=RECORD,
    on_refusal=refused_only_when(lambda rc, state: not state.recorded),
)


MACHINES = [AUDIT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)


@settings(SETTINGS, max_examples=300)
@given(step=RECORD)
def test_each_audit_proposes_a_deduction_exactly_for_each_server_beyond_tolerance(
    step: tuple[Any, dict[str, str]],
) -> None:
    """The machine records one audit a run: here many more audits, each decided on a new stream."""
    command, facts = step
    rc = resolved(command, TENANT, AUDIT_ID, facts=facts, actor="zhou", at=START, received=LATER)
    events = list(au.ServingAudit.decide(rc, au.AuditState()))
    audit_holds(rc, au.AuditState(), events, au.ServingAudit.fold(events))
