"""The meal committee (膳食委员会): one per school and term, and the parents' meal-oversight
committee (家长膳食监督委员会) beside it where the district asks for one.

A committee is formed with its written duties and its first members (parents, teachers,
leaders, the canteen's people, pupils' representatives), each with a written duty; members
join and leave during the term; its meetings are recorded with their day, attendees, minutes
and decisions. One stream per school, term and kind: ``<school>-<term>`` for the meal
committee, ``<school>-<term>-oversight`` for the oversight committee.

Rules: a person sits on a committee once at a time (by member id, and by their staff or
parent id); a meeting is held within the term, its attendees are members on its day; no
step of the committee is dated before it was formed, nor after the term ended. The command's
lookup hands the term's dates to the decider (:data:`TERM_STARTS`, :data:`TERM_ENDS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from pydantic import Field, field_validator, model_validator

from services.canteen.events import (
    CommitteeMeetingHeld,
    CommitteeMember,
    CommitteeMemberJoined,
    CommitteeMemberLeft,
    MealCommitteeFormed,
    MemberKind,
)
from services.eventkit.acts import ActOn, not_after, not_before, within
from services.eventkit.bounds import EntityId, Few, Name, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected

TERM_STARTS = "term_starts_on"
TERM_ENDS = "term_ends_on"
"""The facts under which a lookup hands the committee's term dates to the decider."""

STAFF_KINDS = frozenset({MemberKind.TEACHER, MemberKind.LEADER, MemberKind.CANTEEN})
"""Members who are the school's staff: they are named by their staff id."""


def committee_id(school_id: str, term_id: str, oversight: bool) -> str:
    """A school's committee of a term: ``<school>-<term>``, ``<school>-<term>-oversight``."""
    return f"{school_id}-{term_id}-oversight" if oversight else f"{school_id}-{term_id}"


def _who_checked(kind: MemberKind, staff_id: str | None, parent_id: str | None) -> None:
    """A parent is named by their parent id, the staff by their staff id; pupils and others by neither."""
    if staff_id is not None and parent_id is not None:
        raise ValueError("a member is either staff (staff_id) or a parent (parent_id), not both")
    if kind is MemberKind.PARENT and parent_id is None:
        raise ValueError("a parent member is named by their parent_id")
    if kind in STAFF_KINDS and staff_id is None:
        raise ValueError(f"a {kind.value} member is named by their staff_id")
    if kind not in STAFF_KINDS and staff_id is not None:
        raise ValueError(f"a {kind.value} member is not staff: no staff_id")
    if kind is not MemberKind.PARENT and parent_id is not None:
        raise ValueError(f"a {kind.value} member is not a parent: no parent_id")


# -- commands ----------------------------------------------------------------------------


class CommitteeMemberLine(Value):
    """A member of the committee, with their written duty: staff by their staff id, parents by
    their parent id (both as the school's directory knows them)."""

    member_id: EntityId = Field(description="The member's id on the committee")
    name: Name = Field(description="The member's name as the committee lists it")
    kind: MemberKind = Field(description="parent, teacher, leader, canteen, pupil or other")
    duty: ShortText = Field(min_length=1, description="The member's written duty")
    staff_id: EntityId | None = Field(default=None, description="A teacher, leader or canteen member's staff id")
    parent_id: EntityId | None = Field(default=None, description="A parent member's parent id")

    @model_validator(mode="after")
    def _named(self) -> CommitteeMemberLine:
        _who_checked(self.kind, self.staff_id, self.parent_id)
        return self

    def member(self) -> CommitteeMember:
        return CommitteeMember(**self.model_dump())


class FormMealCommittee(Command):
    """A school's meal committee for a term (or, with ``oversight``, its parents' meal-oversight committee)."""

    model_config = examples(
        {
            "school_id": "xuexiao",
            "term_id": "2020-2021-1",
            "name": "薛小第一届膳食委员会",
            "oversight": False,
            "duties": ["监督食堂食品安全与膳食质量", "每月召开一次膳食委员会会议"],
            "members": [
                {"member_id": "xu-vp", "name": "徐副校长", "kind": "leader", "duty": "主任委员", "staff_id": "xu-vp"},
                {
                    "member_id": "yao-mum",
                    "name": "姚妈妈",
                    "kind": "parent",
                    "duty": "家长委员",
                    "parent_id": "yao-mum",
                },
            ],
            "on": "2020-09-01",
        }
    )

    school_id: EntityId
    term_id: EntityId
    name: Name = Field(description="The committee's name, e.g. 薛小第一届膳食委员会")
    oversight: bool = Field(default=False, description="The parents' meal-oversight committee (家长膳食监督委员会)")
    duties: Few[ShortText] = Field(min_length=1, description="The committee's written duties (管理职责)")
    members: Few[CommitteeMemberLine] = Field(min_length=1, description="The first members, each with a duty")
    on: ActOn

    @field_validator("duties")
    @classmethod
    def _duties_written(cls, duties: list[str]) -> list[str]:
        if any(not d for d in duties):
            raise ValueError("a duty is written out (not blank)")
        return duties

    @field_validator("members")
    @classmethod
    def _members_once(cls, members: list[CommitteeMemberLine]) -> list[CommitteeMemberLine]:
        for what, ids in (
            ("member_id", [m.member_id for m in members]),
            ("staff_id", [m.staff_id for m in members if m.staff_id]),
            ("parent_id", [m.parent_id for m in members if m.parent_id]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"a member sits on the committee once (a {what} appears twice)")
        return members


class AddCommitteeMember(Command):
    """A member joins the committee, with their written duty."""

    model_config = examples(
        {
            "member_id": "lin-dad",
            "name": "林爸爸",
            "kind": "parent",
            "duty": "家长委员",
            "parent_id": "lin-dad",
            "on": "2020-10-08",
        }
    )

    member_id: EntityId = Field(description="The member's id on the committee")
    name: Name = Field(description="The member's name as the committee lists it")
    kind: MemberKind = Field(description="parent, teacher, leader, canteen, pupil or other")
    duty: ShortText = Field(min_length=1, description="The member's written duty")
    staff_id: EntityId | None = Field(default=None, description="A teacher, leader or canteen member's staff id")
    parent_id: EntityId | None = Field(default=None, description="A parent member's parent id")
    on: ActOn

    @model_validator(mode="after")
    def _named(self) -> AddCommitteeMember:
        _who_checked(self.kind, self.staff_id, self.parent_id)
        return self

    def member(self) -> CommitteeMember:
        return CommitteeMember(**self.model_dump(include=set(CommitteeMember.model_fields)))


class RemoveCommitteeMember(Command):
    """A member leaves the committee."""

    model_config = examples({"member_id": "lin-dad", "reason": "孩子转学", "on": "2020-12-01"})

    member_id: EntityId = Field(description="The member who leaves")
    reason: ShortText = Field(min_length=1, description="Why the member leaves")
    on: ActOn


class RecordCommitteeMeeting(Command):
    """A meeting of the committee: its day, who attended, the minutes and the decisions."""

    model_config = examples(
        {
            "meeting_id": "2020-09-first",
            "on": "2020-09-10",
            "attendees": ["xu-vp", "yao-mum"],
            "minutes": "讨论阳光食堂家长进校园安排及本学期菜谱。",
            "decisions": ["每周安排一位家长陪餐", "每月公示菜谱和满意度"],
        }
    )

    meeting_id: EntityId = Field(description="The meeting's id on the committee")
    on: ActOn
    attendees: Few[EntityId] = Field(min_length=1, description="The member ids of those who attended")
    minutes: Text = Field(min_length=1, description="The minutes (会议纪要)")
    decisions: Few[ShortText] = Field(default_factory=list, description="What the meeting decided")

    @field_validator("attendees")
    @classmethod
    def _attended_once(cls, attendees: list[str]) -> list[str]:
        if len(set(attendees)) != len(attendees):
            raise ValueError("each attendee is named once")
        return attendees


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tenure:
    """A member's (latest) time on the committee."""

    member: CommitteeMember
    joined_on: date
    left_on: date | None = None

    def on_committee(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


@dataclass(frozen=True)
class CommitteeState:
    formed: bool = False
    school_id: str = ""
    term_id: str = ""
    oversight: bool = False
    formed_on: date | None = None
    tenures: Mapping[str, Tenure] = field(default_factory=dict)
    meetings: frozenset[str] = frozenset()
    last_meeting_on: date | None = None
    attended: Mapping[str, date] = field(default_factory=dict)  # member id -> the last meeting they attended

    @property
    def current(self) -> list[CommitteeMember]:
        return [t.member for t in self.tenures.values() if t.left_on is None]

    def sits(self, member: CommitteeMember) -> CommitteeMember | None:
        """The current member who is ``member`` (the same member id, staff id or parent id)."""
        for m in self.current:
            if m.member_id == member.member_id:
                return m
            if member.staff_id is not None and m.staff_id == member.staff_id:
                return m
            if member.parent_id is not None and m.parent_id == member.parent_id:
                return m
        return None


def _same_person(a: CommitteeMember, b: CommitteeMember) -> bool:
    return (
        a.member_id == b.member_id
        or (a.staff_id is not None and a.staff_id == b.staff_id)
        or (a.parent_id is not None and a.parent_id == b.parent_id)
    )


CommitteeCommand = (
    Resolved[FormMealCommittee]
    | Resolved[AddCommitteeMember]
    | Resolved[RemoveCommitteeMember]
    | Resolved[RecordCommitteeMeeting]
)


def _term(facts: Mapping[str, str]) -> tuple[date, date] | None:
    if TERM_STARTS in facts and TERM_ENDS in facts:
        return date.fromisoformat(facts[TERM_STARTS]), date.fromisoformat(facts[TERM_ENDS])
    return None


def term_facts(starts_on: date, ends_on: date) -> dict[str, str]:
    """The term's dates as the decider's facts."""
    return {TERM_STARTS: starts_on.isoformat(), TERM_ENDS: ends_on.isoformat()}


def decide(rc: CommitteeCommand, state: CommitteeState) -> Sequence[DomainEvent]:
    cmd = rc.command
    term = _term(rc.facts)
    if isinstance(cmd, FormMealCommittee):
        if state.formed:
            kind = "meal-oversight committee" if cmd.oversight else "meal committee"
            raise Rejected(f"{cmd.school_id} already has its {kind} of term {cmd.term_id}", field="term_id")
        if term is not None:
            not_after(cmd.on, term[1], field="on", step="term ended", what="term")
        return [
            MealCommitteeFormed(
                committee_id=rc.entity_id,
                school_id=cmd.school_id,
                term_id=cmd.term_id,
                name=cmd.name,
                oversight=cmd.oversight,
                duties=list(cmd.duties),
                members=[m.member() for m in cmd.members],
                formed_on=cmd.on,
                formed_by=rc.actor,
            )
        ]
    if not state.formed:
        raise Rejected(f"committee {rc.entity_id} was never formed")
    not_before(cmd.on, state.formed_on, field="on", step="formed", what="committee")
    if term is not None:
        not_after(cmd.on, term[1], field="on", step="term ended", what="term")
    if isinstance(cmd, AddCommitteeMember):
        joining = cmd.member()
        sitting = state.sits(joining)
        if sitting is not None:
            same = (
                "member_id"
                if sitting.member_id == joining.member_id
                else ("staff_id" if joining.staff_id else "parent_id")
            )
            raise Rejected(f"{sitting.name} already sits on the committee (member {sitting.member_id})", field=same)
        # the same person (under any member id) joins again only after their earlier time ended:
        # nobody sits twice on any day
        for earlier in state.tenures.values():
            if earlier.left_on is not None and _same_person(earlier.member, joining):
                not_before(cmd.on, earlier.left_on, field="on", step="left", what="member")
        return [
            CommitteeMemberJoined(committee_id=rc.entity_id, member=joining, joined_on=cmd.on, recorded_by=rc.actor)
        ]
    if isinstance(cmd, RemoveCommitteeMember):
        tenure = state.tenures.get(cmd.member_id)
        if tenure is None or tenure.left_on is not None:
            raise Rejected(f"{cmd.member_id} is not a member of the committee", field="member_id")
        not_before(cmd.on, tenure.joined_on, field="on", step="joined", what="member")
        # a member leaves no earlier than the last meeting they are recorded attending
        not_before(cmd.on, state.attended.get(cmd.member_id), field="on", step="attended a meeting", what="member")
        return [
            CommitteeMemberLeft(
                committee_id=rc.entity_id,
                member_id=cmd.member_id,
                left_on=cmd.on,
                reason=cmd.reason,
                recorded_by=rc.actor,
            )
        ]
    assert isinstance(cmd, RecordCommitteeMeeting)
    if cmd.meeting_id in state.meetings:
        raise Rejected(f"meeting {cmd.meeting_id} is already recorded", field="meeting_id")
    if term is not None:
        within(cmd.on, term[0], term[1], field="on", term=state.term_id)
    for i, attendee in enumerate(cmd.attendees):
        tenure = state.tenures.get(attendee)
        if tenure is None or not tenure.on_committee(cmd.on):
            raise Rejected(
                f"{attendee} was not a member of the committee on {cmd.on.isoformat()}", field=f"attendees.{i}"
            )
    return [
        CommitteeMeetingHeld(
            committee_id=rc.entity_id,
            meeting_id=cmd.meeting_id,
            held_on=cmd.on,
            attendees=list(cmd.attendees),
            minutes=cmd.minutes,
            decisions=list(cmd.decisions),
            recorded_by=rc.actor,
        )
    ]


def evolve(state: CommitteeState, event: DomainEvent) -> CommitteeState:
    match event:
        case MealCommitteeFormed():
            tenures = {m.member_id: Tenure(m, event.formed_on) for m in event.members}
            return CommitteeState(True, event.school_id, event.term_id, event.oversight, event.formed_on, tenures)
        case CommitteeMemberJoined():
            tenures = dict(state.tenures) | {event.member.member_id: Tenure(event.member, event.joined_on)}
            return replace(state, tenures=tenures)
        case CommitteeMemberLeft():
            tenure = state.tenures.get(event.member_id)
            if tenure is None:
                return state
            return replace(
                state, tenures=dict(state.tenures) | {event.member_id: replace(tenure, left_on=event.left_on)}
            )
        case CommitteeMeetingHeld():
            attended = dict(state.attended)
            for member_id in event.attendees:
                if attended.get(member_id, event.held_on) <= event.held_on:
                    attended[member_id] = event.held_on
            return replace(
                state,
                meetings=state.meetings | {event.meeting_id},
                last_meeting_on=event.held_on,
                attended=attended,
            )
    return state


MealCommittee: Decider[CommitteeCommand, CommitteeState, DomainEvent] = Decider(
    "MealCommittee", CommitteeState(), decide, evolve, "meal-committee"
)
"""One stream per school, term and kind (see :func:`committee_id`)."""
