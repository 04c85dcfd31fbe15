"""Operations endpoints: ``/ops/*`` and ``/metrics`` answer operators only, on every service and
the gateway; ``/readyz`` is ready on the database alone and names no exception; metrics are also
served on a loopback port of their own."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from gateway.app import GatewayReady, create_gateway
from gateway.settings import GatewaySettings
from services import registry
from services.eventkit.app import create_app, operator, service_routers
from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.contract import NotReady, Ready
from services.eventkit.metrics import serve_metrics
from services.eventkit.runtime import Mode, ServiceDefinition
from services.eventkit.settings import Settings
from tests.conftest import SettingsFactory
from tests.school import register_district

DEFINITIONS = [service.load() for service in registry.SERVICES]
NOT_AN_OPERATOR = (Role.DISTRICT_ADMIN, Role.LOGISTICS_MANAGER, Role.MEDICAL)


def bearer(settings: Settings, *roles: Role) -> dict[str, str]:
    principal = Principal(subject="someone", roles=frozenset(roles), districts=frozenset(["xinbei"]))
    return {"Authorization": f"Bearer {mint_token(settings, principal)}"}


@dataclass
class On:
    client: httpx.AsyncClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _depends_on_operator(route: APIRoute) -> bool:
    def walk(dependant: Any) -> bool:
        return dependant.call is operator or any(walk(d) for d in dependant.dependencies)

    return walk(route.dependant)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
async def test_every_operations_route_answers_operators_only(definition: ServiceDefinition) -> None:
    settings = Settings(service=definition.name)
    app = create_app(definition, settings)
    routers = [app.router, *service_routers(definition)]  # the app's own routes, and those it includes
    ops = sorted(
        {
            (r.path, method)
            for router in routers
            for r in router.routes
            if isinstance(r, APIRoute) and (r.path.startswith("/ops") or r.path == "/metrics")
            for method in r.methods or ()
        }
    )
    assert {("/ops/lag", "GET"), ("/ops/parked", "GET"), ("/ops/events/skip", "POST"), ("/metrics", "GET")} <= set(ops)
    for router in routers:  # any operations route added later too
        for route in router.routes:
            if isinstance(route, APIRoute) and (route.path.startswith("/ops") or route.path == "/metrics"):
                assert _depends_on_operator(route), f"{route.path} does not depend on services.eventkit.app.operator"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        for path, method in ops:
            url = path.replace("{", "").replace("}", "")
            assert (await client.request(method, url)).status_code == 401, path
            for role in NOT_AN_OPERATOR:
                refused = await client.request(method, url, headers=bearer(settings, role))
                assert (refused.status_code, refused.json()["error"]) == (403, "forbidden"), (path, role)
        metrics = await client.get("/metrics", headers=bearer(settings, Role.OPERATOR))
        assert metrics.status_code == 200 and "houqin_" in metrics.text


async def test_the_gateway_metrics_answer_operators_and_its_readiness_does_not_hang_on_the_services() -> None:
    settings = GatewaySettings()
    down = httpx.MockTransport(lambda _: httpx.Response(503))
    app = create_gateway(settings, transport=down, live=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers=bearer(settings, Role.DISTRICT_ADMIN))).status_code == 403
        metrics = await client.get("/metrics", headers=bearer(settings, Role.OPERATOR))
        assert metrics.status_code == 200
        ready = await client.get("/readyz")
        # ready: one service down fails the queries that need it, not the gateway
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready"} | {name: "unavailable" for name in registry.NAMES}
        GatewayReady.model_validate(ready.json(), strict=True)  # as its OpenAPI documents it
        metrics = await client.get("/metrics", headers=bearer(settings, Role.OPERATOR))
        assert 'houqin_service_up{service="safety"} 0.0' in metrics.text


async def test_readiness_is_the_database_kafka_a_detail_and_no_exception_text(make_settings: SettingsFactory) -> None:
    base = await make_settings("directory")
    port = free_port()
    settings = base.model_copy(update={"kafka_bootstrap": "127.0.0.1:9", "metrics_port": port})  # no Kafka there
    directory = next(d for d in DEFINITIONS if d.name == "directory")
    app = create_app(directory, settings, mode=Mode.API, serve_metrics_port=True)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client,
    ):
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()) == (
            200,
            {"status": "ready", "database": "ok", "kafka": "unavailable"},
        )
        Ready.model_validate(ready.json(), strict=True)  # as its OpenAPI documents it
        # commands still succeed, into the outbox
        created = await register_district(On(client), bearer(settings, Role.PLATFORM_ADMIN))
        assert created.status_code == 200, created.text
        assert await app.state.runtime.pool.fetchval("SELECT count(*) FROM outbox") >= 1

        # the metrics port: on loopback, without a token
        async with httpx.AsyncClient() as loopback:
            served = await loopback.get(f"http://127.0.0.1:{port}/metrics")
        assert served.status_code == 200
        assert 'houqin_kafka_up{service="directory"} 0.0' in served.text

        # a database that does not answer: not ready, and nothing of why
        runtime = app.state.runtime
        real = runtime._pool

        class Down:
            async def fetchval(self, *_: Any) -> Any:
                raise ConnectionRefusedError("[Errno 111] connect to 10.0.0.7:5432 password=secret")

        runtime._pool = Down()
        try:
            down = await client.get("/readyz")
        finally:
            runtime._pool = real
        assert (down.status_code, down.json()) == (
            503,
            {"status": "not ready", "database": "unavailable", "kafka": "unavailable"},
        )
        NotReady.model_validate(down.json(), strict=True)
    with pytest.raises(httpx.ConnectError):  # and the metrics port closes with the service
        async with httpx.AsyncClient() as loopback:
            await loopback.get(f"http://127.0.0.1:{port}/metrics")


def test_metrics_are_served_on_loopback_beside_the_service_port_by_default() -> None:
    settings = Settings(service="safety")
    assert settings.metrics_host == "127.0.0.1"
    assert settings.metrics_listen_port() == settings.port + 1000
    assert settings.metrics_listen_port(workers=True) == settings.port + 1100
    assert Settings(service="safety", metrics_port=0).metrics_listen_port() is None
    assert serve_metrics(Settings(service="safety", metrics_port=0)) is None
