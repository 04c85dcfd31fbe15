"""The GraphQL contract: cost counted at the variables sent, enum filters, page info,
global ids and node(id:)."""

from __future__ import annotations

import base64
from typing import Any

from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_scope_and_errors import listed, report

NESTED = "query($n: Int) { campuses(first: $n) { nodes { name classes(first: 20) { nodes { name } } } } }"


async def test_a_page_size_variable_counts_at_the_value_sent_and_a_refused_query_fetches_nothing(
    system: System,
) -> None:
    before = sum(system.transport.calls.values())
    refused = await system.gql(NESTED, n=400)  # 400 + 400 x 20 = 8,400 > 5,000
    assert refused["data"] is None
    error = refused["errors"][0]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 8400, "limit": 5000}
    assert sum(system.transport.calls.values()) == before  # no service was asked

    allowed = await system.gql(NESTED, n=5)  # 5 + 5 x 20 = 105
    assert "errors" not in allowed, allowed
    assert allowed["data"]["campuses"]["nodes"]
    assert sum(system.transport.calls.values()) > before

    # a variable's default counts only when the request sends no value
    with_default = "query($n: Int = 5) { campuses(first: $n) { nodes { classes(first: 20) { nodes { name } } } } }"
    sent_large = await system.gql(with_default, n=300)
    assert sent_large["errors"][0]["extensions"]["cost"] == 300 + 300 * 20
    assert "errors" not in await system.gql(with_default)


async def test_an_unknown_filter_value_is_a_validation_error_naming_the_argument(system: System) -> None:
    before = sum(system.transport.calls.values())
    body = await system.gql('query { hazards(severity: "urgent") { nodes { hazardId } } }')
    assert body["data"] is None
    assert "severity" in body["errors"][0]["message"]
    body = await system.gql("query { staff(role: HEADMASTER) { nodes { staffId } } }")
    assert body["data"] is None
    assert "role" in body["errors"][0]["message"] and "HEADMASTER" in body["errors"][0]["message"]
    assert sum(system.transport.calls.values()) == before


async def test_hazards_filtered_by_enum_answer_enum_values(system: System) -> None:
    hid = await report(system, "main", "manager-main")
    await eventually(lambda: listed(system, hid))
    query = "query { hazards(severity: HIGH, status: REPORTED, first: 500) { nodes { hazardId severity status } } }"
    nodes = (await system.gql(query, as_="manager-both"))["data"]["hazards"]["nodes"]
    assert {"hazardId": hid, "severity": "HIGH", "status": "REPORTED"} in nodes
    assert {(n["severity"], n["status"]) for n in nodes} == {("HIGH", "REPORTED")}
    low = "query { hazards(severity: LOW, first: 500) { nodes { hazardId } } }"
    assert hid not in {n["hazardId"] for n in (await system.gql(low, as_="manager-both"))["data"]["hazards"]["nodes"]}


PAGE = """query($after: String) { classes(first: 1, after: $after) {
  totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor } edges { cursor } } }"""


async def test_page_info_says_where_a_page_stands(system: System) -> None:
    first = (await system.gql(PAGE, as_="admin"))["data"]["classes"]
    info = first["pageInfo"]
    assert info["hasNextPage"] and not info["hasPreviousPage"]
    assert info["startCursor"] == first["edges"][0]["cursor"]
    second = (await system.gql(PAGE, as_="admin", after=info["endCursor"]))["data"]["classes"]
    assert second["pageInfo"]["hasPreviousPage"]
    assert second["pageInfo"]["startCursor"] == second["edges"][0]["cursor"] != info["startCursor"]
    whole = (await system.gql("query { classes(first: 500) { totalCount edges { cursor } } }", as_="admin"))["data"][
        "classes"
    ]
    assert whole["totalCount"] == len(whole["edges"]) > 1
    assert first["totalCount"] == second["totalCount"] == whole["totalCount"]  # counted by the directory


def counted_calls(system: System, since: int) -> list[tuple[str, bool]]:
    """The service calls made since ``since`` (an index into the transport's URLs): path, and
    whether it asked for a count."""
    return [(url.path, url.params.get("count") == "true") for url in system.transport.urls[since:]]


async def test_total_count_is_the_whole_list_s_on_every_page_and_within_the_caller_s_scope(system: System) -> None:
    whole = await system.gql("query { classes(first: 500) { edges { cursor node { campusId } } } }", as_="admin")
    edges = whole["data"]["classes"]["edges"]
    totals, after = [], None
    while True:
        page = (await system.gql(PAGE, as_="admin", after=after))["data"]["classes"]
        totals.append(page["totalCount"])
        after = page["pageInfo"]["endCursor"]
        if after is None:
            break
    assert totals == [len(edges)] * len(edges) and len(edges) > 1
    aoyuan = sum(1 for e in edges if e["node"]["campusId"] == "aoyuan")
    as_manager = await system.gql("query { classes(first: 1) { totalCount } }", as_="manager-aoyuan")
    assert as_manager == {"data": {"classes": {"totalCount": aoyuan}}} and 0 < aoyuan < len(edges)
    # a nested connection counts its own list: each campus's classes
    nested = await system.gql(
        "query { campuses(first: 10) { totalCount nodes { campusId classes(first: 1) { totalCount } } } }",
        as_="admin",
    )
    campuses = nested["data"]["campuses"]
    assert campuses["totalCount"] == len(campuses["nodes"]) == 2
    by_campus = {c["campusId"]: c["classes"]["totalCount"] for c in campuses["nodes"]}
    assert by_campus == {"aoyuan": aoyuan, "main": len(edges) - aoyuan}
    status = await system.gql("query { inspectionStatus(first: 1) { totalCount nodes { campusId } } }", as_="admin")
    assert status["data"]["inspectionStatus"]["totalCount"] == 2


async def test_a_list_is_counted_only_when_its_query_selects_total_count(system: System) -> None:
    since = len(system.transport.urls)
    plain = await system.gql("query { campuses(first: 10) { nodes { classes(first: 5) { nodes { name } } } } }")
    assert "errors" not in plain, plain
    calls = counted_calls(system, since)
    assert {path for path, _ in calls} >= {"/campuses", "/classes"}
    assert not any(counted for _, counted in calls)  # no totalCount: no service counts

    since = len(system.transport.urls)  # only the connection that selects it, not the one it nests
    inner = await system.gql("query { campuses(first: 10) { nodes { classes(first: 5) { totalCount } } } }")
    assert "errors" not in inner, inner
    assert {(path, counted) for path, counted in counted_calls(system, since)} == {
        ("/campuses", False),
        ("/classes", True),
    }
    since = len(system.transport.urls)  # a fragment's totalCount is the connection's own
    fragment = await system.gql(
        "query { campuses(first: 10) { ...Counted nodes { classes(first: 5) { nodes { name } } } } } "
        "fragment Counted on CampusConnection { totalCount }"
    )
    assert fragment["data"]["campuses"]["totalCount"] >= 1
    assert {(path, counted) for path, counted in counted_calls(system, since)} == {
        ("/campuses", True),
        ("/classes", False),
    }


NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Hazard { hazardId severity } ... on Campus { campusId name } } }"""


def gid(type_name: str, entity_id: str) -> str:
    return base64.b64encode(f"{type_name}:{entity_id}".encode()).decode()


async def test_node_answers_the_entity_of_a_global_id_within_the_callers_scope(system: System) -> None:
    hid = await report(system, "main", "manager-main")
    await eventually(lambda: listed(system, hid))
    listed_id = (await system.gql("query { hazards(first: 500) { nodes { id hazardId } } }"))["data"]["hazards"]
    assert {"id": gid("Hazard", hid), "hazardId": hid} in listed_id["nodes"]

    hazard: dict[str, Any] = (await system.gql(NODE, id=gid("Hazard", hid)))["data"]["node"]
    assert hazard == {"__typename": "Hazard", "id": gid("Hazard", hid), "hazardId": hid, "severity": "HIGH"}
    campus = (await system.gql(NODE, id=gid("Campus", "main")))["data"]["node"]
    assert campus == {"__typename": "Campus", "id": gid("Campus", "main"), "campusId": "main", "name": "本部"}

    # another campus's manager, another district's admin: the same as an entity that does not exist
    assert (await system.gql(NODE, as_="manager-aoyuan", id=gid("Hazard", hid))) == {"data": {"node": None}}
    assert (await system.gql(NODE, as_="other-admin", id=gid("Campus", "main"))) == {"data": {"node": None}}
    assert (await system.gql(NODE, id=gid("Hazard", "h-nowhere"))) == {"data": {"node": None}}


async def test_a_forged_global_id_is_a_graphql_error_and_nothing_is_fetched(system: System) -> None:
    before = sum(system.transport.calls.values())
    for forged in ("not base64!", gid("Payroll", "p-1"), gid("Hazard", ""), base64.b64encode(b"\xff\xfe").decode()):
        body = await system.gql(NODE, id=forged)
        assert body["data"] == {"node": None}, body
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert body["errors"][0]["path"] == ["node"]
    assert sum(system.transport.calls.values()) == before


def test_every_node_type_is_one_node_can_fetch() -> None:
    from graphql import GraphQLObjectType

    from gateway.common.nodes import NODE_TYPES
    from gateway.schema import build_schema

    schema = build_schema()._schema
    implementing = {
        name
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    }
    assert implementing == set(NODE_TYPES)
    assert {"Hazard", "Purchase", "CatalogueItem", "Asset", "CompensationCharge", "StockTake", "Campus"} <= implementing
