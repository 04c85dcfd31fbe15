"""The live event stream withholds health and injury details from operators who may not read
them, and a subscription ends when its token expires."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx

from gateway.clients import Caller, ServiceClients
from gateway.context import GatewayContext
from gateway.schema import build_schema
from gateway.settings import GatewaySettings
from services.eventkit.auth import Principal, Role, TokenVerifier, mint_token
from services.eventkit.envelope import Envelope
from services.eventkit.redaction import WITHHELD
from services.safety import events as safety_events

INJURY = {
    "injury_id": "inj-1",
    "campus_id": "main",
    "student_id": "yao",
    "class_id": "g6-1",
    "setting": "pe_class",
    "occurred_at": "2020-10-12T02:00:00+00:00",
    "injury": "左手腕扭伤",
    "first_aid": "冰敷并固定",
    "reported_by": "huang",
}
CONDITION = {
    "student_id": "yao",
    "class_id": "g6-1",
    "condition_id": "peanuts",
    "description": "花生过敏",
    "care_instructions": "避免含花生食物",
    "teachers_to_tell": ["huang"],
    "filed_at": "2020-10-12T02:00:00+00:00",
}
QUERY = "subscription { events { type data } }"


def envelope(event_type: str, data: dict[str, Any]) -> Envelope:
    return Envelope(
        event_id=uuid4(),
        stream_id=f"s-{uuid4().hex[:6]}",
        version=1,
        type=event_type,
        schema_version=1,
        occurred_at=datetime.now(UTC),
        district_id="xinbei",
        school_id="xuexiao",
        campus_id="main",
        data=data,
    )


class Hub:
    """The live stream as the subscription reads it: these events, then nothing (it stays open)."""

    def __init__(self, *events: Envelope) -> None:
        self.events = events
        self.closed = asyncio.Event()

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue[tuple[str, Envelope]]]:
        queue: asyncio.Queue[tuple[str, Envelope]] = asyncio.Queue()
        for env in self.events:
            queue.put_nowait(("safety", env))
        try:
            yield queue
        finally:
            self.closed.set()


def context(settings: GatewaySettings, hub: Hub, *roles: Role, ttl_s: int = 3600) -> GatewayContext:
    principal = Principal(subject="op", roles=frozenset(roles), districts=frozenset(["xinbei"]))
    token = mint_token(settings, principal, ttl_s=ttl_s)
    clients = ServiceClients(settings, httpx.MockTransport(lambda _: httpx.Response(503)))
    ctx = GatewayContext(
        settings=settings,
        caller=Caller(clients, None, "test"),
        principal=None,
        correlation_id="test",
        verifier=TokenVerifier(settings),
        hub=hub,
    )
    ctx.connection_params = {"Authorization": f"Bearer {token}"}
    return ctx


async def received(settings: GatewaySettings, ctx: GatewayContext, n: int) -> list[dict[str, Any]]:
    subscription: Any = await build_schema(settings).subscribe(QUERY, context_value=ctx)
    got: list[dict[str, Any]] = []
    try:
        async for result in subscription:
            assert not result.errors, result.errors
            got.append(result.data["events"])
            if len(got) == n:
                break
    finally:
        await subscription.aclose()
    return got


async def test_an_operator_without_the_medical_scope_sees_the_events_with_their_details_withheld() -> None:
    assert safety_events.InjuryReported.sensitive is not None  # declared beside the event
    settings = GatewaySettings()
    events = (envelope("safety.InjuryReported", INJURY), envelope("safety.SpecialConditionRecorded", CONDITION))

    operator = await received(settings, context(settings, Hub(*events), Role.OPERATOR), 2)
    injury, condition = (e["data"] for e in operator)
    assert (injury["injury"], injury["first_aid"]) == (WITHHELD, WITHHELD)
    assert (condition["description"], condition["care_instructions"]) == (WITHHELD, WITHHELD)
    assert (injury["setting"], injury["class_id"], condition["condition_id"]) == ("pe_class", "g6-1", "peanuts")
    assert "左手腕" not in str(operator) and "花生" not in str(operator)

    # an operator who is also the medical room reads both
    medical = await received(settings, context(settings, Hub(*events), Role.OPERATOR, Role.MEDICAL), 2)
    assert [e["data"] for e in medical] == [INJURY, CONDITION]
    # a district admin reads an injury's details (not a student's health)
    admin = await received(settings, context(settings, Hub(*events), Role.DISTRICT_ADMIN), 2)
    assert admin[0]["data"] == INJURY and admin[1]["data"]["description"] == WITHHELD


async def test_a_subscription_ends_when_its_token_expires() -> None:
    settings = GatewaySettings()
    hub = Hub(envelope("safety.HazardReported", {"hazard_id": "h"}))
    schema = build_schema(settings)  # before the token is minted: building it takes a while on a busy machine
    ctx = context(settings, hub, Role.OPERATOR, ttl_s=2)
    subscription: Any = await schema.subscribe(QUERY, context_value=ctx)
    started = time.monotonic()
    results = [result async for result in subscription]
    took = time.monotonic() - started
    assert results[0].data["events"]["type"] == "safety.HazardReported"  # while the token held
    last = results[-1]
    assert last.errors and last.errors[0].message == "token expired", last
    assert last.errors[0].extensions == {"code": "UNAUTHENTICATED"}
    assert 0.5 < took < 5  # at its expiry, not at the next event
    assert hub.closed.is_set()  # and the subscription let go of the stream
