"""The whole system in one process: every service of the registry on real PostgreSQL and
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
from services import registry
from services.campus.mirror import DirectoryMirror
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.school import PEOPLE, SCHOOL, Headers, register_district, seed, tokens_for


class RoutingTransport(httpx.AsyncBaseTransport):
    """http://<service>/... goes to that service's in-process app; calls are counted, and their
    URLs kept in order (``urls``)."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {name: httpx.ASGITransport(app=app) for name, app in apps.items()}
        self.calls: Counter[str] = Counter()
        self.urls: list[httpx.URL] = []
        self.down: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host
        self.calls[service] += 1
        self.urls.append(request.url)
        if service in self.down:
            raise httpx.ConnectError(f"{service} is down", request=request)
        return await self.transports[service].handle_async_request(request)


@dataclass
class System:
    services: dict[str, RunningService]  # by name, every service of services/registry.py
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


def gateway_settings(services: dict[str, RunningService], **overrides: Any) -> GatewaySettings:
    """The gateway's settings for in-process services: each at http://<name> (a RoutingTransport
    routes it), on the directory's namespace, Kafka and key."""
    base = services["directory"].settings
    values: dict[str, Any] = {f"{name}_url": f"http://{name}" for name in services}
    values |= {"log_json": False, "log_level": "WARNING"} | overrides
    return GatewaySettings(
        namespace=base.namespace, kafka_bootstrap=base.kafka_bootstrap, jwt_secret=base.jwt_secret, **values
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def system(make_settings: SettingsFactory, start_service: Any) -> Any:
    ns = f"gw{uuid4().hex[:8]}"
    services: dict[str, RunningService] = {}
    for service in registry.SERVICES:
        services[service.name] = await start_service(
            service.load(), await make_settings(service.name, namespace_suffix=ns)
        )
    transport = RoutingTransport({name: running.app for name, running in services.items()})
    directory = services["directory"]
    base = directory.settings
    # every query asks the directory (tests count the calls); test_campus_memo turns it on
    settings = gateway_settings(services, campus_cache_ttl_s=0)
    gateway = create_gateway(settings, transport=transport)
    lifespan = gateway.router.lifespan_context(gateway)
    await lifespan.__aenter__()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway")
    tokens = tokens_for(base)
    await register_district(directory, tokens["platform"])
    await seed(directory, tokens["admin"])

    mirrors = [  # the services that keep a mirror of the directory
        running
        for running in services.values()
        if any(isinstance(spec.reaction, DirectoryMirror) for spec in running.runtime.definition.reactions)
    ]

    async def mirrored() -> bool:
        for svc in mirrors:
            if await svc.pool.fetchval("SELECT count(*) FROM directory_staff") != len(PEOPLE):
                return False
            if await svc.pool.fetchval("SELECT count(*) FROM directory_parent_students") != len(SCHOOL.parents):
                return False
        return True

    safety = services["safety"]

    async def health_records_opened() -> bool:
        # a reaction of safety's to the enrolments, after the mirrors: a test counting the store's
        # events (test_tokens, test_input_bounds, test_keys_and_ids) must not count those under it
        opened = await safety.pool.fetchval("SELECT count(*) FROM events WHERE type = 'safety.HealthRecordOpened'")
        return bool(opened >= len(SCHOOL.students))

    await eventually(mirrored, timeout=60)
    await eventually(health_records_opened, timeout=60)
    yield System(services, gateway, client, transport, settings, tokens)
    await client.aclose()
    await lifespan.__aexit__(None, None, None)
