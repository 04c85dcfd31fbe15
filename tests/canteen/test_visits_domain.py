"""Parent visits, given / when / then."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

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
from services.canteen.visits import (
    PARENT_NAME,
    WEEK_TAKEN_BY,
    AccompanyVisitLunch,
    AnswerSuggestion,
    CancelParentVisit,
    InspectVisitDeliveries,
    KeepReflectionInternal,
    ParentVisit,
    PublishReflection,
    RescheduleParentVisit,
    ScheduleParentVisit,
    SubmitReflection,
    VisitStatus,
)
from services.eventkit.acts import OutOfOrder
from services.eventkit.days import CHINA
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
WED = date(2020, 9, 9)  # a Wednesday; its week begins on Monday 7 September


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


SCHEDULED_AT = at(date(2020, 9, 1), 10)
visit = Stream(ParentVisit, MAIN, "v37", actor="zhou")

SCHEDULED = ParentVisitScheduled(
    visit_id="v37",
    campus_id="main",
    week_of=date(2020, 9, 7),
    visit_on=WED,
    parent_id="yao-mum",
    parent_name="姚妈妈",
    scheduled_by="zhou",
    scheduled_at=SCHEDULED_AT,
)
INSPECTED = VisitDeliveriesInspected(
    visit_id="v37",
    delivery_ids=[],
    with_staff=["han-canteen"],
    note="",
    recorded_by="han-canteen",
    inspected_at=at(WED, 7, 30),
)
LUNCH = VisitLunchAccompanied(
    visit_id="v37",
    campus_id="main",
    served_on=WED,
    ratings=[DishRating(dish="番茄炒蛋", look=5, taste=4, quantity=4)],
    issues=[],
    recorded_by="zhou",
    accompanied_at=at(WED, 11, 40),
)


def submitted(consent: bool = True, suggestions: int = 2) -> ReflectionSubmitted:
    return ReflectionSubmitted(
        visit_id="v37",
        parent_id="yao-mum",
        title="走进食堂",
        text="……",
        suggestions=[f"建议{i}" for i in range(suggestions)],
        consent_to_publish=consent,
        submitted_by="yao-mum",
        submitted_at=at(WED, 20),
    )


def schedule(**changes: Any) -> ScheduleParentVisit:
    body: dict[str, Any] = {"visit_id": "v37", "campus_id": "main", "visit_on": "2020-09-09", "parent_id": "yao-mum"}
    body["at"] = SCHEDULED_AT
    return ScheduleParentVisit.model_validate(body | changes)


def lunch(when: datetime) -> AccompanyVisitLunch:
    return AccompanyVisitLunch(
        ratings=[{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4}],  # type: ignore[list-item]
        issues=["米饭略硬"],
        at=when,
    )


def reflection(consent: bool = True, when: datetime = at(WED, 20)) -> SubmitReflection:
    return SubmitReflection(
        title="走进食堂", text="……", suggestions=["建议0", "建议1"], consent_to_publish=consent, at=when
    )


FREE = {PARENT_NAME: "姚妈妈", WEEK_TAKEN_BY: ""}


# -- scheduling: one parent visit per campus and week ---------------------------------------------


def test_a_manager_schedules_a_parent_visit_in_its_week() -> None:
    assert visit.when(schedule(), facts=FREE) == [SCHEDULED]
    state = visit.given(SCHEDULED)
    assert (state.status, state.visit_on, state.parent_id) == (VisitStatus.SCHEDULED, WED, "yao-mum")


def test_a_second_visit_in_the_same_campus_week_is_refused() -> None:
    visit.refused(schedule(), facts=FREE | {WEEK_TAKEN_BY: "v36"}, field="visit_on", match="one parent visit a week")


def test_a_visit_is_scheduled_once_and_not_for_a_day_already_past() -> None:
    visit.refused(schedule(), given=[SCHEDULED], facts=FREE, field="visit_id")
    visit.refused(schedule(visit_on="2020-08-31"), facts=FREE, raises=OutOfOrder, field="visit_on")


def test_rescheduling_moves_the_visit_into_a_free_week_only() -> None:
    move = RescheduleParentVisit(visit_on=date(2020, 9, 16), reason="家长出差", at=at(date(2020, 9, 7), 9))
    (event,) = visit.when(move, given=[SCHEDULED], facts={WEEK_TAKEN_BY: ""})
    assert isinstance(event, ParentVisitRescheduled) and event.visit_on == date(2020, 9, 16)
    assert visit.given(SCHEDULED, event).visit_on == date(2020, 9, 16)
    visit.refused(move, given=[SCHEDULED], facts={WEEK_TAKEN_BY: "v38"}, field="visit_on")
    same_week = RescheduleParentVisit(visit_on=date(2020, 9, 10), reason="改期", at=at(date(2020, 9, 7), 9))
    assert visit.when(same_week, given=[SCHEDULED], facts={WEEK_TAKEN_BY: ""})
    visit.refused(
        RescheduleParentVisit(visit_on=WED, reason="同日", at=at(date(2020, 9, 7), 9)),
        given=[SCHEDULED],
        field="visit_on",
    )


def test_a_cancelled_visit_goes_no_further_and_a_begun_one_is_not_cancelled() -> None:
    cancel = CancelParentVisit(reason="停课", at=at(date(2020, 9, 8), 9))
    (cancelled,) = visit.when(cancel, given=[SCHEDULED])
    assert isinstance(cancelled, ParentVisitCancelled) and cancelled.cancelled_by == "zhou"
    assert visit.given(SCHEDULED, cancelled).status is VisitStatus.CANCELLED
    inspect = InspectVisitDeliveries(with_staff=["han-canteen"], at=at(WED, 7, 30))
    visit.refused(inspect, given=[SCHEDULED, cancelled], match="cancelled")
    visit.refused(cancel, given=[SCHEDULED, INSPECTED], match="begun")
    visit.refused(CancelParentVisit(reason="停课", at=at(date(2020, 8, 31), 9)), given=[SCHEDULED], raises=OutOfOrder)


# -- the visit's day: deliveries, then lunch -------------------------------------------------------


def test_the_deliveries_are_inspected_on_the_visits_day_then_the_lunch() -> None:
    inspect = InspectVisitDeliveries(with_staff=["han-canteen"], at=at(WED, 7, 30))
    (inspected,) = visit.when(inspect, given=[SCHEDULED], actor="han-canteen")
    assert inspected == INSPECTED
    (accompanied,) = visit.when(lunch(at(WED, 11, 40)), given=[SCHEDULED, INSPECTED])
    assert isinstance(accompanied, VisitLunchAccompanied)
    assert (accompanied.served_on, accompanied.campus_id, accompanied.issues) == (WED, "main", ["米饭略硬"])


def test_the_deliveries_are_inspected_once_and_only_on_the_visits_day() -> None:
    visit.refused(InspectVisitDeliveries(with_staff=["han-canteen"], at=at(WED, 7)), given=[SCHEDULED, INSPECTED])
    day_before = InspectVisitDeliveries(with_staff=["han-canteen"], at=at(WED - timedelta(days=1), 7))
    day_after = InspectVisitDeliveries(with_staff=["han-canteen"], at=at(WED + timedelta(days=1), 7))
    visit.refused(day_before, given=[SCHEDULED], raises=OutOfOrder, field="at")
    visit.refused(day_after, given=[SCHEDULED], raises=OutOfOrder, field="at")


def test_the_lunch_follows_the_deliveries_and_not_before_them() -> None:
    visit.refused(lunch(at(WED, 11, 40)), given=[SCHEDULED], match="follows the inspection")
    visit.refused(lunch(at(WED, 7)), given=[SCHEDULED, INSPECTED], raises=OutOfOrder, field="at")


def test_a_lunch_rates_at_least_one_dish_from_one_to_five() -> None:
    with pytest.raises(ValidationError):
        AccompanyVisitLunch.model_validate({"ratings": []})
    with pytest.raises(ValidationError):
        AccompanyVisitLunch.model_validate({"ratings": [{"dish": "汤", "look": 6, "taste": 3, "quantity": 3}]})
    with pytest.raises(ValidationError):
        InspectVisitDeliveries.model_validate({"with_staff": ["han-canteen", "han-canteen"]})


# -- the reflection: by the parent themselves -----------------------------------------------------


def test_the_parent_submits_their_reflection_after_the_lunch() -> None:
    (event,) = visit.when(reflection(), given=[SCHEDULED, INSPECTED, LUNCH], actor="yao-mum")
    assert event == submitted()
    state = visit.given(SCHEDULED, INSPECTED, LUNCH, event)
    assert (state.status, state.consent, state.suggestions) == (VisitStatus.REFLECTION_SUBMITTED, True, 2)
    visit.refused(reflection(), given=[SCHEDULED, INSPECTED], actor="yao-mum", match="follows the lunch")
    visit.refused(reflection(), given=[SCHEDULED, INSPECTED, LUNCH, event], actor="yao-mum")
    visit.refused(reflection(when=at(WED, 11)), given=[SCHEDULED, INSPECTED, LUNCH], actor="yao-mum", raises=OutOfOrder)


def test_a_parent_cannot_submit_for_another_visit_nor_a_manager_for_the_parent() -> None:
    done = [SCHEDULED, INSPECTED, LUNCH]
    visit.refused(reflection(), given=done, actor="ma-dad", raises=Forbidden, match="visiting parent")
    visit.refused(reflection(), given=done, actor="zhou", raises=Forbidden)


# -- the review: published only with consent, never by the parent --------------------------------


def test_a_manager_publishes_a_reflection_its_parent_consented_to() -> None:
    publish = PublishReflection(channel="薛小家长微信群", at=at(date(2020, 9, 11), 12))
    (event,) = visit.when(publish, given=[SCHEDULED, INSPECTED, LUNCH, submitted()])
    assert event == ReflectionPublished(
        visit_id="v37", campus_id="main", channel="薛小家长微信群", published_by="zhou", published_at=publish.at
    )
    assert visit.given(SCHEDULED, INSPECTED, LUNCH, submitted(), event).status is VisitStatus.PUBLISHED
    visit.refused(publish, given=[SCHEDULED, INSPECTED, LUNCH, submitted(), event], match="reviewed once")


def test_a_reflection_is_published_only_with_its_parents_consent() -> None:
    publish = PublishReflection(channel="薛小家长微信群", at=at(date(2020, 9, 11), 12))
    visit.refused(publish, given=[SCHEDULED, INSPECTED, LUNCH, submitted(consent=False)], field="consent_to_publish")
    keep = KeepReflectionInternal(reason="家长未同意公开", at=at(date(2020, 9, 11), 12))
    (kept,) = visit.when(keep, given=[SCHEDULED, INSPECTED, LUNCH, submitted(consent=False)])
    assert isinstance(kept, ReflectionKeptInternal) and kept.reviewed_by == "zhou"
    visit.refused(publish, given=[SCHEDULED, INSPECTED, LUNCH, submitted(consent=False), kept])


def test_a_parent_cannot_publish_a_reflection_theirs_or_another_visits() -> None:
    publish = PublishReflection(channel="薛小家长微信群", at=at(date(2020, 9, 11), 12))
    visit.refused(publish, given=[SCHEDULED, INSPECTED, LUNCH, submitted()], actor="yao-mum", raises=Forbidden)
    # before its reflection, nothing is reviewed
    visit.refused(publish, given=[SCHEDULED, INSPECTED, LUNCH], match="submitted reflection")
    visit.refused(
        PublishReflection(channel="群", at=at(WED, 19)),
        given=[SCHEDULED, INSPECTED, LUNCH, submitted()],
        raises=OutOfOrder,
    )


# -- the school's answers ------------------------------------------------------------------------


def test_each_suggestion_is_answered_once_and_must_exist() -> None:
    given = [SCHEDULED, INSPECTED, LUNCH, submitted()]
    answer = AnswerSuggestion(suggestion=1, answer="下周起公布带量食谱", at=at(date(2020, 9, 14), 9))
    (event,) = visit.when(answer, given=given)
    assert event == SuggestionAnswered(
        visit_id="v37", suggestion=1, answer="下周起公布带量食谱", answered_by="zhou", answered_at=answer.at
    )
    visit.refused(answer, given=[*given, event], field="suggestion", match="already answered")
    visit.refused(AnswerSuggestion(suggestion=2, answer="？", at=answer.at), given=given, field="suggestion")
    visit.refused(answer, given=[SCHEDULED, INSPECTED, LUNCH], match="not submitted")
    visit.refused(AnswerSuggestion(suggestion=0, answer="好", at=at(WED, 19)), given=given, raises=OutOfOrder)
    # answered whether the reflection was published or kept internal
    published = ReflectionPublished(visit_id="v37", campus_id="main", channel="群", published_by="zhou")
    assert visit.when(AnswerSuggestion(suggestion=0, answer="好", at=answer.at), given=[*given, published])


def test_nothing_happens_to_a_visit_never_scheduled() -> None:
    visit.refused(CancelParentVisit(reason="?"), match="never scheduled")
    visit.refused(reflection(), actor="yao-mum", match="never scheduled")
