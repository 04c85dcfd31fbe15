"""Across services through the gateway: a hazard assigned in-house becomes a repair; health data stays
with the medical room and the class's teachers."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_end_to_end import REPORT, hazard

ASSIGN = """mutation($id: ID!) { assignHazard(hazardId: $id, input: {assigneeId: "wang-tech"}) {
  __typename ... on Accepted { events } } }"""
REPAIRS = """query($hazard: ID!) { repairs(hazardId: $hazard) { nodes { repairId source state assigneeId hazardId
  campus { name } } } }"""


async def test_an_in_house_assignment_shows_up_as_a_repair_in_the_inventory(system: System) -> None:
    hid = f"door-{uuid4().hex[:6]}"
    assert (await system.gql(REPORT, as_="guard-main", input=hazard(hid)))["data"]["reportHazard"][
        "__typename"
    ] == "Accepted"
    assigned = (await system.gql(ASSIGN, id=hid))["data"]["assignHazard"]
    assert assigned == {"__typename": "Accepted", "events": ["safety.HazardAssignedInHouse"]}

    async def repair() -> dict[str, Any] | None:
        body = await system.gql(REPAIRS, hazard=hid)
        nodes = (body["data"]["repairs"] or {}).get("nodes", [])
        return nodes[0] if nodes else None

    found = await eventually(repair, timeout=60)
    assert found["source"] == "HAZARD" and found["assigneeId"] == "wang-tech" and found["hazardId"] == hid
    assert found["campus"] == {"name": "本部"}


HEALTH = "query { healthRecords { nodes { studentId classId admission } } }"


async def test_a_teacher_sees_the_health_records_of_their_own_class_only(system: System) -> None:
    async def opened() -> bool:
        body = await system.gql(HEALTH, as_="medical")
        return len((body["data"]["healthRecords"] or {}).get("nodes", [])) == 4

    await eventually(opened, timeout=60)  # every enrolled student got a record
    own = (await system.gql(HEALTH, as_="teacher-g6"))["data"]["healthRecords"]["nodes"]
    assert {r["studentId"] for r in own} == {"yao", "lin"} and {r["classId"] for r in own} == {"g6-1"}
    other = (await system.gql(HEALTH, as_="teacher-g1"))["data"]["healthRecords"]["nodes"]
    assert {r["studentId"] for r in other} == {"ma", "qin"}
    admin = await system.gql(HEALTH, as_="admin")
    assert admin["data"]["healthRecords"] is None and admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    parent = await system.gql(HEALTH, as_="parent-yao")
    assert parent["data"]["healthRecords"] is None
