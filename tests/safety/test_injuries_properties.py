"""Property tests of the injuries' decider: an injury closes only once the parents were told, nothing
is dated before the day of the injury.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import injuries as inj
from services.safety.events import (
    SAFETY_EVENTS,
    InjuryClosed,
    InjuryFollowedUp,
    InjuryParentNotified,
    InjuryReported,
    InjurySetting,
)
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


def closed_once_parents_told(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert not before.closed, "a closed injury changed"
    assert after.parent_told >= before.parent_told
    if isinstance(event, InjuryReported):
        assert not before.reported
        assert (event.campus_id, event.class_id) == (rc.tenant.campus_id, rc.facts["class_id"])
        assert event.reported_by == rc.actor
    else:
        assert before.reported and after.occurred_at == before.occurred_at
    if isinstance(event, InjuryParentNotified):
        assert event.notified_at >= before.occurred_at, "parents told before it happened"
        assert event.notified_by == rc.actor
    if isinstance(event, InjuryFollowedUp):
        assert event.on >= local_day(before.occurred_at), "followed up before the day of the injury"
    if isinstance(event, InjuryClosed):
        assert before.parent_told, "closed before the parents were told"
        assert event.closed_on >= local_day(before.occurred_at), "closed before the day of the injury"
        assert before.last_step_on is None or event.closed_on >= before.last_step_on, "closed before its last step"


def injury_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, inj.ReportInjury):
        return not state.reported
    if not state.reported or state.closed:
        return False
    if isinstance(cmd, inj.NotifyParent):
        return bool(cmd.at >= state.occurred_at)
    injured_on = local_day(state.occurred_at)
    if isinstance(cmd, inj.FollowUp):
        return bool(cmd.on >= injured_on)
    last = state.last_step_on or injured_on
    return bool(state.parent_told and cmd.on >= injured_on and cmd.on >= last)


INJURY_CREATE = step(
    st.builds(
        inj.ReportInjury,
        injury_id=st.just("main-2020-10-19-yao"),
        student_id=st.just("yao"),
        setting=st.sampled_from(list(InjurySetting)),
        at=times(),
        injury=st.just("课间追逐撞到门框, 额头擦伤"),
        first_aid=st.just("医务室清洗消毒, 冰敷"),
    ),
    {"class_id": "g6-1"},
)
INJURY = machine(
    "InjuryMachine",
    inj.Injury,
    SAFETY_EVENTS,
    "main-2020-10-19-yao",
    st.one_of(
        INJURY_CREATE,
        step(st.builds(inj.NotifyParent, at=times(), how=st.sampled_from(["电话", "当面"]))),
        step(st.builds(inj.FollowUp, on=days(), note=st.just("电话回访, 伤口愈合良好"))),
        step(st.builds(inj.CloseInjury, on=days(), cause=st.just("课间在走廊追逐"), measures=st.just("班会强调"))),
    ),
    ["zhou", "huang", "qian-medical"],
    check=closed_once_parents_told,
    create=INJURY_CREATE,
    on_refusal=refused_only_when(injury_allowed),
)


MACHINES = [INJURY]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
