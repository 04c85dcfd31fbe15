"""A live subscription's watch over its token, reading its queue: every event in order, no event
taken by a timer that fired while it waited, and the end when the role is withdrawn."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from graphql import GraphQLError
from graphql.execution.collect_fields import FieldDetails

from gateway.ops.subscriptions import while_authorised
from gateway.schema import build_schema
from gateway.settings import GatewaySettings
from services.eventkit.auth import Principal, Role
from services.eventkit.envelope import Envelope
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


class QueueHub:
    """The live stream as a subscription reads it: a queue the test fills."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, Envelope]] = asyncio.Queue()

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue[tuple[str, Envelope]]]:
        yield self.queue


def probe(n: int) -> Envelope:
    return Envelope(
        event_id=uuid4(), stream_id=f"hazard-{n}", version=1, type="safety.BenchProbed", schema_version=1,
        occurred_at=datetime.now(UTC), district_id="xinbei", campus_id="main", actor="op", data={"n": n},
    )  # fmt: skip


def field_details_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FieldDetails))


async def test_a_long_subscription_keeps_no_memory_per_event() -> None:
    """Each event's execution used to leave its root fields in the subscription's memory of
    subfields (graphql-core keys it by the list's identity, new for each event)."""
    settings = GatewaySettings()
    hub = QueueHub()
    ctx = context(settings, Hub(), Role.PLATFORM_ADMIN)
    ctx.hub = hub  # type: ignore[assignment]
    subscription: Any = await build_schema(settings).subscribe(
        "subscription { events { type data } }", context_value=ctx
    )

    async def stream(first: int, n: int) -> None:
        for i in range(first, first + n):
            hub.queue.put_nowait(("safety", probe(i)))
        for i in range(first, first + n):
            result = await anext(subscription)
            assert result.data["events"]["data"] == {"n": i}, result

    await stream(0, 100)
    before = field_details_alive()
    await stream(100, 2000)
    assert field_details_alive() - before < 50
    await subscription.aclose()
