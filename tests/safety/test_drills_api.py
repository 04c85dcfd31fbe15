"""Drill endpoints on the running safety service: plan, conduct, summarise; lists, coverage, inspection status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def plan(drill_id: str, kind: str = "fire", campus: str = "main", on: str = "2020-11-09", **extra: Any) -> Any:
    return {
        "drill_id": drill_id,
        "campus_id": campus,
        "kind": kind,
        "title": "119消防疏散演练",
        "planned_on": on,
        "plan_ref": f"drills/{on}/{kind}-plan.pdf",
        "at": "2020-09-01T09:00:00+08:00",
    } | extra


def conduct(on: str = "2020-11-09", **extra: Any) -> dict[str, Any]:
    return {"on": on, "participants": 1260, "evacuation_seconds": 185, "record_ref": "record.pdf"} | extra


async def drills_by_kind(world: SafetyWorld, campus: str, month: str, as_: str = "manager-both") -> dict[str, int]:
    response = await world.get(f"/inspection-status/{campus}", as_=as_, month=month)
    assert response.status_code == 200, response.text
    by_kind: dict[str, int] = response.json()["drills"]["by_kind"]
    return by_kind


async def test_a_drill_goes_round_and_the_inspection_status_counts_it(world: SafetyWorld) -> None:
    before = await drills_by_kind(world, "main", "2020-12-01")
    fire, gas = uid("fire"), uid("gas")
    for drill_id, kind in [(fire, "fire"), (gas, "gas_leak")]:
        planned = await world.post("/drills", plan(drill_id, kind, on="2020-12-07"))
        assert planned.status_code == 200, planned.text
        conducted = await world.post(f"/drills/{drill_id}/conduct", conduct("2020-12-07"))
        assert conducted.status_code == 200, conducted.text
        assert conducted.json()["events"] == ["safety.DrillConducted"]
    summary = {"summary": "3分05秒完成疏散", "report_ref": "https://mp.weixin.qq.com/s/fire"}
    summarised = await world.post(f"/drills/{fire}/summarise", summary)
    assert summarised.status_code == 200 and summarised.json()["version"] == 3

    async def counted() -> bool:
        now = await drills_by_kind(world, "main", "2020-12-01")
        return now["fire"] == before["fire"] + 1 and now["gas_leak"] == before["gas_leak"] + 1

    await eventually(counted)

    async def summarised_fire() -> dict[str, Any] | None:
        one: dict[str, Any] = (await world.get(f"/drills/{fire}")).json()
        return one if one["status"] == "summarised" else None

    one = await eventually(summarised_fire)
    assert one["participants"] == 1260 and one["evacuation_seconds"] == 185 and one["conducted_on"] == "2020-12-07"
    listed = (await world.get("/drills", campus_id="main", kind="gas_leak", month="2020-12-15", limit=500)).json()
    assert gas in {d["drill_id"] for d in listed["items"]} and fire not in {d["drill_id"] for d in listed["items"]}
    assert all(d["kind"] == "gas_leak" for d in listed["items"])


async def test_a_planned_drill_is_listed_but_not_counted(world: SafetyWorld) -> None:
    drill_id = uid("bus-drill")
    assert (await world.post("/drills", plan(drill_id, "school_bus", on="2021-01-25"))).status_code == 200

    async def listed() -> list[dict[str, Any]]:
        page = (await world.get("/drills", month="2021-01-01", conducted=False, limit=500)).json()
        return [d for d in page["items"] if d["drill_id"] == drill_id]

    (drill,) = await eventually(listed)
    assert drill["status"] == "planned" and drill["conducted_on"] is None
    assert (await drills_by_kind(world, "main", "2021-01-01"))["school_bus"] == 0


async def test_a_drill_not_conducted_is_not_summarised(world: SafetyWorld) -> None:
    drill_id = uid("epidemic")
    await world.post("/drills", plan(drill_id, "epidemic"))
    before = await world.events()
    response = await world.post(f"/drills/{drill_id}/summarise", {"summary": "总结"})
    assert response.status_code == 409 and response.json()["error"] == "rejected"
    await world.post(f"/drills/{drill_id}/conduct", conduct())
    again = await world.post(f"/drills/{drill_id}/conduct", conduct())
    assert again.status_code == 409 and again.json()["error"] == "rejected"
    assert await world.events() == before + 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/drills", {"kind": "earthquake"}, "kind"),
        ("/drills", {"plan_ref": ""}, "plan_ref"),
        ("/drills", {"planned_on": "soon"}, "planned_on"),
        ("/drills", {"campus_id": "nowhere"}, "campus_id"),
        ("conduct", {"participants": 0}, "participants"),
        ("conduct", {"evacuation_seconds": -3}, "evacuation_seconds"),
    ],
)
async def test_bad_input_names_the_field_and_appends_nothing(
    world: SafetyWorld, path: str, body: dict[str, Any], field: str
) -> None:
    drill_id = uid("bad")
    if path == "conduct":
        await world.post("/drills", plan(drill_id))
        path, body = f"/drills/{drill_id}/conduct", conduct() | body
    else:
        body = plan(drill_id) | body
    before = await world.events()
    response = await world.post(path, body)
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["detail"]]
    assert await world.events() == before


async def test_a_stale_version_is_a_conflict(world: SafetyWorld) -> None:
    drill_id = uid("stale")
    await world.post("/drills", plan(drill_id))
    before = await world.events()
    stale = await world.post(f"/drills/{drill_id}/conduct", conduct(expected_version=0))
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert await world.events() == before
    ok = await world.post(f"/drills/{drill_id}/conduct", conduct(expected_version=1))
    assert ok.status_code == 200 and ok.json()["version"] == 2


async def test_out_of_scope_is_forbidden_and_appends_nothing(world: SafetyWorld) -> None:
    drill_id = uid("scope")
    await world.post("/drills", plan(drill_id))
    before = await world.events()
    for as_, path, body in [
        ("manager-aoyuan", "/drills", plan(uid("x"))),
        ("teacher-g6", f"/drills/{drill_id}/conduct", conduct()),
        ("parent-yao", "/drills", plan(uid("x"))),
    ]:
        response = await world.post(path, body, as_=as_)
        assert response.status_code == 403, (as_, path, response.text)
    # another campus's: as if there were none (the same 404 as an id nothing has)
    for entity in (drill_id, "nothing-here"):
        for as_, path, body in [
            ("manager-aoyuan", f"/drills/{entity}/conduct", conduct()),
        ]:
            response = await world.post(path, body, as_=as_)
            assert response.status_code == 404, (as_, path, response.text)
            assert response.json()["reason"].endswith(f"{entity} does not exist")
    assert await world.events() == before
    assert (await world.post("/drills/never-planned/conduct", conduct())).status_code == 404
    coverage = await world.get(
        "/drills/coverage", as_="manager-aoyuan", campus_id="main", to="2021-01-31", **{"from": "2020-09-01"}
    )
    assert coverage.status_code == 403


async def test_coverage_counts_each_month_and_kind(world: SafetyWorld) -> None:
    for kind, on in [("fire", "2020-09-10"), ("fire", "2020-09-20"), ("food_poisoning", "2020-11-02")]:
        drill_id = uid(kind.replace("_", "-"))
        await world.post("/drills", plan(drill_id, kind, campus="aoyuan", on=on), as_="manager-aoyuan")
        await world.post(f"/drills/{drill_id}/conduct", conduct(on), as_="manager-aoyuan")

    async def coverage() -> dict[str, Any] | None:
        response = await world.get(
            "/drills/coverage", as_="manager-aoyuan", campus_id="aoyuan", to="2020-11-30", **{"from": "2020-09-01"}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["total"] == 3 else None

    c = await eventually(coverage)
    assert [m["month"] for m in c["months"]] == ["2020-09", "2020-10", "2020-11"]
    assert c["months"][0]["by_kind"]["fire"] == 2 and c["months"][0]["kinds"] == ["fire"]
    assert c["months_without_drill"] == ["2020-10"]
    assert c["kinds_covered"] == ["food_poisoning", "fire"]
    assert "gas_leak" in c["kinds_missing"] and "other" not in c["kinds_missing"]
    backwards = await world.get(
        "/drills/coverage", as_="manager-aoyuan", campus_id="aoyuan", to="2020-08-31", **{"from": "2020-09-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["field"] == "to"


async def test_a_drill_held_last_month_keeps_its_day_and_a_backwards_one_is_refused(world: SafetyWorld) -> None:
    drill_id = uid("late")
    assert (await world.post("/drills", plan(drill_id, on="2020-11-09", at="2020-11-02T10:00:00+08:00"))).is_success
    before = await world.events()
    for body, step, step_time in [
        (conduct("2020-11-01"), "planned", "2020-11-02T10:00:00+08:00"),  # before the plan was made
        (conduct("2021-02-02"), "term ended", "2021-01-31"),  # after the term
    ]:
        refused = await world.post(f"/drills/{drill_id}/conduct", body)
        assert refused.status_code == 409, refused.text
        assert refused.json() | {"reason": ""} == {
            "error": "out_of_order",
            "reason": "",
            "field": "on",
            "step": step,
            "step_time": step_time,
        }
    assert await world.events() == before
    # entered today, a drill held in November is dated by its day
    assert (await world.post(f"/drills/{drill_id}/conduct", conduct("2020-11-09"))).status_code == 200
    times = await world.service.pool.fetchrow(
        "SELECT occurred_at, recorded_at FROM events WHERE stream_id = $1 AND type = 'safety.DrillConducted'",
        f"drill-{drill_id}",
    )
    assert times is not None
    assert times["occurred_at"] == datetime(2020, 11, 8, 16, 0, tzinfo=UTC)  # 2020-11-09 00:00 at the school
    assert abs(times["recorded_at"] - datetime.now(UTC)) < timedelta(minutes=5)
