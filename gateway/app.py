"""The gateway app: ``/graphql`` (GraphiQL in the browser, graphql-transport-ws for subscriptions)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import HTTPConnection
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway.clients import ServiceClients
from gateway.context import AuthenticationRequired, GatewayContext, build_context
from gateway.events import EventHub
from gateway.memo import CampusMemo
from gateway.schema import build_schema
from gateway.settings import SERVICES, GatewaySettings
from services.eventkit.app import CorrelationMiddleware, docs_urls
from services.eventkit.auth import TokenVerifier
from services.eventkit.body_limit import BodyLimit
from services.eventkit.logs import configure_logging
from services.eventkit.runtime import freeze_startup_heap

log = logging.getLogger(__name__)


class JsonRouter(GraphQLRouter[GatewayContext, None]):
    """Answers encoded with orjson: a page's answer took json.dumps about a tenth of a millisecond."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_gateway(
    settings: GatewaySettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    live: bool = True,
    freeze_heap: bool = False,
) -> FastAPI:
    """``transport`` lets tests route service calls in process; ``live`` starts the Kafka event hub;
    ``freeze_heap`` (for a served process) freezes the heap once started."""
    settings = settings or GatewaySettings()
    settings.refuse_unsafe()
    configure_logging("gateway", settings.log_level, json_output=settings.log_json)
    verifier = TokenVerifier(settings)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["clients"] = ServiceClients(settings, transport)
        state["campuses"] = CampusMemo(settings.campus_cache_ttl_s)
        state["hub"] = EventHub(settings)
        if live:
            state["hub"].start()
        if freeze_heap:
            freeze_startup_heap()
        log.info("gateway started", extra={"port": settings.port})
        try:
            yield
        finally:
            await state["hub"].stop()
            await state["clients"].aclose()

    async def get_context(connection: HTTPConnection) -> GatewayContext:
        try:
            context = await build_context(
                settings,
                state["clients"],
                verifier,
                connection.headers.get("authorization"),
                # the id the correlation middleware took from the caller (or made), so logs and services agree
                connection.scope.get("state", {}).get("correlation_id") or connection.headers.get("x-correlation-id"),
            )
        except AuthenticationRequired as exc:
            raise HTTPException(401, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
        context.hub = state["hub"]
        context.campus_memo = state["campuses"]
        return context

    graphql: GraphQLRouter[GatewayContext, None] = JsonRouter(
        build_schema(settings),
        context_getter=get_context,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
        graphql_ide="graphiql",
    )
    app = FastAPI(title="Houqin GraphQL gateway", version="1.0.0", lifespan=lifespan, **docs_urls(settings))
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(BodyLimit, limit=settings.gateway_max_body_bytes)  # outermost: a 413 before any reading
    app.include_router(graphql, prefix="/graphql")
    app.state.gateway = state
    app.state.settings = settings

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        clients: ServiceClients = state["clients"]

        async def check(name: str) -> tuple[str, str]:
            try:
                response = await clients.clients[name].get("/healthz", timeout=2)
                return name, "ok" if response.status_code == 200 else f"answered {response.status_code}"
            except httpx.HTTPError as exc:
                return name, f"down: {type(exc).__name__}"

        checks = dict(await asyncio.gather(*(check(s) for s in SERVICES)))
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ok else "not ready", **checks}, status_code=200 if ok else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def served_gateway() -> FastAPI:
    """One of several gateway processes (``python -m gateway --processes N``)."""
    return create_gateway(freeze_heap=True)
