"""The gateway app: ``/graphql`` (GraphiQL in the browser, graphql-transport-ws for subscriptions)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx
import orjson
import strawberry
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, create_model
from starlette.requests import HTTPConnection
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway.clients import ServiceClients, TransportFailure
from gateway.console.routes import mount_console
from gateway.context import AuthenticationRequired, GatewayContext, build_context
from gateway.events import EventHub
from gateway.memo import CampusMemo
from gateway.read_after import READ_AFTER_HEADER, READ_WAIT_HEADER
from gateway.report import routes as report_routes
from gateway.schema import build_schema
from gateway.settings import SERVICES, GatewaySettings
from services.eventkit.app import OPERATIONS, CorrelationMiddleware, docs_urls
from services.eventkit.auth import TokenVerifier
from services.eventkit.body_limit import BodyLimit
from services.eventkit.contract import Check, Health, readiness_responses
from services.eventkit.errors import HouqinError
from services.eventkit.logs import configure_logging
from services.eventkit.metrics import SERVICE_UP, serve_metrics
from services.eventkit.runtime import freeze_startup_heap

log = logging.getLogger(__name__)


GatewayReady: type[BaseModel] = create_model(
    "GatewayReady",
    __doc__="Ready once started; each service's liveness is a detail (a service down fails only its queries).",
    status=(Literal["ready"], ...),
    **{name: (Check, Field(description=f"Whether the {name} service answered")) for name in SERVICES},  # type: ignore[call-overload]
)


class GatewayNotReady(BaseModel):
    """Not ready (503): the gateway is still starting."""

    status: Literal["not ready"]


ContextOf = Callable[[HTTPConnection], Awaitable[GatewayContext]]


class GraphQLApp(GraphQL[GatewayContext, None]):
    """``/graphql`` as a plain ASGI app among the gateway's routes, behind the same middleware.

    FastAPI's router for it solved a chain of dependencies on every request (the context, the
    root value, the response, the background tasks): about a tenth of the gateway's CPU for one
    entity. Answers are encoded with orjson (json.dumps took about a tenth of a millisecond a
    page). A refusal of the context (401) is an ``HTTPException`` that the app's exception
    middleware answers, as it did for the router."""

    def __init__(self, schema: strawberry.Schema, context_of: ContextOf) -> None:
        super().__init__(schema, graphql_ide="graphiql", subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
        self.context_of = context_of

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> GatewayContext:
        context = await self.context_of(request)
        context.request = request
        context.response = response if isinstance(response, Response) else None
        return context

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_gateway(
    settings: GatewaySettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    live: bool = True,
    freeze_heap: bool = False,
    serve_metrics_port: bool = False,
) -> FastAPI:
    """``transport`` lets tests route service calls in process; ``live`` starts the Kafka event hub;
    ``freeze_heap`` (for a served process) freezes the heap once started; ``serve_metrics_port``
    (a served process too) serves its metrics on their own port."""
    settings = settings or GatewaySettings()
    settings.refuse_unsafe()
    configure_logging("gateway", settings.log_level, json_output=settings.log_json)
    verifier = TokenVerifier(settings)
    state: dict[str, Any] = {"verifier": verifier}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["clients"] = ServiceClients(settings, transport)
        state["campuses"] = CampusMemo(settings.campus_cache_ttl_s)
        state["hub"] = EventHub(settings)
        if live:
            state["hub"].start()
        stop_metrics = serve_metrics(settings) if serve_metrics_port else None
        if freeze_heap:
            freeze_startup_heap()
        log.info("gateway started", extra={"port": settings.port})
        try:
            yield
        finally:
            if stop_metrics is not None:
                await stop_metrics()
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
        context.read_after = connection.headers.get(READ_AFTER_HEADER)
        context.read_wait = connection.headers.get(READ_WAIT_HEADER)
        return context

    graphql = GraphQLApp(build_schema(settings), get_context)
    app = FastAPI(title="Houqin GraphQL gateway", version="1.0.0", lifespan=lifespan, **docs_urls(settings))
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(BodyLimit, limit=settings.gateway_max_body_bytes)  # outermost: a 413 before any reading
    app.router.routes.append(Route("/graphql", graphql, methods=["GET", "POST"]))
    app.router.routes.append(WebSocketRoute("/graphql", graphql))
    app.include_router(report_routes.router)
    mount_console(app)
    app.state.gateway = state
    app.state.settings = settings

    @app.get("/healthz", response_model=Health, summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get(
        "/readyz",
        response_model=GatewayReady,
        responses=readiness_responses(GatewayNotReady),
        summary="Ready once started",
    )
    async def readyz() -> JSONResponse:
        """Ready once started: the gateway answers what it can without every service (a query of a
        service that is down is an error of that query alone), so one service down does not take
        every gateway out of a load balancer. Each service's liveness is a detail (``ok`` or
        ``unavailable``) and the gauge ``houqin_service_up``."""
        clients: ServiceClients | None = state.get("clients")
        if clients is None:
            return JSONResponse({"status": "not ready"}, status_code=503)

        async def check(name: str) -> tuple[str, str]:
            try:
                status, _ = await clients.send(name, "GET", "/healthz", timeout_s=2)
                up = status == 200
            except TransportFailure:
                up = False
            SERVICE_UP.labels(name).set(1 if up else 0)
            return name, "ok" if up else "unavailable"

        checks = dict(await asyncio.gather(*(check(s) for s in SERVICES)))
        return JSONResponse({"status": "ready", **checks})

    @app.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics (operators)")
    async def metrics(request: Request) -> Response:
        """Prometheus metrics, for operators (a bearer token with the operator role)."""
        authorization = request.headers.get("authorization") or ""
        if not authorization.lower().startswith("bearer "):
            raise HTTPException(401, detail="missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        try:
            principal = await verifier.verify(authorization[7:].strip())
        except HouqinError as exc:
            raise HTTPException(401, detail=exc.reason, headers={"WWW-Authenticate": "Bearer"}) from None
        if not principal.has_role(*OPERATIONS):
            raise HTTPException(403, detail="operators only")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def served_gateway() -> FastAPI:
    """One of several gateway processes (``python -m gateway --processes N``)."""
    return create_gateway(freeze_heap=True, serve_metrics_port=True)
