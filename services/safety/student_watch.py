"""Students at risk (重点关注学生): a watch on a student whose behaviour could endanger others.

The safety office opens it with the class teacher (the student, the class, why), sets a plan
of structured items, each with who carries it out and what (contacts with the parents,
accompanied study, the subject teachers involved, moral education), and the class's teachers
and the office add dated notes. The office reviews it (an outcome) and closes it once reviewed.
A closed watch takes nothing more.

It is as private as a health record: the safety managers, the principal and the teachers of
the student's class read it, nobody else (``services.safety.queries.student_watches``).

Each act is dated, none before the watch was opened, a closing not before its last review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, ActOn, ActOnOrToday, not_before
from services.eventkit.bounds import EntityId, Few, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected
from services.safety.events import (
    StudentWatchClosed,
    StudentWatchNoted,
    StudentWatchOpened,
    StudentWatchPlanSet,
    StudentWatchReviewed,
    WatchOutcome,
    WatchPlanItem,
    WatchPlanKind,
)

CLASS_ID = "class_id"  # the student's class (the directory's), a fact of the opening

# -- commands ----------------------------------------------------------------------------


class OpenStudentWatch(Command):
    model_config = examples(
        {
            "watch_id": "yao-2020",
            "student_id": "yao",
            "class_teacher_id": "huang",
            "reason": "课间行为可能对同学安全构成威胁",
            "on": "2020-09-14",
        }
    )

    watch_id: EntityId = Field(description="A new id for the watch")
    student_id: EntityId
    class_teacher_id: EntityId = Field(description="The class teacher who keeps the watch with the safety office")
    reason: Text = Field(min_length=1, examples=["课间行为可能对同学安全构成威胁"])
    on: ActOn


class WatchPlanItemInput(Value):
    """One measure of a watch's plan: what kind, who carries it out, what is done."""

    kind: WatchPlanKind = Field(description="What kind of measure it is")
    who: Name = Field(description="Who carries it out: a teacher's staff id, a parent", examples=["huang"])
    what: Text = Field(min_length=1, description="What is done", examples=["每周与家长电话沟通一次"])


class SetStudentWatchPlan(Command):
    model_config = examples(
        {
            "items": [
                {"kind": "parent_contact", "who": "huang", "what": "每周与姚妈妈电话沟通一次"},
                {"kind": "accompanied_study", "who": "sun", "what": "午间陪学"},
            ],
            "on": "2020-09-15",
        }
    )

    items: Few[WatchPlanItemInput] = Field(
        min_length=1, description="The plan's measures (it replaces the plan before)"
    )
    on: ActOnOrToday = None


class NoteStudentWatch(Command):
    model_config = examples({"note": "本周课间无追逐打闹", "at": "2020-09-25T16:00:00+08:00"})

    note: Text = Field(min_length=1, examples=["本周课间无追逐打闹"])
    at: ActAtOrNow = None


class ReviewStudentWatch(Command):
    model_config = examples({"outcome": "improved", "note": "课间行为明显改善", "on": "2021-01-20"})

    outcome: WatchOutcome = Field(description="What the review found")
    note: Text = ""
    on: ActOnOrToday = None


class CloseStudentWatch(Command):
    model_config = examples({"note": "转入常规关注", "on": "2021-01-29"})

    note: Text = ""
    on: ActOnOrToday = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentWatchState:
    opened: bool = False
    class_id: str = ""
    opened_on: date | None = None
    plans: int = 0
    reviews: int = 0
    last_review_on: date | None = None
    closed: bool = False


StudentWatchCommand = (
    Resolved[OpenStudentWatch]
    | Resolved[SetStudentWatchPlan]
    | Resolved[NoteStudentWatch]
    | Resolved[ReviewStudentWatch]
    | Resolved[CloseStudentWatch]
)


def decide(rc: StudentWatchCommand, state: StudentWatchState) -> Sequence[DomainEvent]:
    """``facts[CLASS_ID]`` (opening): the student's class; the handler checked the class teacher."""
    cmd = rc.command
    if isinstance(cmd, OpenStudentWatch):
        if state.opened:
            raise Rejected(f"watch {cmd.watch_id} is already open", field="watch_id")
        return [
            StudentWatchOpened(
                watch_id=cmd.watch_id,
                student_id=cmd.student_id,
                class_id=rc.facts[CLASS_ID],
                class_teacher_id=cmd.class_teacher_id,
                reason=cmd.reason,
                opened_on=cmd.on,
                opened_by=rc.actor,
            )
        ]
    if not state.opened:
        raise Rejected("the watch was never opened")
    if state.closed:
        raise Rejected("the watch is closed")
    watch_id = rc.entity_id
    if isinstance(cmd, SetStudentWatchPlan):
        not_before(rc.on, state.opened_on, field="on", step="opened", what="watch")
        items = [WatchPlanItem(kind=i.kind, who=i.who, what=i.what) for i in cmd.items]
        return [StudentWatchPlanSet(watch_id=watch_id, items=items, set_on=rc.on, set_by=rc.actor)]
    if isinstance(cmd, NoteStudentWatch):
        not_before(rc.at, state.opened_on, field="at", step="opened", what="watch")
        return [StudentWatchNoted(watch_id=watch_id, noted_at=rc.at, note=cmd.note, noted_by=rc.actor)]
    if isinstance(cmd, ReviewStudentWatch):
        not_before(rc.on, state.opened_on, field="on", step="opened", what="watch")
        return [
            StudentWatchReviewed(
                watch_id=watch_id, reviewed_on=rc.on, outcome=cmd.outcome, note=cmd.note, reviewed_by=rc.actor
            )
        ]
    assert isinstance(cmd, CloseStudentWatch)
    if not state.reviews:
        raise Rejected("review the watch (its outcome) before closing it")
    not_before(rc.on, state.last_review_on, field="on", step="reviewed", what="watch")
    return [StudentWatchClosed(watch_id=watch_id, closed_on=rc.on, note=cmd.note, closed_by=rc.actor)]


def evolve(state: StudentWatchState, event: DomainEvent) -> StudentWatchState:
    match event:
        case StudentWatchOpened():
            return StudentWatchState(opened=True, class_id=event.class_id, opened_on=event.opened_on)
        case StudentWatchPlanSet():
            return replace(state, plans=state.plans + 1)
        case StudentWatchReviewed():
            last = event.reviewed_on if state.last_review_on is None else max(state.last_review_on, event.reviewed_on)
            return replace(state, reviews=state.reviews + 1, last_review_on=last)
        case StudentWatchClosed():
            return replace(state, closed=True)
    return state


StudentWatch: Decider[StudentWatchCommand, StudentWatchState, DomainEvent] = Decider(
    "StudentWatch", StudentWatchState(), decide, evolve, "student-watch", starts=(OpenStudentWatch,)
)
