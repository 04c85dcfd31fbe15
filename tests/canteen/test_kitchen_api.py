"""The kitchen's daily records on the running canteen service: food samples, meals served,
canteen workers' certificates and morning checks, temperature logs, and their reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.school import SchoolWorld

RELEASE = datetime.fromisoformat("2020-10-14T11:20:00+08:00")  # 48 hours after the lunch sample


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def listed(world: SchoolWorld, path: str, key: str, value: str, as_: str = "manager-main", **params: Any) -> Any:
    response = await world.get(path, as_=as_, limit=500, **params)
    assert response.status_code == 200, response.text
    return next((row for row in response.json()["items"] if row[key] == value), None)


async def sample_fridge(world: SchoolWorld) -> str:
    unit_id = uid("main-sample-fridge")
    body = {"unit_id": unit_id, "campus_id": "main", "name": "留样冰箱", "kind": "sample_fridge", "min_c10": 0}
    registered = await world.post("/temperature-units", body | {"max_c10": 80})
    assert registered.status_code == 200, registered.text
    return unit_id


def retain(sample_id: str, unit_id: str | None, **changes: Any) -> dict[str, Any]:
    return {
        "sample_id": sample_id,
        "campus_id": "main",
        "served_on": "2020-10-12",
        "meal": "lunch",
        "dish": "番茄炒蛋",
        "grams": 150,
        "unit_id": unit_id,
        "at": "2020-10-12T11:20:00+08:00",
    } | changes


async def test_a_sample_is_retained_held_and_disposed_of_only_after_its_time(world: SchoolWorld) -> None:
    fridge = await sample_fridge(world)
    sid = uid("main-2020-10-12-lunch")
    events = await world.events()
    light = await world.post("/food-samples", retain(sid, fridge, grams=100), as_="cook-main")
    assert light.status_code == 422 and "grams" in light.text and "125" in light.text, light.text
    malformed = await world.post("/food-samples", retain(sid, fridge, meal="supper"), as_="cook-main")
    assert malformed.status_code == 422 and "meal" in malformed.text, malformed.text
    not_a_fridge = await world.post("/food-samples", retain(sid, uid("nowhere")), as_="cook-main")
    assert not_a_fridge.status_code == 422 and "unit_id" in not_a_fridge.text, not_a_fridge.text
    elsewhere = await world.post("/food-samples", retain(sid, fridge), as_="cook-aoyuan")
    assert elsewhere.status_code == 403, elsewhere.text
    parent = await world.post("/food-samples", retain(sid, fridge), as_="parent-yao")
    assert parent.status_code == 403, parent.text
    assert await world.events() == events

    retained = await world.post("/food-samples", retain(sid, fridge), as_="cook-main")
    assert retained.status_code == 200, retained.text
    assert retained.json()["events"] == ["canteen.SampleRetained"]

    early = await world.post(f"/food-samples/{sid}/dispose", {"at": "2020-10-14T09:00:00+08:00"}, as_="cook-main")
    assert early.status_code == 409, early.text
    body = early.json()
    assert body["field"] == "at" and datetime.fromisoformat(body["step_time"]) == RELEASE, body

    stale = await world.post(f"/food-samples/{sid}/hold", {"reason": "疑似食物中毒调查", "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict", stale.text
    out_of_scope = await world.post(f"/food-samples/{sid}/hold", {"reason": "调查"}, as_="manager-aoyuan")
    assert out_of_scope.status_code == 404, out_of_scope.text
    held = await world.post(f"/food-samples/{sid}/hold", {"reason": "疑似食物中毒调查", "expected_version": 1})
    assert held.status_code == 200, held.text
    refused = await world.post(f"/food-samples/{sid}/dispose", {"at": "2020-10-20T09:00:00+08:00"}, as_="cook-main")
    assert refused.status_code == 409 and "held" in refused.text, refused.text

    async def shown_held() -> Any:
        row = await listed(world, "/food-samples", "sample_id", sid, campus_id="main", held="true")
        return row if row and row["held"] else None

    row = await eventually(shown_held)
    assert datetime.fromisoformat(row["release_after"]) == RELEASE and row["releasable"] is False
    assert row["status"] == "kept" and row["unit_id"] == fridge
    assert await listed(world, "/food-samples", "sample_id", sid, as_="cook-main", served_on="2020-10-12", meal="lunch")
    assert await listed(world, "/food-samples", "sample_id", sid, in_fridge="false") is None

    lifted = await world.post(f"/food-samples/{sid}/lift-hold", {"reason": "调查结束"})
    assert lifted.status_code == 200, lifted.text
    disposed = await world.post(f"/food-samples/{sid}/dispose", {"at": "2020-10-20T09:00:00+08:00"}, as_="cook-main")
    assert disposed.status_code == 200 and disposed.json()["events"] == ["canteen.SampleDisposed"], disposed.text

    one = await world.get(f"/food-samples/{sid}", as_="vp-main")
    assert one.status_code == 200, one.text
    assert (await world.get(f"/food-samples/{sid}", as_="manager-aoyuan")).status_code == 404


async def test_the_kitchens_reads_are_refused_to_parents_and_outside_the_scope(world: SchoolWorld) -> None:
    for path in ("/food-samples", "/meals", "/morning-checks", "/canteen-workers", "/temperature-units"):
        parent = await world.get(path, as_="parent-yao", campus_id="main")
        assert parent.status_code == 403, (path, parent.text)
        parent_all = await world.get(path, as_="parent-yao")
        assert parent_all.status_code == 403, (path, parent_all.text)
        other = await world.get(path, as_="manager-aoyuan", campus_id="main")
        assert other.status_code == 403, (path, other.text)
        other_district = await world.get(path, as_="other-admin", campus_id="main")
        assert other_district.status_code == 403, (path, other_district.text)
    day = await world.get("/morning-checks/day", as_="parent-yao", campus_id="main", on="2020-10-13")
    assert day.status_code == 403, day.text


def certificate(staff_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "staff_id": staff_id,
        "campus_id": "main",
        "number": f"健康证 {uuid4().hex[:6]}",
        "issued_on": "2020-04-12",
        "expires_on": "2021-04-11",
    } | changes


def check(staff_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "staff_id": staff_id,
        "campus_id": "main",
        "on": "2020-10-13",
        "shift": "lunch",
        "fever": False,
        "gastro": False,
        "hand_wound": False,
        "respiratory": False,
        "dress_ok": True,
        "note": "",
    } | changes


def meal(**changes: Any) -> dict[str, Any]:
    return {
        "campus_id": "main",
        "on": "2020-10-13",
        "meal": "lunch",
        "dishes": ["番茄炒蛋", "红烧鸡块", "清炒青菜"],
        "servers": ["jiang-cook", "han-canteen"],
        "diners": 812,
    } | changes


async def test_a_failed_check_stands_a_worker_down_who_serves_no_meal_until_cleared(world: SchoolWorld) -> None:
    events = await world.events()
    bad = await world.post("/health-certificates", certificate("jiang-cook", expires_on="2020-04-01"))
    assert bad.status_code == 422 and "expires_on" in bad.text, bad.text
    not_a_worker = await world.post("/health-certificates", certificate("wang-tech"))
    assert not_a_worker.status_code == 422 and "staff_id" in not_a_worker.text, not_a_worker.text
    by_a_cook = await world.post("/health-certificates", certificate("jiang-cook"), as_="cook-main")
    assert by_a_cook.status_code == 403, by_a_cook.text
    elsewhere = await world.post("/health-certificates", certificate("jiang-cook"), as_="manager-aoyuan")
    assert elsewhere.status_code == 403, elsewhere.text
    no_certificate = await world.post("/morning-checks", check("yuan-cook", campus_id="aoyuan"), as_="manager-aoyuan")
    assert no_certificate.status_code == 409 and no_certificate.json()["field"] == "staff_id", no_certificate.text
    assert await world.events() == events

    certified = await world.post("/health-certificates", certificate("jiang-cook"))
    assert certified.status_code == 200, certified.text
    stale = await world.post("/morning-checks", check("jiang-cook", expected_version=0), as_="canteen-main")
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict", stale.text
    failed = await world.post("/morning-checks", check("jiang-cook", gastro=True, note="腹泻"), as_="canteen-main")
    assert failed.status_code == 200, failed.text
    assert failed.json()["events"] == ["canteen.MorningCheckRecorded", "canteen.WorkerStoodDown"]
    twice = await world.post("/morning-checks", check("jiang-cook"), as_="canteen-main")
    assert twice.status_code == 409 and twice.json()["field"] == "shift", twice.text

    events = await world.events()
    wrong_server = await world.post("/meals", meal(servers=["yuan-cook"]), as_="canteen-main")
    assert wrong_server.status_code == 422 and "servers" in wrong_server.text, wrong_server.text
    stood_down = await world.post("/meals", meal(), as_="canteen-main")
    assert stood_down.status_code == 409 and stood_down.json()["field"] == "servers", stood_down.text
    assert "jiang-cook" in stood_down.json()["reason"]
    assert await world.events() == events

    not_by_a_cook = await world.post("/canteen-workers/jiang-cook/clear", {"note": "复查正常"}, as_="canteen-main")
    assert not_by_a_cook.status_code == 403, not_by_a_cook.text
    cleared = await world.post("/canteen-workers/jiang-cook/clear", {"note": "复查正常"})
    assert cleared.status_code == 200 and cleared.json()["events"] == ["canteen.WorkerCleared"], cleared.text
    served = await world.post("/meals", meal(), as_="canteen-main")
    assert served.status_code == 200 and served.json()["stream_id"] == "meal-main-2020-10-13-lunch", served.text

    sampled = await world.post(
        "/food-samples",
        retain(uid("main-2020-10-13-lunch"), None, served_on="2020-10-13", at="2020-10-13T11:10:00+08:00"),
        as_="cook-main",
    )
    assert sampled.status_code == 200, sampled.text
    checked = await world.post("/meals/main-2020-10-13-lunch/check-samples", {}, as_="vp-main")
    assert checked.status_code == 200, checked.text
    assert checked.json()["events"] == ["canteen.DishServedWithoutSample"] * 2
    again = await world.post("/meals/main-2020-10-13-lunch/check-samples", {}, as_="vp-main")
    assert again.status_code == 200 and again.json()["events"] == [], again.text

    async def meal_read() -> Any:
        row = await listed(world, "/meals", "meal_id", "main-2020-10-13-lunch", campus_id="main")
        return row if row and row["found_without_sample"] and row["sampled"] else None

    row = await eventually(meal_read)
    assert row["sampled"] == ["番茄炒蛋"] and row["not_sampled"] == ["红烧鸡块", "清炒青菜"]
    assert sorted(row["found_without_sample"]) == ["清炒青菜", "红烧鸡块"]


async def test_symptoms_are_shown_only_to_those_who_read_health_data(world: SchoolWorld) -> None:
    certified = await world.post("/health-certificates", certificate("han-canteen", expires_on="2020-11-01"))
    assert certified.status_code == 200, certified.text
    failed = await world.post(
        "/morning-checks", check("han-canteen", on="2020-10-14", fever=True, note="37.9℃"), as_="medical"
    )
    assert failed.status_code == 200, failed.text
    check_id = "2020-10-14/han-canteen/lunch"

    async def seen(as_: str) -> Any:
        return await listed(world, "/morning-checks", "check_id", check_id, as_=as_, campus_id="main", on="2020-10-14")

    manager = await eventually(lambda: seen("manager-main"))
    assert manager["fever"] is True and manager["note"] == "37.9℃" and manager["symptoms_shown"] is True
    assert manager["passed"] is False
    doctor = await seen("medical")
    assert doctor["fever"] is True
    cook = await seen("cook-main")
    assert cook["passed"] is False and cook["symptoms_shown"] is False
    assert cook["fever"] is None and cook["note"] is None and cook["gastro"] is None

    async def stood_down() -> Any:
        row = await listed(world, "/canteen-workers", "staff_id", "han-canteen", as_="cook-main", campus_id="main")
        return row if row and row["stood_down"] else None

    worker = await eventually(stood_down)
    assert worker["reasons"] is None
    shown = await listed(world, "/canteen-workers", "staff_id", "han-canteen", campus_id="main")
    assert shown["reasons"] == ["fever"]

    day = await world.get("/morning-checks/day", as_="cook-main", campus_id="main", on="2020-10-14")
    assert day.status_code == 200, day.text
    body = day.json()
    assert body["workers"] == 2 and body["checked"] == 1 and body["stood_down"] == ["han-canteen"]
    assert body["not_checked"] == ["jiang-cook"] and "han-canteen" in body["still_stood_down"]
    elsewhere = await world.get("/morning-checks/day", as_="manager-aoyuan", campus_id="main", on="2020-10-14")
    assert elsewhere.status_code == 403, elsewhere.text

    expiring = await world.get("/health-certificates/expiring", campus_id="main", as_of="2020-10-14")
    assert expiring.status_code == 200, expiring.text
    rows = {r["staff_id"]: r for r in expiring.json()["items"]}
    assert rows["han-canteen"]["days_left"] == 18 and rows["han-canteen"]["warning_days"] == 30
    assert "jiang-cook" not in rows  # valid until April
    parent = await world.get("/health-certificates/expiring", as_="parent-yao", campus_id="main")
    assert parent.status_code == 403, parent.text


async def test_an_out_of_limit_reading_is_an_open_corrective_action_until_one_is_taken(world: SchoolWorld) -> None:
    unit_id = uid("main-fridge")
    body = {"unit_id": unit_id, "campus_id": "main", "name": "2号冷藏柜", "kind": "fridge", "min_c10": 0}
    events = await world.events()
    inverted = await world.post("/temperature-units", body | {"max_c10": 0})
    assert inverted.status_code == 422 and "max_c10" in inverted.text, inverted.text
    by_a_cook = await world.post("/temperature-units", body | {"max_c10": 80}, as_="cook-main")
    assert by_a_cook.status_code == 403, by_a_cook.text
    elsewhere = await world.post("/temperature-units", body | {"max_c10": 80}, as_="manager-aoyuan")
    assert elsewhere.status_code == 403, elsewhere.text
    assert await world.events() == events
    registered = await world.post("/temperature-units", body | {"max_c10": 80})
    assert registered.status_code == 200, registered.text

    readings = f"/temperature-units/{unit_id}/readings"
    too_hot = await world.post(readings, {"reading_id": "r-0700", "c10": 2500}, as_="cook-main")
    assert too_hot.status_code == 422 and "c10" in too_hot.text, too_hot.text
    warm = await world.post(readings, {"reading_id": "r-0700", "c10": 95}, as_="cook-main")
    assert warm.status_code == 200, warm.text
    cold = await world.post(readings, {"reading_id": "r-1200", "c10": 40}, as_="cook-main")
    assert cold.status_code == 200, cold.text
    stale = await world.post(readings, {"reading_id": "r-1700", "c10": 40, "expected_version": 1}, as_="cook-main")
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict", stale.text
    out_of_scope = await world.post(readings, {"reading_id": "r-1700", "c10": 40}, as_="cook-aoyuan")
    assert out_of_scope.status_code == 404, out_of_scope.text

    async def open_actions() -> Any:
        response = await world.get(
            "/temperature-readings", campus_id="main", unit_id=unit_id, action_open="true", count="true"
        )
        assert response.status_code == 200, response.text
        return response.json() if response.json()["total"] == 1 else None

    page = await eventually(open_actions)
    assert page["items"][0]["reading_id"] == "r-0700" and page["items"][0]["within_limits"] is False

    actions = f"/temperature-units/{unit_id}/corrective-actions"
    in_limits = await world.post(actions, {"reading_id": "r-1200", "action": "无需处理"}, as_="cook-main")
    assert in_limits.status_code == 409 and in_limits.json()["field"] == "reading_id", in_limits.text
    unknown = await world.post(actions, {"reading_id": "r-9999", "action": "?"}, as_="cook-main")
    assert unknown.status_code == 409 and unknown.json()["field"] == "reading_id", unknown.text
    taken = await world.post(actions, {"reading_id": "r-0700", "action": "门未关严，已关好并复测4.2℃"}, as_="cook-main")
    assert taken.status_code == 200, taken.text
    twice = await world.post(actions, {"reading_id": "r-0700", "action": "again"}, as_="cook-main")
    assert twice.status_code == 409, twice.text

    async def closed() -> Any:
        row = await listed(world, "/temperature-units", "unit_id", unit_id, as_="vp-main", campus_id="main")
        return row if row and row["readings"] == 2 and row["open_actions"] == 0 else None

    row = await eventually(closed)
    assert row["out_of_limits"] == 1 and row["last_c10"] == 40
