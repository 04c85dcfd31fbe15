"""Consuming events from Kafka with an exactly-once *effect*.

Kafka delivers at least once. A handler's effect and the record that it happened
commit in one PostgreSQL transaction; the offset is committed to Kafka only
after that. A redelivered event finds its record and does nothing.

A batch is first applied in one transaction. If any event in it fails, the batch
is applied again one event per savepoint, and each failing event goes to the
dead-letter topic with its reason (and to ``dead_letters`` for operators); the
rest of the batch, and the consumer, go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.structs import OffsetAndMetadata

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.errors import ConcurrencyConflict
from services.eventkit.kafka import ensure_topics, make_consumer, make_producer, sleep_or_stop, stop_quietly
from services.eventkit.metrics import CONSUMER_LAG, DEAD_LETTERS, EVENTS_CONSUMED, EVENTS_SKIPPED
from services.eventkit.settings import Settings

log = logging.getLogger(__name__)

# Errors of the infrastructure, not of the event: retry the whole batch later, never dead-letter.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.InvalidCachedStatementError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InternalClientError,  # a connection the server is closing under us
    ConcurrencyConflict,  # another writer moved the stream: apply the batch again on fresh state
)
RESTARTABLE_ERRORS: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, asyncpg.PostgresError)


class EventHandler(Protocol):
    """Something that applies events inside a transaction and remembers what it applied.

    A handler may also offer ``process_batch(conn, envelopes) -> (acted, skipped)``
    (projections do): the runner then hands it a whole batch at once, and falls back to
    :meth:`process`, event by event, only to single out an event that fails.
    """

    name: str

    def wants(self, envelope: Envelope) -> bool: ...

    async def before_batch(self, conn: Connection) -> None: ...

    async def process(self, conn: Connection, envelope: Envelope) -> bool:
        """Applies the event unless already applied; returns whether it acted."""
        ...


class Reaction:
    """Base of a service's reactions to events (its own or another service's).

    Subclasses set ``name`` and ``event_types`` and implement :meth:`handle`,
    which runs in the transaction that also records ``(name, event_id)``.
    """

    name: str = ""
    event_types: frozenset[str] = frozenset()

    def wants(self, envelope: Envelope) -> bool:
        return not self.event_types or envelope.type in self.event_types

    async def before_batch(self, conn: Connection) -> None:
        return None

    async def process(self, conn: Connection, envelope: Envelope) -> bool:
        fresh = await conn.fetchval(
            "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
            self.name,
            envelope.event_id,
        )
        if fresh is None:
            return False
        await self.handle(conn, envelope)
        return True

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        raise NotImplementedError


class ConsumerRunner:
    """Runs one handler as a member of a Kafka consumer group."""

    def __init__(
        self,
        settings: Settings,
        pool: asyncpg.Pool,
        handler: EventHandler,
        topics: Sequence[str],
        *,
        group_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.handler = handler
        self.topics = list(topics)
        self.group_id = group_id or settings.group_of(handler.name)
        self.dlq_topic = settings.dlq_topic
        self.consumer: AIOKafkaConsumer | None = None
        self._dlq: AIOKafkaProducer | None = None
        self.handled = 0
        self.skipped = 0
        self.dead_lettered = 0
        self.assigned = asyncio.Event()
        self.last_lag = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await ensure_topics(self.settings, *self.topics, self.dlq_topic)
                self.consumer = make_consumer(
                    self.settings,
                    *self.topics,
                    group_id=self.group_id,
                    client_id=f"houqin-{self.settings.service}-{self.handler.name}",
                )
                self._dlq = make_producer(self.settings, client_id=f"houqin-{self.settings.service}-dlq")
                await asyncio.wait_for(self.consumer.start(), 60)
                await asyncio.wait_for(self._dlq.start(), 60)
                log.info("consumer started", extra={"group": self.group_id, "topics": self.topics})
                await self._loop(stop)
            except RESTARTABLE_ERRORS as exc:
                log.warning(
                    "consumer lost a dependency; restarting", extra={"group": self.group_id, "error": repr(exc)}
                )
                await sleep_or_stop(stop, 1.0)
            except Exception as exc:
                log.warning("consumer failed; restarting", extra={"group": self.group_id, "error": repr(exc)})
                await sleep_or_stop(stop, 1.0)
            finally:
                self.assigned.clear()
                if self.consumer is not None:
                    await stop_quietly(self.consumer)
                if self._dlq is not None:
                    await stop_quietly(self._dlq)

    async def _loop(self, stop: asyncio.Event) -> None:
        assert self.consumer is not None
        while not stop.is_set():
            batches = await self.consumer.getmany(timeout_ms=200, max_records=self.settings.consumer_batch_size)
            if self.consumer.assignment():
                self.assigned.set()
            ready = {tp: records for tp, records in batches.items() if records}
            if ready:
                await self._handle_batch(ready)
            await self._record_lag()

    async def _handle_batch(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Everything one poll returned (every partition's records, each partition in order)
        in one transaction, then one offset commit for all of them."""
        assert self.consumer is not None
        decoded: list[tuple[ConsumerRecord, Envelope | None, str | None]] = []
        for records in batches.values():
            for record in records:
                try:
                    decoded.append((record, Envelope.from_wire(record.value), None))
                except Exception as exc:
                    decoded.append((record, None, f"undecodable message: {exc}"))
        if any(err is not None for _, _, err in decoded) or not await self._apply_all(decoded):
            await self._apply_one_by_one(decoded)
        # Only after the database commit: offset of the next message to read, per partition.
        await self.consumer.commit(
            {tp: OffsetAndMetadata(records[-1].offset + 1, "") for tp, records in batches.items()}
        )

    async def _apply_all(self, decoded: list[tuple[ConsumerRecord, Envelope | None, str | None]]) -> bool:
        acted = skipped = 0
        wanted = [env for _, env, _ in decoded if env is not None and self.handler.wants(env)]
        if not wanted:
            return True  # nothing here for this handler: no transaction at all
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await self.handler.before_batch(conn)
                process_batch = getattr(self.handler, "process_batch", None)
                if process_batch is not None:  # a projection: the whole batch in a few statements
                    acted, skipped = await process_batch(conn, wanted)
                else:
                    for env in wanted:
                        if await self.handler.process(conn, env):
                            acted += 1
                        else:
                            skipped += 1
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            log.info("batch failed; applying event by event", extra={"group": self.group_id})
            return False
        self._count(acted, skipped)
        return True

    async def _apply_one_by_one(self, decoded: list[tuple[ConsumerRecord, Envelope | None, str | None]]) -> None:
        acted = skipped = 0
        async with self.pool.acquire() as conn, conn.transaction():
            await self.handler.before_batch(conn)
            for record, env, error in decoded:
                if env is not None and not self.handler.wants(env):
                    continue
                if env is not None:
                    try:
                        async with conn.transaction():
                            if await self.handler.process(conn, env):
                                acted += 1
                            else:
                                skipped += 1
                        continue
                    except TRANSIENT_ERRORS:
                        raise
                    except Exception as exc:
                        error = f"{type(exc).__name__}: {exc}"
                await self._dead_letter(conn, record, env, error or "unknown error")
        self._count(acted, skipped)

    async def _dead_letter(self, conn: Connection, record: ConsumerRecord, env: Envelope | None, reason: str) -> None:
        assert self._dlq is not None
        log.error("event dead-lettered", extra={"group": self.group_id, "reason": reason, "offset": record.offset})
        headers = [
            *list(record.headers or []),
            ("dlq_reason", reason.encode()[:4000]),
            ("dlq_consumer", self.group_id.encode()),
            ("dlq_source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        # Delivered before the transaction (and then the offset) commits: never lost.
        await asyncio.wait_for(
            self._dlq.send_and_wait(self.dlq_topic, record.value, key=record.key, headers=headers),
            self.settings.kafka_request_timeout_ms / 1000 + 5,
        )
        await conn.execute(
            'INSERT INTO dead_letters (consumer, topic, partition, "offset", event_id, stream_id, reason, payload) '
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            self.group_id,
            record.topic,
            record.partition,
            record.offset,
            env.event_id if env else None,
            env.stream_id if env else None,
            reason,
            record.value,
        )
        self.dead_lettered += 1
        DEAD_LETTERS.labels(self.group_id).inc()

    def _count(self, acted: int, skipped: int) -> None:
        self.handled += acted
        self.skipped += skipped
        if acted:
            EVENTS_CONSUMED.labels(self.group_id).inc(acted)
        if skipped:
            EVENTS_SKIPPED.labels(self.group_id).inc(skipped)

    async def _record_lag(self) -> None:
        assert self.consumer is not None
        total = 0
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            behind = max(0, high - await self.consumer.position(tp))
            total += behind
            CONSUMER_LAG.labels(self.group_id, tp.topic, str(tp.partition)).set(behind)
        self.last_lag = total
