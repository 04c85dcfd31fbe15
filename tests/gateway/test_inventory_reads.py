"""The inventory's records written through GraphQL mutations and read back through GraphQL: room
audits, requisition lists with their items, an asset's audits and charges, a charge's asset, the
charges of a class. Each read is scoped like the inventory's REST reads (another campus's
manager and another district's admin see nothing, a parent is refused), pages, and a page of
N records costs a bounded number of service calls whatever N."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest_asyncio

from tests.conftest import eventually
from tests.gateway.conftest import System

RESULT = "__typename ... on Accepted { events } ... on Rejected { message field } " \
    "... on InvalidInput { errors { field reason } } ... on Forbidden { message }"  # fmt: skip


async def mutate(system: System, name: str, input_type: str, value: dict[str, Any], **path: str) -> None:
    """Posts a mutation as the main campus's manager; it must be accepted."""
    args = "".join(f'{k}: "{v}", ' for k, v in path.items())
    body = await system.gql(
        f"mutation M($input: {input_type}!) {{ {name}({args}input: $input) {{ {RESULT} }} }}", "manager-main",
        input=value,
    )  # fmt: skip
    assert body.get("errors") is None, body
    assert body["data"][name]["__typename"] == "Accepted", (name, body)


async def settled(system: System, query: str, path: str, want: Any, as_: str = "manager-main", **variables: Any) -> Any:
    """The answer at ``path`` once ``want(value)`` holds (the projections catch up)."""

    async def check() -> Any:
        body = await system.gql(query, as_, **variables)
        assert body.get("errors") is None, body
        value: Any = body["data"]
        for key in path.split("."):
            value = value[key] if value is not None else None
        return value if want(value) else None

    return await eventually(check)


@dataclass
class Written:
    tag: str
    room: str  # three assets: 0 and 1 found by the audit, 2 missing
    other_room: str  # asset 3, found by the second audit
    assets: list[str]
    tags: list[str]
    audits: list[str]
    items: list[str]
    requisitions: list[str]  # 0 and 1 of department A, 2 of department B
    dept_a: str
    dept_b: str
    charges: list[str]  # 0: a pupil of g6-1 (asset 0), 1: the class g6-1 (asset 1), 2: a pupil of g1-1 (an item)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def written(system: System) -> Written:
    t = f"ir{uuid4().hex[:6]}"
    w = Written(
        t, f"{t} 301 六1班教室", f"{t} 302 六2班教室",
        [f"{t}-a{n}" for n in range(4)], [f"XJ-{t}-{n}" for n in range(4)],
        [f"{t}-audit-0", f"{t}-audit-1"], [f"{t}-chalk", f"{t}-pen"], [f"{t}-req-{n}" for n in range(3)],
        f"{t}-yuwen", f"{t}-shuxue", [f"{t}-c{n}" for n in range(3)],
    )  # fmt: skip
    for item, name in zip(w.items, ("粉笔", "红笔"), strict=True):
        await mutate(system, "catalogueItem", "CatalogueItemInput", {
            "itemId": item, "schoolId": "xuexiao", "name": name, "unit": "盒", "category": "教学用品",
            "consumable": True, "unitPriceFen": 800, "reorderPoint": 2, "at": "2020-09-01T09:00:00+08:00",
        })  # fmt: skip
        await mutate(system, "receiveStock", "ReceiveStockInput", {
            "campusId": "main", "itemId": item, "quantity": 50, "reason": "开学备货", "at": "2020-09-01T10:00:00+08:00",
        })  # fmt: skip
    for n, (req, dept) in enumerate(zip(w.requisitions, (w.dept_a, w.dept_a, w.dept_b), strict=True)):
        await mutate(system, "issueRequisition", "IssueRequisitionInput", {
            "requisitionId": req, "campusId": "main", "departmentId": dept, "recipientKind": "PERSON",
            "recipientId": "huang", "termId": "2020-2021-1",
            "lines": [{"itemId": w.items[0], "quantity": 1 + n}, {"itemId": w.items[1], "quantity": 2}],
            "at": f"2020-09-0{2 + n}T08:00:00+08:00",
        })  # fmt: skip
    for n, (asset, tag) in enumerate(zip(w.assets, w.tags, strict=True)):
        await mutate(system, "registerAsset", "RegisterAssetInput", {
            "assetId": asset, "tag": tag, "campusId": "main", "room": w.room if n < 3 else w.other_room,
            "description": "课桌椅", "valueFen": 30000, "on": "2020-09-01",
        })  # fmt: skip
    await mutate(system, "damageAsset", "DamageAssetInput", {
        "cause": "PERSON", "byKind": "PERSON", "byId": "lin", "description": "桌面刻划", "on": "2020-10-12",
        "chargeFen": 5000, "chargeId": w.charges[0],
    }, assetId=w.assets[0])  # fmt: skip
    await mutate(system, "chargeCompensation", "ChargeCompensationInput", {
        "chargeId": w.charges[1], "campusId": "main", "against": "CLASS", "againstId": "g6-1",
        "assetId": w.assets[1], "reason": "椅腿折断", "at": "2020-10-13T10:00:00+08:00",
    })  # fmt: skip
    await mutate(system, "chargeCompensation", "ChargeCompensationInput", {
        "chargeId": w.charges[2], "campusId": "main", "against": "PERSON", "againstId": "ma",
        "itemId": w.items[0], "quantity": 2, "reason": "粉笔盒摔坏", "at": "2020-10-14T10:00:00+08:00",
    })  # fmt: skip
    await mutate(system, "auditRoom", "AuditRoomInput", {
        "auditId": w.audits[0], "campusId": "main", "room": w.room, "foundTags": [w.tags[0], w.tags[1], f"XJ-{t}-x"],
        "on": "2020-10-20",
    })  # fmt: skip
    await mutate(system, "auditRoom", "AuditRoomInput", {
        "auditId": w.audits[1], "campusId": "main", "room": w.other_room, "foundTags": [w.tags[3]], "on": "2020-10-21",
    })  # fmt: skip
    return w


def ids(nodes: list[dict[str, Any]], key: str) -> list[str]:
    return [n[key] for n in nodes]


# -- room audits --------------------------------------------------------------------------------------

AUDITS = """query($room: String, $after: String) { campus(campusId: "main") {
  roomAudits(room: $room, first: 1, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { auditId campusId room auditedOn auditedBy foundTags missing unregistered campus { campusId }
            history { type actedOn } } } } }"""


async def test_a_room_audit_is_read_on_its_campus_with_what_was_missing_and_unregistered(
    system: System, written: Written
) -> None:
    w = written
    audit = await settled(system, AUDITS, "campus.roomAudits.nodes", lambda v: v, room=w.room)
    assert audit == [
        {
            "auditId": w.audits[0], "campusId": "main", "room": w.room, "auditedOn": "2020-10-20", "auditedBy": "zhou",
            "foundTags": [w.tags[0], w.tags[1], f"XJ-{w.tag}-x"], "missing": [w.tags[2]],
            "unregistered": [f"XJ-{w.tag}-x"], "campus": {"campusId": "main"},
            "history": [{"type": "inventory.RoomAudited", "actedOn": "2020-10-20"}],
        }
    ]  # fmt: skip


async def test_room_audits_page_on_the_campus_and_at_the_root(system: System, written: Written) -> None:
    w = written
    first = await settled(system, AUDITS, "campus.roomAudits", lambda v: v["totalCount"] == 2, room=None)
    # the campus holds only this module's audits (the system is the module's own)
    assert first["totalCount"] == 2 and ids(first["nodes"], "auditId") == [w.audits[0]]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": w.audits[0]}
    body = await system.gql(AUDITS, room=None, after=first["pageInfo"]["endCursor"])
    second = body["data"]["campus"]["roomAudits"]
    assert ids(second["nodes"], "auditId") == [w.audits[1]] and second["pageInfo"]["hasNextPage"] is False
    root = await system.gql('query { roomAudits(campusId: "main", first: 5) { nodes { auditId } } }')
    assert ids(root["data"]["roomAudits"]["nodes"], "auditId") == w.audits


async def test_room_audits_are_nothing_out_of_scope_and_refused_to_a_parent(system: System, written: Written) -> None:
    w = written
    await settled(system, AUDITS, "campus.roomAudits.nodes", lambda v: v, room=w.room)
    root = 'query { roomAudits(campusId: "main") { nodes { auditId } } }'
    for outsider in ("manager-aoyuan", "other-admin"):
        assert (await system.gql(root, outsider))["data"] == {"roomAudits": {"nodes": []}}
    aoyuan = await system.gql(
        'query { campus(campusId: "aoyuan") { roomAudits { nodes { auditId } } } }', "manager-both"
    )
    assert aoyuan["data"]["campus"]["roomAudits"]["nodes"] == []  # main's audits are not Aoyuan's
    refused = await system.gql(root, "parent-yao")
    assert refused["data"] == {"roomAudits": None}
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# -- an asset, its audits and charges; a charge's asset -----------------------------------------------

ROOM = """query($room: String!) { campus(campusId: "main") { assets(room: $room, first: 10) { nodes {
  assetId tag roomAudits { auditId missing }
  compensations { chargeId against againstId amountFen status asset { assetId tag } } } } } }"""


async def test_a_page_of_assets_reaches_their_audits_and_charges_in_a_bounded_number_of_calls(
    system: System, written: Written
) -> None:
    w = written

    def complete(nodes: list[dict[str, Any]]) -> bool:
        # each charge is a stream of its own: the damage's (asset 0) can arrive after the class's (asset 1)
        charged = [len(n["compensations"]) for n in nodes[:2]] == [1, 1]
        return len(nodes) == 3 and all(n["roomAudits"] for n in nodes) and charged

    await settled(system, ROOM, "campus.assets.nodes", complete, room=w.room)
    system.transport.calls.clear()
    nodes = (await system.gql(ROOM, room=w.room))["data"]["campus"]["assets"]["nodes"]
    # the page, the audits of all its assets, their charges, the charges' assets: one call each
    assert system.transport.calls["inventory"] == 4, system.transport.calls
    assert ids(nodes, "assetId") == w.assets[:3]
    # each asset's audit is the one naming its tag: found (0, 1) or missing (2)
    assert [n["roomAudits"] for n in nodes] == [[{"auditId": w.audits[0], "missing": [w.tags[2]]}]] * 3
    assert nodes[0]["compensations"] == [
        {"chargeId": w.charges[0], "against": "PERSON", "againstId": "lin", "amountFen": 5000, "status": "CHARGED",
         "asset": {"assetId": w.assets[0], "tag": w.tags[0]}}
    ]  # fmt: skip
    assert ids(nodes[1]["compensations"], "chargeId") == [w.charges[1]]
    assert nodes[1]["compensations"][0]["asset"] == {"assetId": w.assets[1], "tag": w.tags[1]}
    assert nodes[2]["compensations"] == []
    other = await settled(system, ROOM, "campus.assets.nodes", lambda v: v and v[0]["roomAudits"], room=w.other_room)
    assert ids(other, "assetId") == [w.assets[3]] and other[0]["roomAudits"][0]["auditId"] == w.audits[1]


ONE = """query($campus: ID!, $asset: ID!, $charge: ID!) { campus(campusId: $campus) {
  asset(assetId: $asset) { assetId room damaged roomAudits { auditId } }
  compensation(chargeId: $charge) { chargeId itemId asset { assetId } } } }"""


async def test_one_asset_and_one_charge_on_their_campus_only(system: System, written: Written) -> None:
    w = written

    def whole(v: Any) -> Any:  # the damage is the asset's second event, the audit and the charge streams of their own
        return v["asset"] and v["asset"]["damaged"] and v["asset"]["roomAudits"] and v["compensation"]

    on_main = await settled(system, ONE, "campus", whole, campus="main", asset=w.assets[0], charge=w.charges[0])
    assert on_main == {
        "asset": {"assetId": w.assets[0], "room": w.room, "damaged": True, "roomAudits": [{"auditId": w.audits[0]}]},
        "compensation": {"chargeId": w.charges[0], "itemId": None, "asset": {"assetId": w.assets[0]}},
    }
    # the item's charge is a stream of its own, not the one waited for above
    item_charge = await settled(
        system, ONE, "campus.compensation", lambda v: v, campus="main", asset=w.assets[0], charge=w.charges[2]
    )
    assert item_charge == {
        "chargeId": w.charges[2],
        "itemId": w.items[0],
        "asset": None,
    }
    elsewhere = await system.gql(ONE, "manager-both", campus="aoyuan", asset=w.assets[0], charge=w.charges[0])
    assert elsewhere["data"] == {"campus": {"asset": None, "compensation": None}}
    refused = await system.gql(
        "query($a: ID!) { asset(assetId: $a) { assetId compensations { chargeId } } }", "parent-yao", a=w.assets[0]
    )
    assert refused["data"] == {"asset": None} and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# -- the charges of a class ---------------------------------------------------------------------------

CLASS = """query($cls: ID!, $after: String) { campus(campusId: "main") {
  compensations(classId: $cls, first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  nodes { chargeId against againstId } } } }"""


async def test_the_charges_of_a_class_are_those_against_it_and_against_its_pupils(
    system: System, written: Written
) -> None:
    w = written
    first = await settled(system, CLASS, "campus.compensations", lambda v: v["totalCount"] == 2, cls="g6-1")
    assert first["nodes"] == [{"chargeId": w.charges[0], "against": "PERSON", "againstId": "lin"}]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": w.charges[0]}
    after = (await system.gql(CLASS, cls="g6-1", after=w.charges[0]))["data"]["campus"]["compensations"]
    assert after["nodes"] == [{"chargeId": w.charges[1], "against": "CLASS", "againstId": "g6-1"}]
    assert after["pageInfo"]["hasNextPage"] is False
    g1 = await settled(system, CLASS, "campus.compensations", lambda v: v["totalCount"] == 1, cls="g1-1")
    assert ids(g1["nodes"], "chargeId") == [w.charges[2]]  # ma of g1-1, charged on the main campus
    root = 'query { compensations(classId: "g6-1") { nodes { chargeId } } }'
    for outsider in ("manager-aoyuan", "other-admin"):
        assert (await system.gql(root, outsider))["data"] == {"compensations": {"nodes": []}}


# -- requisition lists --------------------------------------------------------------------------------

REQUISITIONS = """query($dept: ID, $after: String) { campus(campusId: "main") {
  requisitions(departmentId: $dept, first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  nodes { requisitionId campusId schoolId departmentId recipientKind recipientId termId issuedBy issuedAt
          lines { itemId quantity exchange item { itemId name unit } } campus { campusId }
          history { type actedAt } } } } }"""


async def test_requisition_lists_are_read_per_department_with_their_items_and_page(
    system: System, written: Written
) -> None:
    w = written

    def listed(v: Any) -> bool:  # the lines' items are the catalogue's, streams of their own
        return bool(v["totalCount"] == 2 and all(li["item"] for n in v["nodes"] for li in n["lines"]))

    first = await settled(system, REQUISITIONS, "campus.requisitions", listed, dept=w.dept_a)
    acted_at = first["nodes"][0]["history"][0]["actedAt"]
    assert first["nodes"] == [
        {
            "requisitionId": w.requisitions[0], "campusId": "main", "schoolId": "xuexiao", "departmentId": w.dept_a,
            "recipientKind": "PERSON", "recipientId": "huang", "termId": "2020-2021-1", "issuedBy": "zhou",
            "issuedAt": "2020-09-02T00:00:00+00:00",
            "lines": [
                {"itemId": w.items[0], "quantity": 1, "exchange": False,
                 "item": {"itemId": w.items[0], "name": "粉笔", "unit": "盒"}},
                {"itemId": w.items[1], "quantity": 2, "exchange": False,
                 "item": {"itemId": w.items[1], "name": "红笔", "unit": "盒"}},
            ],
            "campus": {"campusId": "main"},
            "history": [{"type": "inventory.RequisitionFulfilled", "actedAt": acted_at}],
        }
    ]  # fmt: skip
    assert datetime.fromisoformat(acted_at) == datetime.fromisoformat(
        "2020-09-02T08:00:00+08:00"
    )  # the act's time, not the recording's
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": w.requisitions[0]}
    second = (await system.gql(REQUISITIONS, dept=w.dept_a, after=w.requisitions[0]))["data"]["campus"]
    assert ids(second["requisitions"]["nodes"], "requisitionId") == [w.requisitions[1]]
    assert second["requisitions"]["pageInfo"]["hasNextPage"] is False
    # the other department's requisition is a stream of its own
    b = await settled(system, REQUISITIONS, "campus.requisitions", lambda v: v["nodes"], dept=w.dept_b)
    assert ids(b["nodes"], "requisitionId") == [w.requisitions[2]]


async def test_a_page_of_requisitions_asks_for_the_items_of_all_its_lines_at_once(
    system: System, written: Written
) -> None:
    w = written
    query = """query { requisitions(campusId: "main", termId: "2020-2021-1", first: 10) { nodes {
      requisitionId lines { item { name } } } } }"""
    # the lines' items are the catalogue's, streams of their own
    await settled(
        system, query, "requisitions.nodes", lambda v: len(v) == 3 and all(li["item"] for n in v for li in n["lines"])
    )
    system.transport.calls.clear()
    nodes = (await system.gql(query))["data"]["requisitions"]["nodes"]
    assert system.transport.calls == {"inventory": 2}  # the page, and the six lines' items
    assert ids(nodes, "requisitionId") == w.requisitions
    assert all([li["item"]["name"] for li in n["lines"]] == ["粉笔", "红笔"] for n in nodes)


ONE_REQUISITION = """query($id: ID!) { requisition(requisitionId: $id) { requisitionId lines { quantity } }
  campus(campusId: "aoyuan") { requisition(requisitionId: $id) { requisitionId } } }"""


async def test_a_requisition_list_is_nothing_out_of_scope_and_refused_to_a_parent(
    system: System, written: Written
) -> None:
    w = written
    mine = await settled(system, ONE_REQUISITION, "requisition", lambda v: v, "manager-both", id=w.requisitions[2])
    assert mine == {"requisitionId": w.requisitions[2], "lines": [{"quantity": 3}, {"quantity": 2}]}
    on_aoyuan = await system.gql(ONE_REQUISITION, "manager-both", id=w.requisitions[2])
    assert on_aoyuan["data"]["campus"] == {"requisition": None}  # issued on main, not on Aoyuan
    listed = 'query { requisitions(campusId: "main") { nodes { requisitionId } } }'
    for outsider in ("manager-aoyuan", "other-admin"):
        assert (await system.gql(listed, outsider))["data"] == {"requisitions": {"nodes": []}}
        body = await system.gql("query($id: ID!) { requisition(requisitionId: $id) { requisitionId } }", outsider,
                                id=w.requisitions[2])  # fmt: skip
        assert body["data"] == {"requisition": None}
    refused = await system.gql(listed, "parent-yao")
    assert refused["data"] == {"requisitions": None}
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
