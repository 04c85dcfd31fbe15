"""The asset registration in GraphQL: a campus's figure, each room's, and the assets of accepted
purchases waiting to be registered; registered with the ``registerReceivedAsset`` mutation; each
read kept to the caller's scope."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually

ROOM = "412 新增教室"

REGISTRATION = """
query Registration($campus: ID!) {
  campus(campusId: $campus) {
    assetRegistration { campusId rooms roomsComplete registered waiting waitingFen complete }
    roomRegistration(incomplete: true) { edges { node { roomKey room registered waiting complete } } }
    assetsToRegister { totalCount edges { node { assetId purchaseId forRoom room tag valueFen acceptedOn } } }
  }
}
"""
REGISTER = """
mutation Register($asset: ID!, $tag: String!) {
  registerReceivedAsset(assetId: $asset, input: {tag: $tag, on: "2020-09-03"}) {
    ... on Accepted { events }
  }
}
"""


async def accepted_projectors(inventory: Any, tokens: dict[str, Any], pid: str) -> None:
    manager = tokens["manager-main"]
    item = {
        "item_id": "projector",
        "school_id": "xuexiao",
        "name": "投影仪",
        "unit": "台",
        "category": "教学设备",
        "consumable": False,
        "unit_price_fen": 350000,
        "reorder_point": 0,
    }
    catalogued = await inventory.client.post("/items", json=item, headers=manager)
    assert catalogued.status_code in (200, 409), catalogued.text
    line = {"description": "投影仪", "quantity": 2, "estimated_unit_price_fen": 350000, "item_id": "projector"}
    steps = [
        ("/purchases", {"purchase_id": pid, "campus_id": "main", "category": "everyday", "reason": "新增教室",
                        "lines": [line | {"room": ROOM}], "at": "2020-08-24T10:00:00+08:00"}, "teacher-g6"),
        (f"/purchases/{pid}/approve", {"at": "2020-08-25T09:00:00+08:00"}, "manager-main"),
        (f"/purchases/{pid}/bought", {"supplier": "某设备公司", "on": "2020-08-27",
                                      "bought": [{"line": 0, "quantity": 2, "unit_price_fen": 340000}]},
         "manager-main"),
        (f"/purchases/{pid}/acceptance", {"at": "2020-08-28T14:00:00+08:00"}, "vp-main"),
    ]  # fmt: skip
    for path, body, who in steps:
        response = await inventory.client.post(path, json=body, headers=tokens[who])
        assert response.status_code == 200, response.text


async def test_a_campus_reads_its_registration_and_registers_what_waits(system: Any) -> None:
    pid = f"p-{uuid4().hex[:8]}"
    await accepted_projectors(system.services["inventory"], system.tokens, pid)

    async def waiting() -> dict[str, Any] | None:
        body = await system.gql(REGISTRATION, campus="main")
        campus = body["data"]["campus"]
        mine = [e["node"] for e in campus["assetsToRegister"]["edges"] if e["node"]["purchaseId"] == pid]
        return campus if len(mine) == 2 else None

    campus = await eventually(waiting, timeout=60)
    figure = campus["assetRegistration"]
    assert figure["campusId"] == "main" and figure["waiting"] >= 2 and figure["complete"] is False
    assert figure["waitingFen"] >= 680000
    room = next(e["node"] for e in campus["roomRegistration"]["edges"] if e["node"]["room"] == ROOM)
    assert room["roomKey"] == f"main/{ROOM}" and room["waiting"] >= 2 and room["complete"] is False
    mine = sorted(
        (e["node"] for e in campus["assetsToRegister"]["edges"] if e["node"]["purchaseId"] == pid),
        key=lambda n: n["assetId"],
    )
    assert mine[0] == {
        "assetId": f"bought-{pid}-1-1",
        "purchaseId": pid,
        "forRoom": ROOM,
        "room": None,
        "tag": None,
        "valueFen": 340000,
        "acceptedOn": "2020-08-28",
    }

    registered = await system.gql(REGISTER, asset=mine[0]["assetId"], tag=f"XJ-{pid}")
    assert registered.get("errors") is None, registered
    assert registered["data"]["registerReceivedAsset"]["events"] == ["inventory.AssetRegistered"]

    async def one_left() -> bool:
        body = await system.gql(REGISTRATION, campus="main")
        left = [e for e in body["data"]["campus"]["assetsToRegister"]["edges"] if e["node"]["purchaseId"] == pid]
        return len(left) == 1

    await eventually(one_left, timeout=30)


async def test_the_registration_is_read_in_the_callers_scope_only(system: Any) -> None:
    pid = f"p-{uuid4().hex[:8]}"
    await accepted_projectors(system.services["inventory"], system.tokens, pid)

    async def mine(as_: str) -> list[str]:
        body = await system.gql(REGISTRATION, as_, campus="main")
        campus = body["data"]["campus"]
        edges = campus["assetsToRegister"]["edges"] if campus else []
        return [e["node"]["assetId"] for e in edges if e["node"]["purchaseId"] == pid]

    assert len(await eventually(lambda: mine("manager-main"), timeout=60)) == 2
    # another campus's manager reads none of main's; another district's admin not even the campus
    assert await mine("manager-aoyuan") == []
    assert (await system.gql(REGISTRATION, "other-admin", campus="main"))["data"] == {"campus": None}
    parent = await system.gql(REGISTRATION, "parent-yao", campus="main")
    assert parent["data"] == {"campus": None} and parent["errors"][0]["extensions"]["code"] == "FORBIDDEN"
