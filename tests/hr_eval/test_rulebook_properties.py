"""Property tests of the rule book's deciders: versions count on one by one and each takes effect
after the one before; a worker acknowledges a published version once, no earlier than it was
published.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import InvalidInput, Rejected
from services.hr_eval.acknowledgements import (
    AcknowledgeRuleBook,
    RuleBookAcknowledgement,
    acknowledgement_id,
    publication_facts,
)
from services.hr_eval.events import HR_EVAL_EVENTS, RuleBookAcknowledged, RuleBookPublished
from services.hr_eval.rulebook import CategoryLine, PublishRuleBook, RuleBook, RuleLine
from tests.properties import (
    QUIET,
    START,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
)

pytestmark = QUIET

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")


def versions_count_on(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, RuleBookPublished)
    assert event.version == len(before.versions) + 1
    assert before.latest is None or event.effective_on > before.latest.effective_on
    assert event.published_by == rc.actor and event.published_at == rc.at
    assert after.in_force(event.effective_on).version == event.version


def publish_allowed(rc: Resolved[Any], state: Any) -> bool:
    return state.latest is None or rc.command.effective_on > state.latest.effective_on


PUBLISH = step(
    st.builds(
        lambda effective_on, base, points: PublishRuleBook(
            school_id="xuexiao",
            title="后勤人员月考核细则",
            effective_on=effective_on,
            base_score=base,
            categories=[CategoryLine(code="DISC", name="劳动纪律", deduction_cap=20)],
            items=[RuleLine(code="D-1", text="无故迟到、早退", category="DISC", points=points)],
        ),
        days(),
        st.sampled_from([100, 200]),
        st.sampled_from([-2, -5, 3]),
    )
)
RULE_BOOK = machine(
    "RuleBookMachine",
    RuleBook,
    HR_EVAL_EVENTS,
    "xuexiao",
    PUBLISH,
    ["zhou", "gu"],
    check=versions_count_on,
    tenant=SCHOOL,
    create=PUBLISH,
    on_refusal=refused_only_when(publish_allowed),
)


PUBLISHED_AT = START + timedelta(days=2)
FACTS = st.sampled_from([publication_facts(PUBLISHED_AT), publication_facts(START), publication_facts(None)])


def acknowledged_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, RuleBookAcknowledged)
    assert before.acknowledged_at is None, "acknowledged twice"
    assert event.staff_id == rc.actor and event.acknowledged_at == rc.at
    assert event.acknowledged_at >= datetime.fromisoformat(rc.facts["published_at"])


def acknowledge_allowed(rc: Resolved[Any], state: Any) -> bool:
    published = rc.facts.get("published_at")
    return (
        state.acknowledged_at is None
        and published is not None
        and rc.at >= datetime.fromisoformat(published).astimezone(UTC)
    )


ACKNOWLEDGE = st.builds(
    lambda facts: (AcknowledgeRuleBook(school_id="xuexiao", version=1), facts),
    FACTS,
)
ACKNOWLEDGEMENT = machine(
    "RuleBookAcknowledgementMachine",
    RuleBookAcknowledgement,
    HR_EVAL_EVENTS,
    acknowledgement_id("xuexiao", 1, "li-guard"),
    ACKNOWLEDGE,
    ["li-guard"],
    check=acknowledged_once,
    tenant=SCHOOL,
    create=ACKNOWLEDGE,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when(acknowledge_allowed),
)


MACHINES = [RULE_BOOK, ACKNOWLEDGEMENT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
