"""Property tests of the meal committee's decider: formed once with its members; a person sits on
it once at a time (by member, staff or parent id); a member leaves only while sitting, no earlier
than they joined; a meeting is held within the term, by members on its day, recorded once; no
step is dated before the committee was formed nor after its term ended.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen.committee import (
    AddCommitteeMember,
    CommitteeMemberLine,
    FormMealCommittee,
    MealCommittee,
    RecordCommitteeMeeting,
    RemoveCommitteeMember,
    committee_id,
    term_facts,
)
from services.canteen.events import (
    CANTEEN_EVENTS,
    CommitteeMeetingHeld,
    CommitteeMember,
    CommitteeMemberJoined,
    CommitteeMemberLeft,
    MealCommitteeFormed,
    MemberKind,
)
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, refused_only_when, run_machine, step

pytestmark = QUIET

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
TERM_STARTS, TERM_ENDS = date(2020, 9, 1), date(2020, 12, 31)
TERM = term_facts(TERM_STARTS, TERM_ENDS)  # what each command's lookup hands the decider
# Days from before the term to after it, most of them in it.
DAYS = st.integers(-10, TERM_ENDS.toordinal() - TERM_STARTS.toordinal() + 10).map(
    lambda d: TERM_STARTS + timedelta(days=d)
)
# The people who may sit on it; some are one person under two member ids (yao-mum, jiang-cook).
PEOPLE = [
    CommitteeMember(member_id="xu-vp", name="徐副校长", kind=MemberKind.LEADER, duty="主任委员", staff_id="xu-vp"),
    CommitteeMember(member_id="yao-mum", name="姚妈妈", kind=MemberKind.PARENT, duty="家长委员", parent_id="yao-mum"),
    CommitteeMember(member_id="lin-dad", name="林爸爸", kind=MemberKind.PARENT, duty="家长委员", parent_id="lin-dad"),
    CommitteeMember(member_id="pupil-1", name="小明", kind=MemberKind.PUPIL, duty="学生代表"),
    CommitteeMember(member_id="jiang", name="蒋师傅", kind=MemberKind.CANTEEN, duty="厨师长", staff_id="jiang-cook"),
    CommitteeMember(member_id="yao-2", name="姚妈妈", kind=MemberKind.PARENT, duty="家长委员", parent_id="yao-mum"),
    CommitteeMember(member_id="jiang-2", name="蒋", kind=MemberKind.CANTEEN, duty="食堂", staff_id="jiang-cook"),
]
MEMBER_IDS = st.sampled_from([p.member_id for p in PEOPLE])
ATTENDEES = st.sampled_from(["yao-mum", "yao-mum", "xu-vp", "jiang", "lin-dad"])  # first members more often
FIRST_MEMBERS = st.sampled_from([PEOPLE[:1], PEOPLE[:2], [PEOPLE[1], PEOPLE[3], PEOPLE[4]]])


def same_person(a: CommitteeMember, b: CommitteeMember) -> bool:
    return (
        a.member_id == b.member_id
        or (a.staff_id is not None and a.staff_id == b.staff_id)
        or (a.parent_id is not None and a.parent_id == b.parent_id)
    )


def term_of(rc: Resolved[Any]) -> tuple[date, date]:
    return date.fromisoformat(rc.facts["term_starts_on"]), date.fromisoformat(rc.facts["term_ends_on"])


def honest_committee(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    (event,) = events
    starts_on, ends_on = term_of(rc)
    assert cmd.on <= ends_on, "a step after the term ended"
    current = after.current
    assert not any(same_person(a, b) for i, a in enumerate(current) for b in current[i + 1 :]), "sits twice"
    if isinstance(event, MealCommitteeFormed):
        assert not before.formed and event.formed_on == cmd.on and event.formed_by == rc.actor
        assert event.committee_id == rc.entity_id and current == event.members == [m.member() for m in cmd.members]
        return
    assert before.formed and cmd.on >= before.formed_on, "a step before the committee was formed"
    if isinstance(event, CommitteeMemberJoined):
        assert not any(same_person(m, event.member) for m in before.current), "joined while sitting"
        for earlier in before.tenures.values():
            if same_person(earlier.member, event.member):
                assert earlier.left_on is not None and earlier.left_on <= cmd.on, "sits twice on a day"
        assert len(current) == len(before.current) + 1 and after.sits(event.member) == event.member
    if isinstance(event, CommitteeMemberLeft):
        tenure = before.tenures[event.member_id]
        assert tenure.left_on is None and tenure.joined_on <= event.left_on, "left before joining, or twice"
        assert event.left_on >= before.attended.get(event.member_id, event.left_on), "left before a meeting attended"
        assert [m.member_id for m in current] == [m.member_id for m in before.current if m.member_id != cmd.member_id]
    if isinstance(event, CommitteeMeetingHeld):
        assert starts_on <= event.held_on <= ends_on and event.meeting_id not in before.meetings
        for attendee in event.attendees:
            assert before.tenures[attendee].on_committee(event.held_on), "an attendee not a member on its day"
        assert after.meetings == before.meetings | {event.meeting_id}


def committee_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    starts_on, ends_on = term_of(rc)
    if isinstance(cmd, FormMealCommittee):
        return not state.formed and cmd.on <= ends_on
    if not state.formed or not state.formed_on <= cmd.on <= ends_on:
        return False
    if isinstance(cmd, AddCommitteeMember):
        return not any(same_person(m, cmd.member()) for m in state.current) and not any(
            t.left_on is not None and t.left_on > cmd.on and same_person(t.member, cmd.member())
            for t in state.tenures.values()
        )
    if isinstance(cmd, RemoveCommitteeMember):
        tenure = state.tenures.get(cmd.member_id)
        return (
            tenure is not None
            and tenure.left_on is None
            and cmd.on >= tenure.joined_on
            and cmd.on >= state.attended.get(cmd.member_id, cmd.on)
        )
    # Attendees by their latest time on the committee (an earlier one is not kept).
    return (
        cmd.meeting_id not in state.meetings
        and starts_on <= cmd.on
        and all(a in state.tenures and state.tenures[a].on_committee(cmd.on) for a in cmd.attendees)
    )


FORM = st.builds(
    lambda on, members: (
        FormMealCommittee(
            school_id="xuexiao",
            term_id="2020-2021-1",
            name="薛小第一届膳食委员会",
            duties=["监督食堂食品安全与膳食质量"],
            members=[CommitteeMemberLine(**m.model_dump()) for m in members],
            on=on,
        ),
        dict(TERM),
    ),
    st.integers(-10, 10).map(lambda d: TERM_STARTS + timedelta(days=d)),  # mostly formed as the term begins
    FIRST_MEMBERS,
)
ADD = step(
    st.builds(lambda person, on: AddCommitteeMember(**person.model_dump(), on=on), st.sampled_from(PEOPLE), DAYS),
    TERM,
)
REMOVE = step(st.builds(RemoveCommitteeMember, member_id=MEMBER_IDS, reason=st.just("孩子转学"), on=DAYS), TERM)
MEETING = step(
    st.builds(
        RecordCommitteeMeeting,
        meeting_id=st.sampled_from(["m1", "m2", "m3"]),
        on=DAYS,
        attendees=st.lists(ATTENDEES, min_size=1, max_size=2, unique=True),
        minutes=st.just("讨论本学期菜谱。"),
        decisions=st.lists(st.just("每周安排一位家长陪餐"), max_size=1),
    ),
    TERM,
)
COMMITTEE = machine(
    "MealCommitteeMachine",
    MealCommittee,
    CANTEEN_EVENTS,
    committee_id("xuexiao", "2020-2021-1", False),
    st.one_of(ADD, REMOVE, MEETING, FORM),
    ["zhou", "gu"],
    check=honest_committee,
    tenant=SCHOOL,
    create=FORM,
    on_refusal=refused_only_when(committee_allowed),
)


MACHINES = [COMMITTEE]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
