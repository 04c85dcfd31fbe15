"""The FastAPI app every service is built from.

It brings health and readiness probes, Prometheus metrics, correlation ids in
logs and responses, the caller's principal, and one error shape: bad input is a
422 naming each field and reason, a stale write a 409, a refusal by scope 403,
a database that is down a 503 (retry later). Nothing is appended in any of them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import uuid4

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.eventkit.auth import Principal, Role
from services.eventkit.body_limit import BodyLimit
from services.eventkit.bounds import reason_of
from services.eventkit.commands import CommandContext
from services.eventkit.contract import (
    Health,
    Lag,
    NotReady,
    Ready,
    RefuseNulInUrl,
    describe_errors,
    install_http_error_handler,
    readiness_responses,
)
from services.eventkit.errors import HouqinError, InvalidInput, Unauthenticated
from services.eventkit.lane import CommandLane
from services.eventkit.logs import configure_logging, correlation_id
from services.eventkit.metrics import serve_metrics
from services.eventkit.read_after import ReadAfterMiddleware
from services.eventkit.replica import replica_failed
from services.eventkit.routes import MAX_HEADER_LENGTH
from services.eventkit.runtime import Mode, ServiceDefinition, ServiceRuntime, freeze_startup_heap
from services.eventkit.settings import Settings

log = logging.getLogger(__name__)

CORRELATION_HEADER = "x-correlation-id"
MAX_AUTHORIZATION_LENGTH = 8192  # an Authorization header (ASCII): an identity provider's JWT is a few KB

# The headers of the caller's that the services read, as they are spelt, and their longest value in characters.
CHECKED_HEADERS: dict[bytes, tuple[str, int]] = {
    CORRELATION_HEADER.encode(): ("X-Correlation-ID", MAX_HEADER_LENGTH),
    b"idempotency-key": ("Idempotency-Key", MAX_HEADER_LENGTH),
    b"x-causation-id": ("X-Causation-Id", MAX_HEADER_LENGTH),
    b"authorization": ("Authorization", MAX_AUTHORIZATION_LENGTH),
}


def header_problem(name: bytes, value: bytes) -> tuple[str, str] | None:
    """The header's name and what is wrong with its value, if it is one the services read and
    its value is too long or not text (UTF-8; ASCII for a bearer token)."""
    checked = CHECKED_HEADERS.get(name)
    if checked is None:
        return None
    spelt, limit = checked
    encoding = "ascii" if name == b"authorization" else "utf-8"
    if len(value) > 4 * limit:  # more characters than the limit, whatever they are (UTF-8: 4 bytes at most)
        return spelt, f"at most {limit} characters"
    try:
        text = value.decode(encoding)
    except UnicodeDecodeError:
        return spelt, f"not {'ASCII' if encoding == 'ascii' else 'UTF-8'} text"
    if len(text) > limit:
        return spelt, f"at most {limit} characters"
    return None


class CorrelationMiddleware:
    """Takes the caller's correlation id (or makes one), logs with it, and echoes it back.

    Before anything reads them (the routes, the command lane, the gateway's context), the
    headers the services read are checked: a value too long or not text is a 422 naming the
    header, and the request goes no further."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = None
        refused = None
        for name, value in scope["headers"]:
            if name in CHECKED_HEADERS:
                problem = header_problem(name, value)
                refused = refused or problem
                if problem is None and name == CORRELATION_HEADER.encode() and cid is None:
                    cid = value.decode()[:128]
        cid = cid or str(uuid4())
        if refused is not None:
            await _refuse_header(send, cid, *refused)
            return
        token = correlation_id.set(cid)
        scope.setdefault("state", {})["correlation_id"] = cid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((CORRELATION_HEADER.encode(), cid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)


async def _refuse_header(send: Send, cid: str, header: str, reason: str) -> None:
    body = json.dumps(InvalidInput(reason, field=header).to_dict()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": InvalidInput.status_code,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (CORRELATION_HEADER.encode(), cid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def docs_urls(settings: Settings) -> dict[str, Any]:
    """FastAPI's ``openapi_url``, ``docs_url`` and ``redoc_url``: none when the settings turn
    the API's description off (``HOUQIN_API_DOCS``; default off in production)."""
    if settings.docs_enabled:
        return {}
    return {"openapi_url": None, "docs_url": None, "redoc_url": None}


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


# Dependencies read the request's headers themselves rather than declare them as FastAPI
# header parameters: solving and validating three declared headers per command cost more
# than the command's own handling in a profile. OpenAPI still documents them
# (``COMMAND_HEADERS`` and the bearer scheme, in ``describe_security``).


async def current_principal(request: Request) -> Principal:
    """The caller, from the ``Authorization: Bearer <JWT>`` header (401 without a valid one)."""
    authorization = request.headers.get("authorization")
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("missing bearer token")
    return await runtime_of(request).verifier.verify(authorization[7:].strip())


def _client_header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    if value is not None and len(value) > MAX_HEADER_LENGTH:
        raise InvalidInput(f"at most {MAX_HEADER_LENGTH} characters", field=name)
    return value


async def command_context(request: Request) -> CommandContext:
    """Who sends the command, with the client's command id (``Idempotency-Key``: a retry
    returns the first result) and the event it answers (``X-Causation-Id``), if any."""
    principal = await current_principal(request)
    return CommandContext(
        principal=principal,
        correlation_id=getattr(request.state, "correlation_id", None) or str(uuid4()),
        command_id=_client_header(request, "Idempotency-Key"),
        causation_id=_client_header(request, "X-Causation-Id"),
    )


async def _runtime(request: Request) -> ServiceRuntime:
    # async: FastAPI runs a plain ``def`` dependency in its thread pool (a thread hop per request)
    return runtime_of(request)


Runtime = Annotated[ServiceRuntime, Depends(_runtime)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OPERATIONS = (Role.OPERATOR, Role.PLATFORM_ADMIN)
"""Who reads a service's operations endpoints (``/ops/*``, and ``/metrics`` on the main port)."""


async def operator(principal: CurrentPrincipal) -> Principal:
    """The caller, if an operator (401 without a token, 403 with another role): every ``/ops/*``
    route of every service depends on it (``tests/test_operations.py`` checks that they all do)."""
    principal.require_role(*OPERATIONS)
    return principal


Operator = Annotated[Principal, Depends(operator)]
LAST_ERROR_CHARS = 300  # a dead letter's reason, as the lag read shows it
OPERATOR_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "Not an operator, or not over the district of what is acted on"},
}
Context = Annotated[CommandContext, Depends(command_context)]


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def _asks_for_caller(dependant: Dependant) -> bool:
    return dependant.call in (current_principal, command_context) or any(
        _asks_for_caller(d) for d in dependant.dependencies
    )


def describe_security(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """OpenAPI names the bearer token on every route whose dependencies ask for the caller
    (``routers``: those the app includes, whose routes ``app.routes`` does not list)."""
    generate = app.openapi
    routes = [r for router in (app.router, *routers) for r in router.routes if isinstance(r, APIRoute)]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = generate()
        schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["bearer"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        for route in routes:
            if route.include_in_schema and _asks_for_caller(route.dependant):
                for method in route.methods or ():
                    doc["paths"][route.path_format][method.lower()]["security"] = [{"bearer": []}]
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"field": _field_of(e.get("loc", ())), "reason": reason_of(e)} for e in exc.errors()]
        return JSONResponse({"error": "validation_error", "detail": detail}, status_code=422)

    @app.exception_handler(HouqinError)
    async def houqin_error(_: Request, exc: HouqinError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(asyncpg.PostgresConnectionError)
    @app.exception_handler(asyncpg.CannotConnectNowError)
    @app.exception_handler(asyncpg.exceptions.OperatorInterventionError)  # admin or crash shutdown
    @app.exception_handler(asyncpg.InternalClientError)  # a connection the server is closing under us
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(TimeoutError)
    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        if replica_failed(exc):  # a read on the replica: ReadAfterMiddleware serves it again from the primary
            return JSONResponse(
                {"error": "unavailable", "reason": "the read replica failed; retry shortly"},
                status_code=503,
                headers={"Retry-After": "1"},
            )
        log.warning("dependency unavailable", extra={"error": repr(exc)})
        return JSONResponse(
            {"error": "unavailable", "reason": "the database is not reachable; retry shortly"},
            status_code=503,
            headers={"Retry-After": "1"},
        )


def create_app(
    definition: ServiceDefinition,
    settings: Settings | None = None,
    *,
    mode: Mode = Mode.ALL,
    freeze_heap: bool = False,
    serve_metrics_port: bool = False,
) -> FastAPI:
    """The service's app; ``freeze_heap`` (for a served process) freezes the heap once started,
    ``serve_metrics_port`` (a served process too) serves its metrics on their own port."""
    settings = settings or Settings(service=definition.name)
    settings.refuse_unsafe()
    configure_logging(definition.name, settings.log_level, json_output=settings.log_json)
    runtime = ServiceRuntime(definition, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.open()
        runtime.start_workers(mode)
        stop_metrics = serve_metrics(settings) if serve_metrics_port else None
        if freeze_heap:
            freeze_startup_heap()
        log.info("service started", extra={"mode": mode.value, "port": settings.port})
        try:
            yield
        finally:
            if stop_metrics is not None:
                await stop_metrics()
            await runtime.close()
            log.info("service stopped")

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_tags=definition.openapi_tags or None,
        **docs_urls(settings),
    )
    app.state.runtime = runtime
    routers = service_routers(definition)
    if settings.command_lane:  # inside the correlation middleware: a laned command has its id too
        app.add_middleware(CommandLane, routers=routers)
    app.add_middleware(ReadAfterMiddleware, service=definition.name, runtime=runtime)  # reads wait for writes
    app.add_middleware(RefuseNulInUrl)
    app.add_middleware(CorrelationMiddleware)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # outermost: before the lane reads a body
    install_error_handlers(app)
    install_http_error_handler(app)

    @app.get("/healthz", response_model=Health, tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": definition.name}

    @app.get(
        "/readyz",
        response_model=Ready,
        responses=readiness_responses(NotReady),
        tags=["operations"],
        summary="Ready when the database answers (Kafka is a detail: commands wait in the outbox)",
    )
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ok = checks["database"] == "ok"
        return JSONResponse({"status": "ready" if ok else "not ready", **checks}, status_code=200 if ok else 503)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        tags=["operations"],
        summary="Prometheus metrics (operators)",
        responses=OPERATOR_ONLY,
    )
    async def metrics(_: Operator) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get(
        "/ops/lag",
        response_model=Lag,
        tags=["operations"],
        summary="Outbox, consumer and projection lag (operators)",
        responses=OPERATOR_ONLY,
    )
    async def lag(principal: Operator) -> dict[str, Any]:
        """The service's lag (figures of the whole service); its last errors only from the dead
        letters of the operator's scope (an error quotes its event)."""
        outbox = await runtime.pool.fetchval("SELECT count(*) FROM outbox")
        oldest = await runtime.pool.fetchval(
            "SELECT extract(epoch FROM (clock_timestamp() - e.recorded_at))::float8 FROM outbox o "
            "JOIN events e ON e.position = o.position ORDER BY o.position LIMIT 1"
        )
        rows = await runtime.pool.fetch(
            "SELECT name, events_applied, last_event_at, last_applied_at, rebuilt_at, "
            "extract(epoch FROM (last_applied_at - last_event_at)) AS lag_s FROM projection_status ORDER BY name"
        )
        scope, params = principal.scope_sql(1, roles=OPERATIONS)
        errors = {
            r["consumer"]: r
            for r in await runtime.pool.fetch(
                f"SELECT DISTINCT ON (consumer) consumer, left(reason, {LAST_ERROR_CHARS}) AS reason, recorded_at "
                f"FROM dead_letters WHERE {scope} ORDER BY consumer, id DESC",
                *params,
            )
        }
        groups: list[dict[str, Any]] = []
        of_handler: dict[str, tuple[Any, Any]] = {}
        for runner in runtime.runners:
            labels = {h.name: runner.label(h) for h in runner.handlers}
            last = max(
                (errors[x] for x in labels.values() if x in errors), key=lambda r: r["recorded_at"], default=None
            )
            for name, label in labels.items():
                of_handler[name] = (runner, errors.get(label))
            groups.append(
                {
                    "group": runner.group_id,
                    "behind": runner.last_lag,
                    "handled": runner.handled + runner.skipped + runner.dead_lettered,
                    "handlers": list(labels),
                    "last_error": last["reason"] if last else None,
                    "last_error_at": last["recorded_at"] if last else None,
                }
            )
        projections = []
        for r in rows:
            runner, error = of_handler.get(r["name"], (None, None))
            projections.append(
                dict(r)
                | {
                    "group": runner.group_id if runner else None,
                    "behind": runner.last_lag if runner else None,
                    "last_error": error["reason"] if error else None,
                    "last_error_at": error["recorded_at"] if error else None,
                }
            )
        return {
            "service": definition.name,
            "outbox_pending": outbox,
            "outbox_oldest_s": oldest,
            "consumers": {r.group_id: r.last_lag for r in runtime.runners},
            "consumer_groups": groups,
            "projections": projections,
        }

    for router in routers:
        app.include_router(router)
    describe_security(app, routers)
    describe_errors(app, routers, lambda route: _asks_for_caller(route.dependant))
    return app


def service_routers(definition: ServiceDefinition) -> list[APIRouter]:
    """The service's own routers and those every service has (GET /history of its records, and
    the operators' /ops routes for parked outbox rows and poisoned events)."""
    from services.eventkit.history_routes import history_router  # its routes depend on this module's
    from services.eventkit.operations import operations_router
    from services.eventkit.read_after_routes import read_after_router
    from services.eventkit.rebuilds import projections_router

    return [
        *definition.routers, history_router(), operations_router(), projections_router(),
        read_after_router(definition.name),
    ]  # fmt: skip


SERVED_SERVICE = "HOUQIN_SERVED_SERVICE"


def served_api() -> FastAPI:
    """The API of the service named in ``HOUQIN_SERVED_SERVICE``, for each of several API
    processes (``serve --processes N``): uvicorn starts them from this factory."""
    import importlib
    import os

    name = os.environ[SERVED_SERVICE]
    module = importlib.import_module(f"services.{name}.service")
    definition = next(v for v in vars(module).values() if isinstance(v, ServiceDefinition) and v.name == name)
    return create_app(definition, mode=Mode.API, freeze_heap=True, serve_metrics_port=True)
