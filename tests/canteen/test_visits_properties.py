"""Property tests of the parent visits' decider: steps in order, one visit a week, the reflection
by its parent, published only with consent, each suggestion answered once.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen import visits as vi
from services.canteen.common import monday_of
from services.canteen.events import (
    CANTEEN_EVENTS,
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
from services.eventkit.days import CHINA
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Forbidden, Rejected
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, run_machine, school_day, step

pytestmark = QUIET

S = vi.VisitStatus
# The visit's days, and the steps dated on or around them (so that many runs get to the end).
VISIT_DAYS = st.sampled_from([date(2020, 9, 7), date(2020, 9, 7), date(2020, 9, 8)])


def on(days: list[int], hour: int, minute: int = 0) -> st.SearchStrategy[datetime]:
    return st.sampled_from(days).map(lambda d: datetime(2020, 9, d, hour, minute, tzinfo=CHINA))


WEEK = st.sampled_from(["", "", "", "other-visit"])
ORDER = [S.SCHEDULED, S.DELIVERIES_INSPECTED, S.LUNCH_ACCOMPANIED, S.REFLECTION_SUBMITTED]


def honest_visit(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, ParentVisitScheduled | ParentVisitRescheduled):
        assert not rc.facts.get(vi.WEEK_TAKEN_BY) or (
            isinstance(event, ParentVisitRescheduled)
            and before.visit_on is not None
            and monday_of(before.visit_on) == monday_of(event.visit_on)
        ), "scheduled into a campus week taken by another visit"
        assert event.visit_on >= school_day(rc.at), "scheduled for a day already past"
    if isinstance(event, ParentVisitScheduled):
        assert before.status is None and event.week_of == monday_of(event.visit_on)
        return
    assert before.status not in (None, S.CANCELLED), "a step of a visit never scheduled, or cancelled"
    if isinstance(event, ParentVisitRescheduled | ParentVisitCancelled):
        assert before.status is S.SCHEDULED, "moved or cancelled once begun"
    if isinstance(event, VisitDeliveriesInspected | VisitLunchAccompanied):
        assert school_day(rc.at) == before.visit_on, "a step of the visit's day on another day"
        assert ORDER.index(after.status) == ORDER.index(before.status) + 1, "a step skipped or repeated"
    if isinstance(event, ReflectionSubmitted):
        assert before.status is S.LUNCH_ACCOMPANIED and event.submitted_by == before.parent_id == event.parent_id
    if isinstance(event, ReflectionPublished):
        assert before.status is S.REFLECTION_SUBMITTED and before.consent, "published without consent"
        assert event.published_by != before.parent_id, "published by its own parent"
    if isinstance(event, ReflectionKeptInternal):
        assert before.status is S.REFLECTION_SUBMITTED and event.reviewed_by != before.parent_id
    if isinstance(event, SuggestionAnswered):
        assert event.suggestion < before.suggestions and event.suggestion not in before.answered
        assert after.answered == before.answered | {event.suggestion}
    else:
        assert before.step_at is None or rc.at >= before.step_at, "a step before the one it follows"


def schedule(visit_on: date, taken: str) -> tuple[Any, dict[str, str]]:
    cmd = vi.ScheduleParentVisit(visit_id="v37", campus_id="main", visit_on=visit_on, parent_id="yao-mum")
    return cmd, {vi.PARENT_NAME: "姚妈妈", vi.WEEK_TAKEN_BY: taken}


SCHEDULE = st.builds(schedule, VISIT_DAYS, WEEK)
RATING = st.builds(vi.DishScore, dish=st.just("番茄炒蛋"), look=st.integers(1, 5), taste=st.integers(1, 5),
                   quantity=st.integers(1, 5))  # fmt: skip
INSPECT = step(st.builds(vi.InspectVisitDeliveries, with_staff=st.just(["han-canteen"]), at=on([7, 7, 8], 7, 30)))
LUNCH = step(
    st.builds(vi.AccompanyVisitLunch, ratings=st.lists(RATING, min_size=1, max_size=2), at=on([7, 7, 8], 11, 40))
)
REFLECT = step(
    st.builds(
        vi.SubmitReflection,
        title=st.just("走进食堂"),
        text=st.just("……"),
        suggestions=st.lists(st.just("建议"), max_size=3),
        consent_to_publish=st.booleans(),
        at=on([7, 8, 9], 20),
    )
)
PUBLISH = step(st.builds(vi.PublishReflection, channel=st.just("薛小家长微信群"), at=on([9, 10], 12)))
KEEP = step(st.builds(vi.KeepReflectionInternal, reason=st.just("家长未同意公开"), at=on([9, 10], 12)))
ANSWER = step(
    st.builds(vi.AnswerSuggestion, suggestion=st.integers(0, 3), answer=st.just("已采纳"), at=on([10, 11], 9))
)
RESCHEDULE = st.builds(
    lambda d, taken: (vi.RescheduleParentVisit(visit_on=d, reason="改期"), {vi.WEEK_TAKEN_BY: taken}), VISIT_DAYS, WEEK
)
CANCEL = step(st.builds(vi.CancelParentVisit, reason=st.just("停课")))

VISIT = machine(
    "ParentVisitMachine",
    vi.ParentVisit,
    CANTEEN_EVENTS,
    "v37",
    # the steps that move a visit on first: drawn more often than those that end it early
    st.one_of(INSPECT, LUNCH, REFLECT, PUBLISH, ANSWER, KEEP, RESCHEDULE, SCHEDULE, CANCEL),
    ["yao-mum", "zhou", "ma-dad"],
    check=honest_visit,
    create=st.builds(schedule, VISIT_DAYS, st.just("")),
    refusals=(Rejected, Forbidden),
)


MACHINES = [VISIT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
