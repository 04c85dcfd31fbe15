"""A self-inspection's hazard, through real Kafka, to one hazard in safety: the directory, the
canteen and the safety service run on one topic namespace, as in production.

The canteen publishes ``canteen.HazardFound``; safety reports it as a hazard of the campus (its
id made from the event's, dated when it was found, its description saying where it came from),
with safety's rules from then on (its SLA counted from the finding). The same canteen record
delivered again, and the reaction run again on the same event, keep one hazard.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from services.canteen.events import Cadence
from services.canteen.self_inspection import STANDARD_CHECKLISTS
from services.canteen.service import CANTEEN
from services.directory.service import DIRECTORY
from services.eventkit.consumer import ConsumerRunner
from services.eventkit.envelope import Envelope
from services.safety.events import hazard_id_of_raising
from services.safety.reactions import HazardsFromServices
from services.safety.service import SAFETY
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.gateway.conftest import RoutingTransport
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import CANTEEN_SCHOOL, Headers, register_district, seed, tokens_for


async def hazards_reported(safety: RunningService) -> list[str]:
    rows = await safety.pool.fetch("SELECT stream_id FROM events WHERE type = 'safety.HazardReported'")
    return sorted(row["stream_id"] for row in rows)


QUERY = """
query ($from: Date) {
  campus(campusId: "main") {
    canteenSelfInspections(cadence: DAILY, from: $from) {
      totalCount
      nodes { inspectionId cadence failedItems { item severity hazardId } hazardIds }
    }
  }
}
"""


async def graphql_inspections(*services: RunningService, headers: Headers) -> list[dict[str, Any]]:
    """The campus's daily controls from 2020-10-15 on, as the gateway answers them."""
    apps = {s.settings.service: s.app for s in services}
    base = services[0].settings
    urls: dict[str, Any] = {f"{name}_url": f"http://{name}" for name in apps}
    settings = GatewaySettings(
        namespace=base.namespace,
        kafka_bootstrap=base.kafka_bootstrap,
        jwt_secret=base.jwt_secret,
        log_json=False,
        log_level="WARNING",
        **urls,
    )
    gateway = create_gateway(settings, transport=RoutingTransport(apps))
    async with (
        gateway.router.lifespan_context(gateway),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as client,
    ):
        response = await client.post(
            "/graphql", json={"query": QUERY, "variables": {"from": "2020-10-15"}}, headers=headers
        )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    connection = response.json()["data"]["campus"]["canteenSelfInspections"]
    assert connection["totalCount"] == len(connection["nodes"])
    nodes: list[dict[str, Any]] = connection["nodes"]
    return nodes


async def test_a_hazard_of_the_daily_control_is_one_hazard_in_safety(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    ns = f"selfcheck{uuid4().hex[:6]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    canteen_settings = await make_settings("canteen", namespace_suffix=ns)
    canteen = await start_service(CANTEEN, canteen_settings)
    safety = await start_service(SAFETY, await make_settings("safety", namespace_suffix=ns))
    tokens = tokens_for(canteen.settings, CANTEEN_SCHOOL)
    await register_district(directory, tokens["platform"])
    await seed(directory, tokens["admin"], CANTEEN_SCHOOL)

    async def mirrored() -> bool:
        return bool(await canteen.pool.fetchval("SELECT count(*) FROM directory_campuses WHERE campus_id = 'main'"))

    await eventually(mirrored, timeout=60)

    # the cook's daily control finds the fly screen of the prep room broken: a hazard
    results = [{"item": c.item, "area": "后厨", "ok": True} for c in STANDARD_CHECKLISTS[Cadence.DAILY]]
    results[4] = {"item": "防蝇防鼠设施", "area": "粗加工间", "ok": False, "note": "北侧纱窗破损"}
    results[4] |= {"hazard": True, "severity": "high"}
    body = {"campus_id": "main", "cadence": "daily", "at": "2020-10-15T16:30:00+08:00", "results": results}
    response = await canteen.client.post("/self-inspections", json=body, headers=tokens["cook-main"])
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["canteen.SelfInspectionRecorded", "canteen.HazardFound"]

    async def reported() -> list[str]:
        return await hazards_reported(safety)

    (stream,) = await eventually(reported, timeout=60)
    found = await canteen.pool.fetchval("SELECT event_id FROM events WHERE type = 'canteen.HazardFound'")
    hazard_id = hazard_id_of_raising(found)
    assert stream == f"hazard-{hazard_id}"

    # the hazard is in safety's store: its read waits until the read models have it too
    seen = {"Houqin-Read-After": f"safety:{stream}@1", "Houqin-Read-Wait-Ms": "10000"}
    read = await safety.client.get(f"/hazards/{hazard_id}", headers=tokens["manager-main"] | seen)
    assert read.status_code == 200, read.text
    assert read.headers["Houqin-Read-Reached"] == "true"
    hazard = read.json()
    assert hazard["campus_id"] == "main" and hazard["area"] == "粗加工间" and hazard["severity"] == "high"
    assert hazard["status"] == "reported" and hazard["school_id"] == "xuexiao"
    assert "食堂自查 main-daily-2020-10-15" in hazard["description"] and "北侧纱窗破损" in hazard["description"]
    assert datetime.fromisoformat(hazard["reported_at"]) == datetime(2020, 10, 15, 8, 30, tzinfo=UTC)

    # the canteen's read names the hazard safety keeps
    async def named() -> list[str]:
        page = await canteen.client.get("/self-inspections/main-daily-2020-10-15", headers=tokens["manager-main"])
        ids: list[str] = page.json()["hazard_ids"] if page.status_code == 200 else []
        return ids

    assert await eventually(named, timeout=30) == [hazard_id]
    assert await graphql_inspections(directory, canteen, safety, headers=tokens["manager-main"]) == [
        {
            "inspectionId": "main-daily-2020-10-15",
            "cadence": "DAILY",
            "failedItems": [{"item": "防蝇防鼠设施", "severity": "HIGH", "hazardId": hazard_id}],
            "hazardIds": [hazard_id],
        }
    ]

    # the same canteen record delivered again: skipped; the reaction run again on it: nothing new
    runner: ConsumerRunner = next(
        r for r in safety.runtime.runners if any(isinstance(h, HazardsFromServices) for h in r.handlers)
    )
    count = await canteen.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(canteen_settings.kafka_bootstrap, canteen_settings.events_topic, until=count)
    again = [(None, value) for _, _, value, headers in records if dict(headers)["type"] == b"canteen.HazardFound"]
    assert len(again) == 1
    raised = Envelope.from_wire(again[0][1])
    assert raised.event_id == found
    skipped = runner.skipped
    await produce_raw(canteen_settings.kafka_bootstrap, canteen_settings.events_topic, *again)

    async def skipped_it() -> bool:
        return runner.skipped > skipped

    await eventually(skipped_it, timeout=60)
    async with safety.pool.acquire() as conn, conn.transaction():
        await HazardsFromServices().handle(conn, raised)
    assert await hazards_reported(safety) == [stream]
    assert runner.dead_lettered == 0
