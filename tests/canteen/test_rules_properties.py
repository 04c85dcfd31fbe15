"""Property tests of the district's canteen rules: each version takes effect after the one before
and replaces it whole from its day (the days before keep the rules they had), and the rules in
force reach a decider through its facts unchanged.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen.events import CANTEEN_EVENTS, CanteenRulesSet
from services.canteen.rules import (
    DEFAULT_RULES,
    BannedDishLine,
    CanteenRules,
    SetCanteenRules,
    rules_fact,
    rules_from,
)
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.properties import (
    QUIET,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET

DISTRICT = TenantPath(district_id="xinbei")
BANNED = [
    BannedDishLine(name="四季豆", reason="易加热不彻底引起食物中毒", words=["芸豆", "扁豆"]),
    BannedDishLine(name="鲜黄花菜", reason="含秋水仙碱", words=[]),
    BannedDishLine(name="野生蘑菇", reason="易误食毒蘑菇", words=["野生菌"]),
]


def replaced_whole_from_its_day(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    (event,) = events
    assert isinstance(event, CanteenRulesSet)
    assert event.set_by == rc.actor and event.set_at == rc.at and event.district_id == cmd.district_id
    latest = before.versions[-1] if before.versions else None
    assert latest is None or latest.effective_on < cmd.effective_on, "rules taking effect before those in force"
    in_force = after.in_force(cmd.effective_on)
    assert in_force.effective_on == cmd.effective_on
    assert (in_force.sample_min_grams, in_force.sample_min_hours) == (cmd.sample_min_grams, cmd.sample_min_hours)
    assert in_force.delivery_weight_tolerance_permille == cmd.delivery_weight_tolerance_permille
    assert in_force.serving_tolerance_permille == cmd.serving_tolerance_permille
    assert in_force.certificate_warning_days == cmd.certificate_warning_days
    assert in_force.oversight_committee_required is cmd.oversight_committee_required
    assert [d.name for d in in_force.banned_dishes] == [d.name for d in cmd.banned_dishes], "not replaced whole"
    for line in cmd.banned_dishes:
        assert in_force.banned(f"清炒{line.name}") is not None
        for word in line.words:
            assert in_force.banned(word) is not None
    day_before = cmd.effective_on - timedelta(days=1)
    assert after.in_force(day_before) == before.in_force(day_before), "the days before changed rules"
    assert after.in_force(cmd.effective_on + timedelta(days=400)) == in_force, "a later day kept older rules"
    if not before.versions:
        assert before.in_force(cmd.effective_on) == DEFAULT_RULES
    assert rules_from(rules_fact(in_force)) == in_force, "the rules changed on their way to a decider"


def rules_allowed(rc: Resolved[Any], state: Any) -> bool:
    return not state.versions or rc.command.effective_on > state.versions[-1].effective_on


SET = step(
    st.builds(
        SetCanteenRules,
        district_id=st.just("xinbei"),
        effective_on=days(),
        sample_min_grams=st.sampled_from([125, 150, 200]),
        sample_min_hours=st.sampled_from([48, 72]),
        delivery_weight_tolerance_permille=st.sampled_from([0, 20, 50]),
        serving_tolerance_permille=st.sampled_from([50, 100]),
        certificate_warning_days=st.sampled_from([15, 30, 60]),
        oversight_committee_required=st.booleans(),
        banned_dishes=st.lists(st.sampled_from(BANNED), min_size=1, unique_by=lambda d: d.name),
        at=st.none() | times(),
    )
)
RULES = machine(
    "CanteenRulesMachine",
    CanteenRules,
    CANTEEN_EVENTS,
    "xinbei",
    SET,
    ["admin-xinbei", "zhou"],
    check=replaced_whole_from_its_day,
    tenant=DISTRICT,
    create=SET,
    on_refusal=refused_only_when(rules_allowed),
)


MACHINES = [RULES]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
