"""What a mutation answers: the result, or a typed error — never a bare string."""

from __future__ import annotations

import re
from typing import Annotated, Any

import strawberry
from pydantic import ValidationError

from gateway.clients import ServiceError, ServiceUnavailable
from services.eventkit.bounds import reason_of


def camel(path: str) -> str:
    """``lines.0.item_id`` -> ``lines.0.itemId``: error fields in the names GraphQL clients use."""
    return ".".join(re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), part) for part in path.split("."))


@strawberry.type(description="The command was accepted: its events are in the store.")
class Accepted:
    stream_id: str = strawberry.field(description="The stream (record) the events were appended to")
    version: int = strawberry.field(
        description="The record's version after the command: send it as expectedVersion next time"
    )
    events: list[str] = strawberry.field(description="The types of the events appended, in order")
    event_ids: list[strawberry.ID] = strawberry.field(description="The ids of the events appended, in order")
    duplicate: bool = strawberry.field(description="A retry of a command id already handled: nothing new appended")
    read_after: str = strawberry.field(
        default="",
        description="Send it as the HTTP header Houqin-Read-After of a query that must see this command's "
        "events: the query waits until the read models have them (extensions.readAfter says whether they did)",
    )


@strawberry.type(description="One field of a refused input, and why it was refused")
class FieldError:
    field: str = strawberry.field(description="The field, as a path in the input (lines.0.itemId)")
    reason: str = strawberry.field(description="Why the field was refused")


@strawberry.type(description="Input that is not acceptable; each field and why.")
class InvalidInput:
    message: str = strawberry.field(description="What was wrong, in short")
    errors: list[FieldError] = strawberry.field(description="Each field refused, and why")


@strawberry.type(description="The entity moved on since expectedVersion: read it again.")
class VersionConflict:
    message: str = strawberry.field(description="What changed")
    field: str | None = strawberry.field(default=None, description="The field concerned, if one")


@strawberry.type(
    description="A rule of the domain refuses the command in the entity's current state. An act dated "
    "before the step it follows (code out_of_order) names that step and its time; one in the future "
    "is code in_the_future."
)
class Rejected:
    message: str = strawberry.field(description="Why the rule refuses it")
    field: str | None = strawberry.field(default=None, description="The field the rule is about, if one")
    code: str = strawberry.field(
        default="rejected", description="What kind of refusal (rejected, out_of_order, in_the_future...)"
    )
    step: str | None = strawberry.field(default=None, description="The earlier step the act may not precede")
    step_time: str | None = strawberry.field(default=None, description="That step's time (ISO 8601 instant or day)")


@strawberry.type(description="The caller's roles or scope do not cover this.")
class Forbidden:
    message: str = strawberry.field(description="What the caller would need")


@strawberry.type(description="The record the command names does not exist, or not in the caller's scope")
class NotFound:
    message: str = strawberry.field(description="What was not found")


@strawberry.type(description="A service is down or slow: retry shortly.")
class Unavailable:
    message: str = strawberry.field(description="What failed")
    service: str = strawberry.field(description="The service that is down or slow")


CommandResult = Annotated[
    Accepted | InvalidInput | VersionConflict | Rejected | Forbidden | NotFound | Unavailable,
    strawberry.union("CommandResult"),
]


def from_service_error(error: ServiceError) -> Any:
    body = error.body
    reason = str(body.get("reason") or body.get("error") or body)
    if error.status == 422:
        detail = body.get("detail") or [{"field": body.get("field") or "input", "reason": reason}]
        errors = [FieldError(field=camel(str(d.get("field") or "input")), reason=str(d.get("reason"))) for d in detail]
        return InvalidInput(message="invalid input", errors=errors)
    field = camel(body["field"]) if body.get("field") else None
    if error.status == 409 and body.get("error") == "version_conflict":
        return VersionConflict(message=reason, field=field)
    if error.status == 409:
        return Rejected(
            message=reason,
            field=field,
            code=str(body.get("error") or "rejected"),
            step=str(body["step"]) if body.get("step") else None,
            step_time=str(body["step_time"]) if body.get("step_time") else None,
        )
    if error.status in (401, 403):
        return Forbidden(message=reason)
    if error.status == 404:
        return NotFound(message=reason)
    # 413: a request or an event larger than the limit (payload_too_large, event_too_large)
    return Rejected(message=reason, field=field, code=str(body.get("error") or "rejected"))


def from_validation_error(error: ValidationError) -> InvalidInput:
    return InvalidInput(
        message="invalid input",
        errors=[
            FieldError(field=camel(".".join(str(p) for p in e["loc"]) or "input"), reason=reason_of(e))
            for e in error.errors()
        ],
    )


def from_unavailable(error: ServiceUnavailable) -> Unavailable:
    return Unavailable(message=str(error), service=error.service)
