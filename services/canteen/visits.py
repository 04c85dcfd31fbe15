"""Parent visits (家长进校园, "sunshine canteen"): each week one parent comes to a campus, weighs
and inspects the morning's deliveries with the staff, eats lunch with the pupils and writes a
reflection that the school may post to the parents' group.

One stream per visit. A manager schedules it (one visit per campus and week: a second in the
same week is refused while the first stands), reschedules or cancels it; on the visit's day the
deliveries are inspected with the staff, then the lunch is accompanied; the parent themselves
submits the reflection, saying whether it may be published; a manager publishes it (only with
that consent) or keeps it internal; the school answers each suggestion once.

Each step is dated (``at``) and none precedes the step it follows; the deliveries and the lunch
happen on the visit's day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, field_validator

from services.canteen.common import Score, monday_of
from services.canteen.events import (
    DishRating,
    ParentVisitCancelled,
    ParentVisitRescheduled,
    ParentVisitScheduled,
    ReflectionKeptInternal,
    ReflectionPublished,
    ReflectionSubmitted,
    SuggestionAnswered,
    VisitDeliveriesInspected,
    VisitLunchAccompanied,
)
from services.eventkit.acts import ActAtOrNow, not_after, not_before
from services.eventkit.bounds import EntityId, Few, Name, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Forbidden, Rejected

PARENT_NAME = "parent_name"
"""The fact naming the visiting parent (from the directory's mirror)."""
WEEK_TAKEN_BY = "week_taken_by"
"""The fact naming the visit already standing in the campus's week (empty: none)."""

# -- commands ----------------------------------------------------------------------------


class ScheduleParentVisit(Command):
    """A parent of a pupil of the campus is invited for a day; one visit per campus and week."""

    model_config = examples(
        {
            "visit_id": "main-2020-w37",
            "campus_id": "main",
            "visit_on": "2020-09-09",
            "parent_id": "yao-mum",
            "at": "2020-09-01T10:00:00+08:00",
        }
    )

    visit_id: EntityId = Field(description="The visit's id (e.g. <campus>-<year>-w<week>)")
    campus_id: EntityId
    visit_on: date = Field(description="The day the parent comes (its week is the visit's week)")
    parent_id: EntityId = Field(description="The visiting parent: a parent of a pupil of the campus")
    at: ActAtOrNow = None


class RescheduleParentVisit(Command):
    model_config = examples({"visit_on": "2020-09-10", "reason": "家长临时出差", "at": "2020-09-07T09:00:00+08:00"})

    visit_on: date = Field(description="The new day (another week must have no visit yet)")
    reason: ShortText = Field(min_length=1, description="Why the day changes")
    at: ActAtOrNow = None


class CancelParentVisit(Command):
    model_config = examples({"reason": "学校临时停课", "at": "2020-09-08T09:00:00+08:00"})

    reason: ShortText = Field(min_length=1, description="Why the visit is cancelled")
    at: ActAtOrNow = None


class InspectVisitDeliveries(Command):
    """The parent weighed and inspected the morning's deliveries with the staff (称菜、验菜)."""

    model_config = examples(
        {
            "with_staff": ["han-canteen", "zhou"],
            "delivery_ids": ["main-20200909-veg"],
            "note": "青菜、猪肉逐项过秤，与送货单相符",
            "at": "2020-09-09T07:30:00+08:00",
        }
    )

    with_staff: Few[EntityId] = Field(min_length=1, description="Staff of the campus who inspected with the parent")
    delivery_ids: Few[EntityId] = Field(
        default_factory=list, description="The campus's deliveries inspected together (may be none recorded)"
    )
    note: Text = Field(default="", description="What the inspection found")
    at: ActAtOrNow = None

    @field_validator("with_staff", "delivery_ids")
    @classmethod
    def _distinct(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("each id appears once")
        return ids


class DishScore(Value):
    """How the parent found one dish: 1 (poor) to 5 (very good) for look, taste and quantity."""

    dish: Name = Field(description="The dish, as on the menu")
    look: Score
    taste: Score
    quantity: Score


class AccompanyVisitLunch(Command):
    """The parent ate lunch with the pupils (the parent's accompanied meal, 陪餐)."""

    model_config = examples(
        {
            "ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4}],
            "issues": ["米饭略硬"],
            "at": "2020-09-09T11:40:00+08:00",
        }
    )

    ratings: Few[DishScore] = Field(min_length=1, description="Each dish of the lunch, rated")
    issues: Few[ShortText] = Field(default_factory=list, description="What the parent found wrong (none: nothing)")
    at: ActAtOrNow = None


class SubmitReflection(Command):
    """The parent's reflection (心得体会), sent by the parent themselves."""

    model_config = examples(
        {
            "title": "走进食堂，放心午餐",
            "text": "今天跟着食堂老师一起验收了早上的蔬菜和猪肉，每样都过了秤……",
            "suggestions": ["希望每周公布带量食谱"],
            "consent_to_publish": True,
            "at": "2020-09-10T20:00:00+08:00",
        }
    )

    title: Name = Field(description="The reflection's title")
    text: Text = Field(min_length=1, description="The reflection (心得体会)")
    suggestions: Few[ShortText] = Field(default_factory=list, description="The parent's suggestions, in order")
    consent_to_publish: bool = Field(description="Whether the school may post it to the parents' group")
    at: ActAtOrNow = None


class PublishReflection(Command):
    model_config = examples({"channel": "薛小家长微信群", "at": "2020-09-11T12:00:00+08:00"})

    channel: Name = Field(description="Where it is posted, e.g. 薛小家长微信群")
    at: ActAtOrNow = None


class KeepReflectionInternal(Command):
    model_config = examples({"reason": "家长未同意公开", "at": "2020-09-11T12:00:00+08:00"})

    reason: ShortText = Field(min_length=1, description="Why it is not published")
    at: ActAtOrNow = None


class AnswerSuggestion(Command):
    model_config = examples(
        {"suggestion": 0, "answer": "自下周起在家长群公布每周带量食谱", "at": "2020-09-14T09:00:00+08:00"}
    )

    suggestion: int = Field(ge=0, le=49, description="The suggestion's position in the reflection, from 0")
    answer: Text = Field(min_length=1, description="The school's answer")
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


class VisitStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    DELIVERIES_INSPECTED = "deliveries_inspected"
    LUNCH_ACCOMPANIED = "lunch_accompanied"
    REFLECTION_SUBMITTED = "reflection_submitted"
    PUBLISHED = "published"
    KEPT_INTERNAL = "kept_internal"


@dataclass(frozen=True)
class VisitState:
    status: VisitStatus | None = None
    campus_id: str = ""
    parent_id: str = ""
    visit_on: date | None = None
    step: str = ""  # the last step, as a refusal names it
    step_at: datetime | None = None  # and its time
    consent: bool = False
    suggestions: int = 0
    answered: frozenset[int] = frozenset()
    submitted_at: datetime | None = None


VisitCommand = (
    Resolved[ScheduleParentVisit]
    | Resolved[RescheduleParentVisit]
    | Resolved[CancelParentVisit]
    | Resolved[InspectVisitDeliveries]
    | Resolved[AccompanyVisitLunch]
    | Resolved[SubmitReflection]
    | Resolved[PublishReflection]
    | Resolved[KeepReflectionInternal]
    | Resolved[AnswerSuggestion]
)

_NEXT = {
    InspectVisitDeliveries: (VisitStatus.SCHEDULED, "a visit's deliveries are inspected once, while it is scheduled"),
    AccompanyVisitLunch: (VisitStatus.DELIVERIES_INSPECTED, "the lunch follows the inspection of the deliveries"),
    SubmitReflection: (VisitStatus.LUNCH_ACCOMPANIED, "the reflection follows the lunch, once"),
    PublishReflection: (VisitStatus.REFLECTION_SUBMITTED, "a submitted reflection is reviewed once"),
    KeepReflectionInternal: (VisitStatus.REFLECTION_SUBMITTED, "a submitted reflection is reviewed once"),
}


def _week_free(rc: VisitCommand, campus_id: str, visit_on: date) -> None:
    taken = rc.facts.get(WEEK_TAKEN_BY, "")
    if taken:
        raise Rejected(
            f"campus {campus_id} already has a parent visit ({taken}) in the week of {monday_of(visit_on)}: "
            "one parent visit a week",
            field="visit_on",
        )


def _on_visit_day(rc: VisitCommand, state: VisitState, what: str) -> None:
    """The deliveries and the lunch happen on the visit's day."""
    assert state.visit_on is not None
    not_before(rc.at, state.visit_on, field="at", step="scheduled for", what=what)
    not_after(rc.at, state.visit_on, field="at", step="scheduled for", what=what)


def decide(rc: VisitCommand, state: VisitState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, ScheduleParentVisit):
        if state.status is not None:
            raise Rejected(f"parent visit {cmd.visit_id} is already scheduled", field="visit_id")
        not_before(cmd.visit_on, rc.at, field="visit_on", step="scheduled", what="visit")
        _week_free(rc, cmd.campus_id, cmd.visit_on)
        return [
            ParentVisitScheduled(
                visit_id=cmd.visit_id,
                campus_id=cmd.campus_id,
                week_of=monday_of(cmd.visit_on),
                visit_on=cmd.visit_on,
                parent_id=cmd.parent_id,
                parent_name=rc.facts.get(PARENT_NAME, ""),
                scheduled_by=rc.actor,
                scheduled_at=rc.at,
            )
        ]
    if state.status is None:
        raise Rejected("the parent visit was never scheduled")
    if state.status is VisitStatus.CANCELLED:
        raise Rejected("the parent visit is cancelled")
    visit_id = rc.entity_id
    if isinstance(cmd, RescheduleParentVisit | CancelParentVisit):
        if state.status is not VisitStatus.SCHEDULED:
            raise Rejected("the visit has begun: it is no longer rescheduled or cancelled")
        not_before(rc.at, state.step_at, field="at", step=state.step, what="visit")
        if isinstance(cmd, CancelParentVisit):
            return [
                ParentVisitCancelled(visit_id=visit_id, reason=cmd.reason, cancelled_by=rc.actor, cancelled_at=rc.at)
            ]
        if cmd.visit_on == state.visit_on:
            raise Rejected(f"the visit is already on {cmd.visit_on}", field="visit_on")
        not_before(cmd.visit_on, rc.at, field="visit_on", step="rescheduled", what="visit")
        if state.visit_on is None or monday_of(cmd.visit_on) != monday_of(state.visit_on):
            _week_free(rc, state.campus_id, cmd.visit_on)
        return [
            ParentVisitRescheduled(
                visit_id=visit_id,
                visit_on=cmd.visit_on,
                reason=cmd.reason,
                rescheduled_by=rc.actor,
                rescheduled_at=rc.at,
            )
        ]
    if isinstance(cmd, AnswerSuggestion):
        if state.submitted_at is None:
            raise Rejected("the parent has not submitted a reflection yet")
        not_before(rc.at, state.submitted_at, field="at", step="reflected on", what="visit")
        if cmd.suggestion >= state.suggestions:
            raise Rejected(
                f"the reflection has {state.suggestions} suggestion(s): there is no suggestion {cmd.suggestion}",
                field="suggestion",
            )
        if cmd.suggestion in state.answered:
            raise Rejected(f"suggestion {cmd.suggestion} is already answered", field="suggestion")
        return [
            SuggestionAnswered(
                visit_id=visit_id, suggestion=cmd.suggestion, answer=cmd.answer, answered_by=rc.actor, answered_at=rc.at
            )
        ]
    wanted, refusal = _NEXT[type(cmd)]
    if state.status is not wanted:
        raise Rejected(f"{refusal} (the visit is {state.status.value.replace('_', ' ')})")
    not_before(rc.at, state.step_at, field="at", step=state.step, what="visit")
    if isinstance(cmd, InspectVisitDeliveries):
        _on_visit_day(rc, state, "visit")
        return [
            VisitDeliveriesInspected(
                visit_id=visit_id,
                delivery_ids=list(cmd.delivery_ids),
                with_staff=list(cmd.with_staff),
                note=cmd.note,
                recorded_by=rc.actor,
                inspected_at=rc.at,
            )
        ]
    if isinstance(cmd, AccompanyVisitLunch):
        _on_visit_day(rc, state, "visit")
        assert state.visit_on is not None
        return [
            VisitLunchAccompanied(
                visit_id=visit_id,
                campus_id=state.campus_id,
                served_on=state.visit_on,
                ratings=[DishRating(**r.model_dump()) for r in cmd.ratings],
                issues=list(cmd.issues),
                recorded_by=rc.actor,
                accompanied_at=rc.at,
            )
        ]
    if isinstance(cmd, SubmitReflection):
        if rc.actor != state.parent_id:
            raise Forbidden("the reflection is submitted by the visiting parent themselves")
        return [
            ReflectionSubmitted(
                visit_id=visit_id,
                parent_id=state.parent_id,
                title=cmd.title,
                text=cmd.text,
                suggestions=list(cmd.suggestions),
                consent_to_publish=cmd.consent_to_publish,
                submitted_by=rc.actor,
                submitted_at=rc.at,
            )
        ]
    if rc.actor == state.parent_id:
        raise Forbidden("the school reviews a reflection, not the parent who wrote it")
    if isinstance(cmd, PublishReflection):
        if not state.consent:
            raise Rejected(
                "the parent did not consent to publication: the reflection is kept internal",
                field="consent_to_publish",
            )
        return [
            ReflectionPublished(
                visit_id=visit_id,
                campus_id=state.campus_id,
                channel=cmd.channel,
                published_by=rc.actor,
                published_at=rc.at,
            )
        ]
    assert isinstance(cmd, KeepReflectionInternal)
    return [ReflectionKeptInternal(visit_id=visit_id, reason=cmd.reason, reviewed_by=rc.actor, reviewed_at=rc.at)]


def evolve(state: VisitState, event: DomainEvent) -> VisitState:
    match event:
        case ParentVisitScheduled():
            return VisitState(
                VisitStatus.SCHEDULED,
                event.campus_id,
                event.parent_id,
                event.visit_on,
                step="scheduled",
                step_at=event.scheduled_at,
            )
        case ParentVisitRescheduled():
            return replace(state, visit_on=event.visit_on, step="rescheduled", step_at=event.rescheduled_at)
        case ParentVisitCancelled():
            return replace(state, status=VisitStatus.CANCELLED, step="cancelled", step_at=event.cancelled_at)
        case VisitDeliveriesInspected():
            return replace(
                state, status=VisitStatus.DELIVERIES_INSPECTED, step="deliveries inspected", step_at=event.inspected_at
            )
        case VisitLunchAccompanied():
            return replace(
                state, status=VisitStatus.LUNCH_ACCOMPANIED, step="lunch accompanied", step_at=event.accompanied_at
            )
        case ReflectionSubmitted():
            return replace(
                state,
                status=VisitStatus.REFLECTION_SUBMITTED,
                step="reflected on",
                step_at=event.submitted_at,
                consent=event.consent_to_publish,
                suggestions=len(event.suggestions),
                submitted_at=event.submitted_at,
            )
        case ReflectionPublished():
            return replace(state, status=VisitStatus.PUBLISHED, step="published", step_at=event.published_at)
        case ReflectionKeptInternal():
            return replace(state, status=VisitStatus.KEPT_INTERNAL, step="reviewed", step_at=event.reviewed_at)
        case SuggestionAnswered():
            return replace(state, answered=state.answered | {event.suggestion})
    return state


ParentVisit: Decider[VisitCommand, VisitState, DomainEvent] = Decider(
    "ParentVisit", VisitState(), decide, evolve, "canteen-parent-visit", starts=(ScheduleParentVisit,)
)
"""One stream per visit (its id is the visit's id)."""
