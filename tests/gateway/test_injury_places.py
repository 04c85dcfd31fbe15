"""Where an injury happened, and the floor duty at injuries filtered, through GraphQL.

An ``Incident`` shows its building, floor, break and camera area to every reader in scope
(the guard too, whose details are withheld); ``injuryFloorDuty`` filters by the duty and by
day like ``GET /floor-duty/injuries``, and its summary counts over the same days."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from gateway.safety.watch_duty import DutyAtInjury
from services.safety.queries.watch_duty import DUTIES
from tests.conftest import eventually

AREA = f"place-{uuid4().hex[:8]}"
INCIDENTS = """query { incidents(campusId: "main", first: 100) { edges { node {
  id injuryId building floor breakPeriod cameraAreaId injury detailsWithheld } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Incident { injuryId building floor breakPeriod cameraAreaId
  injury detailsWithheld } } }"""
DUTY = """query($duty: DutyAtInjury, $from: Date, $to: Date) {
  injuryFloorDuty(campusId: "main", duty: $duty, fromDay: $from, toDay: $to, first: 100) {
    totalCount edges { node { injuryId duty onDutyId } } } }"""
SUMMARY = """query($from: Date, $to: Date) { injuryFloorDutySummary(campusId: "main", fromDay: $from, toDay: $to) {
  injuries atBreaksOrActivities dutyOnTime dutyLate dutyMissing dutyLateOrMissing placeUnknown } }"""


def injury(iid: str, day: str, setting: str = "break", floor: int | None = None, **extra: Any) -> dict[str, Any]:
    place = {"building": "teaching-a", "floor": floor, "break_period": "morning_break"} if floor else {}
    return (
        {
            "injury_id": iid,
            "student_id": "yao",
            "setting": setting,
            "at": f"{day}T09:40:00+08:00",
            "injury": "课间追逐撞到门框",
            "first_aid": "医务室处理",
        }
        | place
        | extra
    )


async def post(system: Any, path: str, body: dict[str, Any]) -> None:
    response = await system.services["safety"].client.post(path, json=body, headers=system.tokens["manager-main"])
    assert response.status_code == 200, (path, response.text)


async def test_an_incident_shows_where_it_happened_to_every_reader_in_scope(system: Any) -> None:
    placed, unplaced = f"inj-{uuid4().hex[:8]}", f"inj-{uuid4().hex[:8]}"
    area = {"area_id": AREA, "campus_id": "main", "building": "教学楼", "place": "二楼东走廊", "on": "2020-09-01"}
    await post(system, "/camera-areas", area)
    await post(system, "/injuries", injury(placed, "2020-10-12", floor=2, camera_area_id=AREA))
    await post(system, "/injuries", injury(unplaced, "2020-10-12"))

    async def listed(as_: str) -> dict[str, dict[str, Any]] | None:
        body = await system.gql(INCIDENTS, as_=as_)
        nodes = {e["node"]["injuryId"]: e["node"] for e in body["data"]["incidents"]["edges"]}
        return nodes if {placed, unplaced} <= nodes.keys() else None

    nodes = await eventually(lambda: listed("manager-main"))
    where = ("building", "floor", "breakPeriod", "cameraAreaId")
    assert tuple(nodes[placed][k] for k in where) == ("teaching-a", 2, "morning_break", AREA)
    assert tuple(nodes[unplaced][k] for k in where) == (None, None, None, None)
    assert nodes[placed]["injury"] == "课间追逐撞到门框"

    guard = await listed("guard-main")  # the guard sees where and when, not what happened
    assert guard is not None
    assert tuple(guard[placed][k] for k in where) == ("teaching-a", 2, "morning_break", AREA)
    assert guard[placed]["detailsWithheld"] is True and guard[placed]["injury"] is None

    one = await system.gql(NODE, as_="guard-main", id=nodes[placed]["id"])
    assert one["data"]["node"] == {k: v for k, v in guard[placed].items() if k != "id"}
    outside = await system.gql(NODE, as_="manager-aoyuan", id=nodes[placed]["id"])
    assert outside["data"]["node"] is None and "teaching-a" not in str(outside)


async def test_the_floor_duty_at_injuries_filters_by_duty_and_day(system: Any) -> None:
    assert {d.value for d in DutyAtInjury} == set(DUTIES)  # the service's duties, each one an enum value
    roster = {
        "campus_id": "main",
        "term_id": "2020-2021-1",
        "effective_from": "2020-09-01",
        "slots": [
            {"building": "teaching-a", "floor": 2, "break_period": "morning_break", "teacher_id": "sun"},
            {"building": "teaching-a", "floor": 3, "break_period": "morning_break", "teacher_id": "huang"},
        ],
        "at": "2020-09-01T08:00:00+08:00",
    }
    await post(system, "/floor-duty/rosters", roster)
    turn = {"campus_id": "main", "building": "teaching-a", "break_period": "morning_break"}
    late = turn | {"on": "2020-10-19", "floor": 2, "status": "late", "arrived_at": "2020-10-19T09:48:00+08:00"}
    await post(system, "/floor-duty/check-ins", late)
    await post(system, "/floor-duty/check-ins", turn | {"on": "2020-10-20", "floor": 3, "status": "missed"})
    ids = {name: f"{name}-{uuid4().hex[:6]}" for name in ("late", "missed", "unchecked", "pe", "nowhere")}
    await post(system, "/injuries", injury(ids["late"], "2020-10-19", floor=2))
    await post(system, "/injuries", injury(ids["missed"], "2020-10-20", floor=3))
    await post(system, "/injuries", injury(ids["unchecked"], "2020-10-21", floor=2))  # nobody checked the turn
    await post(system, "/injuries", injury(ids["pe"], "2020-10-21", setting="pe"))
    await post(system, "/injuries", injury(ids["nowhere"], "2020-10-22"))  # a break, no place named

    async def duty(**variables: Any) -> dict[str, tuple[str, str | None]]:
        body = await system.gql(DUTY, as_="guard-main", **variables)
        assert "errors" not in body, body
        found = body["data"]["injuryFloorDuty"]
        assert found["totalCount"] == len(found["edges"])
        return {e["node"]["injuryId"]: (e["node"]["duty"], e["node"]["onDutyId"]) for e in found["edges"]}

    expected = {
        "late": ("late", "sun"),
        "missed": ("missed", "huang"),
        "unchecked": ("not_checked_in", "sun"),
        "nowhere": ("place_unknown", None),
    }

    async def all_in() -> dict[str, tuple[str, str | None]] | None:
        # the duty is read from the roster and the check-ins, streams of their own that can reach
        # the read model after the injuries: wait until each injury is read with its turn
        found = await duty(**{"from": "2020-10-19", "to": "2020-10-22"})
        read = {name: found[ids[name]] for name in expected if ids[name] in found}
        return found if read == expected else None

    async def pe_counted() -> bool:  # the PE injury is a stream of its own: counted below, never on the duty list
        body = await system.gql(INCIDENTS, as_="manager-main")
        return ids["pe"] in {e["node"]["injuryId"] for e in body["data"]["incidents"]["edges"]}

    await eventually(pe_counted)
    every = await eventually(all_in)
    assert {every[ids[n]] for n in ("late", "missed", "unchecked", "nowhere")} == set(expected.values())
    assert ids["pe"] not in every  # PE is not a break
    assert set(await duty(duty="LATE")) == {ids["late"]}
    assert set(await duty(duty="MISSED")) == {ids["missed"]}
    week = {"from": "2020-10-19", "to": "2020-10-22"}  # the other test's injuries are of 2020-10-12
    assert set(await duty(duty="NOT_CHECKED_IN", **week)) == {ids["unchecked"]}
    assert set(await duty(duty="PLACE_UNKNOWN", **week)) == {ids["nowhere"]}
    assert set(await duty(**{"from": "2020-10-20", "to": "2020-10-21"})) == {ids["missed"], ids["unchecked"]}
    assert set(await duty(duty="MISSED", **{"from": "2020-10-21"})) == set()
    assert set(await duty(duty="LATE", to="2020-10-19")) == {ids["late"]}

    async def summary(**variables: Any) -> dict[str, int]:
        body = await system.gql(SUMMARY, as_="guard-main", **variables)
        assert "errors" not in body, body
        found: dict[str, int] = body["data"]["injuryFloorDutySummary"]
        return found

    assert await summary(**{"from": "2020-10-19", "to": "2020-10-20"}) == {
        "injuries": 2,
        "atBreaksOrActivities": 2,
        "dutyOnTime": 0,
        "dutyLate": 1,
        "dutyMissing": 1,
        "dutyLateOrMissing": 2,
        "placeUnknown": 0,
    }
    october_21_22 = await summary(**{"from": "2020-10-21", "to": "2020-10-22"})
    assert (october_21_22["injuries"], october_21_22["atBreaksOrActivities"]) == (3, 2)  # the PE injury counts
    assert (october_21_22["dutyMissing"], october_21_22["placeUnknown"]) == (1, 1)

    for query in (DUTY, SUMMARY):  # a range that ends before it starts is refused, naming its end
        backwards = await system.gql(query, as_="guard-main", **{"from": "2020-10-22", "to": "2020-10-19"})
        error = backwards["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert "'field': 'to'" in error["message"] and "ends before it starts" in error["message"], error
    unknown = await system.gql(DUTY, as_="guard-main", duty="ABSENT")
    assert unknown["errors"] and not unknown.get("data")
