"""The satisfaction survey on the running canteen service: opened once a term per school and
audience, answers counted in batches, closed with its results; the reads."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import eventually
from tests.school import SchoolWorld

TERM = "2020-2021-1"


def survey(**changes: Any) -> dict[str, Any]:
    return {
        "school_id": "xuexiao",
        "term_id": TERM,
        "audience": "parents",
        "title": "食堂满意度调查（家长）",
        "questions": [{"code": "taste", "text": "饭菜口味是否满意"}, {"code": "hygiene", "text": "食堂卫生是否满意"}],
        "at": "2020-12-14T08:00:00+08:00",
    } | changes


def batch(respondents: int, *lines: tuple[str, int, int, int], **extra: Any) -> dict[str, Any]:
    counts = [{"code": c, "satisfied": s, "neutral": n, "dissatisfied": d} for c, s, n, d in lines]
    return {"respondents": respondents, "counts": counts} | extra


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"term_id": "2019-2020-2"}, "term_id"),
        ({"school_id": "nowhere"}, "school_id"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"audience": "teachers"}, "audience"),
        ({"questions": []}, "questions"),
        ({"questions": [{"code": "taste", "text": "a"}, {"code": "taste", "text": "b"}]}, "questions"),
    ],
)
async def test_a_bad_survey_is_422_naming_the_field(world: SchoolWorld, changes: dict[str, Any], field: str) -> None:
    before = await world.events()
    response = await world.post("/surveys", survey(**changes))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_only_the_schools_managers_run_a_survey(world: SchoolWorld) -> None:
    before = await world.events()
    for who in ("other-admin", "parent-yao", "teacher-g6", "cook-main", "medical"):
        refused = await world.post("/surveys", survey(), as_=who)
        assert refused.status_code == 403, (who, refused.text)
    assert await world.events() == before


async def test_a_survey_is_opened_counted_in_batches_and_closed_with_its_results(world: SchoolWorld) -> None:
    opened = await world.post("/surveys", survey())
    assert opened.status_code == 200, opened.text
    sid = f"xuexiao-{TERM}-parents"
    before = await world.events()
    again = await world.post("/surveys", survey(title="再来一次"), as_="manager-aoyuan")
    assert again.status_code == 409 and again.json()["field"] == "audience"
    too_many = await world.post(f"/surveys/{sid}/counts", batch(10, ("taste", 8, 2, 1)))
    assert too_many.status_code == 422 and [d["field"] for d in too_many.json()["detail"]] == ["counts"]
    unknown = await world.post(f"/surveys/{sid}/counts", batch(10, ("price", 8, 2, 0)))
    assert unknown.status_code == 409 and unknown.json()["field"] == "counts.0.code"
    summer = await world.post("/surveys", survey(audience="staff", at="2021-02-10T09:00:00+08:00"))
    assert summer.status_code == 409 and summer.json()["field"] == "at"  # after the term
    stale = await world.post(f"/surveys/{sid}/counts", batch(10, ("taste", 8, 2, 0), expected_version=0))
    assert stale.status_code == 409 and stale.json()["field"] == "expected_version"
    outside = await world.post(f"/surveys/{sid}/counts", batch(10, ("taste", 8, 2, 0)), as_="other-admin")
    assert outside.status_code == 404
    parent = await world.post(f"/surveys/{sid}/counts", batch(10, ("taste", 8, 2, 0)), as_="parent-yao")
    assert parent.status_code == 404  # a parent sees no survey to count
    empty = await world.post(f"/surveys/{sid}/close", {"summary": "无"})
    assert empty.status_code == 409, empty.text
    assert await world.events() == before

    first = await world.post(f"/surveys/{sid}/counts", batch(100, ("taste", 80, 15, 5), ("hygiene", 90, 10, 0)))
    assert first.status_code == 200, first.text
    second = await world.post(f"/surveys/{sid}/counts", batch(20, ("taste", 10, 5, 5)), as_="manager-aoyuan")
    assert second.status_code == 200, second.text
    closed = await world.post(f"/surveys/{sid}/close", {"summary": "总体满意", "expected_version": 3})
    assert closed.status_code == 200 and closed.json()["events"] == ["canteen.SurveyClosed"]
    before = await world.events()
    late = await world.post(f"/surveys/{sid}/counts", batch(1, ("taste", 1, 0, 0)))
    assert late.status_code == 409 and "closed" in late.text
    assert await world.events() == before

    async def read() -> Any:
        response = await world.get(f"/surveys/{sid}", as_="vp-main")
        if response.status_code == 404:  # the read model has not seen the survey yet
            return None
        assert response.status_code == 200, response.text
        return response.json() if response.json()["status"] == "closed" else None

    found = await eventually(read)
    assert found["respondents"] == 120 and found["batches"] == 2 and found["satisfaction_permille"] == 818
    assert found["counts"] == [
        {"code": "taste", "satisfied": 90, "neutral": 20, "dissatisfied": 10},
        {"code": "hygiene", "satisfied": 90, "neutral": 10, "dissatisfied": 0},
    ]
    assert found["summary"] == "总体满意" and found["closed_by"] == "zhou"

    pupils = await world.post("/surveys", survey(audience="pupils", campus_id="aoyuan"), as_="manager-aoyuan")
    assert pupils.status_code == 200, pupils.text

    async def listed() -> Any:
        response = await world.get("/surveys", as_="cook-aoyuan", school_id="xuexiao", term_id=TERM, count="true")
        assert response.status_code == 200, response.text
        return response.json() if response.json()["total"] == 2 else None

    page = await eventually(listed)
    assert [(s["audience"], s["status"]) for s in page["items"]] == [("parents", "closed"), ("pupils", "open")]
    closed_only = await world.get("/surveys", status="closed")
    assert [s["survey_id"] for s in closed_only.json()["items"]] == [sid]
    assert (await world.get("/surveys", as_="other-admin")).json()["items"] == []
    assert (await world.get(f"/surveys/{sid}", as_="other-admin")).status_code == 404
    for who in ("parent-yao", "parent-ma"):
        assert (await world.get("/surveys", as_=who)).status_code == 403
        assert (await world.get(f"/surveys/{sid}", as_=who)).status_code == 403
