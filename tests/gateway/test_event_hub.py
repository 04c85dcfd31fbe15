"""The gateway's live event reader: it reads Kafka only while somebody subscribes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from aiokafka.consumer.fetcher import Fetcher

from gateway.events import EventHub
from gateway.settings import GatewaySettings
from services.eventkit.envelope import Envelope
from services.eventkit.kafka import delete_topics, ensure_topics, make_producer, stop_quietly
from tests.conftest import Infra, eventually


def envelope(stream_id: str) -> Envelope:
    return Envelope(
        event_id=uuid4(),
        stream_id=stream_id,
        version=1,
        type="safety.HazardReported",
        schema_version=1,
        occurred_at=datetime.now(UTC),
        campus_id="main",
    )


async def test_an_idle_hub_pauses_its_partitions_and_a_subscriber_gets_only_what_follows(infra: Infra) -> None:
    settings = GatewaySettings(namespace=f"hub{uuid4().hex[:8]}", kafka_bootstrap=infra.kafka_bootstrap)
    await ensure_topics(settings, *(settings.topic_of(s) for s in ("safety", "inventory", "directory")))
    topic = settings.topic_of("safety")
    producer = make_producer(settings, client_id="hub-test")
    await producer.start()
    hub = EventHub(settings)
    hub.start()
    try:
        await asyncio.wait_for(hub.ready.wait(), 30)
        await eventually(lambda: asyncio.sleep(0, hub.paused_all()), timeout=10)
        assert not hub.live.is_set()

        await producer.send_and_wait(topic, envelope("hazard-before").to_wire(), key=b"hazard-before")
        received: list[str] = []
        subscription = hub.subscribe()

        async def listen() -> None:
            async for _service, env in subscription:
                received.append(env.stream_id)

        listener = asyncio.create_task(listen())
        await asyncio.wait_for(hub.live.wait(), 10)
        assert not hub.paused_all()
        await producer.send_and_wait(topic, envelope("hazard-after").to_wire(), key=b"hazard-after")
        await eventually(lambda: asyncio.sleep(0, "hazard-after" in received), timeout=10)
        assert received == ["hazard-after"]  # nothing written while nobody listened

        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await subscription.aclose()
        assert not hub.subscribers
        await eventually(lambda: asyncio.sleep(0, hub.paused_all() and not hub.live.is_set()), timeout=10)
    finally:
        await hub.stop()
        await stop_quietly(producer)
        await delete_topics(infra.kafka_bootstrap, settings.namespace)


async def test_a_first_subscriber_starts_after_what_was_written_even_when_an_older_offset_answer_arrives_late(
    infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader's first offset lookup (made when it got its partitions, before anything was
    written) is held back until a subscriber has asked for the end; the subscriber must still
    start after what was written meanwhile, not at the older answer."""
    settings = GatewaySettings(namespace=f"hub{uuid4().hex[:8]}", kafka_bootstrap=infra.kafka_bootstrap)
    await ensure_topics(settings, settings.topic_of("safety"))
    topic = settings.topic_of("safety")
    producer = make_producer(settings, client_id="hub-test")
    await producer.start()

    original = Fetcher._proc_offset_request
    first_answer_held = asyncio.Event()
    release = asyncio.Event()
    calls = 0

    async def held_first_answer(self: Fetcher, node_id: int, topic_data: Any) -> Any:
        nonlocal calls
        calls += 1
        answer = await original(self, node_id, topic_data)
        if calls == 1:
            first_answer_held.set()
            await release.wait()
        return answer

    monkeypatch.setattr(Fetcher, "_proc_offset_request", held_first_answer)
    hub = EventHub(settings)
    hub.start()
    received: list[str] = []
    listener: asyncio.Task[None] | None = None
    try:
        await asyncio.wait_for(first_answer_held.wait(), 30)  # answered "the end is 0", not yet delivered
        await eventually(lambda: asyncio.sleep(0, hub.paused_all()), timeout=10)
        await producer.send_and_wait(topic, envelope("hazard-before").to_wire(), key=b"hazard-before")

        async def listen() -> None:
            async for _service, env in hub.subscribe():
                received.append(env.stream_id)

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0.5)  # the subscriber's move to the end is under way
        release.set()
        await asyncio.wait_for(hub.live.wait(), 10)
        await producer.send_and_wait(topic, envelope("hazard-after").to_wire(), key=b"hazard-after")
        await eventually(lambda: asyncio.sleep(0, "hazard-after" in received), timeout=10)
        assert received == ["hazard-after"]
    finally:
        release.set()
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        await hub.stop()
        await stop_quietly(producer)
        await delete_topics(infra.kafka_bootstrap, settings.namespace)
