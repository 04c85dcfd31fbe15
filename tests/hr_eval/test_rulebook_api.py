"""The rule book on the running staff appraisal service: publishing versions, reading them,
workers acknowledging the version they work under, and who has not yet.

The school's rule book is one stream, shared by the tests of this module: each publishes its
versions with effective days later than any before (``next_day``)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest

from tests.conftest import eventually
from tests.school import SchoolWorld

_WEEKS = count()


def next_day() -> date:
    """An effective day later than every one this module used before."""
    return date(2020, 9, 1) + timedelta(weeks=next(_WEEKS))


PUBLISHED_AT = "2020-08-31T09:00:00+08:00"


def rule_book(effective_on: date | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "school_id": "xuexiao",
        "title": "后勤人员月考核细则",
        "effective_on": (effective_on or next_day()).isoformat(),
        "studied_on": "2020-08-31",
        "base_score": 100,
        "categories": [
            {"code": "DISC", "name": "劳动纪律", "deduction_cap": 20, "bonus_cap": 0},
            {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
        ],
        "items": [
            {"code": "D-1", "text": "无故迟到、早退", "category": "DISC", "points": -2},
            {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
        ],
        "at": PUBLISHED_AT,
    } | changes


async def publish(world: SchoolWorld, as_: str = "manager-main", **changes: Any) -> int:
    response = await world.post("/rule-books", rule_book(**changes), as_)
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["hr_eval.RuleBookPublished"]
    version: int = response.json()["version"]
    return version


async def read(world: SchoolWorld, path: str, as_: str = "manager-main", **params: Any) -> Any:
    response = await world.get(path, as_=as_, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def listed_version(world: SchoolWorld, version: int) -> dict[str, Any] | None:
    page = await read(world, "/rule-books/xuexiao", limit=500)
    return next((row for row in page["items"] if row["version"] == version), None)


async def test_a_manager_publishes_versions_and_the_staff_read_them(world: SchoolWorld) -> None:
    first_day, next_version_day = next_day(), next_day()
    first = await publish(world, effective_on=first_day)
    second = await publish(
        world, effective_on=next_version_day, title="后勤人员月考核细则（修订）", as_="manager-aoyuan"
    )
    assert second == first + 1

    assert await eventually(lambda: listed_version(world, second))
    page = await read(world, "/rule-books/xuexiao", as_="tech-main", limit=500)
    versions = [row["version"] for row in page["items"]]
    assert versions == sorted(versions, reverse=True) and versions[:2] == [second, first]  # newest first
    older = page["items"][1]
    assert older["effective_on"] == first_day.isoformat() and older["superseded_on"] == next_version_day.isoformat()
    assert (older["category_count"], older["rule_count"], older["base_score"]) == (2, 2, 100)
    assert older["published_by"] == "zhou" and older["studied_on"] == "2020-08-31"
    assert page["items"][0]["superseded_on"] is None
    counted = await read(world, "/rule-books/xuexiao", limit=1, count="true")
    assert counted["total"] == len(versions) and counted["items"][0]["version"] == second
    following = await read(world, "/rule-books/xuexiao", limit=1, after=counted["next_cursor"])
    assert following["items"][0]["version"] == first

    one = await read(world, f"/rule-books/xuexiao/versions/{first}", as_="cleaner-aoyuan")
    assert one["title"] == "后勤人员月考核细则"
    assert one["categories"][1] == {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10}
    assert [(i["code"], i["category"], i["points"]) for i in one["items"]] == [("D-1", "DISC", -2), ("B-1", "MERIT", 5)]

    day_before = (next_version_day - timedelta(days=1)).isoformat()
    assert (await read(world, "/rule-books/xuexiao/in-force", on=day_before))["version"] == first
    assert (await read(world, "/rule-books/xuexiao/in-force", on=next_version_day.isoformat()))["version"] == second
    assert (await read(world, "/rule-books/xuexiao/in-force", as_="teacher-g6"))["version"] == second  # today
    none_yet = await world.get("/rule-books/xuexiao/in-force", on="2000-01-01")
    assert none_yet.status_code == 404
    assert (await world.get("/rule-books/xuexiao/versions/9999")).status_code == 404


async def test_workers_acknowledge_and_the_managers_see_who_has_not(world: SchoolWorld) -> None:
    version = await publish(world)
    acknowledged = await world.post(
        "/rule-books/acknowledgements", {"school_id": "xuexiao", "version": version}, "guard-main"
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["events"] == ["hr_eval.RuleBookAcknowledged"]
    teacher = await world.post(
        "/rule-books/acknowledgements", {"school_id": "xuexiao", "version": version}, "teacher-g6"
    )
    assert teacher.status_code == 200, teacher.text

    path = f"/rule-books/xuexiao/versions/{version}/acknowledgements"

    async def both() -> Any:
        response = await world.get(path)  # a 404 until the version reaches the read model
        ok = response.status_code == 200 and response.json()["acknowledged_count"] == 2
        return response.json() if ok else None

    answer = await eventually(both)
    assert [a["staff_id"] for a in answer["acknowledged"]] == ["li-guard", "huang"]  # in the order they did
    assert answer["acknowledged"][0]["name"] == "李师傅" and answer["acknowledged"][0]["acknowledged_at"]
    # the school's workers who have not: a teacher who did is no worker, and counted as acknowledged only
    assert [p["staff_id"] for p in answer["pending"]] == ["chen-clean", "wang-tech"] and answer["pending_count"] == 2
    assert all(p["acknowledged_at"] is None for p in answer["pending"])

    aoyuan = await read(world, path, as_="manager-aoyuan", campus_id="aoyuan")
    assert [p["staff_id"] for p in aoyuan["pending"]] == ["chen-clean"] and aoyuan["acknowledged_count"] == 0
    principal = await read(world, path, as_="vp-main")
    assert principal["pending_count"] == 2
    assert (await world.get(path, as_="tech-main")).status_code == 403  # a worker does not read who has not
    wrong_campus = await world.get(path, campus_id="nowhere")
    assert wrong_campus.status_code == 422 and wrong_campus.json()["detail"][0]["field"] == "campus_id"
    assert (await world.get(f"/rule-books/xuexiao/versions/{version + 50}/acknowledgements")).status_code == 404


async def test_a_version_is_acknowledged_once_and_only_once_published(world: SchoolWorld) -> None:
    version = await publish(world)
    body = {"school_id": "xuexiao", "version": version}
    assert (await world.post("/rule-books/acknowledgements", body, "cleaner-aoyuan")).status_code == 200
    before = await world.events()

    twice = await world.post("/rule-books/acknowledgements", body, "cleaner-aoyuan")
    assert twice.status_code == 409, twice.text
    assert (twice.json()["error"], twice.json()["field"]) == ("rejected", "version")

    unknown = await world.post("/rule-books/acknowledgements", {**body, "version": version + 100}, "tech-main")
    assert unknown.status_code == 422, unknown.text
    assert [d["field"] for d in unknown.json()["detail"]] == ["version"]

    early = await world.post("/rule-books/acknowledgements", {**body, "at": "2020-08-31T08:00:00+08:00"}, "tech-main")
    assert early.status_code == 409, early.text
    assert (early.json()["error"], early.json()["field"], early.json()["step"]) == ("out_of_order", "at", "published")

    no_school = await world.post("/rule-books/acknowledgements", {**body, "school_id": "nowhere"}, "tech-main")
    assert no_school.status_code == 422 and no_school.json()["detail"][0]["field"] == "school_id"
    not_staff = await world.post("/rule-books/acknowledgements", body, "admin")  # the district's admin is no staff
    assert not_staff.status_code == 403, not_staff.text
    parent = await world.post("/rule-books/acknowledgements", body, "parent-yao")
    assert parent.status_code == 403, parent.text
    assert await world.events() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"school_id": "nowhere"}, "school_id"),
        ({"effective_on": "soon"}, "effective_on"),
        ({"base_score": 0}, "base_score"),
        ({"categories": []}, "categories"),
        ({"items": [{"code": "X-1", "text": "未知", "category": "NOPE", "points": -1}]}, "items"),
        ({"items": [{"code": "D-1", "text": "迟到", "category": "DISC", "points": 0}]}, "items"),
        ({"title": ""}, "title"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_a_bad_rule_book_names_the_field_and_appends_nothing(
    world: SchoolWorld, changes: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/rule-books", rule_book(date(2030, 1, 1)) | changes)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert [d["field"].split(".")[0] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_a_version_taking_effect_no_later_than_the_last_is_refused(world: SchoolWorld) -> None:
    await publish(world)
    before = await world.events()
    refused = await world.post("/rule-books", rule_book(date(2020, 8, 1)))
    assert refused.status_code == 409, refused.text
    assert (refused.json()["error"], refused.json()["field"]) == ("rejected", "effective_on")
    assert await world.events() == before


async def test_a_stale_expected_version_is_a_conflict(world: SchoolWorld) -> None:
    version = await publish(world)
    before = await world.events()
    stale = await world.post("/rule-books", rule_book(expected_version=version - 1))
    assert stale.status_code == 409, stale.text
    assert (stale.json()["error"], stale.json()["field"]) == ("version_conflict", "expected_version")
    assert await world.events() == before
    fresh = await world.post("/rule-books", rule_book(expected_version=version))
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["version"] == version + 1


async def test_workers_and_outsiders_do_not_publish_and_outsiders_read_nothing(world: SchoolWorld) -> None:
    version = await publish(world)
    await eventually(lambda: listed_version(world, version))
    before = await world.events()
    for who in ("tech-main", "guard-main", "teacher-g6", "other-admin"):
        refused = await world.post("/rule-books", rule_book(), who)
        assert refused.status_code == 403, (who, refused.text)
    outsider = await world.post(
        "/rule-books/acknowledgements", {"school_id": "xuexiao", "version": version}, "other-admin"
    )
    assert outsider.status_code == 403, outsider.text
    assert await world.events() == before

    for path in (
        "/rule-books/xuexiao",
        f"/rule-books/xuexiao/versions/{version}",
        "/rule-books/xuexiao/in-force",
        f"/rule-books/xuexiao/versions/{version}/acknowledgements",
    ):
        outside = await world.get(path, as_="other-admin")
        unknown = await world.get(path.replace("xuexiao", "nowhere"), as_="admin")
        assert outside.status_code == unknown.status_code == 404, (path, outside.text, unknown.text)
        assert outside.json()["reason"] == "school xuexiao not found"
    assert (
        await world.get("/rule-books/xuexiao", as_="team-a")
    ).status_code == 403  # no staff role the book is read by
    assert (await world.get("/rule-books/xuexiao", as_="admin")).status_code == 200  # the district's admin reads it
