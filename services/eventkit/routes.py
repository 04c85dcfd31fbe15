"""What every service's HTTP routes share: command responses, paging parameters, the day a
read is computed for."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Response

from services.eventkit.commands import CommandResult

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
After = Annotated[str | None, Query(description="Cursor from the previous page's next_cursor")]
AsOf = Annotated[
    date | None,
    Query(
        description="The day the figures relative to now are computed for, as they stood at its end "
        "(default: today at the school, as things stand now)"
    ),
]
"""``as_of: AsOf = None`` on every read with a figure relative to now (an age, overdue, this month)."""

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The caller's roles or scope do not cover this"},
    404: {"description": "The entity in the path does not exist"},
    409: {"description": "Stale expected_version (version_conflict), or refused by a rule of the domain (rejected)"},
    422: {"description": "Invalid input: each field and the reason"},
    503: {"description": "The database is unavailable: retry"},
}

# Read by ``services.eventkit.app.command_context`` from the request itself; described here.
MAX_HEADER_LENGTH = 200
COMMAND_HEADERS: list[dict[str, Any]] = [
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "The client's id for this command: a retry with the same key returns the first result "
        f"and appends nothing (at most {MAX_HEADER_LENGTH} characters)",
        "schema": {"type": "string", "maxLength": MAX_HEADER_LENGTH},
    },
    {
        "name": "X-Causation-Id",
        "in": "header",
        "required": False,
        "description": f"The id of the event this command answers, if any (at most {MAX_HEADER_LENGTH} characters)",
        "schema": {"type": "string", "maxLength": MAX_HEADER_LENGTH},
    },
]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[CommandResult]])

# The endpoints ``command_route`` registered: the command lane (``services.eventkit.lane``) may serve them.
_COMMAND_ENDPOINTS: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()


def is_command_endpoint(endpoint: Callable[..., Any]) -> bool:
    return endpoint in _COMMAND_ENDPOINTS


def command_route(router: APIRouter, path: str, summary: str, **kwargs: Any) -> Callable[[Endpoint], Endpoint]:
    """``@command_route(router, "/hazards", "Report a hazard")`` — a POST answering a CommandResult.

    The endpoint's result is encoded by its own pydantic serializer: FastAPI's response-model
    path validated the result again and encoded it through ``jsonable_encoder`` (OpenAPI still
    describes it as a ``CommandResult``)."""
    post = router.post(
        path,
        summary=summary,
        response_model=CommandResult,
        responses=COMMAND_RESPONSES,
        openapi_extra={"parameters": COMMAND_HEADERS},
        **kwargs,
    )

    def register(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)  # FastAPI reads the parameters of the endpoint it wraps
        async def answered(*args: Any, **kw: Any) -> Response:
            result = await endpoint(*args, **kw)
            return Response(result.__pydantic_serializer__.to_json(result), media_type="application/json")

        post(answered)
        _COMMAND_ENDPOINTS.add(answered)
        return endpoint

    return register
