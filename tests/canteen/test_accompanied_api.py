"""Accompanied meals on the running canteen service: leaders record them (once a diner and
meal), the list by campus, day and diner, and a campus's coverage per week, parents' lunches
of their visits included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.canteen.events import DishRating, ParentVisitScheduled, VisitLunchAccompanied
from services.eventkit.envelope import TenantPath, new_envelope
from tests.conftest import eventually
from tests.school import SchoolWorld


def meal(**changes: Any) -> dict[str, Any]:
    return {
        "campus_id": "main",
        "on": "2020-09-07",
        "meal": "lunch",
        "place": "一楼学生餐厅",
        "ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4}],
        "issues": ["米饭偏硬"],
    } | changes


async def meals(world: SchoolWorld, as_: str = "manager-main", **params: Any) -> list[dict[str, Any]]:
    response = await world.get("/accompanied-meals", as_=as_, limit=500, **params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"diner_id": "huang"}, "diner_id"),  # a teacher, not a leader
        ({"diner_id": "wu-vp"}, "diner_id"),  # a leader of Aoyuan
        ({"diner_id": "nobody"}, "diner_id"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"ratings": [{"dish": "番茄炒蛋", "look": 6, "taste": 4, "quantity": 4}]}, "ratings.0.look"),
        ({"meal": "supper"}, "meal"),
        ({"ratings": []}, "ratings"),
    ],
)
async def test_a_bad_record_is_422_naming_the_field(world: SchoolWorld, changes: dict[str, Any], field: str) -> None:
    before = await world.events()
    response = await world.post("/accompanied-meals", meal(**changes))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_only_the_campuses_leaders_record_an_accompanied_meal(world: SchoolWorld) -> None:
    before = await world.events()
    for who in ("manager-aoyuan", "vp-aoyuan", "cook-main", "teacher-g6", "parent-yao", "other-admin", "admin"):
        refused = await world.post("/accompanied-meals", meal(), as_=who)
        assert refused.status_code == 403, (who, refused.text)
    assert await world.events() == before


async def test_a_leaders_meal_is_recorded_once_and_listed(world: SchoolWorld) -> None:
    recorded = await world.post("/accompanied-meals", meal(), as_="vp-main")
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["events"] == ["canteen.MealAccompanied"]
    before = await world.events()
    twice = await world.post("/accompanied-meals", meal(issues=[]), as_="vp-main")
    assert twice.status_code == 409 and twice.json()["field"] == "on"
    also = await world.post("/accompanied-meals", meal(diner_id="xu-vp"), as_="manager-main")
    assert also.status_code == 409, also.text  # the same diner's meal, entered by the office
    assert await world.events() == before
    stale = await world.post("/accompanied-meals", meal(meal="breakfast", expected_version=3), as_="vp-main")
    assert stale.status_code == 409 and stale.json()["field"] == "expected_version"
    assert await world.events() == before
    # the office enters the meal of another leader of the campus (顾主任 serves both campuses)
    other = await world.post("/accompanied-meals", meal(diner_id="gu", on="2020-09-08"), as_="manager-main")
    assert other.status_code == 200, other.text

    async def both() -> Any:
        found = await meals(world, campus_id="main", to="2020-09-08")
        return found if len(found) >= 2 else None

    first, second = await eventually(both)
    assert (first["diner_id"], first["diner_name"], first["served_on"]) == ("xu-vp", "徐副校长", "2020-09-07")
    assert first["ratings"][0]["taste"] == 4 and first["issues"] == ["米饭偏硬"] and first["diner_kind"] == "leader"
    assert (second["diner_id"], second["recorded_by"]) == ("gu", "zhou")
    assert [m["diner_id"] for m in await meals(world, campus_id="main", diner_id="gu")] == ["gu"]
    assert [m["served_on"] for m in await meals(world, **{"from": "2020-09-08", "to": "2020-09-08"})] == ["2020-09-08"]
    assert await meals(world, as_="manager-aoyuan", campus_id="main") == []
    assert await meals(world, as_="other-admin") == []
    assert (await world.get("/accompanied-meals", as_="parent-yao")).status_code == 403


async def test_the_coverage_of_a_week_counts_school_days_with_a_leaders_lunch(world: SchoolWorld) -> None:
    # The week of 2020-09-14 on Aoyuan: lunches on Monday and Wednesday, a breakfast on Tuesday,
    # a Saturday lunch (no school day), and a parent's lunch of their visit on Thursday.
    for on, what in (("2020-09-14", "lunch"), ("2020-09-15", "breakfast"), ("2020-09-16", "lunch")):
        response = await world.post("/accompanied-meals", meal(campus_id="aoyuan", on=on, meal=what), as_="vp-aoyuan")
        assert response.status_code == 200, response.text
    saturday = await world.post("/accompanied-meals", meal(campus_id="aoyuan", on="2020-09-19"), as_="manager-aoyuan")
    assert saturday.status_code == 200, saturday.text
    scheduled = ParentVisitScheduled(
        visit_id="aoyuan-visit-1",
        campus_id="aoyuan",
        week_of=date(2020, 9, 14),
        visit_on=date(2020, 9, 17),
        parent_id="ma-dad",
        parent_name="马爸爸",
        scheduled_by="shen",
    )
    lunch = VisitLunchAccompanied(
        visit_id="aoyuan-visit-1",
        campus_id="aoyuan",
        served_on=date(2020, 9, 17),
        ratings=[DishRating(dish="红烧鸡腿", look=5, taste=5, quantity=4)],
        issues=[],
        recorded_by="ma-dad",
    )
    tenant = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")
    # A parent visit's stream, as the parent visits append it.
    stream = "parent-visit-aoyuan-visit-1"
    at = datetime(2020, 9, 17, 4, 0, tzinfo=UTC)
    envelopes = [
        new_envelope(event, stream_id=stream, version=v, tenant=tenant, actor="shen", occurred_at=at)
        for v, event in enumerate((scheduled, lunch), start=1)
    ]
    await world.service.runtime.store.append(stream, 0, envelopes)

    async def coverage() -> Any:
        response = await world.get("/campuses/aoyuan/meal-coverage", as_="manager-aoyuan", week_of="2020-09-16")
        assert response.status_code == 200, response.text
        found = response.json()
        return found if found["leader_meals"] == 4 and found["parent_meals"] == 1 else None

    found = await eventually(coverage)
    assert found["week_of"] == "2020-09-14" and found["school_days"] == 5 and found["days_covered"] == 2
    assert found["coverage_permille"] == 400
    assert found["uncovered_days"] == ["2020-09-15", "2020-09-17", "2020-09-18"]
    parents = await meals(world, as_="vp-aoyuan", campus_id="aoyuan", diner_kind="parent")
    assert [(m["visit_id"], m["meal"], m["served_on"], m["diner_name"]) for m in parents] == [
        ("aoyuan-visit-1", "lunch", "2020-09-17", "马爸爸")
    ]

    # before the term: no school day, no figure
    summer = await world.get("/campuses/aoyuan/meal-coverage", as_="medical", week_of="2020-08-20")
    assert summer.status_code == 200 and summer.json()["school_days"] == 0
    assert summer.json()["coverage_permille"] is None
    for who, status in (("manager-main", 403), ("parent-ma", 403), ("other-admin", 403)):
        response = await world.get("/campuses/aoyuan/meal-coverage", as_=who, week_of="2020-09-16")
        assert response.status_code == status, (who, response.text)
    assert (await world.get("/campuses/nowhere/meal-coverage", week_of="2020-09-16")).status_code == 404
