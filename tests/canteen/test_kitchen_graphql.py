"""The kitchen on the campus in GraphQL: the gateway in front of the test world's directory and
canteen (food samples, a day's morning checks, temperature units with their open actions)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest_asyncio

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from tests.conftest import eventually
from tests.school import SchoolWorld

QUERY = """query($campus: ID!, $day: Date) { campus(campusId: $campus) { ... on Campus {
  foodSamples(servedOn: $day, first: 20) { totalCount nodes { sampleId dish meal grams releaseAfter held releasable } }
  morningChecks(date: $day) { workers checked stoodDown notChecked
    checks(first: 20) { nodes { staffId shift passed fever symptomsShown } } }
  temperatureUnits(first: 20) { nodes { unitId kind openActions
    readingLog(actionOpen: true, first: 5) { nodes { readingId c10 } } } }
} } }"""


class Routing(httpx.AsyncBaseTransport):
    def __init__(self, world: SchoolWorld) -> None:
        self.apps = {
            "directory": httpx.ASGITransport(app=world.directory.app),
            "canteen": httpx.ASGITransport(app=world.service.app),
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.apps[request.url.host].handle_async_request(request)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def graphql(world: SchoolWorld) -> AsyncIterator[httpx.AsyncClient]:
    base = world.service.settings
    settings = GatewaySettings(
        namespace=base.namespace,
        kafka_bootstrap=base.kafka_bootstrap,
        jwt_secret=base.jwt_secret,
        directory_url="http://directory",
        canteen_url="http://canteen",
        log_json=False,
        log_level="WARNING",
    )
    gateway = create_gateway(settings, transport=Routing(world))
    lifespan = gateway.router.lifespan_context(gateway)
    await lifespan.__aenter__()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as client:
            yield client
    finally:
        await lifespan.__aexit__(None, None, None)


async def ask(world: SchoolWorld, client: httpx.AsyncClient, as_: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": QUERY, "variables": variables}, headers=world.tokens[as_])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_campus_shows_its_samples_checks_and_open_corrective_actions(
    world: SchoolWorld, graphql: httpx.AsyncClient
) -> None:
    unit_id = f"main-freezer-{uuid4().hex[:6]}"
    unit = {"unit_id": unit_id, "campus_id": "main", "name": "冷冻柜", "kind": "freezer", "min_c10": -250}
    assert (await world.post("/temperature-units", unit | {"max_c10": -180})).status_code == 200
    warm = await world.post(f"/temperature-units/{unit_id}/readings", {"reading_id": "r1", "c10": -90}, as_="cook-main")
    assert warm.status_code == 200, warm.text
    sample = {
        "sample_id": f"main-2020-10-19-lunch-{uuid4().hex[:6]}",
        "campus_id": "main",
        "served_on": "2020-10-19",
        "meal": "lunch",
        "dish": "红烧鸡块",
        "grams": 130,
        "at": "2020-10-19T11:15:00+08:00",
    }
    assert (await world.post("/food-samples", sample, as_="cook-main")).status_code == 200
    certificate = {
        "staff_id": "jiang-cook",
        "campus_id": "main",
        "number": f"健康证 {uuid4().hex[:6]}",
        "issued_on": "2020-04-12",
        "expires_on": "2021-04-11",
    }
    assert (await world.post("/health-certificates", certificate)).status_code == 200
    symptoms = {"fever": False, "gastro": False, "hand_wound": True, "respiratory": False, "dress_ok": True}
    body = {"staff_id": "jiang-cook", "campus_id": "main", "on": "2020-10-19", "shift": "breakfast"} | symptoms
    assert (await world.post("/morning-checks", body, as_="canteen-main")).status_code == 200

    async def shown() -> Any:
        data = (await ask(world, graphql, "manager-main", campus="main", day="2020-10-19"))["data"]["campus"]
        units = [u for u in data["temperatureUnits"]["nodes"] if u["unitId"] == unit_id]
        ready = data["foodSamples"]["nodes"] and data["morningChecks"]["checks"]["nodes"] and units
        return data if ready and units[0]["openActions"] == 1 else None

    campus = await eventually(shown)
    (found,) = [s for s in campus["foodSamples"]["nodes"] if s["sampleId"] == sample["sample_id"]]
    assert found["meal"] == "LUNCH" and found["grams"] == 130 and found["held"] is False
    assert found["releaseAfter"].startswith("2020-10-21")
    day = campus["morningChecks"]
    assert day["workers"] == 2 and day["checked"] == 1 and day["stoodDown"] == ["jiang-cook"]
    assert day["checks"]["nodes"][0]["fever"] is False and day["checks"]["nodes"][0]["symptomsShown"] is True
    (freezer,) = [u for u in campus["temperatureUnits"]["nodes"] if u["unitId"] == unit_id]
    assert freezer["kind"] == "FREEZER" and freezer["readingLog"]["nodes"] == [{"readingId": "r1", "c10": -90}]

    cook = (await ask(world, graphql, "cook-main", campus="main", day="2020-10-19"))["data"]["campus"]
    check = cook["morningChecks"]["checks"]["nodes"][0]
    assert check["passed"] is False and check["fever"] is None and check["symptomsShown"] is False

    parent = await ask(world, graphql, "parent-yao", campus="main", day="2020-10-19")
    assert parent.get("errors"), parent
    assert all(e["extensions"]["code"] == "FORBIDDEN" for e in parent["errors"] if "canteen" in e["message"])
