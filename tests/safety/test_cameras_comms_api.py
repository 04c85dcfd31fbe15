"""Camera coverage, parent communications and a bus's compliance on a past day, on the running
safety service."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

POINTS = ["signs", "warning_boards", "guardrails", "speed_humps"]


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def area(area_id: str, place: str, campus: str = "main") -> dict[str, Any]:
    return {"area_id": area_id, "campus_id": campus, "building": "教学楼", "place": place, "on": "2020-09-01"}


async def ok(world: SafetyWorld, path: str, body: dict[str, Any], as_: str = "manager-main") -> dict[str, Any]:
    response = await world.post(path, body, as_=as_)
    assert response.status_code == 200, (path, response.text)
    result: dict[str, Any] = response.json()
    return result


# -- camera coverage ---------------------------------------------------------------------


async def test_coverage_changes_by_day_and_incidents_count_where_it_was_missing(world: SafetyWorld) -> None:
    covered, blind = uid("cov"), uid("blind")
    place = f"楼梯口{uuid4().hex[:6]}"
    await ok(world, "/camera-areas", area(covered, place))
    await ok(world, "/camera-areas", area(blind, f"二楼走廊{uuid4().hex[:6]}"))
    await ok(world, f"/camera-areas/{covered}/cameras/install", {"camera_id": "cam-1", "on": "2020-09-01"})
    fault = {"camera_id": "cam-1", "on": "2020-11-02", "note": "画面无信号"}
    await ok(world, f"/camera-areas/{covered}/cameras/out-of-order", fault, as_="guard-main")
    await ok(world, f"/camera-areas/{covered}/cameras/repair", {"camera_id": "cam-1", "on": "2020-11-09"}, "tech-main")

    async def coverage(area_id: str, day: str) -> bool | None:
        response = await world.get(f"/camera-areas/{area_id}", as_of=day)
        if response.status_code == 404 or len(response.json()["changes"]) < (3 if area_id == covered else 0):
            return None
        return bool(response.json()["covered"])

    async def seen() -> bool | None:
        return await coverage(covered, "2020-10-01")

    assert await eventually(seen) is True
    assert await coverage(covered, "2020-11-05") is False  # out of order that week
    assert await coverage(covered, "2020-11-10") is True

    async def blind_shown() -> bool:  # the blind area is a stream of its own: it can arrive after the covered one
        return await coverage(blind, "2020-10-01") is not None

    await eventually(blind_shown)
    assert await coverage(blind, "2020-10-01") is False
    listed = await world.get("/camera-areas", campus_id="main", covered="false", as_of="2020-11-05", limit=500)
    ids = {a["area_id"] for a in listed.json()["items"]}
    assert {covered, blind} <= ids

    # an injury named in the blind area, a hazard placed by its text while the camera was broken,
    # another where it worked, and one nowhere mapped
    injury = uid("inj")
    body = {
        "injury_id": injury,
        "student_id": "lin",
        "setting": "break",
        "at": "2020-10-19T09:40:00+08:00",
        "injury": "课间追逐撞到门框",
        "first_aid": "医务室处理",
        "camera_area_id": blind,
    }
    await ok(world, "/injuries", body, as_="teacher-g6")
    hazards = {}
    for key, text, at in [
        ("broken", f"教学楼 {place}", "2020-11-03T08:00:00+08:00"),
        ("working", place, "2020-11-12T08:00:00+08:00"),
        ("nowhere", f"无监控{uuid4().hex[:6]}", "2020-11-12T08:00:00+08:00"),
    ]:
        hazards[key] = uid("hz")
        hazard = {
            "hazard_id": hazards[key],
            "campus_id": "main",
            "area": text,
            "description": "台阶破损",
            "severity": "low",
            "at": at,
        }
        await ok(world, "/hazards", hazard, as_="guard-main")

    async def counted() -> dict[str, Any] | None:
        response = await world.get("/camera-areas/incidents", campus_id="main", **{"from": "2020-10-01"})
        assert response.status_code == 200, response.text
        found = response.json()
        listed = {i["incident_id"] for i in found["uncovered"] + found["unplaced"]}
        # the hazard where the camera worked is a stream of its own, counted as covered, not listed
        shown = {injury, hazards["broken"], hazards["nowhere"]} <= listed and found["hazards"]["covered"] >= 1
        return found if shown else None

    found = await eventually(counted)
    uncovered = {i["incident_id"]: i for i in found["uncovered"]}
    assert uncovered[injury] | {} == uncovered[injury] and uncovered[injury]["area_id"] == blind
    assert uncovered[injury]["placed_by"] == "area_id" and uncovered[injury]["kind"] == "injury"
    assert uncovered[hazards["broken"]]["placed_by"] == "place"
    assert hazards["working"] not in uncovered
    assert hazards["nowhere"] in {i["incident_id"] for i in found["unplaced"]}
    assert found["injuries"]["uncovered"] >= 1 and found["hazards"]["covered"] >= 1
    # the range: before the injury, it is not counted
    before = await world.get("/camera-areas/incidents", campus_id="main", to="2020-10-18")
    assert injury not in {i["incident_id"] for i in before.json()["uncovered"]}


async def test_an_unknown_or_foreign_camera_area_names_the_field_and_appends_nothing(world: SafetyWorld) -> None:
    foreign = uid("aoy")
    await ok(world, "/camera-areas", area(foreign, "操场", campus="aoyuan"), as_="manager-aoyuan")
    before = await world.events()
    for area_id in ("never-mapped", foreign):
        hazard = {
            "hazard_id": uid("hz"),
            "campus_id": "main",
            "area": "操场",
            "description": "d",
            "severity": "low",
            "at": "2020-10-12T08:00:00+08:00",
            "camera_area_id": area_id,
        }
        response = await world.post("/hazards", hazard)
        assert response.status_code == 422, response.text
        assert [d["field"] for d in response.json()["detail"]] == ["camera_area_id"]
        injury = {
            "injury_id": uid("inj"),
            "student_id": "lin",
            "setting": "break",
            "at": "2020-10-19T09:40:00+08:00",
            "injury": "x",
            "first_aid": "y",
            "camera_area_id": area_id,
        }
        response = await world.post("/injuries", injury, as_="teacher-g6")
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "camera_area_id"
    for body, field in [
        (area("Not An Id", "x"), "area_id"),
        (area(uid("a"), "x") | {"on": "someday"}, "on"),
        (area(uid("a"), ""), "place"),
    ]:
        response = await world.post("/camera-areas", body)
        assert response.status_code == 422, response.text
        assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_camera_refusals_conflicts_and_scope(world: SafetyWorld) -> None:
    aid = uid("area")
    await ok(world, "/camera-areas", area(aid, "食堂门口"))
    before = await world.events()
    for path, body in [
        ("/camera-areas", area(aid, "食堂门口")),
        (f"/camera-areas/{aid}/cameras/repair", {"camera_id": "cam-1", "on": "2020-10-01"}),
    ]:
        response = await world.post(path, body)
        assert response.status_code == 409 and response.json()["error"] == "rejected", response.text
    early = await world.post(f"/camera-areas/{aid}/cameras/install", {"camera_id": "cam-1", "on": "2020-08-01"})
    assert early.status_code == 409 and early.json()["field"] == "on", early.text
    stale = await world.post(
        f"/camera-areas/{aid}/cameras/install", {"camera_id": "cam-1", "on": "2020-09-02", "expected_version": 0}
    )
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    for as_, path, body in [
        ("manager-aoyuan", "/camera-areas", area(uid("a"), "x")),
        ("teacher-g6", f"/camera-areas/{aid}/cameras/install", {"camera_id": "cam-1", "on": "2020-09-02"}),
    ]:
        response = await world.post(path, body, as_=as_)
        assert response.status_code == 403, (as_, response.text)
    response = await world.post(
        f"/camera-areas/{aid}/cameras/install", {"camera_id": "cam-1", "on": "2020-09-02"}, as_="other-admin"
    )
    assert response.status_code == 404
    assert (await world.get("/camera-areas/incidents", as_="manager-aoyuan", campus_id="main")).status_code == 403
    assert await world.events() == before


# -- parent communications ---------------------------------------------------------------


def letter(cid: str, **extra: Any) -> dict[str, Any]:
    return {
        "communication_id": cid,
        "campus_id": "aoyuan",
        "kind": "letter",
        "themes": ["drowning", "traffic"],
        "on": "2020-09-04",
        "audience": {"scope": "campus"},
        "title": "致家长的一封信: 珍爱生命 预防溺水",
        "reference": "docs/letters/2020-09-04.pdf",
        "reached": 400,
        "acknowledged": 380,
    } | extra


async def test_communications_are_summed_by_theme_and_kind_for_a_campus_and_term(world: SafetyWorld) -> None:
    first, second = uid("letter"), uid("talk")
    await ok(world, "/parent-communications", letter(first), as_="manager-aoyuan")
    talk = letter(second, kind="expert_talk", themes=["bullying"], on="2020-11-18", speaker="派出所 王警官")
    talk |= {"audience": {"scope": "grades", "grades": [5, 6]}, "reached": 120, "acknowledged": 0}
    await ok(world, "/parent-communications", talk, as_="manager-aoyuan")
    counted = await ok(
        world,
        f"/parent-communications/{first}/reach",
        {"reached": 410, "acknowledged": 401, "on": "2020-09-11"},
        as_="manager-aoyuan",
    )
    assert counted["events"] == ["safety.ParentCommunicationReachCounted"]

    async def both() -> dict[str, Any] | None:
        response = await world.get("/parent-communications", as_="manager-aoyuan", campus_id="aoyuan", limit=500)
        items = {c["communication_id"]: c for c in response.json()["items"]}
        return items if first in items and second in items and items[first]["reached"] == 410 else None

    items = await eventually(both)
    assert items[first]["term_id"] == items[second]["term_id"] == "2020-2021-1"
    assert items[second]["audience"] == {"scope": "grades", "grades": [5, 6], "class_ids": []}
    themed = await world.get("/parent-communications", as_="manager-aoyuan", theme="bullying", limit=500)
    assert second in {c["communication_id"] for c in themed.json()["items"]}
    assert first not in {c["communication_id"] for c in themed.json()["items"]}
    summary = await world.get(
        "/parent-communications/summary", as_="manager-aoyuan", campus_id="aoyuan", term_id="2020-2021-1"
    )
    assert summary.status_code == 200, summary.text
    s = summary.json()
    assert s["by_theme"]["bullying"]["reached"] >= 120 and s["by_kind"]["expert_talk"]["communications"] >= 1
    assert s["by_theme"]["drowning"]["acknowledged"] >= 401
    assert s["total"]["reached"] >= s["by_kind"]["letter"]["reached"] + s["by_kind"]["expert_talk"]["reached"]


async def test_communication_refusals_name_the_field_and_append_nothing(world: SafetyWorld) -> None:
    cid = uid("letter")
    await ok(world, "/parent-communications", letter(cid), as_="manager-aoyuan")
    before = await world.events()
    for body, field in [
        (letter(uid("l"), themes=[]), "themes"),
        (letter(uid("l"), themes=["earthquakes"]), "themes.0"),
        (letter(uid("l"), kind="poster"), "kind"),
        (letter(uid("l"), audience={"scope": "classes"}), "audience"),
        (letter(uid("l"), acknowledged=500), "acknowledged"),
        (letter(uid("l"), reference=""), "reference"),
    ]:
        response = await world.post("/parent-communications", body, as_="manager-aoyuan")
        assert response.status_code == 422, (body, response.text)
        if field is not None:
            assert field in [d["field"] for d in response.json()["detail"]], response.text
    lower = {"reached": 390, "acknowledged": 380, "on": "2020-09-11"}
    refused = await world.post(f"/parent-communications/{cid}/reach", lower, as_="manager-aoyuan")
    assert refused.status_code == 409 and refused.json()["field"] == "reached", refused.text
    outside = await world.post("/parent-communications", letter(uid("l"), on="2020-08-20"), as_="manager-aoyuan")
    assert outside.status_code == 409 and outside.json()["field"] == "on", outside.text
    stale = await world.post(
        f"/parent-communications/{cid}/reach",
        {"reached": 420, "acknowledged": 400, "on": "2020-09-11", "expected_version": 0},
        as_="manager-aoyuan",
    )
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    for as_ in ("manager-main", "teacher-g1", "parent-ma"):
        response = await world.post("/parent-communications", letter(uid("l")), as_=as_)
        assert response.status_code == 403, (as_, response.text)
    summary = await world.get("/parent-communications/summary", campus_id="aoyuan", term_id="2020-2021-1")
    assert summary.status_code == 403
    assert await world.events() == before


# -- a bus's compliance on a past day ----------------------------------------------------


async def test_a_past_day_is_judged_with_the_items_in_force_that_day(world: SafetyWorld) -> None:
    bid = uid("bus")
    file = {
        "vehicle": "苏D·X1234",
        "driver": "张师傅",
        "route": "薛家镇—本部",
        "stops": ["顺园小区", "本部东门"],
        "times": "07:10-07:50",
        "escort": "刘老师",
    }
    await ok(world, "/buses", {"bus_id": bid, "campus_id": "main", "file": file, "on": "2020-09-01"})
    for day in ("2020-10-09", "2020-11-06", "2020-12-04"):
        check = {"check_id": uid("chk"), "on": day, "results": [{"point": p, "ok": True} for p in POINTS]}
        await ok(world, f"/buses/{bid}/route-checks", check)
    for value, effective_on in [("", "2020-11-02"), ("陈老师", "2020-11-16")]:
        change = {"item": "escort", "value": value, "reason": "照管员变动", "effective_on": effective_on}
        await ok(world, f"/buses/{bid}/items", change)

    async def on(day: str) -> dict[str, Any] | None:
        response = await world.get(f"/buses/{bid}", as_of=day)
        if response.status_code != 200 or len(response.json()["item_changes"]) < 2:
            return None
        result: dict[str, Any] = response.json()["compliance"]
        return result

    october = await eventually(lambda: on("2020-10-20"))
    assert october["compliant"] and october["items_in_force"]["escort"] == "刘老师"
    gap = await on("2020-11-10")  # after the escort left, before the new one came: a past day
    assert gap is not None and not gap["compliant"]
    assert gap["missing_items"] == ["escort"] and gap["reasons"] == ["missing items: escort"]
    later = await on("2020-11-20")
    assert later is not None and later["compliant"] and later["items_in_force"]["escort"] == "陈老师"
    before = await on("2020-08-20")
    assert before is not None and "not registered yet" in before["reasons"][0]
