"""``GET /read-models/seen``: whether a service's read models have seen a stream up to a version
(``services.eventkit.read_after``)."""

from __future__ import annotations

import functools
import time
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.eventkit.app import CurrentPrincipal, Runtime
from services.eventkit.read_after import MAX_VERSION, MAX_WAIT_MS, ReadToken, wait_until_seen


class ReadSeen(BaseModel):
    """Whether this service's read models have seen a stream up to a version."""

    stream_id: str
    version: int
    reached: bool = Field(description="Every read model following the stream has applied it up to the version")
    behind: list[str] = Field(
        description="The read models that have not yet (empty when reached); on a read replica, `events` if its "
        "event store has not replayed the version yet"
    )
    waited_ms: int = Field(description="How long the answer waited")


@functools.cache  # one router a service: the command lane knows the routers the app included by identity
def read_after_router(service: str) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get(
        "/read-models/seen",
        response_model=ReadSeen,
        summary="Whether the read models have seen a stream up to a version (read your writes)",
    )
    async def seen(
        _: CurrentPrincipal,
        runtime: Runtime,
        stream_id: Annotated[str, Query(min_length=1, max_length=300)],
        version: Annotated[int, Query(ge=0, le=MAX_VERSION)],
        wait_ms: Annotated[int, Query(ge=0, le=MAX_WAIT_MS)] = 0,
    ) -> ReadSeen:
        """Waits up to ``wait_ms`` for every read model following the stream to reach the version
        (a command's answer: ``stream_id`` and ``version``)."""
        started = time.monotonic()
        projections = runtime.definition.projections
        token = ReadToken(service, stream_id, version)
        pool = runtime.pool  # the read replica's if the service has one that answers (the GETs' pool)
        replica = pool is not runtime.primary_pool
        left = (await wait_until_seen(pool, projections, [token], wait_ms, store=replica)).get(str(token), [])
        return ReadSeen(
            stream_id=stream_id,
            version=version,
            reached=not left,
            behind=left,
            waited_ms=round((time.monotonic() - started) * 1000),
        )

    return router
