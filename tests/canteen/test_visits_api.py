"""Parent visits on the running canteen service: the lifecycle, one visit per campus and week,
the parent's own reflection, publication with consent, and who reads what."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.school import SchoolWorld

_weeks = itertools.count()


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def week() -> date:
    """A Wednesday of a week no other test of the module schedules in (years back, so every act is past)."""
    return date(2019, 9, 4) + timedelta(weeks=next(_weeks))


def t(day: date, hh: int = 9, mm: int = 0) -> str:
    return f"{day.isoformat()}T{hh:02d}:{mm:02d}:00+08:00"


def schedule_body(vid: str, day: date, campus: str = "main", parent: str = "yao-mum", **extra: Any) -> dict[str, Any]:
    return {
        "visit_id": vid,
        "campus_id": campus,
        "visit_on": day.isoformat(),
        "parent_id": parent,
        "at": t(day - timedelta(days=7)),
    } | extra


DELIVERIES = {"with_staff": ["han-canteen", "zhou"], "note": "青菜、猪肉逐项过秤"}
LUNCH = {"ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4}], "issues": ["米饭略硬"]}


def reflection_body(day: date, consent: bool = True) -> dict[str, Any]:
    return {
        "title": "走进食堂，放心午餐",
        "text": "今天跟着食堂老师一起验收了早上的蔬菜和猪肉，每样都过了秤。",
        "suggestions": ["希望每周公布带量食谱", "汤可以再淡一些"],
        "consent_to_publish": consent,
        "at": t(day, 20),
    }


async def ok(world: SchoolWorld, path: str, body: dict[str, Any], as_: str) -> dict[str, Any]:
    response = await world.post(path, body, as_=as_)
    assert response.status_code == 200, (path, response.text)
    result: dict[str, Any] = response.json()
    return result


async def to_lunch(world: SchoolWorld, vid: str, day: date, campus: str = "main") -> None:
    """A visit scheduled, its deliveries inspected and its lunch eaten."""
    manager, cook, staff = ("manager-main", "canteen-main", DELIVERIES["with_staff"])
    if campus == "aoyuan":
        manager, cook, staff = ("manager-aoyuan", "cook-aoyuan", ["yuan-cook", "shen"])
    parent = "yao-mum" if campus == "main" else "ma-dad"
    await ok(world, "/parent-visits", schedule_body(vid, day, campus, parent), manager)
    await ok(world, f"/parent-visits/{vid}/deliveries", {"with_staff": staff, "at": t(day, 7, 30)}, cook)
    await ok(world, f"/parent-visits/{vid}/lunch", LUNCH | {"at": t(day, 11, 40)}, cook)


async def listed(world: SchoolWorld, path: str, vid: str, as_: str, **params: Any) -> Any:
    response = await world.get(path, as_=as_, limit=500, **params)
    assert response.status_code == 200, response.text
    return next((row for row in response.json()["items"] if row["visit_id"] == vid), None)


async def test_a_visit_goes_from_its_schedule_to_its_published_reflection_and_answers(world: SchoolWorld) -> None:
    vid, day = uid("visit"), week()
    scheduled = await ok(world, "/parent-visits", schedule_body(vid, day), "manager-main")
    assert scheduled["events"] == ["canteen.ParentVisitScheduled"]
    await ok(world, f"/parent-visits/{vid}/deliveries", DELIVERIES | {"at": t(day, 7, 30)}, "canteen-main")
    await ok(world, f"/parent-visits/{vid}/lunch", LUNCH | {"at": t(day, 11, 40)}, "cook-main")
    submitted = await ok(world, f"/parent-visits/{vid}/reflection", reflection_body(day), "parent-yao")
    assert submitted["events"] == ["canteen.ReflectionSubmitted"]
    published = await ok(
        world,
        f"/parent-visits/{vid}/publish",
        {"channel": "薛小家长微信群", "at": t(day + timedelta(1), 12)},
        "manager-main",
    )
    assert published["events"] == ["canteen.ReflectionPublished"]
    answer = {"suggestion": 0, "answer": "自下周起在家长群公布每周带量食谱", "at": t(day + timedelta(2), 9)}
    await ok(world, f"/parent-visits/{vid}/answers", answer, "manager-main")

    async def answered() -> Any:
        row = await listed(world, "/parent-visits", vid, "manager-main", campus_id="main", status="published")
        return row if row and row["answered"] == 1 else None

    row = await eventually(answered)
    assert (row["parent_name"], row["week_of"], row["with_staff"]) == (
        "姚妈妈",
        (day - timedelta(2)).isoformat(),
        ["han-canteen", "zhou"],
    )
    assert [s["answer"] for s in row["suggestions"]] == [answer["answer"], None]
    assert await listed(
        world, "/parent-visits", vid, "manager-main", **{"from": day.isoformat(), "to": day.isoformat()}
    )
    assert (
        await listed(world, "/parent-visits", vid, "manager-main", **{"from": (day + timedelta(1)).isoformat()}) is None
    )
    assert await listed(world, "/parent-visits", vid, "manager-main", parent_id="ma-dad") is None
    assert await listed(world, "/parent-visits", vid, "manager-aoyuan") is None  # another campus's

    one = await world.get(f"/parent-visits/{vid}", as_="vp-main")
    assert one.status_code == 200, one.text
    assert [s["step"] for s in one.json()["steps"]] == [
        "scheduled",
        "deliveries_inspected",
        "lunch_accompanied",
        "reflection_submitted",
        "published",
        "suggestion_answered",
    ]
    assert one.json()["ratings"][0]["dish"] == "番茄炒蛋" and one.json()["channel"] == "薛小家长微信群"

    # the parent of a pupil of main reads it as published, and their own visit
    mine = await listed(world, "/parent-visits/published", vid, "parent-yao", campus_id="main")
    assert mine["title"] == "走进食堂，放心午餐" and mine["suggestions"][0]["answer"] == answer["answer"]
    assert "parent_id" not in mine
    assert await listed(world, "/parent-visits/published", vid, "parent-yao")
    assert await listed(world, "/parent-visits", vid, "parent-yao")
    assert (await world.get(f"/parent-visits/{vid}", as_="parent-yao")).status_code == 200
    # a parent of another campus reads none of it
    refused = await world.get("/parent-visits/published", as_="parent-ma", campus_id="main")
    assert refused.status_code == 403, refused.text
    assert await listed(world, "/parent-visits/published", vid, "parent-ma") is None
    assert await listed(world, "/parent-visits", vid, "parent-ma") is None
    assert (await world.get(f"/parent-visits/{vid}", as_="parent-ma")).status_code == 404


async def test_one_parent_visit_per_campus_and_week(world: SchoolWorld) -> None:
    day = week()
    first, second, other = uid("visit"), uid("visit"), uid("visit")
    await ok(world, "/parent-visits", schedule_body(first, day), "manager-main")
    before = await world.events()
    again = await world.post("/parent-visits", schedule_body(second, day + timedelta(1)))
    assert again.status_code == 409, again.text
    assert (again.json()["error"], again.json()["field"]) == ("rejected", "visit_on") and first in again.json()[
        "reason"
    ]
    assert await world.events() == before
    # another campus's week is its own
    await ok(world, "/parent-visits", schedule_body(other, day, "aoyuan", "ma-dad"), "manager-aoyuan")
    # a visit of another week is not moved into a taken one
    later = uid("visit")
    await ok(world, "/parent-visits", schedule_body(later, week()), "manager-main")
    moved = await world.post(
        f"/parent-visits/{later}/reschedule",
        {"visit_on": day.isoformat(), "reason": "改期", "at": t(day, 10)},
    )
    assert moved.status_code == 409 and moved.json()["field"] == "visit_on", moved.text
    # once the first is cancelled, the week is free
    await ok(
        world, f"/parent-visits/{first}/cancel", {"reason": "学校临时停课", "at": t(day - timedelta(2))}, "manager-main"
    )
    await ok(world, "/parent-visits", schedule_body(second, day + timedelta(1)), "manager-main")


async def test_only_the_visiting_parent_submits_and_a_parent_never_publishes(world: SchoolWorld) -> None:
    day = week()
    on_main, on_aoyuan = uid("visit"), uid("visit")
    await to_lunch(world, on_main, day)
    await to_lunch(world, on_aoyuan, day, "aoyuan")
    before = await world.events()
    body = reflection_body(day)
    for vid, as_ in ((on_aoyuan, "parent-yao"), (on_main, "parent-ma"), ("no-such-visit", "parent-yao")):
        refused = await world.post(f"/parent-visits/{vid}/reflection", body, as_=as_)
        assert refused.status_code == 403, (vid, as_, refused.text)
    staff = await world.post(f"/parent-visits/{on_main}/reflection", body, as_="manager-main")
    assert staff.status_code == 403, staff.text
    assert await world.events() == before

    await ok(world, f"/parent-visits/{on_main}/reflection", body, "parent-yao")
    await ok(world, f"/parent-visits/{on_aoyuan}/reflection", reflection_body(day, consent=False), "parent-ma")
    before = await world.events()
    publish = {"channel": "薛小家长微信群", "at": t(day + timedelta(1))}
    for vid, as_ in ((on_main, "parent-yao"), (on_main, "parent-ma"), (on_aoyuan, "parent-yao")):
        refused = await world.post(f"/parent-visits/{vid}/publish", publish, as_=as_)
        assert refused.status_code == 403, (vid, as_, refused.text)
    # published only with the parent's consent
    no_consent = await world.post(f"/parent-visits/{on_aoyuan}/publish", publish, as_="manager-aoyuan")
    assert no_consent.status_code == 409 and no_consent.json()["field"] == "consent_to_publish", no_consent.text
    assert await world.events() == before
    keep = {"reason": "家长未同意公开", "at": t(day + timedelta(1))}
    await ok(world, f"/parent-visits/{on_aoyuan}/keep-internal", keep, "manager-aoyuan")

    async def kept() -> Any:
        row = await listed(world, "/parent-visits", on_aoyuan, "manager-aoyuan")
        return row if row and row["status"] == "kept_internal" else None

    assert (await eventually(kept))["internal_reason"] == "家长未同意公开"
    # unpublished reflections are never listed as published, to anyone
    assert await listed(world, "/parent-visits/published", on_aoyuan, "parent-ma", campus_id="aoyuan") is None
    assert await listed(world, "/parent-visits/published", on_aoyuan, "manager-aoyuan") is None
    assert await listed(world, "/parent-visits/published", on_main, "parent-yao") is None  # submitted, not reviewed


async def test_a_stale_expected_version_is_a_conflict(world: SchoolWorld) -> None:
    vid, day = uid("visit"), week()
    await ok(world, "/parent-visits", schedule_body(vid, day), "manager-main")
    before = await world.events()
    cancel = {"reason": "停课", "at": t(day - timedelta(1))}
    stale = await world.post(f"/parent-visits/{vid}/cancel", cancel | {"expected_version": 0})
    assert stale.status_code == 409, stale.text
    assert (stale.json()["error"], stale.json()["field"]) == ("version_conflict", "expected_version")
    stale = await world.post(
        f"/parent-visits/{vid}/reschedule",
        {"visit_on": (day + timedelta(1)).isoformat(), "reason": "改期", "expected_version": 3},
    )
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict", stale.text
    assert await world.events() == before
    assert (await world.post(f"/parent-visits/{vid}/cancel", cancel | {"expected_version": 1})).status_code == 200


async def test_steps_out_of_order_are_refused(world: SchoolWorld) -> None:
    vid, day = uid("visit"), week()
    await ok(world, "/parent-visits", schedule_body(vid, day), "manager-main")
    before = await world.events()
    lunch = await world.post(f"/parent-visits/{vid}/lunch", LUNCH | {"at": t(day, 11)}, as_="cook-main")
    assert lunch.status_code == 409 and lunch.json()["error"] == "rejected", lunch.text
    early = await world.post(f"/parent-visits/{vid}/deliveries", DELIVERIES | {"at": t(day - timedelta(1), 7)})
    assert early.status_code == 409 and (early.json()["error"], early.json()["field"]) == ("out_of_order", "at")
    assert await world.events() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"parent_id": "ma-dad"}, "parent_id"),  # a parent of another campus's pupil
        ({"parent_id": "nobody"}, "parent_id"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"visit_id": "Has Spaces"}, "visit_id"),
        ({"visit_on": "someday"}, "visit_on"),
        ({"at": "2019-09-01T09:00:00"}, "at"),  # no UTC offset
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_schedules_name_the_field_and_append_nothing(
    world: SchoolWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/parent-visits", schedule_body(uid("bad"), date(2019, 6, 5)) | body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_bad_steps_name_the_field_and_append_nothing(world: SchoolWorld) -> None:
    vid, day = uid("visit"), week()
    await ok(world, "/parent-visits", schedule_body(vid, day), "manager-main")
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("deliveries", {"with_staff": ["yuan-cook"]}, "with_staff.0"),  # works on Aoyuan
        ("deliveries", {"with_staff": ["han-canteen", "nobody"]}, "with_staff.1"),
        ("deliveries", {"with_staff": ["han-canteen"], "delivery_ids": ["no-such-delivery"]}, "delivery_ids.0"),
        ("deliveries", {"with_staff": []}, "with_staff"),
        ("lunch", {"ratings": [{"dish": "番茄炒蛋", "look": 6, "taste": 4, "quantity": 4}]}, "ratings.0.look"),
        ("reschedule", {"visit_on": "2019-13-01", "reason": "改期"}, "visit_on"),
        ("cancel", {"reason": ""}, "reason"),
        ("reflection", {"title": "标题", "text": "正文"}, "consent_to_publish"),
        ("publish", {"channel": ""}, "channel"),
        ("answers", {"suggestion": -1, "answer": "好"}, "suggestion"),
    ]
    for step, body, field in cases:
        before = await world.events()
        as_ = "parent-yao" if step == "reflection" else "manager-main"
        response = await world.post(f"/parent-visits/{vid}/{step}", body | {"at": t(day, 8)}, as_=as_)
        assert response.status_code == 422, (step, response.text)
        assert [d["field"] for d in response.json()["detail"]] == [field], (step, response.text)
        assert await world.events() == before
    bad_status = await world.get("/parent-visits", status="lost")
    assert bad_status.status_code == 422 and bad_status.json()["detail"][0]["field"] == "query.status"


async def test_out_of_scope_is_forbidden_and_appends_nothing(world: SchoolWorld) -> None:
    vid, day = uid("visit"), week()
    before = await world.events()
    for as_ in ("manager-aoyuan", "cook-main", "teacher-g6", "parent-yao", "other-admin"):
        refused = await world.post("/parent-visits", schedule_body(vid, day), as_=as_)
        assert refused.status_code == 403, (as_, refused.text)
    assert await world.events() == before
    await ok(world, "/parent-visits", schedule_body(vid, day), "manager-main")
    before = await world.events()
    cancel = {"reason": "停课", "at": t(day - timedelta(1))}
    # another campus's visit: as if there were none
    assert (await world.post(f"/parent-visits/{vid}/cancel", cancel, as_="manager-aoyuan")).status_code == 404
    assert (await world.post(f"/parent-visits/{vid}/cancel", cancel, as_="cook-main")).status_code == 403
    deliveries = DELIVERIES | {"at": t(day, 7)}
    assert (await world.post(f"/parent-visits/{vid}/deliveries", deliveries, as_="teacher-g6")).status_code == 403
    assert (await world.post(f"/parent-visits/{vid}/deliveries", deliveries, as_="parent-yao")).status_code == 404
    assert await world.events() == before
    # reads: a parent reads the published reflections of their child's campus only; others none
    assert (await world.get("/parent-visits", as_="teacher-g6")).status_code == 403
    assert (await world.get("/parent-visits/published", as_="guard-main")).status_code == 403
    assert (await world.get("/parent-visits/published", as_="parent-ma", campus_id="main")).status_code == 403
    assert (await world.get("/parent-visits/published", as_="parent-yao", campus_id="aoyuan")).status_code == 403
    assert (await world.get("/parent-visits/published", as_="manager-aoyuan", campus_id="main")).status_code == 403
    assert (await world.get("/parent-visits/published", as_="parent-yao", campus_id="main")).status_code == 200
    assert (await world.get("/parent-visits", as_="parent-yao", campus_id="aoyuan")).status_code == 403
    assert (await world.get("/parent-visits", as_="manager-aoyuan", campus_id="main")).status_code == 403
    # a parent reads only their own visits, also on their child's campus
    assert await eventually(lambda: listed(world, "/parent-visits", vid, "parent-yao", campus_id="main"))
    assert await listed(world, "/parent-visits", vid, "parent-ma") is None
    assert (await world.get(f"/parent-visits/{vid}", as_="manager-aoyuan")).status_code == 404


async def test_two_schedules_into_one_week_at_once_give_one_visit(world: SchoolWorld) -> None:
    day = week()
    bodies = [schedule_body(uid("visit"), day + timedelta(i)) for i in range(2)]
    answers = await asyncio.gather(*(world.post("/parent-visits", body) for body in bodies))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
