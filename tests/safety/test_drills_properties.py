"""Property tests of the drills' decider: planned, conducted, summarised, no step skipped or repeated.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import drills as dr
from services.safety.events import SAFETY_EVENTS, DrillConducted, DrillKind, DrillPlanned, DrillSummarised
from tests.properties import QUIET, DeciderMachine, days, machine, machine_ids, refused_only_when, run_machine, step
from tests.safety.terms import TERM_FACTS, in_term

pytestmark = QUIET


DRILL_STEPS = [None, dr.DrillStatus.PLANNED, dr.DrillStatus.CONDUCTED, dr.DrillStatus.SUMMARISED]


def planned_conducted_summarised(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert DRILL_STEPS.index(after.status) == DRILL_STEPS.index(before.status) + 1, "a drill step skipped or repeated"
    if isinstance(event, DrillPlanned):
        assert (after.campus_id, after.kind) == (rc.command.campus_id, rc.command.kind)
    else:
        assert (after.campus_id, after.kind) == (before.campus_id, before.kind)
    if isinstance(event, DrillPlanned):
        assert in_term(event.planned_on) and event.planned_at == rc.at
    if isinstance(event, DrillConducted):
        assert (event.drill_id, event.campus_id, event.kind) == (rc.entity_id, before.campus_id, before.kind)
        assert in_term(event.conducted_on) and event.conducted_on >= local_day(before.planned_at)
    if isinstance(event, DrillSummarised):
        assert rc.on >= before.conducted_on, "summarised before it was conducted"


def drill_allowed(rc: Resolved[Any], state: Any) -> bool:
    previous: dict[type, dr.DrillStatus | None] = {
        dr.PlanDrill: None,
        dr.ConductDrill: dr.DrillStatus.PLANNED,
        dr.SummariseDrill: dr.DrillStatus.CONDUCTED,
    }
    cmd = rc.command
    if state.status is not previous[type(cmd)]:
        return False
    if isinstance(cmd, dr.PlanDrill):
        return in_term(cmd.planned_on)
    if isinstance(cmd, dr.ConductDrill):
        return in_term(cmd.on) and cmd.on >= local_day(state.planned_at)
    return bool(rc.on >= state.conducted_on)


DRILL_CREATE = step(
    st.builds(
        dr.PlanDrill,
        drill_id=st.just("main-fire-2020-12"),
        campus_id=st.sampled_from(["main", "aoyuan"]),
        kind=st.sampled_from(list(DrillKind)),
        title=st.just("119消防疏散演练"),
        planned_on=days(),
        plan_ref=st.just("drills/2020-12/fire-plan.pdf"),
    ),
    TERM_FACTS,
)
DRILL = machine(
    "DrillMachine",
    dr.Drill,
    SAFETY_EVENTS,
    "main-fire-2020-12",
    st.one_of(
        DRILL_CREATE,
        step(
            st.builds(
                dr.ConductDrill,
                on=days(),
                participants=st.integers(1, 2000),
                evacuation_seconds=st.none() | st.integers(1, 600),
                record_ref=st.sampled_from(["", "drills/2020-12/fire-record.pdf"]),
            ),
            TERM_FACTS,
        ),
        step(st.builds(dr.SummariseDrill, summary=st.just("3分05秒完成疏散"), report_ref=st.just(""))),
    ),
    ["zhou", "xu-vp"],
    check=planned_conducted_summarised,
    create=DRILL_CREATE,
    on_refusal=refused_only_when(drill_allowed),
)


MACHINES = [DRILL]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
