"""Safety education endpoints on the running safety service: Friday sessions, flag ceremonies, campaigns."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

SIX_ONES = [
    "一次国旗下讲话",
    "一节班队活动课",
    "一次校车事故演练",
    "一次交通安全黑板报评比",
    "一个宣传橱窗",
    "一支志愿者队伍",
]


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def session(session_id: str, class_id: str = "g6-1", week_of: str = "2020-10-16", **extra: Any) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "class_id": class_id,
        "week_of": week_of,
        "theme": "防溺水",
        "lesson_prep_ref": f"prep/{class_id}/{week_of}.docx",
        "at": "2020-10-14T16:00:00+08:00",
    } | extra


async def one_session(world: SafetyWorld, session_id: str, status: str) -> dict[str, Any] | None:
    response = await world.get(f"/safety-sessions/{session_id}")
    if response.status_code == 404:
        return None
    body: dict[str, Any] = response.json()
    return body if body["status"] == status else None


async def test_a_teacher_plans_and_gives_a_session_and_a_manager_checks_it(world: SafetyWorld) -> None:
    sid = uid("s")
    planned = await world.post("/safety-sessions", session(sid), as_="teacher-g6")
    assert planned.status_code == 200, planned.text
    delivered = await world.post(f"/safety-sessions/{sid}/deliver", {"on": "2020-10-16"}, as_="teacher2-g6")
    assert delivered.status_code == 200, delivered.text
    checked = await world.post(f"/safety-sessions/{sid}/check", {"result": "good", "note": "备课充分"})
    assert checked.status_code == 200 and checked.json()["events"] == ["safety.SafetySessionChecked"]

    s = await eventually(lambda: one_session(world, sid, "checked"))
    assert s["teacher_id"] == "huang" and s["delivered_by"] == "sun" and s["checked_by"] == "zhou"
    assert s["campus_id"] == "main" and s["result"] == "good"
    week = (await world.get("/safety-sessions", class_id="g6-1", week="2020-10-14", limit=500)).json()["items"]
    assert sid in {x["session_id"] for x in week}
    other_week = (await world.get("/safety-sessions", class_id="g6-1", week="2020-10-23", limit=500)).json()["items"]
    assert sid not in {x["session_id"] for x in other_week}


async def test_the_deliverer_does_not_check_the_session(world: SafetyWorld) -> None:
    sid = uid("s")
    assert (await world.post("/safety-sessions", session(sid, teacher_id="sun"))).status_code == 200
    # the manager recorded the delivery: the manager cannot check it too
    assert (await world.post(f"/safety-sessions/{sid}/deliver", {"on": "2020-10-16"})).status_code == 200
    before = await world.events()
    own = await world.post(f"/safety-sessions/{sid}/check", {"result": "good"})
    assert own.status_code == 409 and own.json()["error"] == "rejected"
    assert await world.events() == before
    other = await world.post(f"/safety-sessions/{sid}/check", {"result": "needs_improvement"}, as_="manager-both")
    assert other.status_code == 200, other.text


async def test_a_session_not_on_a_friday_names_the_field_and_appends_nothing(world: SafetyWorld) -> None:
    before = await world.events()
    response = await world.post("/safety-sessions", session(uid("s"), week_of="2020-10-15"), as_="teacher-g6")
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    assert detail["field"] == "week_of" and "Friday" in detail["reason"]
    assert await world.events() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lesson_prep_ref": ""}, "lesson_prep_ref"),
        ({"class_id": "g9-9"}, "class_id"),
        ({"teacher_id": "zhu"}, "teacher_id"),  # zhu does not teach g6-1
        ({"theme": ""}, "theme"),
    ],
)
async def test_bad_plans_name_the_field_and_append_nothing(
    world: SafetyWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/safety-sessions", session(uid("s")) | body)
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["detail"]]
    assert await world.events() == before


async def test_who_may_plan_give_and_check_a_session(world: SafetyWorld) -> None:
    sid = uid("s")
    await world.post("/safety-sessions", session(sid), as_="teacher-g6")
    before = await world.events()
    for as_, path, body in [
        ("teacher-g1", "/safety-sessions", session(uid("s"))),  # another campus's teacher
        ("manager-aoyuan", "/safety-sessions", session(uid("s"))),
        ("guard-main", f"/safety-sessions/{sid}/deliver", {"on": "2020-10-16"}),
        ("teacher2-g6", f"/safety-sessions/{sid}/check", {"result": "good"}),  # checks are for managers
        ("parent-yao", "/safety-sessions", session(uid("s"))),
    ]:
        response = await world.post(path, body, as_=as_)
        assert response.status_code == 403, (as_, path, response.text)
    # another campus's: as if there were none (the same 404 as an id nothing has)
    for entity in (sid, "nothing-here"):
        for as_, path, body in [
            ("teacher-g1", f"/safety-sessions/{entity}/deliver", {"on": "2020-10-16"}),
        ]:
            response = await world.post(path, body, as_=as_)
            assert response.status_code == 404, (as_, path, response.text)
            assert response.json()["reason"].endswith(f"{entity} does not exist")
    assert await world.events() == before


async def test_a_stale_version_is_a_conflict(world: SafetyWorld) -> None:
    sid = uid("s")
    await world.post("/safety-sessions", session(sid))
    before = await world.events()
    stale = await world.post(f"/safety-sessions/{sid}/deliver", {"on": "2020-10-16", "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert await world.events() == before
    ok = await world.post(f"/safety-sessions/{sid}/deliver", {"on": "2020-10-16", "expected_version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2


async def test_one_flag_ceremony_a_month_per_campus(world: SafetyWorld) -> None:
    body = {"campus_id": "main", "on": "2020-09-07", "theme": "开学第一课: 安全伴我行", "speaker": "徐副校长"}
    first = await world.post("/flag-ceremonies", body)
    assert first.status_code == 200 and first.json()["stream_id"] == "flag-ceremony-main-2020-09"
    before = await world.events()
    second = await world.post("/flag-ceremonies", body | {"on": "2020-09-28", "theme": "国庆安全"})
    assert second.status_code == 409 and second.json()["error"] == "rejected"
    assert await world.events() == before
    # another campus, or another month, is another ceremony
    other = body | {"campus_id": "aoyuan"}
    assert (await world.post("/flag-ceremonies", other, as_="manager-aoyuan")).status_code == 200
    assert (await world.post("/flag-ceremonies", body | {"on": "2020-10-12"})).status_code == 200
    forbidden = await world.post("/flag-ceremonies", body | {"on": "2020-11-02"}, as_="manager-aoyuan")
    assert forbidden.status_code == 403
    bad = await world.post("/flag-ceremonies", body | {"on": "2020-13-01"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "on"
    before = await world.events()
    holiday = await world.post("/flag-ceremonies", body | {"on": "2020-08-24"})  # before the term
    assert holiday.status_code == 409 and holiday.json()["error"] == "out_of_order", holiday.text
    assert (holiday.json()["field"], holiday.json()["step"]) == ("on", "term began")
    assert await world.events() == before

    async def listed() -> list[dict[str, Any]]:
        page = (await world.get("/flag-ceremonies", campus_id="main", to="2020-10-31", **{"from": "2020-09-01"})).json()
        return page["items"] if len(page["items"]) == 2 else []

    ceremonies = await eventually(listed)
    assert [c["month"] for c in ceremonies] == ["2020-09", "2020-10"]
    assert ceremonies[0]["theme"] == "开学第一课: 安全伴我行" and ceremonies[0]["held_by"] == "zhou"


async def test_a_campaign_is_summarised_when_its_six_ones_are_done(world: SafetyWorld) -> None:
    cid = uid("traffic")
    launch = {"campaign_id": cid, "campus_id": "main", "title": '交通安全日 "六个一"', "activities": SIX_ONES}
    launched = await world.post("/safety-campaigns", launch | {"starts_on": "2020-11-02"})
    assert launched.status_code == 200, launched.text
    for activity in SIX_ONES[:5]:
        done = await world.post(f"/safety-campaigns/{cid}/activities", {"activity": activity, "on": "2020-11-20"})
        assert done.status_code == 200, done.text
    before = await world.events()
    for path, body in [
        (f"/safety-campaigns/{cid}/summarise", {"summary": "总结"}),  # one activity is not done
        (f"/safety-campaigns/{cid}/activities", {"activity": SIX_ONES[0], "on": "2020-11-21"}),  # twice
        (f"/safety-campaigns/{cid}/activities", {"activity": "一次春游", "on": "2020-11-21"}),  # not one of them
    ]:
        refused = await world.post(path, body)
        assert refused.status_code == 409 and refused.json()["error"] == "rejected", (path, refused.text)
    assert await world.events() == before
    last = {"activity": SIX_ONES[5], "on": "2020-11-27", "note": "20名家长志愿者"}
    assert (await world.post(f"/safety-campaigns/{cid}/activities", last)).status_code == 200
    summary = await world.post(f"/safety-campaigns/{cid}/summarise", {"summary": "六项活动全部完成"})
    assert summary.status_code == 200, summary.text

    async def summarised() -> dict[str, Any] | None:
        response = await world.get(f"/safety-campaigns/{cid}")
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and body["summarised"] else None

    campaign = await eventually(summarised)
    assert campaign["done"] == campaign["activities"] == 6
    assert [a["activity"] for a in campaign["activity_list"]] == SIX_ONES
    assert campaign["activity_list"][5] == {"activity": SIX_ONES[5], "done_on": "2020-11-27", "note": "20名家长志愿者"}
    listed = (await world.get("/safety-campaigns", campus_id="main", limit=500)).json()["items"]
    assert cid in {c["campaign_id"] for c in listed}
    assert (await world.get("/safety-campaigns", as_="manager-aoyuan", campus_id="main")).json()["items"] == []


async def test_bad_campaigns_name_the_field_and_append_nothing(world: SafetyWorld) -> None:
    before = await world.events()
    base = {"campaign_id": uid("c"), "campus_id": "main", "title": "防溺水宣传周", "starts_on": "2020-06-01"}
    cases: list[tuple[dict[str, list[str]], str]] = [
        ({"activities": []}, "activities"),
        ({"activities": ["讲座", "讲座"]}, "activities"),
    ]
    for body, field in cases:
        response = await world.post("/safety-campaigns", base | body)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == field, response.text
    assert await world.events() == before
    response = await world.post("/safety-campaigns", base | {"activities": ["讲座"]}, as_="manager-aoyuan")
    assert response.status_code == 403


async def test_a_session_is_given_after_it_was_planned_and_checked_after_it_was_given(world: SafetyWorld) -> None:
    sid = uid("s")
    assert (await world.post("/safety-sessions", session(sid), as_="teacher-g6")).status_code == 200
    before = await world.events()
    early = await world.post(f"/safety-sessions/{sid}/deliver", {"on": "2020-10-13"}, as_="teacher-g6")
    assert early.status_code == 409, early.text
    assert early.json() | {"reason": ""} == {
        "error": "out_of_order",
        "reason": "",
        "field": "on",
        "step": "planned",
        "step_time": "2020-10-14T16:00:00+08:00",
    }
    assert await world.events() == before
    assert (await world.post(f"/safety-sessions/{sid}/deliver", {"on": "2020-10-16"}, as_="teacher-g6")).is_success
    backwards = await world.post(f"/safety-sessions/{sid}/check", {"result": "good", "at": "2020-10-15T09:00:00+08:00"})
    assert backwards.status_code == 409 and backwards.json()["field"] == "at", backwards.text
    assert backwards.json()["step"] == "delivered"
