"""Who sees what through the gateway, every typed error, and the limits."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from services import registry
from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_end_to_end import REPORT, hazard

HAZARDS = "query { hazards(first: 100) { nodes { hazardId campusId } } }"


async def report(system: System, campus: str, as_: str) -> str:
    hid = f"h-{uuid4().hex[:8]}"
    result = (await system.gql(REPORT, as_=as_, input=hazard(hid, campus)))["data"]["reportHazard"]
    assert result["__typename"] == "Accepted", result
    return hid


async def test_an_aoyuan_manager_can_neither_read_nor_change_the_main_campus(system: System) -> None:
    main_hid = await report(system, "main", "manager-main")
    aoyuan_hid = await report(system, "aoyuan", "manager-aoyuan")

    await eventually(lambda: listed(system, main_hid, aoyuan_hid))
    seen = (await system.gql(HAZARDS, as_="manager-aoyuan"))["data"]["hazards"]["nodes"]
    assert {h["campusId"] for h in seen} == {"aoyuan"}
    assert (await system.gql('query { campus(campusId: "main") { name } }', as_="manager-aoyuan"))["data"] == {
        "campus": None
    }
    refused = await system.gql(REPORT, as_="manager-aoyuan", input=hazard(f"h-{uuid4().hex[:8]}", "main"))
    assert refused["data"]["reportHazard"]["__typename"] == "Forbidden"


async def test_a_parent_sees_nothing_of_logistics(system: System) -> None:
    body = await system.gql(HAZARDS, as_="parent-yao")
    assert body["data"] is None or body["data"]["hazards"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    status = await system.gql("query { inspectionStatus { nodes { campusId } } }", as_="parent-yao")
    assert status["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stock = await system.gql("query { inventoryCounts { nodes { itemId } } }", as_="parent-yao")
    assert stock["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_no_token_no_data(system: System) -> None:
    response = await system.client.post("/graphql", json={"query": HAZARDS})
    body = response.json()
    assert body["data"] == {"hazards": None} and "authentication required" in body["errors"][0]["message"]
    bad = await system.client.post("/graphql", json={"query": HAZARDS}, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401


MUTATIONS: dict[str, str] = {
    "escalate": """mutation($id: ID!, $input: EscalateHazardInput!) { escalateHazard(hazardId: $id, input: $input) {
        __typename ... on Accepted { version } ... on VersionConflict { message field } ... on NotFound { message }
        ... on Rejected { message } ... on Forbidden { message } ... on InvalidInput { errors { field reason } } } }""",
    "verify": """mutation($id: ID!, $input: VerifyHazardInput!) { verifyHazard(hazardId: $id, input: $input) {
        __typename ... on Rejected { message field } } }""",
}


async def test_every_typed_error_comes_back(system: System) -> None:
    hid = await report(system, "main", "manager-main")
    stale = await system.gql(MUTATIONS["escalate"], id=hid, input={"authority": "区教育局", "expectedVersion": 0})
    assert stale["data"]["escalateHazard"]["__typename"] == "VersionConflict"
    missing = await system.gql(MUTATIONS["escalate"], id="never-reported", input={"authority": "区教育局"})
    assert missing["data"]["escalateHazard"]["__typename"] == "NotFound"
    forbidden = await system.gql(MUTATIONS["escalate"], as_="guard-main", id=hid, input={"authority": "区教育局"})
    assert forbidden["data"]["escalateHazard"]["__typename"] == "Forbidden"
    rejected = await system.gql(MUTATIONS["verify"], id=hid, input={"passed": True})
    assert rejected["data"]["verifyHazard"]["__typename"] == "Rejected"

    invalid = (await system.gql(REPORT, input=hazard("Not An Id")))["data"]["reportHazard"]
    assert invalid["__typename"] == "InvalidInput"
    assert invalid["errors"][0]["field"] == "hazardId"
    unknown_campus = (await system.gql(REPORT, input=hazard(f"h-{uuid4().hex[:6]}", "nowhere")))["data"]["reportHazard"]
    assert unknown_campus == {
        "__typename": "InvalidInput",
        "errors": [{"field": "campusId", "reason": "campus nowhere does not exist"}],
    }

    key = f"k-{uuid4().hex[:8]}"
    hid2 = f"h-{uuid4().hex[:8]}"
    first = (await system.gql(REPORT, input=hazard(hid2), key=key))["data"]["reportHazard"]
    again = (await system.gql(REPORT, input=hazard(hid2), key=key))["data"]["reportHazard"]
    assert not first["duplicate"] and again["duplicate"] and again["version"] == first["version"]


async def test_a_service_down_leaves_the_rest_of_the_answer(system: System) -> None:
    query = """query { campuses { nodes { campusId } } inventoryCounts(first: 5) { nodes { itemId } } }"""
    system.transport.down.add("inventory")
    try:
        body = await system.gql(query, as_="admin")
    finally:
        system.transport.down.discard("inventory")
    assert [c["campusId"] for c in body["data"]["campuses"]["nodes"]] == ["aoyuan", "main"]
    assert body["data"]["inventoryCounts"] is None
    assert body["errors"][0]["extensions"] == {"code": "UNAVAILABLE", "service": "inventory"}
    system.transport.down.add("inventory")
    try:
        down = await system.gql(
            'mutation { receiveStock(input: {campusId: "main", itemId: "pen", quantity: 1, reason: "调拨"}) '
            "{ __typename ... on Unavailable { service message } } }"
        )
    finally:
        system.transport.down.discard("inventory")
    assert down["data"]["receiveStock"]["__typename"] == "Unavailable"
    assert down["data"]["receiveStock"]["service"] == "inventory"


async def test_dataloaders_batch_the_calls_to_services(system: System) -> None:
    for _ in range(6):
        await report(system, "main", "manager-both")
        await report(system, "aoyuan", "manager-both")
    query = (
        """query { hazards(first: 50) { nodes { hazardId campus { name inspectionStatus { hazards { open } } } } } }"""
    )

    async def many() -> dict[str, Any] | None:
        body = await system.gql(query, as_="manager-both")
        return body if len(body["data"]["hazards"]["nodes"]) >= 12 else None

    await eventually(many)
    system.transport.calls.clear()
    body = await system.gql(query, as_="manager-both")
    assert not body.get("errors")
    names = {n["campus"]["name"] for n in body["data"]["hazards"]["nodes"]}
    assert names == {"本部", "奥园校区"}
    # one call for the hazards, one for all their campuses, one for all the campuses' status
    assert system.transport.calls == {"safety": 2, "directory": 1}


async def test_a_page_fetches_its_items_campuses_only_when_the_query_asks_for_them(system: System) -> None:
    hid = await report(system, "main", "manager-both")
    await eventually(lambda: listed(system, hid))
    system.transport.calls.clear()
    await system.gql(HAZARDS, as_="manager-both")
    assert system.transport.calls == {"safety": 1}
    system.transport.calls.clear()
    aliased = "query { hazards(first: 100) { edges { node { hazardId where: campus { name } } } } }"
    body = await system.gql(aliased, as_="manager-both")
    assert {e["node"]["where"]["name"] for e in body["data"]["hazards"]["edges"]} >= {"本部"}
    assert system.transport.calls == {"safety": 1, "directory": 1}


async def test_with_the_directory_down_a_page_still_comes_back_without_its_campuses(system: System) -> None:
    hid = await report(system, "main", "manager-both")
    await eventually(lambda: listed(system, hid))
    system.transport.down.add("directory")
    try:
        body = await system.gql(
            "query { hazards(first: 100) { nodes { hazardId campus { name } } } }", as_="manager-both"
        )
    finally:
        system.transport.down.discard("directory")
    nodes = body["data"]["hazards"]["nodes"]
    assert hid in {n["hazardId"] for n in nodes} and all(n["campus"] is None for n in nodes)
    assert body["errors"] and all(
        e["extensions"] == {"code": "UNAVAILABLE", "service": "directory"} for e in body["errors"]
    )
    assert {tuple(e["path"][-1:]) for e in body["errors"]} == {("campus",)}


async def listed(system: System, *hazard_ids: str, as_: str = "manager-both") -> bool:
    """Whether every one of the hazards is on ``as_``'s list yet (it arrives through Kafka)."""
    nodes = (await system.gql(HAZARDS, as_=as_))["data"]["hazards"]["nodes"]
    return set(hazard_ids) <= {n["hazardId"] for n in nodes}


async def test_a_query_past_the_depth_limit_is_refused_clearly(system: System) -> None:
    nested = "name"
    for _ in range(4):
        nested = f"classes {{ nodes {{ campus {{ {nested} }} }} }}"
    deep = f"query {{ {nested} }}"
    body = await system.gql(deep)
    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_a_query_past_the_cost_limit_is_refused_clearly(system: System) -> None:
    costly = "query { campuses(first: 500) { nodes { classes(first: 500) { nodes { name } } } } }"
    body = await system.gql(costly)
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY" and error["extensions"]["cost"] == 250500
    assert "ask for smaller pages" in error["message"]


async def test_too_many_aliases_even_through_fragments_are_refused(system: System) -> None:
    fields = " ".join(f"a{i}: campuses {{ nodes {{ name }} }}" for i in range(10))
    query = (
        f"query {{ ...F ...G }} fragment F on Query {{ {fields} }} fragment G on Query {{ {fields.replace('a', 'b')} }}"
    )
    body = await system.gql(query)
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"]


ESCALATE = """
mutation Escalate($id: ID!, $input: EscalateHazardInput!) {
  escalateHazard(hazardId: $id, input: $input) {
    __typename
    ... on Accepted { events }
    ... on Rejected { message field code step stepTime }
  }
}
"""


async def test_an_act_dated_before_the_step_it_follows_names_the_field_and_that_steps_time(system: System) -> None:
    hid = await report(system, "main", "manager-main")  # reported 2020-10-12 08:30 at the school
    backwards = {"authority": "区教育局", "at": "2020-10-11T09:00:00+08:00"}
    result = (await system.gql(ESCALATE, as_="manager-main", id=hid, input=backwards))["data"]["escalateHazard"]
    assert result | {"message": ""} == {
        "__typename": "Rejected",
        "message": "",
        "field": "at",
        "code": "out_of_order",
        "step": "reported",
        "stepTime": "2020-10-12T08:30:00+08:00",
    }
    future = {"authority": "区教育局", "at": "2099-01-01T09:00:00+08:00"}
    ahead = (await system.gql(ESCALATE, as_="manager-main", id=hid, input=future))["data"]["escalateHazard"]
    assert (ahead["__typename"], ahead["field"], ahead["code"]) == ("Rejected", "at", "in_the_future")
    on_time = {"authority": "区教育局", "at": "2020-10-12T10:00:00+08:00"}
    accepted = (await system.gql(ESCALATE, as_="manager-main", id=hid, input=on_time))["data"]["escalateHazard"]
    assert accepted == {"__typename": "Accepted", "events": ["safety.HazardEscalated"]}


LAG = "query { lag { service up outboxPending } }"


async def test_the_services_lag_is_for_operators(system: System) -> None:
    as_platform = await system.gql(LAG, as_="platform")
    assert not as_platform.get("errors"), as_platform
    assert {s["service"]: s["up"] for s in as_platform["data"]["lag"]} == dict.fromkeys(registry.NAMES, True)
    as_manager = await system.gql(LAG, as_="manager-main")
    assert as_manager["data"] is None, as_manager
    assert as_manager["errors"][0]["message"] == "zhou needs one of the roles: operator, platform_admin"
