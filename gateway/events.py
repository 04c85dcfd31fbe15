"""The live event stream for operators: one Kafka reader per gateway, fanned out to subscribers.

The reader joins no consumer group and starts at the end of each topic (a live
view, not a replay). Each subscription gets its own bounded queue; a subscriber
too slow to keep up loses the oldest events rather than slowing everyone.

While nobody subscribes, the reader keeps its partitions but pauses them, so an
idle gateway neither fetches nor decodes the district's events (fetching and
decoding every event took as much of the gateway's CPU as its queries did). The
first subscriber moves every partition to its end and resumes them; its
subscription starts once that is done, so it sees every event written after.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, TopicPartition

from gateway.settings import SERVICES, GatewaySettings
from services.eventkit.envelope import Envelope
from services.eventkit.kafka import stop_quietly

log = logging.getLogger(__name__)
QUEUE_SIZE = 1000
IDLE_CHECK_S = 0.2


class EventHub:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.topics = {settings.topic_of(service): service for service in SERVICES}
        self.subscribers: set[asyncio.Queue[tuple[str, Envelope]]] = set()
        self.ready = asyncio.Event()  # the reader has its partitions
        self.live = asyncio.Event()  # ... and reads them, for the subscribers
        self._wanted = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    def paused_all(self) -> bool:
        """Whether the reader holds partitions and reads none of them (nobody subscribes)."""
        consumer = self._consumer
        return consumer is not None and bool(consumer.assignment()) and consumer.paused() == consumer.assignment()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="event-hub")

    async def stop(self) -> None:
        self._stop.set()
        self._wanted.set()
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
            self._consumer = consumer
            try:
                await asyncio.wait_for(consumer.start(), 30)
                while not self._stop.is_set():
                    await self._follow_subscribers(consumer)
                    if not self.live.is_set():
                        await self._idle()
                        continue
                    batches = await consumer.getmany(timeout_ms=200)
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
                self.live.clear()
                try:
                    await asyncio.wait_for(self._stop.wait(), 2)
                except TimeoutError:
                    pass
            finally:
                await stop_quietly(consumer)

    async def _follow_subscribers(self, consumer: AIOKafkaConsumer) -> None:
        """Pauses every partition while nobody listens; for a first subscriber, skips to the end and resumes."""
        assigned = consumer.assignment()
        if assigned:
            self.ready.set()
        if not self.subscribers:
            self.live.clear()
            if assigned - consumer.paused():  # a topic created since also waits, paused
                consumer.pause(*assigned)
            return
        if not self.live.is_set():
            if not assigned:
                return  # no partition yet (its topic is still to be created): the next round
            await self._move_to_end(consumer, assigned)
            consumer.resume(*assigned)
            self.live.set()
            return
        fresh = consumer.paused()
        if fresh:  # a topic created while live: read it from its end too
            await self._move_to_end(consumer, fresh)
            consumer.resume(*fresh)

    @staticmethod
    async def _move_to_end(consumer: AIOKafkaConsumer, partitions: set[TopicPartition]) -> None:
        """Asks the broker for each partition's end now and moves there.

        Not `seek_to_end`: it waits for whichever offset lookup answers next, and the lookup the
        reader made when it got its partitions (before anything was written meanwhile) can still
        be on its way; its older answer would hand the subscriber events written before it came.
        """
        ends = await consumer.end_offsets(list(partitions))
        for partition, offset in ends.items():
            consumer.seek(partition, offset)

    async def _idle(self) -> None:
        self._wanted.clear()
        if self.subscribers or self._stop.is_set():
            return
        try:
            await asyncio.wait_for(self._wanted.wait(), IDLE_CHECK_S)
        except TimeoutError:
            pass

    def _publish(self, service: str, envelope: Envelope) -> None:
        for queue in list(self.subscribers):
            if queue.full():
                queue.get_nowait()  # drop the oldest for a slow subscriber
            queue.put_nowait((service, envelope))

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue[tuple[str, Envelope]]]:
        """A subscriber's queue, from once the stream is live until the block ends: a reader that
        takes what is waiting without a wait of its own per event (a busy subscription's share)."""
        queue: asyncio.Queue[tuple[str, Envelope]] = asyncio.Queue(QUEUE_SIZE)
        self.subscribers.add(queue)
        self._wanted.set()
        try:
            await self.live.wait()
            yield queue
        finally:
            self.subscribers.discard(queue)

    async def subscribe(self) -> AsyncGenerator[tuple[str, Envelope], None]:
        async with self.subscription() as queue:
            while True:
                yield await queue.get()
