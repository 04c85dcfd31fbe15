"""A live subscription's watch over its token, reading its queue: every event in order, no event
taken by a timer that fired while it waited, and the end when the role is withdrawn."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import GraphQLError

from gateway.ops.subscriptions import while_authorised
from gateway.settings import GatewaySettings
from services.eventkit.auth import Principal, Role
from tests.gateway.test_live_redaction import Hub, context


async def test_what_waits_in_the_queue_is_yielded_in_order() -> None:
    ctx = context(GatewaySettings(), Hub(), Role.OPERATOR)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(5000):
        queue.put_nowait(n)
    got = []
    async for n in while_authorised(ctx, (Role.OPERATOR,), queue):
        got.append(n)
        if len(got) == 5000:
            break
    assert got == list(range(5000))


async def test_an_event_arriving_after_the_timer_fired_is_still_delivered() -> None:
    ctx = context(GatewaySettings(), Hub(), Role.OPERATOR)
    queue: asyncio.Queue[str] = asyncio.Queue()

    async def later() -> None:
        await asyncio.sleep(0.35)  # the 0.1 s check fires three times while the queue is empty
        queue.put_nowait("first")
        await asyncio.sleep(0.15)
        queue.put_nowait("second")

    feeding = asyncio.create_task(later())
    got = []
    async for item in while_authorised(ctx, (Role.OPERATOR,), queue, recheck_s=0.1):
        got.append(item)
        if len(got) == 2:
            break
    await feeding
    assert got == ["first", "second"] and queue.empty()


async def test_a_withdrawn_role_ends_the_subscription_at_the_next_check(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context(GatewaySettings(), Hub(), Role.OPERATOR)
    queue: asyncio.Queue[str] = asyncio.Queue()
    queue.put_nowait("before")

    async def withdrawn(token: str) -> Principal:
        return Principal(subject="op", roles=frozenset([Role.TEACHER]), districts=frozenset(["xinbei"]))

    got: list[Any] = []
    with pytest.raises(GraphQLError, match="no longer holds one of the roles") as error:
        async for item in while_authorised(ctx, (Role.OPERATOR,), queue, recheck_s=0.2):
            got.append(item)
            monkeypatch.setattr(ctx.verifier, "verify", withdrawn)
    assert got == ["before"]
    assert error.value.extensions == {"code": "UNAUTHENTICATED"}
