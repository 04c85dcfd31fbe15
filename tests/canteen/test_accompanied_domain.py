"""A leader's accompanied meal, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.canteen.accompanied import DINER_NAME, AccompaniedMeal, RecordAccompaniedMeal, accompanied_id
from services.canteen.events import DinerKind, Meal, MealAccompanied
from services.eventkit.acts import InTheFuture
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
RECORD = accompanied_id("xu-vp", "main", date(2020, 9, 7), "lunch")
meal = Stream(
    AccompaniedMeal,
    MAIN,
    RECORD,
    actor="xu-vp",
    at=datetime(2020, 9, 7, 6, 0, tzinfo=UTC),
    facts={DINER_NAME: "徐副校长"},
)


def record(**changes: Any) -> RecordAccompaniedMeal:
    body: dict[str, Any] = {
        "campus_id": "main",
        "on": "2020-09-07",
        "meal": "lunch",
        "place": "一楼学生餐厅",
        "ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 3}],
        "issues": ["米饭偏硬"],
    }
    return RecordAccompaniedMeal.model_validate(body | changes)


def test_a_leader_records_the_meal_they_ate_with_the_pupils() -> None:
    (event,) = meal.when(record())
    assert isinstance(event, MealAccompanied)
    assert RECORD == "xu-vp-main-2020-09-07-lunch" and event.record_id == RECORD
    assert (event.diner_id, event.diner_name, event.diner_kind) == ("xu-vp", "徐副校长", DinerKind.LEADER)
    assert event.meal is Meal.LUNCH and event.served_on == date(2020, 9, 7) and event.recorded_by == "xu-vp"
    assert event.ratings[0].taste == 4 and event.issues == ["米饭偏硬"]


def test_the_office_records_another_leaders_meal() -> None:
    (event,) = meal.when(record(diner_id="gu"), actor="zhou", facts={DINER_NAME: "顾主任"})
    assert isinstance(event, MealAccompanied)
    assert (event.diner_id, event.diner_name, event.recorded_by) == ("gu", "顾主任", "zhou")


def test_a_diners_meal_is_recorded_once() -> None:
    (event,) = meal.when(record())
    refusal = meal.refused(record(issues=[]), given=[event], field="on", match="already recorded")
    assert refusal.status_code == 409


def test_a_meal_of_tomorrow_is_not_recorded() -> None:
    meal.refused(record(on="2020-09-08"), raises=InTheFuture, field="on")


@pytest.mark.parametrize(
    "changes",
    [
        {"ratings": []},
        {"ratings": [{"dish": "番茄炒蛋", "look": 6, "taste": 4, "quantity": 3}]},
        {"ratings": [{"dish": "番茄炒蛋", "look": 0, "taste": 4, "quantity": 3}]},
        {"ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 3}] * 2},
        {"issues": [" "]},
        {"meal": "supper"},
    ],
)
def test_each_dish_is_rated_once_from_1_to_5(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        record(**changes)
    assert caught.value.errors()[0]["loc"][0] == next(iter(changes))
