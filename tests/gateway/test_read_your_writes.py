"""Read your writes: a mutation's readAfter sent back as Houqin-Read-After makes a query wait
until the read models have the mutation's events, and says whether they did."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.gateway.conftest import System

REPORT = """
mutation Report($input: ReportHazardInput!) {
  reportHazard(input: $input) {
    __typename
    ... on Accepted { streamId version readAfter }
  }
}
"""

HAZARD = """
query Hazard($id: ID!) { hazard(hazardId: $id) { hazardId status area } }
"""


async def post(system: System, query: str, headers: dict[str, str], **variables: Any) -> dict[str, Any]:
    response = await system.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers=system.tokens["manager-main"] | headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def report(system: System, hazard_id: str) -> dict[str, Any]:
    hazard = {
        "hazardId": hazard_id,
        "campusId": "main",
        "area": "教学楼 三楼 走廊",
        "description": "消防栓玻璃破损",
        "severity": "MEDIUM",
        "at": "2020-10-12T08:30:00+08:00",
    }
    body = await post(system, REPORT, {}, input=hazard)
    answer: dict[str, Any] = body["data"]["reportHazard"]
    assert answer["__typename"] == "Accepted", body
    return answer


async def test_a_query_sent_with_the_mutations_read_after_sees_the_write_at_once(system: System) -> None:
    for n in range(5):  # one after another, each read at once: no polling by the client
        hazard_id = f"ryw-{uuid4().hex[:8]}-{n}"
        answer = await report(system, hazard_id)
        assert answer["readAfter"] == f"safety:{answer['streamId']}@{answer['version']}"
        body = await post(system, HAZARD, {"Houqin-Read-After": answer["readAfter"]}, id=hazard_id)
        assert body["data"]["hazard"] == {"hazardId": hazard_id, "status": "REPORTED", "area": "教学楼 三楼 走廊"}
        assert body["extensions"]["readAfter"]["reached"] is True
        assert body["extensions"]["readAfter"]["behind"] == []


async def test_a_version_not_reached_in_time_is_answered_with_a_not_yet_flag(system: System) -> None:
    hazard_id = f"ryw-{uuid4().hex[:8]}"
    answer = await report(system, hazard_id)
    ahead = f"safety:{answer['streamId']}@{answer['version'] + 5}"  # a version the stream never had
    headers = {"Houqin-Read-After": f"{answer['readAfter']},{ahead}", "Houqin-Read-Wait-Ms": "300"}
    body = await post(system, HAZARD, headers, id=hazard_id)
    outcome = body["extensions"]["readAfter"]
    assert outcome["reached"] is False
    assert outcome["behind"] == [ahead]  # the one that was reached is not listed
    assert outcome["waitedMs"] >= 300
    assert body["data"]["hazard"]["hazardId"] == hazard_id  # still answered, with what the read models hold


async def test_a_header_that_is_not_tokens_is_refused_naming_it(system: System) -> None:
    for header, wait in (
        ("hazard-x@3", "100"),  # no service
        ("safety:hazard-x@three", "100"),
        ("nowhere:hazard-x@3", "100"),  # not a service
        ("safety:hazard-x@3", "99999"),  # waits longer than allowed
    ):
        body = await post(system, HAZARD, {"Houqin-Read-After": header, "Houqin-Read-Wait-Ms": wait}, id="ryw-nothing")
        assert body["data"] is None, body
        [error] = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] in ("Houqin-Read-After", "Houqin-Read-Wait-Ms")
        assert error["extensions"]["field"] == ("Houqin-Read-Wait-Ms" if wait == "99999" else "Houqin-Read-After")


async def test_without_the_header_nothing_waits_and_nothing_is_reported(system: System) -> None:
    body = await post(system, HAZARD, {}, id="ryw-nothing")
    assert body["data"]["hazard"] is None
    assert "readAfter" not in (body.get("extensions") or {})


async def test_the_services_rest_reads_and_their_seen_endpoint_honour_it(system: System) -> None:
    hazard_id = f"ryw-{uuid4().hex[:8]}"
    answer = await report(system, hazard_id)
    client = system.services["safety"].client
    if True:
        headers = system.tokens["manager-main"] | {"Houqin-Read-After": answer["readAfter"]}
        response = await client.get(f"/hazards/{hazard_id}", headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["Houqin-Read-Reached"] == "true"
        ahead = {"Houqin-Read-After": f"safety:{answer['streamId']}@99", "Houqin-Read-Wait-Ms": "50"}
        response = await client.get(f"/hazards/{hazard_id}", headers=system.tokens["manager-main"] | ahead)
        assert response.headers["Houqin-Read-Reached"] == "false"
        other = {"Houqin-Read-After": f"inventory:{answer['streamId']}@99"}  # not this service's to wait for
        response = await client.get(f"/hazards/{hazard_id}", headers=system.tokens["manager-main"] | other)
        assert response.headers["Houqin-Read-Reached"] == "true"
        response = await client.get(
            f"/hazards/{hazard_id}", headers=system.tokens["manager-main"] | {"Houqin-Read-After": "nonsense"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == "Houqin-Read-After"

        params = {"stream_id": answer["streamId"], "version": answer["version"], "wait_ms": 2000}
        seen = await client.get("/read-models/seen", params=params, headers=system.tokens["manager-main"])
        assert seen.json()["reached"] is True and seen.json()["behind"] == []
        params["version"] = answer["version"] + 1
        params["wait_ms"] = 0
        seen = await client.get("/read-models/seen", params=params, headers=system.tokens["manager-main"])
        assert seen.json()["reached"] is False and seen.json()["behind"]
        assert (await client.get("/read-models/seen", params=params)).status_code == 401
