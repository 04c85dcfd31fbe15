"""Property tests of the safety education's deciders: a session is never checked by whoever delivered
it, one flag ceremony a month, a campaign summarised once every activity is done.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, Envelope
from services.safety import education as ed
from services.safety.events import (
    SAFETY_EVENTS,
    FlagCeremonyHeld,
    SafetyCampaignActivityDone,
    SafetyCampaignLaunched,
    SafetyCampaignSummarised,
    SafetySessionChecked,
    SafetySessionDelivered,
    SafetySessionPlanned,
    SessionResult,
)
from tests.properties import (
    QUIET,
    TEXTS,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
)
from tests.safety.terms import TERM_FACTS, in_term

pytestmark = QUIET


SESSION_STEPS = [None, ed.SessionStatus.PLANNED, ed.SessionStatus.DELIVERED, ed.SessionStatus.CHECKED]
FRIDAYS = st.integers(0, 20).map(lambda w: date(2020, 9, 4) + timedelta(weeks=w))


def delivered_by(m: DeciderMachine, command: Any) -> dict[str, str]:
    """What the check route reads from the store: the actor of the session's delivery."""
    if not isinstance(command, ed.CheckSession):
        return {}
    for raw in m.wire:
        envelope = Envelope.from_wire(raw)
        if envelope.type == "safety.SafetySessionDelivered":
            return {"delivered_by": envelope.actor or ""}
    return {}


def checked_by_another(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert SESSION_STEPS.index(after.status) == SESSION_STEPS.index(before.status) + 1
    if isinstance(event, SafetySessionPlanned):
        assert event.teacher_id == (rc.command.teacher_id or rc.actor)
        assert event.campus_id == rc.tenant.campus_id
    else:
        assert (after.class_id, after.teacher_id) == (before.class_id, before.teacher_id)
    if isinstance(event, SafetySessionChecked):
        assert event.checked_by == rc.actor != rc.facts["delivered_by"], "a session checked by who delivered it"
        assert rc.on >= before.delivered_on, "checked before it was delivered"
    if isinstance(event, SafetySessionDelivered):
        assert in_term(event.delivered_on) and event.delivered_on >= local_day(before.planned_at)


def session_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ed.PlanSession):
        return state.status is None and in_term(cmd.week_of)
    if isinstance(cmd, ed.DeliverSession):
        planned = state.status is ed.SessionStatus.PLANNED
        return planned and in_term(cmd.on) and cmd.on >= local_day(state.planned_at)
    delivered = state.status is ed.SessionStatus.DELIVERED and rc.on >= state.delivered_on
    return delivered and rc.actor != rc.facts["delivered_by"]


SESSION_CREATE = step(
    st.builds(
        ed.PlanSession,
        session_id=st.just("g6-1-2020-10-16"),
        class_id=st.just("g6-1"),
        week_of=FRIDAYS,
        theme=st.sampled_from(["防溺水", "交通安全"]),
        lesson_prep_ref=st.just("prep/g6-1/2020-10-16.docx"),
        teacher_id=st.none() | st.sampled_from(["huang", "sun"]),
    ),
    TERM_FACTS,
)
SESSION = machine(
    "SafetySessionMachine",
    ed.SafetySession,
    SAFETY_EVENTS,
    "g6-1-2020-10-16",
    st.one_of(
        SESSION_CREATE,
        step(st.builds(ed.DeliverSession, on=days()), TERM_FACTS),
        step(st.builds(ed.CheckSession, result=st.sampled_from(list(SessionResult)), note=TEXTS)),
    ),
    ["huang", "sun", "zhou", "gu"],
    check=checked_by_another,
    create=SESSION_CREATE,
    resolve=delivered_by,
    on_refusal=refused_only_when(session_allowed),
)


def one_ceremony_a_month(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, FlagCeremonyHeld)
    assert before.held_on is None, "a second ceremony in one month"
    assert after.held_on == event.held_on == rc.command.on
    assert event.ceremony_id == rc.entity_id == ed.ceremony_id(event.campus_id, event.held_on)


CEREMONY = machine(
    "FlagCeremonyMachine",
    ed.FlagCeremony,
    SAFETY_EVENTS,
    "main-2020-10",
    step(
        st.builds(
            ed.HoldFlagCeremony,
            campus_id=st.just("main"),
            on=st.integers(1, 31).map(lambda d: date(2020, 10, d)),  # the route files it under its month
            theme=st.just("珍爱生命 预防溺水"),
            speaker=st.sampled_from(["", "徐副校长"]),
        ),
        TERM_FACTS,
    ),
    ["zhou", "xu-vp"],
    check=one_ceremony_a_month,
    on_refusal=refused_only_when(lambda rc, state: state.held_on is None),
)


ACTIVITIES = ["一次国旗下讲话", "一节班队活动课", "一次校车事故演练"]


def summarised_once_all_done(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert not before.summarised, "a summarised campaign changed"
    assert after.done <= set(after.activities)
    if isinstance(event, SafetyCampaignLaunched):
        assert not before.launched and after.activities == tuple(rc.command.activities)
    else:
        assert before.launched and after.activities == before.activities
    if isinstance(event, SafetyCampaignLaunched):
        assert in_term(event.starts_on)
    if isinstance(event, SafetyCampaignActivityDone):
        assert event.activity in before.activities and event.activity not in before.done
        assert in_term(event.done_on) and event.done_on >= before.starts_on
    if isinstance(event, SafetyCampaignSummarised):
        assert before.done == set(before.activities), "summarised with activities not done"
        assert rc.on >= before.last_done_on, "summarised before its last activity"


def campaign_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ed.LaunchCampaign):
        return not state.launched and in_term(cmd.starts_on)
    if not state.launched or state.summarised:
        return False
    if isinstance(cmd, ed.MarkActivityDone):
        dated = in_term(cmd.on) and cmd.on >= state.starts_on
        return dated and cmd.activity in state.activities and cmd.activity not in state.done
    return bool(state.done == set(state.activities)) and rc.on >= state.last_done_on


CAMPAIGN_CREATE = step(
    st.builds(
        ed.LaunchCampaign,
        campaign_id=st.just("main-traffic-day-2020"),
        campus_id=st.just("main"),
        title=st.just('交通安全日 "六个一"'),
        activities=st.lists(st.sampled_from(ACTIVITIES), min_size=1, max_size=3, unique=True),
        starts_on=days(),
    ),
    TERM_FACTS,
)
CAMPAIGN = machine(
    "SafetyCampaignMachine",
    ed.SafetyCampaign,
    SAFETY_EVENTS,
    "main-traffic-day-2020",
    st.one_of(
        CAMPAIGN_CREATE,
        step(
            st.builds(
                ed.MarkActivityDone, activity=st.sampled_from([*ACTIVITIES, "一个宣传橱窗"]), on=days(), note=TEXTS
            ),
            TERM_FACTS,
        ),
        step(st.builds(ed.SummariseCampaign, summary=st.just("全部完成"))),
    ),
    ["zhou"],
    check=summarised_once_all_done,
    create=CAMPAIGN_CREATE,
    on_refusal=refused_only_when(campaign_allowed),
)


MACHINES = [SESSION, CEREMONY, CAMPAIGN]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
