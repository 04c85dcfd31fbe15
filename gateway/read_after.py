"""Read your writes through GraphQL: an operation sent with ``Houqin-Read-After`` waits for it.

A mutation answers ``readAfter`` (``<service>:<stream id>@<version>``). A query sent with the
HTTP header ``Houqin-Read-After: <token>[,<token>...]`` (and, if wanted, ``Houqin-Read-Wait-Ms``,
default 2,000, at most 10,000) waits before it runs until every service named has its read models
at those versions (``services.eventkit.read_after``), each service asked at once. It then runs
either way, and says in ``extensions.readAfter`` whether the versions were reached
(``reached``), which tokens were not (``behind``) and how long it waited (``waitedMs``). A header
that is not made of tokens is refused before anything runs: a ``BAD_USER_INPUT`` error naming the
header.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.clients import ServiceError, ServiceUnavailable
from gateway.context import GatewayContext
from services.eventkit.errors import InvalidInput
from services.eventkit.read_after import (
    READ_AFTER_HEADER,
    READ_WAIT_HEADER,
    ReadToken,
    parse_read_after,
    parse_wait_ms,
)
from services.registry import SERVICES


async def _seen(context: GatewayContext, token: ReadToken, wait_ms: int) -> bool:
    try:
        body = await context.caller.get(
            token.service, "/read-models/seen", stream_id=token.stream_id, version=token.version, wait_ms=wait_ms
        )
    except (ServiceError, ServiceUnavailable):
        return False  # not known to be seen: the answer says so rather than failing the query
    return bool(body.get("reached"))


async def wait_for(context: GatewayContext, header: str, wait_header: str | None) -> dict[str, Any]:
    """Waits for the tokens of ``header``; the answer's ``extensions.readAfter``. Raises
    :class:`InvalidInput` for a header that is not tokens of known services."""
    tokens = parse_read_after(header, services=[s.name for s in SERVICES])
    wait_ms = parse_wait_ms(wait_header)
    started = time.monotonic()
    seen = await asyncio.gather(*(_seen(context, t, wait_ms) for t in tokens))
    behind = [str(t) for t, ok in zip(tokens, seen, strict=True) if not ok]
    return {"reached": not behind, "behind": behind, "waitedMs": round((time.monotonic() - started) * 1000)}


class ReadAfter(SchemaExtension):
    """Waits for ``Houqin-Read-After`` before the operation runs, and reports in ``extensions``."""

    outcome: dict[str, Any] | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        header = context.read_after if isinstance(context, GatewayContext) else None
        if header is not None and not execution.result:
            try:
                self.outcome = await wait_for(context, header, context.read_wait)
            except InvalidInput as exc:
                error = GraphQLError(
                    f"{exc.field}: {exc.reason}",
                    extensions={"code": "BAD_USER_INPUT", "field": exc.field, "reason": exc.reason},
                )
                execution.result = ExecutionResult(data=None, errors=[error])
        yield

    def get_results(self) -> dict[str, Any]:
        return {"readAfter": self.outcome} if self.outcome is not None else {}


__all__ = ["READ_AFTER_HEADER", "READ_WAIT_HEADER", "ReadAfter", "wait_for"]
