"""School bus endpoints on the running safety service: files, route checks, violations, compliance."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

POINTS = ["signs", "warning_boards", "guardrails", "speed_humps"]


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def bus(bus_id: str, campus: str = "main", **items: Any) -> dict[str, Any]:
    file = {
        "vehicle": "苏D·X1234 宇通ZK6609DX",
        "driver": "张师傅",
        "route": "薛家镇—本部",
        "stops": ["顺园小区", "薛家镇政府", "本部东门"],
        "times": "07:10-07:50, 16:00-16:40",
        "escort": "刘老师",
    } | items
    return {"bus_id": bus_id, "campus_id": campus, "file": file, "on": "2020-09-01"}


def check(check_id: str, on: str = "2020-10-09", failed: tuple[str, ...] = (), points: list[str] = POINTS) -> Any:
    results = [{"point": p, "ok": p not in failed} | ({"note": "缺损"} if p in failed else {}) for p in points]
    return {"check_id": check_id, "on": on, "results": results}


async def compliance(world: SafetyWorld, bus_id: str, as_of: str) -> dict[str, Any]:
    response = await world.get(f"/buses/{bus_id}", as_of=as_of)
    if response.status_code == 404:
        return {}
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["compliance"]
    return result


async def test_a_bus_file_goes_compliant_and_back(world: SafetyWorld) -> None:
    bid = uid("bus")
    registered = await world.post("/buses", bus(bid))
    assert registered.status_code == 200, registered.text
    assert registered.json()["events"] == ["safety.BusRegistered"]

    async def no_check_yet() -> dict[str, Any]:
        return await compliance(world, bid, "2020-10-12")

    first = await eventually(no_check_yet)
    assert not first["compliant"] and first["reasons"] == ["no route check on record"]

    assert (await world.post(f"/buses/{bid}/route-checks", check(uid("chk")))).status_code == 200

    async def compliant() -> bool:
        return bool((await compliance(world, bid, "2020-10-12"))["compliant"])

    await eventually(compliant)
    stale = await compliance(world, bid, "2020-11-30")
    assert not stale["compliant"] and "more than 31 days old" in stale["reasons"][0]

    vid = uid("v")
    violation = {"violation_id": vid, "on": "2020-10-10", "description": "超员行驶"}
    assert (await world.post(f"/buses/{bid}/violations", violation)).status_code == 200

    async def open_violation() -> dict[str, Any] | None:
        c = await compliance(world, bid, "2020-10-12")
        return None if c["compliant"] else c

    c = await eventually(open_violation)
    assert c["reasons"] == [f"open violation {vid}: 超员行驶"]
    assert c["open_violations"][0]["violation_id"] == vid

    rectify = {"violation_id": vid, "on": "2020-10-11", "measures": "驾驶员培训, 按核定人数乘车"}
    assert (await world.post(f"/buses/{bid}/violations/rectify", rectify)).status_code == 200
    await eventually(compliant)
    # on the day in between, the violation was still open
    assert not (await compliance(world, bid, "2020-10-10"))["compliant"]

    one = (await world.get(f"/buses/{bid}")).json()
    assert one["driver"] == "张师傅" and one["stops"] == ["顺园小区", "薛家镇政府", "本部东门"]
    assert len(one["route_checks"]) == 1 and one["route_checks"][0]["checked_by"] == "zhou"
    assert one["violations"][0]["measures"] == "驾驶员培训, 按核定人数乘车"


async def test_a_failed_point_or_a_missing_item_makes_a_bus_non_compliant(world: SafetyWorld) -> None:
    bid = uid("bus")
    assert (await world.post("/buses", bus(bid, escort=""))).status_code == 200
    response = await world.post(f"/buses/{bid}/route-checks", check(uid("chk"), failed=("guardrails",)))
    assert response.status_code == 200, response.text

    async def checked() -> dict[str, Any] | None:
        c = await compliance(world, bid, "2020-10-12")
        return c if c and c["last_route_check"] else None

    c = await eventually(checked)
    assert not c["compliant"]
    assert c["missing_items"] == ["escort"]
    assert c["reasons"] == ["missing items: escort", "the last route check found problems: guardrails"]

    # an escort is appointed, and the guardrails mended
    change = {"item": "escort", "value": "刘老师", "reason": "新聘照管员", "effective_on": "2020-10-10"}
    assert (await world.post(f"/buses/{bid}/items", change)).status_code == 200
    assert (await world.post(f"/buses/{bid}/route-checks", check(uid("chk"), on="2020-10-11"))).status_code == 200

    async def compliant() -> bool:
        return bool((await compliance(world, bid, "2020-10-12"))["compliant"])

    await eventually(compliant)
    one = (await world.get(f"/buses/{bid}")).json()
    assert one["escort"] == "刘老师" and one["changes"] == 1
    assert one["item_changes"] == [
        {"item": "escort", "value": "刘老师", "reason": "新聘照管员", "effective_on": "2020-10-10"}
    ]


async def test_a_route_check_missing_a_point_names_the_field_and_appends_nothing(world: SafetyWorld) -> None:
    bid = uid("bus")
    await world.post("/buses", bus(bid))
    before = await world.events()
    response = await world.post(f"/buses/{bid}/route-checks", check(uid("chk"), points=POINTS[:3]))
    assert response.status_code == 422, response.text
    (detail,) = response.json()["detail"]
    assert detail["field"] == "results" and "speed_humps" in detail["reason"]
    assert await world.events() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bus_id": "Not An Id"}, "bus_id"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"on": "someday"}, "on"),
        ({"file": {"vehicle": "苏D·X1234"}}, "file.driver"),
    ],
)
async def test_bad_registrations_name_the_field_and_append_nothing(
    world: SafetyWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/buses", bus(uid("bus")) | body)
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["detail"]]
    assert await world.events() == before


async def test_a_change_must_fit_the_item(world: SafetyWorld) -> None:
    bid = uid("bus")
    await world.post("/buses", bus(bid))
    before = await world.events()
    response = await world.post(
        f"/buses/{bid}/items", {"item": "stops", "value": "顺园小区", "reason": "r", "effective_on": "2020-10-01"}
    )
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "value"
    assert await world.events() == before


async def test_refusals_of_the_bus_file(world: SafetyWorld) -> None:
    bid = uid("bus")
    await world.post("/buses", bus(bid))
    before = await world.events()
    same = {"item": "driver", "value": "张师傅", "reason": "核对", "effective_on": "2020-10-01"}
    for path, body in [
        ("/buses", bus(bid)),
        (f"/buses/{bid}/items", same),
        (f"/buses/{bid}/violations/rectify", {"violation_id": "never", "on": "2020-10-11", "measures": "m"}),
    ]:
        response = await world.post(path, body)
        assert response.status_code == 409, (path, response.text)
        assert response.json()["error"] == "rejected"
    assert await world.events() == before


async def test_a_stale_version_is_a_conflict(world: SafetyWorld) -> None:
    bid = uid("bus")
    await world.post("/buses", bus(bid))
    before = await world.events()
    violation = {"violation_id": uid("v"), "on": "2020-10-10", "description": "闯红灯"}
    stale = await world.post(f"/buses/{bid}/violations", violation | {"expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert await world.events() == before
    ok = await world.post(f"/buses/{bid}/violations", violation | {"expected_version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2


async def test_out_of_scope_is_forbidden_and_appends_nothing(world: SafetyWorld) -> None:
    bid = uid("bus")
    await world.post("/buses", bus(bid))
    before = await world.events()
    for as_, path, body in [
        ("manager-aoyuan", "/buses", bus(uid("bus"))),
        ("teacher-g6", f"/buses/{bid}/route-checks", check(uid("chk"))),
        ("parent-yao", "/buses", bus(uid("bus"))),
    ]:
        response = await world.post(path, body, as_=as_)
        assert response.status_code == 403, (as_, path, response.text)
    # another campus's: as if there were none (the same 404 as an id nothing has)
    for entity in (bid, "nothing-here"):
        for as_, path, body in [
            ("manager-aoyuan", f"/buses/{entity}/route-checks", check(uid("chk"))),
            (
                "other-admin",
                f"/buses/{entity}/violations",
                {"violation_id": "v-1", "on": "2020-10-10", "description": "d"},
            ),
        ]:
            response = await world.post(path, body, as_=as_)
            assert response.status_code == 404, (as_, path, response.text)
            assert response.json()["reason"].endswith(f"{entity} does not exist")
    assert await world.events() == before
    assert (await world.post("/buses/never-registered/route-checks", check(uid("chk")))).status_code == 404

    async def listed() -> bool:
        return (await world.get(f"/buses/{bid}")).status_code == 200

    await eventually(listed)
    assert (await world.get(f"/buses/{bid}", as_="manager-aoyuan")).status_code == 404


async def test_the_bus_list_is_scoped_and_paginated(world: SafetyWorld) -> None:
    ids = [uid("page") for _ in range(3)]
    for bid in ids:
        assert (await world.post("/buses", bus(bid, campus="aoyuan"), as_="manager-aoyuan")).status_code == 200

    async def listed() -> bool:
        page = (await world.get("/buses", as_="manager-aoyuan", campus_id="aoyuan", limit=500)).json()
        return set(ids) <= {b["bus_id"] for b in page["items"]}

    await eventually(listed)
    first = (await world.get("/buses", as_="manager-aoyuan", limit=2)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    assert all("compliance" in b for b in first["items"])
    second = (await world.get("/buses", as_="manager-aoyuan", limit=2, after=first["next_cursor"])).json()
    assert {b["bus_id"] for b in first["items"]}.isdisjoint({b["bus_id"] for b in second["items"]})
    everything = (await world.get("/buses", as_="manager-aoyuan", limit=500)).json()["items"]
    assert everything and all(b["campus_id"] == "aoyuan" for b in everything)
