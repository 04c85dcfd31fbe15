"""Operations' root Subscription: events as they happen, for operators, within their scope.

An event's sensitive fields (a student's health, an injury's details: declared by its
service beside the event) are withheld from an operator who may not read them
(:func:`services.eventkit.redaction.redact`).

A subscription lasts as long as its token: it ends when the token expires, with the error
``token expired`` (extensions ``code: UNAUTHENTICATED``), and it checks the token and the
role again every ``RECHECK_S`` seconds, ending with the same kind of error when they no
longer hold. The client subscribes again with a fresh token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import TypeVar, cast

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.common.live import expiry_of, may_see
from gateway.context import GatewayContext
from gateway.events import EventHub
from gateway.ops.queries import OPERATORS
from gateway.ops.types import LiveEvent
from services.eventkit.auth import Role
from services.eventkit.errors import Unauthenticated
from services.eventkit.redaction import redact_data

Ctx = Info[GatewayContext, None]
T = TypeVar("T")
RECHECK_S = 30.0  # how often a live subscription checks its token and role again


def _id(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value is not None else None


def ended(reason: str) -> GraphQLError:
    return GraphQLError(reason, extensions={"code": "UNAUTHENTICATED"})


async def while_authorised(
    context: GatewayContext, roles: tuple[Role, ...], queue: asyncio.Queue[T], *, recheck_s: float = RECHECK_S
) -> AsyncGenerator[T, None]:
    """The items of ``queue`` until the caller's token expires (or, checked every ``recheck_s``,
    is refused or no longer carries one of ``roles``): then a ``token expired`` error.

    What waits in the queue is taken at once; only an empty queue is waited on, with a timer
    for the next check. (A task and a wait per event cost a busy subscription 30 µs an event.)
    """
    token = context.bearer_token()
    expires_at = expiry_of(token)
    next_check = time.time() + recheck_s
    while True:
        now = time.time()
        if now >= expires_at:
            raise ended("token expired")
        if now >= next_check:
            await _recheck(context, token, roles)
            next_check = now + recheck_s
        try:
            item = queue.get_nowait()
        except asyncio.QueueEmpty:
            try:
                async with asyncio.timeout(min(expires_at, next_check) - now):
                    item = await queue.get()  # a get cut short by the timer takes nothing from the queue
            except TimeoutError:
                continue
        yield item


async def _recheck(context: GatewayContext, token: str | None, roles: tuple[Role, ...]) -> None:
    if token is None:
        raise ended("token expired")
    try:
        principal = await context.verifier.verify(token)
    except Unauthenticated:
        raise ended("token expired") from None
    if not principal.has_role(*roles):
        raise ended(f"{principal.subject} no longer holds one of the roles: {', '.join(roles)}")


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Events as they happen, filtered by service, campus and type (operators)")
    async def events(
        self,
        info: Ctx,
        services: list[str] | None = None,
        campus_id: strawberry.ID | None = None,
        types: list[str] | None = None,
    ) -> AsyncGenerator[LiveEvent, None]:
        principal = await info.context.subscriber(*OPERATORS)
        hub: EventHub = info.context.hub
        async with hub.subscription() as queue:
            async for service, env in while_authorised(info.context, OPERATORS, queue):
                if services and service not in services:
                    continue
                if types and env.type not in types:
                    continue
                if campus_id and env.campus_id != campus_id:
                    continue
                if not may_see(principal, env.campus_id, env.school_id, env.district_id):
                    continue
                yield LiveEvent(
                    service=service,
                    event_id=strawberry.ID(str(env.event_id)),
                    stream_id=env.stream_id,
                    version=env.version,
                    type=env.type,
                    occurred_at=env.occurred_at,
                    recorded_at=env.recorded_at,
                    district_id=_id(env.district_id),
                    school_id=_id(env.school_id),
                    campus_id=_id(env.campus_id),
                    actor=env.actor,
                    correlation_id=env.correlation_id,
                    data=cast(JSON, redact_data(env.type, env.data, principal)),
                )
