"""Through the front door: a mutation, Kafka, the projections, the queries and the live stream."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

from gateway.clients import Caller
from gateway.context import GatewayContext
from gateway.schema import build_schema
from services.eventkit.auth import TokenVerifier
from tests.conftest import eventually
from tests.gateway.conftest import System

REPORT = """
mutation Report($input: ReportHazardInput!, $key: String) {
  reportHazard(input: $input, idempotencyKey: $key) {
    __typename
    ... on Accepted { streamId version events duplicate }
    ... on InvalidInput { errors { field reason } }
    ... on Forbidden { message }
    ... on Rejected { message field }
    ... on VersionConflict { message }
  }
}
"""

STATUS = """
query Status($campus: ID!) {
  campus(campusId: $campus) {
    name
    inspectionStatus { hazards { open openBySeverity escalatedTotal closed } }
  }
}
"""


def hazard(hid: str, campus: str = "main") -> dict[str, Any]:
    return {
        "hazardId": hid,
        "campusId": campus,
        "area": "操场",
        "description": "窨井盖下沉",
        "severity": "HIGH",
        "at": "2020-10-12T08:30:00+08:00",
    }


async def test_a_reported_hazard_goes_through_kafka_to_the_status_and_the_live_stream(system: System) -> None:
    schema = system.gateway.state.gateway["hub"]
    await asyncio.wait_for(schema.ready.wait(), 30)
    received: list[dict[str, Any]] = []

    context = GatewayContext(
        settings=system.settings,
        caller=Caller(system.gateway.state.gateway["clients"], None, "test"),
        principal=None,
        correlation_id="test",
        verifier=TokenVerifier(system.settings),
        hub=schema,
    )
    context.connection_params = {"Authorization": system.tokens["manager-main"]["Authorization"]}
    subscription = await build_schema(system.settings).subscribe(
        'subscription { events(services: ["safety"], campusId: "main") { type streamId campusId data } }',
        context_value=context,
    )

    async def listen() -> None:
        async for result in subscription:  # type: ignore[union-attr]
            assert not result.errors, result.errors
            received.append(result.data["events"])  # type: ignore[index]

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.2)
    before = (await system.gql(STATUS, campus="main"))["data"]["campus"]["inspectionStatus"]["hazards"]

    hid = f"manhole-{uuid4().hex[:6]}"
    result = (await system.gql(REPORT, input=hazard(hid)))["data"]["reportHazard"]
    assert result["__typename"] == "Accepted" and result["events"] == ["safety.HazardReported"]

    async def shown() -> bool:
        now = (await system.gql(STATUS, campus="main"))["data"]["campus"]["inspectionStatus"]["hazards"]
        return bool(now["openBySeverity"]["high"] == before["openBySeverity"]["high"] + 1)

    await eventually(shown)
    await eventually(lambda: asyncio.sleep(0, any(e["streamId"] == f"hazard-{hid}" for e in received)))
    listener.cancel()
    event = next(e for e in received if e["streamId"] == f"hazard-{hid}")
    assert event["type"] == "safety.HazardReported" and event["campusId"] == "main"
    assert event["data"]["area"] == "操场"
