"""What every service's HTTP routes share: command responses, paging parameters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query

from services.eventkit.commands import CommandResult

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
After = Annotated[str | None, Query(description="Cursor from the previous page's next_cursor")]

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The caller's roles or scope do not cover this"},
    404: {"description": "The entity in the path does not exist"},
    409: {"description": "Stale expected_version (version_conflict), or refused by a rule of the domain (rejected)"},
    422: {"description": "Invalid input: each field and the reason"},
    503: {"description": "The database is unavailable: retry"},
}

Endpoint = TypeVar("Endpoint", bound=Callable[..., Awaitable[CommandResult]])


def command_route(router: APIRouter, path: str, summary: str, **kwargs: Any) -> Callable[[Endpoint], Endpoint]:
    """``@command_route(router, "/hazards", "Report a hazard")`` — a POST answering a CommandResult."""
    return router.post(path, summary=summary, response_model=CommandResult, responses=COMMAND_RESPONSES, **kwargs)
