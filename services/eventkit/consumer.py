"""Consuming events from Kafka with an exactly-once *effect*.

Kafka delivers at least once. A handler's effect and the record that it happened
commit in one PostgreSQL transaction; the offset is committed to Kafka only
after that. A redelivered event finds its record and does nothing.

Offsets go to Kafka at most once per ``consumer_commit_interval_s`` (and when the
consumer stops or gives partitions up in a rebalance), not after every batch: the
database, not the offset, is what says what was applied, so an offset committed
late only means more redeliveries that do nothing. A record this handler does not
want (by its key, the stream, and its ``type`` header) is never decoded.

A batch is first applied in one transaction. If any event in it fails, the batch
is applied again one event per savepoint, and each failing event goes to the
dead-letter topic with its reason (and to ``dead_letters`` for operators); the
rest of the batch, and the consumer, go on.

Not every failure is the event's. Two kinds are retried, never dead-lettered, each with
a growing, bounded backoff (``consumer_retry_initial_s`` doubling up to
``consumer_retry_max_s``), an error log marked ``alert`` and ``houqin_consumer_retries_total``:

- an incident of the database (:data:`TRANSIENT_ERRORS`: a connection lost, a read-only or
  shut-down server, a full disk, too many connections, a cancelled query...): the batch's
  partitions go back to its first records and the batch is applied again after the wait,
  so an incident never dead-letters events in bulk;
- an event of a newer ``schema_version`` than this release knows
  (:class:`~services.eventkit.errors.NewerSchemaVersion`, a newer release wrote it): its
  partition waits at that event (what came before it in the batch is kept, the
  partition's offset stays at it, the partition is paused for the backoff) while the
  other partitions go on; once the release that knows the version runs, it applies.

An event a handler cannot apply is an operator's to settle: a projection's stream stays
behind its dead letter until it is skipped or retried (``services.eventkit.operations``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Protocol

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError
from aiokafka.structs import OffsetAndMetadata

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope, tenant_of_message
from services.eventkit.errors import ConcurrencyConflict, NewerSchemaVersion
from services.eventkit.kafka import ensure_topics, make_consumer, make_producer, sleep_or_stop, stop_quietly
from services.eventkit.metrics import (
    CONSUMER_BATCH_EVENTS,
    CONSUMER_HELD,
    CONSUMER_LAG,
    CONSUMER_RETRIES,
    DEAD_LETTERS,
    EVENTS_CONSUMED,
    EVENTS_SKIPPED,
)
from services.eventkit.redaction import redact_text, redact_wire
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
    asyncpg.ReadOnlySQLTransactionError,  # a primary turned standby in a failover, a database set read-only
    asyncpg.InsufficientResourcesError,  # disk full, out of memory, too many connections
    asyncpg.exceptions.OperatorInterventionError,  # query cancelled, admin or crash shutdown
    asyncpg.LockNotAvailableError,  # lock_timeout: another transaction holds the rows
    asyncpg.exceptions.PostgresSystemError,  # an I/O error of the server
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

    def wants_message(self, stream_id: str, event_type: str) -> bool:
        """Whether a record may be wanted, from its key and ``type`` header alone (before decoding it)."""
        ...

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
        return self.wants_message(envelope.stream_id, envelope.type)

    def wants_message(self, stream_id: str, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

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
    """Runs one or more handlers as one member of a Kafka consumer group.

    Several handlers (a service's projections) share one consumer: each record is
    fetched and decoded once, and a batch's effects on every handler commit in one
    transaction. Each handler still keeps its own record of what it applied, and an
    event that fails in one handler is dead-lettered for that handler alone.
    """

    def __init__(
        self,
        settings: Settings,
        pool: asyncpg.Pool,
        handlers: Sequence[EventHandler],
        topics: Sequence[str],
        *,
        group_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.handlers = list(handlers)
        if not self.handlers:
            raise ValueError("a consumer needs at least one handler")
        self.topics = list(topics)
        self.group_id = group_id or settings.group_of(self.handlers[0].name)
        self.dlq_topic = settings.dlq_topic
        self.consumer: AIOKafkaConsumer | None = None
        self._dlq: AIOKafkaProducer | None = None
        self.handled = 0
        self.skipped = 0
        self.dead_lettered = 0
        self.assigned = asyncio.Event()
        self.last_lag = 0
        self._uncommitted: dict[TopicPartition, int] = {}
        self._committed_at = 0.0
        # Partitions waiting at an event of a newer schema version: its offset and the attempts so far,
        # and when each paused one is resumed.
        self._held: dict[TopicPartition, tuple[int, int]] = {}
        self._paused_until: dict[TopicPartition, float] = {}
        self._restarts = 0
        self.retries = 0

    def backoff(self, attempt: int) -> float:
        """Seconds before attempt ``attempt + 1``: doubling from the initial wait, bounded."""
        initial, most = self.settings.consumer_retry_initial_s, self.settings.consumer_retry_max_s
        return float(min(most, initial * 2 ** min(attempt - 1, 30)))

    def label(self, handler: EventHandler | None) -> str:
        """Who applied an event, in metrics and dead letters: the group, and the handler if it
        shares one (none for a record that no handler could read)."""
        return self.group_id if handler is None or len(self.handlers) == 1 else f"{self.group_id}/{handler.name}"

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await ensure_topics(self.settings, *self.topics, self.dlq_topic)
                self.consumer = make_consumer(
                    self.settings,
                    *self.topics,
                    group_id=self.group_id,
                    client_id=f"houqin-{self.settings.service}-{self.group_id.rsplit('.', 1)[-1]}",
                    listener=_CommitOnRevoke(self),
                )
                self._dlq = make_producer(self.settings, client_id=f"houqin-{self.settings.service}-dlq")
                await asyncio.wait_for(self.consumer.start(), 60)
                await asyncio.wait_for(self._dlq.start(), 60)
                log.info("consumer started", extra={"group": self.group_id, "topics": self.topics})
                await self._loop(stop)
            except RESTARTABLE_ERRORS as exc:
                self._restarts += 1
                log.warning(
                    "consumer lost a dependency; restarting", extra={"group": self.group_id, "error": repr(exc)}
                )
                await sleep_or_stop(stop, self.backoff(self._restarts))
            except Exception as exc:
                self._restarts += 1
                log.warning("consumer failed; restarting", extra={"group": self.group_id, "error": repr(exc)})
                await sleep_or_stop(stop, self.backoff(self._restarts))
            finally:
                self.assigned.clear()
                if self.consumer is not None:
                    await stop_quietly(self.consumer)
                if self._dlq is not None:
                    await stop_quietly(self._dlq)

    async def _loop(self, stop: asyncio.Event) -> None:
        assert self.consumer is not None
        self._uncommitted.clear()
        self._held.clear()
        self._paused_until.clear()
        CONSUMER_HELD.labels(self.group_id).set(0)
        self._committed_at = time.monotonic()
        failures = 0
        while not stop.is_set():
            self._resume_due()
            batches = await self.consumer.getmany(timeout_ms=200, max_records=self.settings.consumer_batch_size)
            if self.consumer.assignment():
                self.assigned.set()
            ready = {tp: records for tp, records in batches.items() if records}
            if ready:
                try:
                    await self._handle_batch(ready)
                    failures = self._restarts = 0
                except TRANSIENT_ERRORS as exc:
                    failures += 1
                    await self._apply_again_later(ready, exc, failures, stop)
            if time.monotonic() - self._committed_at >= self.settings.consumer_commit_interval_s:
                await self.commit_offsets()
                await self._record_lag()
        await self.commit_offsets()

    async def _apply_again_later(
        self, ready: dict[TopicPartition, list[ConsumerRecord]], exc: BaseException, attempt: int, stop: asyncio.Event
    ) -> None:
        """A database incident: nothing of the batch was kept; its partitions go back to its
        first records, read again after the backoff."""
        assert self.consumer is not None
        assigned = self.consumer.assignment()
        for tp, records in ready.items():
            if tp in assigned:
                self.consumer.seek(tp, records[0].offset)
        delay = self.backoff(attempt)
        self.retries += 1
        CONSUMER_RETRIES.labels(self.group_id, type(exc).__name__).inc()
        log.error(
            "consumer could not apply a batch (a database incident): it applies it again after the wait",
            extra={
                "alert": "consumer_retrying",
                "group": self.group_id,
                "error": repr(exc),
                "attempt": attempt,
                "retry_in_s": delay,
            },
        )
        await sleep_or_stop(stop, delay)

    def _hold(self, tp: TopicPartition, record: ConsumerRecord, exc: NewerSchemaVersion) -> None:
        """The partition waits at ``record`` (an event of a newer schema version), paused for the backoff."""
        assert self.consumer is not None
        offset, attempts = self._held.get(tp, (record.offset, 0))
        attempt = attempts + 1 if offset == record.offset else 1
        self._held[tp] = (record.offset, attempt)
        delay = self.backoff(attempt)
        self.consumer.seek(tp, record.offset)
        self.consumer.pause(tp)
        self._paused_until[tp] = time.monotonic() + delay
        self.retries += 1
        CONSUMER_RETRIES.labels(self.group_id, "newer_schema_version").inc()
        CONSUMER_HELD.labels(self.group_id).set(len(self._held))
        log.error(
            "an event of a newer schema version than this release knows: its partition waits for the "
            "release that knows it (retried with backoff, never dead-lettered)",
            extra={
                "alert": "consumer_newer_schema_version",
                "group": self.group_id,
                "event_type": exc.event_type,
                "schema_version": exc.version,
                "known_version": exc.known,
                "topic": tp.topic,
                "partition": tp.partition,
                "offset": record.offset,
                "attempt": attempt,
                "retry_in_s": delay,
            },
        )

    def _resume_due(self) -> None:
        if not self._paused_until:
            return
        assert self.consumer is not None
        now, assigned = time.monotonic(), self.consumer.assignment()
        for tp, until in list(self._paused_until.items()):
            if now >= until:
                del self._paused_until[tp]
                if tp in assigned:
                    self.consumer.resume(tp)

    def _passed(self, tp: TopicPartition) -> None:
        if self._held.pop(tp, None) is not None:
            log.warning("a held partition goes on: the event of a newer schema version applied",
                        extra={"group": self.group_id, "partition": tp.partition})  # fmt: skip
            CONSUMER_HELD.labels(self.group_id).set(len(self._held))

    async def _handle_batch(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Everything one poll returned (every partition's records, each partition in order)
        in one transaction; their offsets are committed after it, with the next due commit.
        A partition held at an event of a newer schema version keeps its offset there."""
        decoded: list[tuple[ConsumerRecord, Envelope | None, str | None]] = []
        CONSUMER_BATCH_EVENTS.labels(self.group_id).observe(sum(len(records) for records in batches.values()))
        for records in batches.values():
            for record in records:
                if not self._may_want(record):
                    continue
                try:
                    decoded.append((record, Envelope.from_wire(record.value), None))
                except Exception as exc:
                    decoded.append((record, None, f"undecodable message: {exc}"))
        held: dict[TopicPartition, tuple[ConsumerRecord, NewerSchemaVersion]] = {}
        if decoded and (any(err is not None for _, _, err in decoded) or not await self._apply_all(decoded)):
            held = await self._apply_one_by_one(decoded)
        # Only after the database commit: offset of the next message to read, per partition.
        for tp, records in batches.items():
            if tp in held:
                waiting, newer = held[tp]
                self._uncommitted[tp] = waiting.offset
                self._hold(tp, waiting, newer)
            else:
                self._uncommitted[tp] = records[-1].offset + 1
                self._passed(tp)

    def _may_want(self, record: ConsumerRecord) -> bool:
        if record.key is None:
            return True
        for name, value in record.headers or ():
            if name == "type":
                key, event_type = record.key.decode(), value.decode()
                return any(h.wants_message(key, event_type) for h in self.handlers)
        return True

    async def commit_offsets(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commits the offsets of what was applied (of ``partitions``, or all)."""
        self._committed_at = time.monotonic()
        if self.consumer is None or not self._uncommitted:
            return
        tps = list(self._uncommitted) if partitions is None else [tp for tp in partitions if tp in self._uncommitted]
        if not tps:
            return
        offsets = {tp: self._uncommitted[tp] for tp in tps}
        try:
            await self.consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
        except CommitFailedError as exc:  # the group moved on: the partitions' next owner redelivers, a no-op
            log.info("offset commit refused after a rebalance", extra={"group": self.group_id, "error": repr(exc)})
        for tp, offset in offsets.items():
            if self._uncommitted.get(tp) == offset:
                del self._uncommitted[tp]

    async def give_up(self, revoked: Iterable[TopicPartition]) -> None:
        """A rebalance takes these partitions: their applied offsets go with them, then are forgotten."""
        revoked = list(revoked)
        try:
            await self.commit_offsets(revoked)
        except Exception as exc:  # the new owner redelivers from the last commit: a no-op
            log.info("offset commit on revoke failed", extra={"group": self.group_id, "error": repr(exc)})
        for tp in revoked:
            self._uncommitted.pop(tp, None)
            self._held.pop(tp, None)
            self._paused_until.pop(tp, None)
        CONSUMER_HELD.labels(self.group_id).set(len(self._held))

    async def _apply_all(self, decoded: list[tuple[ConsumerRecord, Envelope | None, str | None]]) -> bool:
        envelopes = [env for _, env, _ in decoded if env is not None]
        work = [(h, wanted) for h in self.handlers if (wanted := [env for env in envelopes if h.wants(env)])]
        if not work:
            return True  # nothing here for these handlers: no transaction at all
        counts: list[tuple[EventHandler, int, int]] = []
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                for handler, wanted in work:
                    await handler.before_batch(conn)
                    acted = skipped = 0
                    process_batch = getattr(handler, "process_batch", None)
                    if process_batch is not None:  # a projection: the whole batch in a few statements
                        acted, skipped = await process_batch(conn, wanted)
                    else:
                        for env in wanted:
                            if await handler.process(conn, env):
                                acted += 1
                            else:
                                skipped += 1
                    counts.append((handler, acted, skipped))
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            log.info("batch failed; applying event by event", extra={"group": self.group_id})
            return False
        for handler, acted, skipped in counts:
            self._count(handler, acted, skipped)
        return True

    async def _apply_one_by_one(
        self, decoded: list[tuple[ConsumerRecord, Envelope | None, str | None]]
    ) -> dict[TopicPartition, tuple[ConsumerRecord, NewerSchemaVersion]]:
        """Each event in each handler in a savepoint of its own, so that one failing is set aside
        alone. Returns the partitions held at an event of a newer schema version (neither that
        event nor any after it in its partition is applied now, nor dead-lettered)."""
        counts = {id(h): [0, 0] for h in self.handlers}
        held: dict[TopicPartition, tuple[ConsumerRecord, NewerSchemaVersion]] = {}
        async with self.pool.acquire() as conn, conn.transaction():
            for handler in self.handlers:
                await handler.before_batch(conn)
            for record, env, error in decoded:
                tp = TopicPartition(record.topic, record.partition)
                if tp in held:
                    continue
                if env is None:  # undecodable: no handler can have it
                    await self._dead_letter(conn, None, record, None, error or "unknown error")
                    continue
                for handler in self.handlers:
                    if not handler.wants(env):
                        continue
                    try:
                        async with conn.transaction():
                            counts[id(handler)][0 if await handler.process(conn, env) else 1] += 1
                        continue
                    except TRANSIENT_ERRORS:
                        raise
                    except NewerSchemaVersion as exc:
                        held[tp] = (record, exc)
                        break
                    except Exception as exc:
                        reason = f"{type(exc).__name__}: {exc}"
                    await self._dead_letter(conn, handler, record, env, reason)
        for handler in self.handlers:
            acted, skipped = counts[id(handler)]
            self._count(handler, acted, skipped)
        return held

    async def _dead_letter(
        self,
        conn: Connection,
        handler: EventHandler | None,
        record: ConsumerRecord,
        env: Envelope | None,
        reason: str,
    ) -> None:
        assert self._dlq is not None
        consumer = self.label(handler)
        # Health and injury details are withheld from the dead letter, its reason and the log (the
        # event itself stays whole in its topic and its service's store: dlq_source says where).
        reason = redact_text(reason, record.value)
        payload = redact_wire(record.value)
        log.error("event dead-lettered", extra={"consumer": consumer, "reason": reason, "offset": record.offset})
        headers = [
            *list(record.headers or []),
            ("dlq_reason", reason.encode()[:4000]),
            ("dlq_consumer", consumer.encode()),
            ("dlq_source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        # Delivered before the transaction (and then the offset) commits: never lost.
        await asyncio.wait_for(
            self._dlq.send_and_wait(self.dlq_topic, payload, key=record.key, headers=headers),
            self.settings.kafka_request_timeout_ms / 1000 + 5,
        )
        tenant = env.tenant if env is not None else tenant_of_message(payload)
        await conn.execute(
            'INSERT INTO dead_letters (consumer, topic, partition, "offset", event_id, stream_id, reason, payload, '
            "district_id, school_id, campus_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            consumer,
            record.topic,
            record.partition,
            record.offset,
            env.event_id if env else None,
            env.stream_id if env else None,
            reason,
            payload,
            tenant.district_id,
            tenant.school_id,
            tenant.campus_id,
        )
        self.dead_lettered += 1
        DEAD_LETTERS.labels(consumer).inc()

    def _count(self, handler: EventHandler, acted: int, skipped: int) -> None:
        self.handled += acted
        self.skipped += skipped
        if acted:
            EVENTS_CONSUMED.labels(self.label(handler)).inc(acted)
        if skipped:
            EVENTS_SKIPPED.labels(self.label(handler)).inc(skipped)

    async def _record_lag(self) -> None:
        """How far behind the partition ends this consumer is (refreshed with each due offset commit)."""
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


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Gives up partitions with their applied offsets committed, so the next owner starts there."""

    def __init__(self, runner: ConsumerRunner) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self.runner.give_up(revoked)

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        return None
