"""A campus's weekly menu, serving audits and canteen violations through the gateway, in front of
the directory and the canteen (``Campus.menu``, ``Campus.servingAudits``, ``Campus.canteenViolations``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from services import registry
from tests.conftest import eventually
from tests.school import SchoolWorld

QUERY = """
query($campus: ID!, $week: Date!) {
  campus(campusId: $campus) {
    menu(weekOf: $week) { menuId weekOf published meals { servedOn meal dishes } }
    servingAudits(beyond: true) { nodes { auditId serversBeyond results { serverId spreadPermille withinTolerance } } }
    canteenViolations { nodes { violationId staffId ruleCode evidenceRefs } }
  }
}
"""


@pytest_asyncio.fixture(loop_scope="session")
async def gateway(world: SchoolWorld) -> AsyncIterator[httpx.AsyncClient]:
    apps = {"directory": world.directory.app, "canteen": world.service.app}
    transports = {name: httpx.ASGITransport(app=app) for name, app in apps.items()}

    class Routing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await transports[request.url.host].handle_async_request(request)

    base = world.service.settings
    urls: dict[str, Any] = {f"{s.name}_url": f"http://{s.name}" for s in registry.SERVICES}
    settings = GatewaySettings(
        namespace=base.namespace,
        kafka_bootstrap=base.kafka_bootstrap,
        jwt_secret=base.jwt_secret,
        **urls,
        log_json=False,
        log_level="WARNING",
        campus_cache_ttl_s=0,
    )
    app = create_gateway(settings, transport=Routing())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")
    async with app.router.lifespan_context(app), client:
        yield client


async def gql(client: httpx.AsyncClient, world: SchoolWorld, as_: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": QUERY, "variables": variables}, headers=world.tokens[as_])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    campus: dict[str, Any] = body["data"]["campus"]
    return campus


async def test_a_campus_shows_its_menu_audits_and_violations(world: SchoolWorld, gateway: httpx.AsyncClient) -> None:
    menu = {
        "campus_id": "main",
        "week_of": "2020-09-14",
        "meals": [{"served_on": "2020-09-15", "meal": "lunch", "dishes": ["番茄炒蛋"]}],
        "at": "2020-09-10T09:00:00+08:00",
    }
    assert (await world.post("/menus", menu)).status_code == 200
    audit = {
        "audit_id": "gql-audit-1",
        "campus_id": "main",
        "meal": "lunch",
        "dish": "红烧鸡块",
        "target_grams": 100,
        "rule_code": "Q-1",
        "portions": [{"server_id": "han-canteen", "grams": [80, 120, 101]}],
        "at": "2020-09-15T11:40:00+08:00",
    }
    assert (await world.post("/serving-audits", audit)).status_code == 200
    violation = {
        "violation_id": "gql-violation-1",
        "campus_id": "main",
        "staff_id": "jiang-cook",
        "rule_code": "Q-2",
        "description": "操作时未佩戴口罩",
        "place": "本部 食堂 切配间",
        "evidence_refs": ["cctv/1"],
        "at": "2020-09-15T10:12:00+08:00",
    }
    assert (await world.post("/canteen-violations", violation)).status_code == 200

    async def shown() -> dict[str, Any] | None:
        campus = await gql(gateway, world, "vp-main", campus="main", week="2020-09-16")
        audits = [a for a in campus["servingAudits"]["nodes"] if a["auditId"] == "gql-audit-1"]
        seen = [v for v in campus["canteenViolations"]["nodes"] if v["violationId"] == "gql-violation-1"]
        return campus if campus["menu"] and audits and seen else None

    campus = await eventually(shown, timeout=30)
    assert campus is not None
    assert campus["menu"]["menuId"] == "main-2020-09-14" and campus["menu"]["meals"][0]["meal"] == "LUNCH"
    (audited,) = [a for a in campus["servingAudits"]["nodes"] if a["auditId"] == "gql-audit-1"]
    assert audited["serversBeyond"] == ["han-canteen"] and audited["results"][0]["spreadPermille"] == 400
    (seen,) = [v for v in campus["canteenViolations"]["nodes"] if v["violationId"] == "gql-violation-1"]
    assert seen["evidenceRefs"] == ["cctv/1"]
    # the medical room reads the violation, not its evidence
    medical = await gql(gateway, world, "medical", campus="main", week="2020-09-16")
    (hidden,) = [v for v in medical["canteenViolations"]["nodes"] if v["violationId"] == "gql-violation-1"]
    assert hidden["evidenceRefs"] is None
