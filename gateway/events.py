"""The live event stream for operators: one Kafka reader per gateway, fanned out to subscribers.

The reader joins no consumer group and starts at the end of each topic (a live
view, not a replay). Each subscription gets its own bounded queue; a subscriber
too slow to keep up loses the oldest events rather than slowing everyone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator

from aiokafka import AIOKafkaConsumer

from gateway.settings import SERVICES, GatewaySettings
from services.eventkit.envelope import Envelope
from services.eventkit.kafka import stop_quietly

log = logging.getLogger(__name__)
QUEUE_SIZE = 1000
# Student health data is for the medical room only, on the live stream too.
HEALTH_EVENT_MARKERS = ("HealthRecord", "SpecialCondition")


class EventHub:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.topics = {settings.topic_of(service): service for service in SERVICES}
        self.subscribers: set[asyncio.Queue[tuple[str, Envelope]]] = set()
        self.ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-hub")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 15)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()

    async def _run(self) -> None:
        while not self._stop.is_set():
            consumer = AIOKafkaConsumer(
                *self.topics,
                bootstrap_servers=self.settings.kafka_bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
                metadata_max_age_ms=5_000,
            )
            try:
                await asyncio.wait_for(consumer.start(), 30)
                while not self._stop.is_set():
                    batches = await consumer.getmany(timeout_ms=200)
                    if consumer.assignment():
                        self.ready.set()
                    for tp, records in batches.items():
                        service = self.topics.get(tp.topic, tp.topic)
                        for record in records:
                            try:
                                envelope = Envelope.from_wire(record.value)
                            except Exception:
                                continue
                            self._publish(service, envelope)
            except Exception as exc:
                log.warning("event hub lost Kafka; retrying", extra={"error": repr(exc)})
                self.ready.clear()
                try:
                    await asyncio.wait_for(self._stop.wait(), 2)
                except TimeoutError:
                    pass
            finally:
                await stop_quietly(consumer)

    def _publish(self, service: str, envelope: Envelope) -> None:
        for queue in list(self.subscribers):
            if queue.full():
                queue.get_nowait()  # drop the oldest for a slow subscriber
            queue.put_nowait((service, envelope))

    async def subscribe(self) -> AsyncGenerator[tuple[str, Envelope], None]:
        queue: asyncio.Queue[tuple[str, Envelope]] = asyncio.Queue(QUEUE_SIZE)
        self.subscribers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self.subscribers.discard(queue)
