"""``GET /history/{stream_id}`` and ``GET /history?streams=``: the routes every service's app
has (added by the app factory), over :mod:`services.eventkit.history`."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.eventkit.app import CurrentPrincipal, Runtime
from services.eventkit.errors import InvalidInput
from services.eventkit.history import MAX_PAGE, MAX_STREAMS, HistoryBatch, HistoryPage, batch, stream_page

RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
    403: {"description": "The record is outside the caller's scope"},
    404: {"description": "No record has this stream"},
}


@functools.cache
def history_router() -> APIRouter:
    """The history routes, which the app factory adds to every service (each reads its
    service's registry and :class:`~services.eventkit.history.HistoryPolicy` from the definition).
    One router for every app: the command lane knows the routers it may look into by identity."""
    router = APIRouter(tags=["history"])

    @router.get(
        "/history/{stream_id}",
        response_model=HistoryPage,
        responses=RESPONSES,
        summary="The history of a record: each event of its stream, with the act's and the recording's times",
    )
    async def history(
        stream_id: str,
        runtime: Runtime,
        principal: CurrentPrincipal,
        after_version: Annotated[int, Query(ge=0, description="The last version of the previous page")] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size")] = 100,
    ) -> HistoryPage:
        definition = runtime.definition
        async with runtime.pool.acquire() as conn:
            return await stream_page(
                conn, definition.registry, definition.history, principal, stream_id, after_version, limit
            )

    @router.get(
        "/history",
        response_model=HistoryBatch,
        responses={401: RESPONSES[401], 422: {"description": "No streams, or more than the limit"}},
        summary="The first page of the history of several records (for batch lookups)",
    )
    async def histories(
        runtime: Runtime,
        principal: CurrentPrincipal,
        streams: Annotated[str, Query(description=f"Stream ids, comma-separated (at most {MAX_STREAMS})")],
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size of each stream")] = 50,
    ) -> HistoryBatch:
        wanted = [s for s in streams.split(",") if s]
        if not wanted or len(wanted) > MAX_STREAMS:
            raise InvalidInput(f"between 1 and {MAX_STREAMS} stream ids", field="streams")
        definition = runtime.definition
        async with runtime.pool.acquire() as conn:
            return await batch(conn, definition.registry, definition.history, principal, wanted, limit)

    return router
