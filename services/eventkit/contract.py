"""The error bodies the API answers, as models, and the OpenAPI responses that name them
(and the bodies of the probes and of the operators' ``/ops`` reads and acts).

Every refusal is one of a few shapes (:class:`~services.eventkit.errors.HouqinError.to_dict`
and the app's validation handler); :func:`describe_errors` puts each status a route can answer
into its OpenAPI ``responses`` with the body's schema, derived from the route itself: every
route may refuse a header (400) or a body too large (413); a route with input may refuse it
(422); a route reading the database may find it down (503); a route asking for the caller
answers 401 and 403; one naming an entity (a path parameter, an ``*_id`` filter, a command)
404; a command 409. FastAPI's own 422 schema (``HTTPValidationError``) is replaced: the body
answered is the project's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl
from uuid import UUID

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from services.eventkit.routes import is_command_endpoint


class ErrorResponse(BaseModel):
    """A refusal: its code (``unauthenticated``, ``forbidden``, ``not_found``...), why, and the
    field it concerns, if one."""

    error: str = Field(description="What kind of refusal")
    reason: str = Field(description="Why, in words")
    field: str | None = Field(default=None, description="The input it concerns, if one")


class FieldReason(BaseModel):
    field: str = Field(description="The input refused: a body field (dotted path), a parameter or a header")
    reason: str


class ValidationErrorResponse(BaseModel):
    """Invalid input: each field refused and why (nothing was appended)."""

    error: Literal["validation_error"]
    detail: list[FieldReason]


class ConflictResponse(ErrorResponse):
    """A command refused by the state of its entity: a stale ``expected_version``
    (``version_conflict``), a rule of the domain (``rejected``), an act dated out of order
    (``out_of_order``: with the step it follows or precedes, and that step's time) or in the
    future (``in_the_future``: with the server's now). Nothing was appended."""

    error: Literal["version_conflict", "rejected", "out_of_order", "in_the_future"]
    step: str | None = Field(default=None, description="out_of_order: the step the act is ordered against")
    step_time: str | None = Field(default=None, description="out_of_order: that step's day or instant (ISO 8601)")
    now: str | None = Field(default=None, description="in_the_future: the server's now (ISO 8601)")


class PayloadTooLargeResponse(BaseModel):
    """The body is larger than the service accepts (refused before it was read)."""

    error: Literal["payload_too_large"]
    reason: str
    limit: int = Field(description="The largest body accepted, in bytes")


class UnavailableResponse(BaseModel):
    """A dependency (the database) is down: retry after ``Retry-After`` seconds."""

    error: Literal["unavailable"]
    reason: str


MODELS: tuple[type[BaseModel], ...] = (
    ErrorResponse,
    ValidationErrorResponse,
    ConflictResponse,
    PayloadTooLargeResponse,
    UnavailableResponse,
)

DESCRIPTIONS: dict[int, tuple[str, type[BaseModel]]] = {
    400: ("A header is malformed (not UTF-8, or too long)", ErrorResponse),
    401: ("No valid bearer token", ErrorResponse),
    403: ("The caller's roles or scope do not cover this", ErrorResponse),
    404: ("An entity the request names does not exist", ErrorResponse),
    409: (
        "Stale expected_version (version_conflict), refused by a rule of the domain (rejected), "
        "dated out of order (out_of_order) or in the future (in_the_future)",
        ConflictResponse,
    ),
    413: ("The body is larger than the service accepts", PayloadTooLargeResponse),
    422: ("Invalid input: each field and the reason", ValidationErrorResponse),
    503: ("The database is unavailable: retry", UnavailableResponse),
}


class ProjectionLag(BaseModel):
    name: str
    events_applied: int
    last_event_at: datetime | None
    last_applied_at: datetime | None
    rebuilt_at: datetime | None
    lag_s: float | None = Field(description="Seconds between the last event's time and its application")
    group: str | None = Field(None, description="The consumer group that applies it live")
    behind: int | None = Field(None, description="Messages its group has still to read (as last measured)")
    last_error: str | None = Field(None, description="The reason of its latest dead letter (300 characters at most)")
    last_error_at: datetime | None = None


class ConsumerGroupLag(BaseModel):
    group: str
    behind: int = Field(description="Messages still to read (as last measured)")
    handled: int = Field(description="Events applied, skipped or dead-lettered since the process started")
    handlers: list[str]
    last_error: str | None = Field(None, description="The reason of its latest dead letter (300 characters at most)")
    last_error_at: datetime | None = None


class Lag(BaseModel):
    """A service's outbox, consumer and projection lag."""

    model_config = ConfigDict(extra="allow")  # what else the operations read adds reaches the operator

    service: str
    outbox_pending: int = Field(description="Events appended and not yet published")
    outbox_oldest_s: float | None = Field(None, description="Seconds the oldest pending event has waited (none: empty)")
    consumers: dict[str, int] = Field(description="Each consumer group's lag (messages), as last measured")
    consumer_groups: list[ConsumerGroupLag] = Field(default_factory=list)
    projections: list[ProjectionLag]


# -- the probes --------------------------------------------------------------------------

Check = Literal["ok", "unavailable"]
"""A dependency's state in a readiness answer (why it is unavailable is logged, never answered)."""


class Health(BaseModel):
    """The process answers."""

    status: Literal["ok"]
    service: str


class Ready(BaseModel):
    """Ready: the database answers (Kafka is a detail: commands wait in the outbox)."""

    status: Literal["ready"]
    database: Literal["ok"]
    kafka: Check
    replica: Check | None = Field(
        default=None, description="The read replica, if one is configured (down: reads use the primary)"
    )
    replica_lag_s: float | None = Field(default=None, description="The read replica's replay lag, when it answers")


class NotReady(BaseModel):
    """Not ready (503): the database does not answer."""

    status: Literal["not ready"]
    database: Literal["unavailable"]
    kafka: Check
    replica: Check | None = None
    replica_lag_s: float | None = None


def readiness_responses(not_ready: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The 503 of a ``/readyz`` documented with its body (the 200 is the route's response model)."""
    return {503: {"description": "Not ready: take it out of rotation", "model": not_ready}}


# -- the operators' /ops reads and acts (services.eventkit.operations) -------------------


class ParkedOutboxRow(BaseModel):
    """An outbox row the broker refused, as it was taken out of the parked rows."""

    position: int = Field(description="Its event's position in the store")
    stream_id: str
    event_id: UUID
    type: str = Field(description="The event's type")
    size_bytes: int = Field(description="The record's size as the broker refused it")


class ParkedRow(ParkedOutboxRow):
    reason: str = Field(description="The broker's refusal")
    parked_at: datetime
    held_behind: int = Field(description="Rows of its stream waiting in the outbox behind it")


class ParkedRows(BaseModel):
    """Outbox rows the broker refused, oldest first."""

    parked: list[ParkedRow]


class Released(BaseModel):
    """The parked row is back in the outbox, first of its stream."""

    released: ParkedOutboxRow
    audit_id: int = Field(description="Its row in the operations audit")


class Discarded(BaseModel):
    """The parked row will never be sent (its event stays in the store)."""

    discarded: ParkedOutboxRow
    audit_id: int = Field(description="Its row in the operations audit")


class DeadLetter(BaseModel):
    """A message a consumer could not apply. Its payload is not answered (and is kept with its
    sensitive fields withheld: ``services.eventkit.redaction``)."""

    id: int
    consumer: str = Field(description="The consumer, as operators name it in /ops/events")
    topic: str
    partition: int
    offset: int
    event_id: UUID | None = Field(description="None: the message was not an event")
    stream_id: str | None
    reason: str = Field(description="The error, with the event's sensitive values withheld")
    recorded_at: datetime
    handled: bool = Field(description="An operator skipped or retried it since")
    state: str = Field(
        default="open", description="open, parked, skipped or replayed (the latest act on it since it was recorded)"
    )
    district_id: str | None = Field(default=None, description="Where its event belongs (none: not an event)")
    school_id: str | None = None
    campus_id: str | None = None
    type: str | None = Field(default=None, description="The event's type (from its payload)")
    occurred_at: datetime | None = Field(default=None, description="When the event occurred (from its payload)")


class DeadLetters(BaseModel):
    """The latest dead letters, newest first."""

    dead_letters: list[DeadLetter]


class DeadLetterDetail(DeadLetter):
    """One dead letter with its event: the envelope, its payload's sensitive fields withheld."""

    envelope: dict[str, Any] | None = Field(description="The message as an envelope (None: it was not JSON)")


class DeadLetterCount(BaseModel):
    consumer: str
    open: int = Field(description="Events waiting for an operator (neither replayed, skipped nor parked)")
    parked: int = Field(description="Events set aside: kept, not replayed")
    total: int = Field(description="Every event this consumer dead-lettered")


class DeadLetterCounts(BaseModel):
    """Per consumer, how many events it dead-lettered and how many wait."""

    counts: list[DeadLetterCount]


class ParkedEvent(BaseModel):
    """The dead letter is kept and shown as parked; it is not replayed (until replayed by name)."""

    consumer: str
    event_id: UUID
    stream_id: str | None
    audit_id: int = Field(description="Its row in the operations audit")


class EventActed(BaseModel):
    event_id: UUID
    stream_id: str
    version: int
    type: str


class SkippedEvent(EventActed):
    applied_after: int = Field(description="Events of its stream the consumer applied after it, now")


class RetriedEvent(EventActed):
    applied: int = Field(description="Events the consumer applied, this one included")


class Skipped(BaseModel):
    """The consumer never applies the event."""

    skipped: SkippedEvent
    consumer: str
    audit_id: int = Field(description="Its row in the operations audit")


class Retried(BaseModel):
    """The consumer applied the event again."""

    retried: RetriedEvent
    consumer: str
    audit_id: int = Field(description="Its row in the operations audit")


class ReplayedAll(BaseModel):
    """A consumer's open dead letters replayed, oldest first; the first that still fails stops it."""

    consumer: str
    replayed: list[Retried]
    failed: str | None = Field(default=None, description="The event that still fails, and why (nothing after it)")


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="Who acted (the token's subject, or the command line's --actor)")
    action: str = Field(
        description="outbox.release, outbox.discard, event.skip, event.retry, event.park or projection.rebuild"
    )
    target: str = Field(description="outbox/<position>, <consumer>/<event id> or projection/<name>")
    reason: str
    detail: dict[str, Any] = Field(description="What was acted on (the row or the event, as answered to the act)")
    event_id: UUID | None = Field(
        default=None, description="The operations event that records the act (in the service's store and topic)"
    )
    district_id: str | None = Field(default=None, description="Where the event acted on belongs")
    school_id: str | None = None
    campus_id: str | None = None


class AuditLog(BaseModel):
    """Operators' acts, newest first."""

    audit: list[AuditEntry]


REF = "#/components/schemas/{model}"
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def statuses_of(route: APIRoute, asks_for_caller: bool) -> list[int]:
    """The error statuses ``route`` can answer (see the module's description)."""
    statuses = [400, 413]
    command = is_command_endpoint(route.endpoint)
    dependant = route.dependant
    has_input = bool(dependant.path_params or dependant.query_params or route.body_field or command)
    if has_input:
        statuses.append(422)
    if asks_for_caller:
        statuses += [401, 403, 503]
        names_entity = bool(dependant.path_params) or any(p.name.endswith("_id") for p in dependant.query_params)
        if names_entity or command:
            statuses.append(404)
    if command:
        statuses.append(409)
    return sorted(statuses)


def describe_errors(app: FastAPI, routers: Sequence[APIRouter], asks_for_caller: Callable[[APIRoute], bool]) -> None:
    """Documents, on every route of ``app`` and ``routers``, each error status it can answer
    with the body's schema (a description the route gives itself is kept)."""
    generate = app.openapi
    routes = [r for router in (app.router, *routers) for r in router.routes if isinstance(r, APIRoute)]

    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if described:
            return described[0]
        doc = generate()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for model in MODELS:
            schema = model.model_json_schema(ref_template=REF)
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        for route in routes:
            if not route.include_in_schema:
                continue
            for method in route.methods or ():
                responses = doc["paths"][route.path_format][method.lower()].setdefault("responses", {})
                for status in statuses_of(route, asks_for_caller(route)):
                    description, model = DESCRIPTIONS[status]
                    entry = responses.setdefault(str(status), {"description": description})
                    entry["content"] = {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}
        for name in _FASTAPI_VALIDATION:
            schemas.pop(name, None)
        described.append(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


NUL_REASON = "a NUL character is not allowed"


class RefuseNulInUrl:
    """A NUL character in the path or a query parameter is a 422 naming it, before any route
    (or the command lane) reads it: no text column can hold one, and the database would refuse
    the query it is bound to."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            field = self._nul_in(scope)
            if field is not None:
                body = {"error": "validation_error", "detail": [{"field": field, "reason": NUL_REASON}]}
                await JSONResponse(body, status_code=422)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _nul_in(scope: Scope) -> str | None:
        if "\x00" in scope["path"]:
            return "path"
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if "\x00" in name or "\x00" in value:
                    return name.replace("\x00", "") or "query"
        return None


HTTP_ERRORS = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


def install_http_error_handler(app: FastAPI) -> None:
    """The framework's own refusals (a body that cannot be parsed, an unknown route or method)
    answered in the project's shape: ``{"error", "reason"}``."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (204, 304) or exc.status_code < 400:
            return Response(status_code=exc.status_code, headers=exc.headers)
        code = HTTP_ERRORS.get(exc.status_code, f"http_{exc.status_code}")
        return JSONResponse(
            {"error": code, "reason": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
        )
