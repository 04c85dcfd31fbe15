"""Self-inspections on the running canteen service: recording them (one a period), their
refusals, the standard checklists, a campus's list with failed items and hazard ids, and what
is done today, this week and this month."""

from __future__ import annotations

from typing import Any

from services.canteen.events import Cadence
from services.canteen.self_inspection import STANDARD_CHECKLISTS
from tests.conftest import eventually
from tests.school import SchoolWorld

SCREEN = {
    "item": "防蝇防鼠设施",
    "area": "粗加工间",
    "ok": False,
    "note": "北侧纱窗破损",
    "hazard": True,
    "severity": "medium",
}


def daily(at: str, *changed: dict[str, Any], campus_id: str = "main") -> dict[str, Any]:
    """A daily control covering the daily list (all passed), ``changed`` results replacing theirs."""
    results = {c.item: {"item": c.item, "area": "后厨", "ok": True} for c in STANDARD_CHECKLISTS[Cadence.DAILY]}
    for result in changed:
        results[result["item"]] = result
    return {"campus_id": campus_id, "cadence": "daily", "at": at, "results": list(results.values())}


def fields(response: Any) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


async def listed(world: SchoolWorld, as_: str = "manager-main", **params: Any) -> list[dict[str, Any]]:
    response = await world.get("/self-inspections", as_=as_, **params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_cook_records_the_daily_control_and_its_hazard_is_found(world: SchoolWorld) -> None:
    response = await world.post("/self-inspections", daily("2020-10-15T16:30:00+08:00", SCREEN), as_="cook-main")
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["canteen.SelfInspectionRecorded", "canteen.HazardFound"]
    found = await world.service.pool.fetchrow(
        "SELECT event_id, data FROM events WHERE stream_id = 'self-inspection-main-daily-2020-10-15' "
        "AND type = 'canteen.HazardFound'"
    )
    assert found is not None and found["data"]["source_ref"] == "main-daily-2020-10-15"
    assert found["data"]["description"] == "防蝇防鼠设施：北侧纱窗破损" and found["data"]["raised_by"] == "jiang-cook"

    async def read() -> list[dict[str, Any]]:
        rows = await listed(world, campus_id="main", cadence="daily", **{"from": "2020-10-15", "to": "2020-10-15"})
        return [r for r in rows if r["hazard_ids"]]

    (row,) = await eventually(read, timeout=30)
    assert row["inspection_id"] == "main-daily-2020-10-15" and row["failed"] == 1 and row["hazards"] == 1
    (item,) = row["failed_items"]
    assert item["item"] == "防蝇防鼠设施" and item["hazard_id"] == row["hazard_ids"][0]
    assert row["uncovered"] == [] and row["inspected_by"] == "jiang-cook"
    one = await world.get("/self-inspections/main-daily-2020-10-15", as_="medical")
    assert one.status_code == 200 and one.json()["hazard_ids"] == row["hazard_ids"]
    later = await listed(world, campus_id="main", **{"from": "2020-10-16"})
    assert "main-daily-2020-10-15" not in [r["inspection_id"] for r in later]


async def test_a_second_daily_control_of_the_day_is_refused(world: SchoolWorld) -> None:
    first = await world.post("/self-inspections", daily("2020-10-20T08:00:00+08:00"))
    assert first.status_code == 200, first.text
    events = await world.events()
    again = await world.post("/self-inspections", daily("2020-10-20T17:00:00+08:00"), as_="cook-main")
    assert again.status_code == 409 and again.json()["field"] == "cadence", again.text
    assert await world.events() == events
    weekly: dict[str, Any] = {"campus_id": "main", "cadence": "weekly", "at": "2020-10-20T17:00:00+08:00"}
    weekly["results"] = [{"item": "消防器材", "area": "后厨", "ok": True}]
    assert (await world.post("/self-inspections", weekly)).status_code == 200
    sunday = weekly | {"at": "2020-10-25T17:00:00+08:00"}  # the same week
    assert (await world.post("/self-inspections", sunday)).status_code == 409


async def test_a_stale_expected_version_is_a_conflict(world: SchoolWorld) -> None:
    events = await world.events()
    stale = await world.post("/self-inspections", daily("2020-10-21T08:00:00+08:00") | {"expected_version": 1})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict", stale.text
    assert await world.events() == events


async def test_invalid_inspections_are_refused_naming_the_field_and_append_nothing(world: SchoolWorld) -> None:
    events = await world.events()
    at = "2020-10-22T08:00:00+08:00"
    ok_hazard = await world.post("/self-inspections", daily(at, SCREEN | {"ok": True}))
    assert ok_hazard.status_code == 422 and "results.4.hazard" in fields(ok_hazard), ok_hazard.text
    no_severity = await world.post("/self-inspections", daily(at, SCREEN | {"severity": None}))
    assert no_severity.status_code == 422 and "results.4.severity" in fields(no_severity), no_severity.text
    short = daily(at)
    short["results"] = short["results"][:-1]
    missing = await world.post("/self-inspections", short)
    assert missing.status_code == 422 and fields(missing) == ["results"] and "冰箱温度" in missing.text
    unknown = await world.post("/self-inspections", daily(at, campus_id="nowhere"))
    assert unknown.status_code == 422 and fields(unknown) == ["campus_id"], unknown.text
    future = await world.post("/self-inspections", daily("2999-01-01T08:00:00+08:00"))
    assert future.status_code == 409 and future.json()["field"] == "at", future.text
    assert await world.events() == events


async def test_only_the_kitchen_of_the_campus_records_them(world: SchoolWorld) -> None:
    events = await world.events()
    body = daily("2020-10-23T08:00:00+08:00")
    for who in ("manager-aoyuan", "cook-aoyuan", "teacher-g6", "guard-main", "parent-yao", "other-admin"):
        response = await world.post("/self-inspections", body, as_=who)
        assert response.status_code == 403, (who, response.text)
    assert await world.events() == events


async def test_the_reads_are_for_the_canteen_s_readers(world: SchoolWorld) -> None:
    checklists = await world.get("/self-inspection-checklists", as_="cook-main")
    assert checklists.status_code == 200
    by_cadence = {c["cadence"]: c for c in checklists.json()}
    assert by_cadence["daily"]["required"] and not by_cadence["weekly"]["required"]
    assert [i["item"] for i in by_cadence["daily"]["items"]][:3] == ["晨检", "留样", "餐具消毒"]
    for path, params in (
        ("/self-inspections", {}),
        ("/self-inspections/done", {"campus_id": "main"}),
        ("/self-inspection-checklists", {}),
    ):
        refused = await world.get(path, as_="parent-yao", **params)
        assert refused.status_code == 403, (path, refused.text)
    out_of_scope = await world.get("/self-inspections", as_="manager-aoyuan", campus_id="main")
    assert out_of_scope.status_code == 403
    assert (await world.get("/self-inspections/done", as_="other-admin", campus_id="main")).status_code == 403
    assert (await world.get("/self-inspections/main-daily-2020-10-20", as_="manager-aoyuan")).status_code == 404

    async def seen() -> bool:  # an earlier test recorded it; the read model may not have it yet
        return "main-daily-2020-10-20" in [r["inspection_id"] for r in await listed(world)]

    assert await eventually(seen)
    assert "main-daily-2020-10-20" not in [r["inspection_id"] for r in await listed(world, as_="manager-aoyuan")]


async def test_what_is_done_today_this_week_and_this_month(world: SchoolWorld) -> None:
    monthly = {
        "campus_id": "main",
        "cadence": "monthly",
        "at": "2020-11-02T10:00:00+08:00",
        "results": [{"item": "从业人员健康证", "area": "办公室", "ok": True}],
    }
    assert (await world.post("/self-inspections", monthly)).status_code == 200
    assert (await world.post("/self-inspections", daily("2020-11-03T08:00:00+08:00"))).status_code == 200

    async def done() -> dict[str, dict[str, Any]]:
        response = await world.get("/self-inspections/done", campus_id="main", as_of="2020-11-03")
        assert response.status_code == 200, response.text
        by = {r["cadence"]: r for r in response.json()}
        return by if by["daily"]["done"] and by["monthly"]["done"] else {}

    by = await eventually(done, timeout=30)
    assert by["daily"]["inspection_id"] == "main-daily-2020-11-03"
    assert by["weekly"] == by["weekly"] | {"done": False, "inspection_id": "main-weekly-2020-11-02"}
    assert by["monthly"]["period_start"] == "2020-11-01" and by["monthly"]["inspected_by"] == "zhou"
    (row,) = await listed(world, campus_id="main", cadence="monthly", **{"from": "2020-11-01"})
    assert "从业人员健康证" not in row["uncovered"] and "从业人员培训" in row["uncovered"]
