"""The whole system in one process: directory, safety and inventory on real PostgreSQL and
Kafka, and the gateway in front of them. Service calls go through a transport that routes
by host to each service's app (and counts them, per service)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest_asyncio
from fastapi import FastAPI

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from services.directory.service import DIRECTORY
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.school import PEOPLE, SCHOOL, Headers, register_district, seed, tokens_for


class RoutingTransport(httpx.AsyncBaseTransport):
    """http://<service>/... goes to that service's in-process app; calls are counted."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {name: httpx.ASGITransport(app=app) for name, app in apps.items()}
        self.calls: Counter[str] = Counter()
        self.down: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host
        self.calls[service] += 1
        if service in self.down:
            raise httpx.ConnectError(f"{service} is down", request=request)
        return await self.transports[service].handle_async_request(request)


@dataclass
class System:
    directory: RunningService
    safety: RunningService
    inventory: RunningService
    gateway: FastAPI
    client: httpx.AsyncClient
    transport: RoutingTransport
    settings: GatewaySettings
    tokens: dict[str, Headers]

    async def gql(self, query: str, as_: str = "manager-main", **variables: Any) -> dict[str, Any]:
        headers = self.tokens[as_] if as_ else {}
        response = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(make_settings: SettingsFactory, start_service: Any) -> Any:
    ns = f"gw{uuid4().hex[:8]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    safety = await start_service(SAFETY, await make_settings("safety", namespace_suffix=ns))
    inventory = await start_service(INVENTORY, await make_settings("inventory", namespace_suffix=ns))
    transport = RoutingTransport({"directory": directory.app, "safety": safety.app, "inventory": inventory.app})
    base = safety.settings
    settings = GatewaySettings(
        namespace=base.namespace,
        kafka_bootstrap=base.kafka_bootstrap,
        jwt_secret=base.jwt_secret,
        directory_url="http://directory",
        safety_url="http://safety",
        inventory_url="http://inventory",
        log_json=False,
        log_level="WARNING",
        campus_cache_ttl_s=0,  # every query asks the directory (tests count the calls); test_campus_memo turns it on
    )
    gateway = create_gateway(settings, transport=transport)
    lifespan = gateway.router.lifespan_context(gateway)
    await lifespan.__aenter__()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway")
    tokens = tokens_for(base)
    await register_district(directory, tokens["platform"])
    await seed(directory, tokens["admin"])

    async def mirrored() -> bool:
        for svc in (safety, inventory):
            if await svc.pool.fetchval("SELECT count(*) FROM directory_staff") != len(PEOPLE):
                return False
            if await svc.pool.fetchval("SELECT count(*) FROM directory_parent_students") != len(SCHOOL.parents):
                return False
        return True

    await eventually(mirrored, timeout=60)
    yield System(directory, safety, inventory, gateway, client, transport, settings, tokens)
    await client.aclose()
    await lifespan.__aexit__(None, None, None)
