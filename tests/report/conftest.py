"""The demo district in one process: every service of the registry on real PostgreSQL and Kafka,
the gateway in front, and the demo's term loaded through the services' APIs, once per module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest_asyncio

from demo.loader import DemoLoader
from gateway.app import create_gateway
from services import registry
from tests.conftest import RunningService, SettingsFactory
from tests.gateway.conftest import RoutingTransport, gateway_settings


@dataclass
class DemoSystem:
    services: dict[str, RunningService]
    client: httpx.AsyncClient  # the gateway
    loader: DemoLoader

    def token(self, who: str) -> dict[str, str]:
        return self.loader.token(who)

    async def gql(self, query: str, as_: str = "admin", headers: dict[str, str] | None = None, **variables: Any) -> Any:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers=self.token(as_) | (headers or {}),
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo_system(make_settings: SettingsFactory, start_service: Any) -> Any:
    ns = f"rep{uuid4().hex[:8]}"
    services: dict[str, RunningService] = {}
    for service in registry.SERVICES:
        services[service.name] = await start_service(
            service.load(), await make_settings(service.name, namespace_suffix=ns)
        )
    settings = gateway_settings(services)
    transport = RoutingTransport({name: running.app for name, running in services.items()})
    gateway = create_gateway(settings, transport=transport, live=False)
    lifespan = gateway.router.lifespan_context(gateway)
    await lifespan.__aenter__()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway", timeout=120)
    loader = DemoLoader({name: svc.client for name, svc in services.items()}, services["safety"].settings)
    await loader.load()
    yield DemoSystem(services, client, loader)
    await client.aclose()
    await lifespan.__aexit__(None, None, None)
