"""The satisfaction survey, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.canteen.committee import term_facts
from services.canteen.events import Audience, SurveyAnswersCounted, SurveyClosed, SurveyOpened
from services.canteen.survey import (
    CloseSurvey,
    CountSurveyAnswers,
    OpenSurvey,
    Survey,
    satisfaction_permille,
    survey_id,
)
from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
survey = Stream(
    Survey, SCHOOL, survey_id("xuexiao", "2020-2021-1", "parents"), actor="zhou", at=datetime(2020, 12, 14, tzinfo=UTC)
)


def open_(**changes: Any) -> OpenSurvey:
    body: dict[str, Any] = {
        "school_id": "xuexiao",
        "term_id": "2020-2021-1",
        "audience": "parents",
        "title": "食堂满意度调查（家长）",
        "questions": [{"code": "taste", "text": "饭菜口味"}, {"code": "hygiene", "text": "食堂卫生"}],
    }
    return OpenSurvey.model_validate(body | changes)


def count(respondents: int, *lines: tuple[str, int, int, int]) -> CountSurveyAnswers:
    counts = [{"code": c, "satisfied": s, "neutral": n, "dissatisfied": d} for c, s, n, d in lines]
    return CountSurveyAnswers.model_validate({"respondents": respondents, "counts": counts})


def opened() -> SurveyOpened:
    (event,) = survey.when(open_())
    assert isinstance(event, SurveyOpened)
    return event


def test_a_survey_is_opened_once_a_term_per_school_and_audience() -> None:
    event = opened()
    assert event.survey_id == "xuexiao-2020-2021-1-parents" and event.audience is Audience.PARENTS
    assert [q.code for q in event.questions] == ["taste", "hygiene"] and event.opened_by == "zhou"
    survey.refused(open_(), given=[event], field="audience", match="already surveyed")


def test_a_survey_is_opened_during_its_term() -> None:
    term = term_facts(date(2020, 9, 1), date(2021, 1, 31))
    assert survey.when(open_(), facts=term)
    late = survey.refused(
        open_(at="2021-02-01T09:00:00+08:00"),
        facts=term,
        at=datetime(2021, 3, 1, tzinfo=UTC),
        raises=OutOfOrder,
        field="at",
    )
    assert isinstance(late, OutOfOrder) and late.step == "term ended"
    survey.refused(open_(at="2020-08-31T09:00:00+08:00"), facts=term, raises=OutOfOrder, field="at")


def test_answers_are_counted_in_batches_and_the_results_computed_from_them() -> None:
    start = opened()
    (first,) = survey.when(count(100, ("taste", 80, 15, 5), ("hygiene", 90, 10, 0)), given=[start])
    assert isinstance(first, SurveyAnswersCounted) and first.respondents == 100
    (second,) = survey.when(count(20, ("taste", 10, 5, 5)), given=[start, first])  # hygiene unanswered
    state = survey.given(start, first, second)
    assert state.respondents == 120 and state.tallies["taste"] == (90, 20, 10) and state.answers == 220
    (closed,) = survey.when(CloseSurvey(summary="总体满意"), given=[start, first, second])
    assert isinstance(closed, SurveyClosed) and closed.respondents == 120
    assert closed.satisfaction_permille == 818  # (90 + 90) of 220 answers: 818.18...
    survey.refused(count(1, ("taste", 1, 0, 0)), given=[start, first, second, closed], match="closed")
    survey.refused(CloseSurvey(), given=[start, first, second, closed], match="closed")


def test_a_count_names_the_surveys_questions() -> None:
    survey.refused(count(10, ("taste", 5, 0, 0), ("price", 5, 0, 0)), given=[opened()], field="counts.1.code")
    survey.refused(count(10, ("taste", 5, 0, 0)), field=None, match="never opened")


def test_a_survey_without_answers_is_not_closed() -> None:
    survey.refused(CloseSurvey(), given=[opened()], match="no answers")


@pytest.mark.parametrize(
    ("respondents", "lines", "field"),
    [
        (10, [("taste", 8, 2, 1)], "counts"),  # 11 answers from 10 respondents
        (0, [("taste", 0, 0, 0)], "respondents"),
        (10, [("taste", 1, 0, 0), ("taste", 1, 0, 0)], "counts"),
        (10, [("taste", -1, 0, 0)], "counts"),
    ],
)
def test_counts_may_not_exceed_the_respondents(
    respondents: int, lines: list[tuple[str, int, int, int]], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        count(respondents, *lines)
    assert caught.value.errors()[0]["loc"][0] == field


def test_the_questions_codes_are_distinct() -> None:
    with pytest.raises(ValidationError):
        open_(questions=[{"code": "taste", "text": "a"}, {"code": "taste", "text": "b"}])
    with pytest.raises(ValidationError):
        open_(audience="teachers")


def test_satisfaction_is_satisfied_answers_over_all_rounded_half_up() -> None:
    assert satisfaction_permille(1, 3) == 333 and satisfaction_permille(2, 3) == 667
    assert satisfaction_permille(1, 2000) == 1 and satisfaction_permille(0, 0) == 0
