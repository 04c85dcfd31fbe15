"""The outbox relay: committed events to Kafka, in order within each stream.

- One relay per database is active at a time (a PostgreSQL advisory lock); others
  wait as standbys, so two relays never interleave one stream.
- The outbox is *drained*: a row is deleted only after Kafka acknowledged its event.
  A transaction that commits late with a lower position is still in the table the
  next time round, so it is never skipped (no high-water mark over a sequence).
- Each round sends at most one batch per partition, built in position order (which
  is version order within a stream), and awaits every delivery before deleting. Under
  load (a full round, or appends during it) the deletion rides on the next round's read
  of the outbox; otherwise it is a statement of its own, at once.
  A batch is appended atomically by the broker, so a failure leaves nothing of that
  partition half-sent; the rows stay and are sent again (duplicates are possible
  downstream, loss and reordering are not).
- The relay wakes on ``NOTIFY`` or directly from an append of its own process
  (``services.eventkit.wake``), with a poll as a fallback.
- A record the broker refuses for what it is (too large for the topic, or any error a
  retry cannot mend: :func:`refused_by_broker`) never wedges the relay: the rows of the
  refused batch are sent again one at a time to find it, and it is *parked*
  (``parked_outbox``, an error log, ``houqin_outbox_parked``). Order is kept per stream:
  the stream's later rows stay in the outbox, held back behind the parked one, while
  every other stream (of its partition too) flows on. An operator releases the parked
  row (it goes back to the outbox with its position, so it is sent first of its stream,
  then the held ones) or discards it (its stream flows on without it; the event stays in
  the store, where the service's own projections still read it when they fill a gap),
  either with an audit row (``services.eventkit.operations``).
- Its deletions commit without waiting for the disk (``synchronous_commit = off`` on
  its own connection): a deletion lost in a database crash only sends those events
  again, which every consumer already takes as a redelivery. The events themselves
  are appended by the services' connections, durably. Each round thus spares a flush.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    IllegalOperation,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    KafkaError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    TopicAuthorizationFailedError,
    UnknownProducerId,
)
from aiokafka.partitioner import DefaultPartitioner

from services.eventkit.db import Connection
from services.eventkit.kafka import ensure_topics, make_producer, sleep_or_stop, stop_quietly
from services.eventkit.metrics import (
    EVENTS_PUBLISHED,
    OUTBOX_PARKED,
    OUTBOX_PARKED_TOTAL,
    OUTBOX_PENDING,
    RELAY_FAILURES,
    RELAY_ROUND_EVENTS,
)
from services.eventkit.settings import Settings
from services.eventkit.store import OUTBOX_CHANNEL

log = logging.getLogger(__name__)

# The oldest pending rows first, then each one's event by its key: one index probe per row.
# (A plain join let the planner, with statistics taken while the outbox was full, merge the
# outbox with the whole events table, so every round read every event ever stored.)
_PENDING = """
SELECT o.position, e.stream_id, e.event_id, e.type, e.correlation_id,
       json_build_object(
         'event_id', e.event_id, 'stream_id', e.stream_id, 'version', e.version, 'type', e.type,
         'schema_version', e.schema_version, 'occurred_at', e.occurred_at, 'recorded_at', e.recorded_at,
         'position', e.position, 'district_id', e.district_id, 'school_id', e.school_id,
         'campus_id', e.campus_id, 'actor', e.actor, 'correlation_id', e.correlation_id,
         'causation_id', e.causation_id, 'command_id', e.command_id, 'data', e.data)::text AS envelope
FROM (SELECT position FROM outbox WHERE stream_id <> ALL($2::text[]) {where} ORDER BY position LIMIT $1) o
CROSS JOIN LATERAL (SELECT * FROM events WHERE events.position = o.position LIMIT 1) e
ORDER BY o.position
"""
# $2: the streams held back behind a parked row (usually none).
PENDING_SQL = _PENDING.format(where="")
# The same read, deleting the rows of the last round (acknowledged by Kafka) in the same
# statement: under load, one statement a round instead of two. The read's snapshot still
# sees the rows it deletes, hence the filter.
PENDING_AFTER_SENT_SQL = (
    "WITH sent AS (DELETE FROM outbox WHERE position = ANY($3::bigint[]))\n"
    + _PENDING.format(where="AND position <> ALL($3::bigint[])").strip()
)
# What the relay counts when idle (and at most once a second under load): the pending rows,
# and the streams held back behind a parked row (an operator's release shows here).
_COUNT_SQL = (
    "SELECT (SELECT count(*) FROM outbox) AS pending, "
    "(SELECT coalesce(array_agg(DISTINCT stream_id), '{}') FROM parked_outbox) AS held"
)
PARKED_CHANGED = "parked"
"""The payload of the NOTIFY an operator's release or discard sends: the relay reads its held streams again."""

# Errors of the producer's or the cluster's state, not of the record: never a reason to park it.
_NOT_THE_RECORDS_FAULT: tuple[type[KafkaError], ...] = (
    ProducerFenced,
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    TopicAuthorizationFailedError,
    IllegalOperation,
)


def refused_by_broker(exc: BaseException) -> bool:
    """Whether the broker refused the records themselves (MessageSizeTooLarge,
    RecordListTooLarge, an invalid record or timestamp: a Kafka error a retry cannot
    mend), as opposed to a broker that is away or a producer whose state went stale,
    which a fresh producer retries."""
    return isinstance(exc, KafkaError) and not exc.retriable and not isinstance(exc, _NOT_THE_RECORDS_FAULT)


class RecordsParked(Exception):
    """The broker refused records of a round, which are parked now: the producer's sequence
    numbers for their partitions went on without them, so it is replaced (at once)."""


def relay_lock_key(service: str) -> int:
    return zlib.crc32(f"houqin.relay.{service}".encode())


@dataclass
class RelayStats:
    published: int = 0
    rounds: int = 0
    failures: int = 0
    parked: int = 0


class OutboxRelay:
    def __init__(self, settings: Settings, *, batch_size: int | None = None) -> None:
        self.settings = settings
        self.topic = settings.events_topic
        self.batch_size = batch_size or settings.relay_batch_size
        self.stats = RelayStats()
        self.is_leader = False
        self._wakeup = asyncio.Event()
        self._partitioner = DefaultPartitioner()
        self._counted_at = 0.0
        self.held: list[str] = []  # streams held back behind a parked row
        self._held_changed = False

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until ``stop`` is set; finishes the round in hand before returning."""
        while not stop.is_set():
            conn: Connection | None = None
            producer: AIOKafkaProducer | None = None
            try:
                conn = await self.connect()
                if not await self._become_leader(conn, stop):
                    return
                await conn.add_listener(OUTBOX_CHANNEL, self._on_notify)
                await ensure_topics(self.settings, self.topic)
                producer = make_producer(self.settings, client_id=f"houqin-{self.settings.service}-relay")
                await asyncio.wait_for(producer.start(), self.settings.kafka_request_timeout_ms / 1000)
                log.info("relay started", extra={"topic": self.topic})
                await self._pump(conn, producer, stop)
            except RecordsParked as exc:
                log.info("relay replaces its producer after parking", extra={"error": repr(exc)})
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.stats.failures += 1
                RELAY_FAILURES.labels(self.settings.service).inc()
                log.warning("relay lost a dependency; retrying", extra={"error": repr(exc)})
                await sleep_or_stop(stop, 1.0)
            except Exception as exc:
                self.stats.failures += 1
                RELAY_FAILURES.labels(self.settings.service).inc()
                log.warning("relay failed; retrying", extra={"error": repr(exc)})
                await sleep_or_stop(stop, 1.0)
            finally:
                self.is_leader = False
                if producer is not None:
                    await stop_quietly(producer)
                if conn is not None and not conn.is_closed():
                    await conn.close(timeout=5)

    async def connect(self) -> asyncpg.Connection:
        """The relay's own connection: its deletions need not wait for the disk (see above)."""
        return await asyncpg.connect(
            self.settings.dsn,
            server_settings={
                "synchronous_commit": "off",
                "application_name": f"houqin-{self.settings.service}-relay",
            },
        )

    def _on_notify(self, _conn: object, _pid: object, _channel: object, payload: object) -> None:
        if payload == PARKED_CHANGED:
            self._held_changed = True
        self._wakeup.set()

    def wake(self) -> None:
        """An append of this process committed (``services.eventkit.wake``)."""
        self._wakeup.set()

    async def _become_leader(self, conn: Connection, stop: asyncio.Event) -> bool:
        key = relay_lock_key(self.settings.service)
        while not stop.is_set():
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                self.is_leader = True
                return True
            await sleep_or_stop(stop, 2.0)
        return False

    async def _pump(self, conn: Connection, producer: AIOKafkaProducer, stop: asyncio.Event) -> None:
        partitions = sorted(await producer.partitions_for(self.topic))
        sent: list[int] = []  # acknowledged by Kafka, still in the outbox
        await self._count_pending(conn, now=True)
        while not stop.is_set():
            self._wakeup.clear()
            if self._held_changed:
                await self._count_pending(conn, now=True)
            fetched, sent = await self.publish_round(conn, producer, partitions, sent)
            if (fetched == self.batch_size or len(sent) < fetched or self._wakeup.is_set()) and not stop.is_set():
                continue  # more is waiting: the next round's read deletes these
            if sent:
                await self.mark_sent(conn, sent)
                sent = []
            await self._count_pending(conn, now=fetched == 0)
            waiter = asyncio.ensure_future(self._wakeup.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=self.settings.relay_poll_interval_s, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()

    async def _count_pending(self, conn: Connection, *, now: bool) -> None:
        """``houqin_outbox_pending`` and the held streams: counted when idle, and at most once
        a second under load (so an operator's release is seen within a second, or at once
        by its NOTIFY)."""
        if now or time.monotonic() - self._counted_at >= 1.0:
            self._counted_at = time.monotonic()
            self._held_changed = False
            row = await conn.fetchrow(_COUNT_SQL)
            assert row is not None
            self.held = sorted(row["held"])
            OUTBOX_PENDING.labels(self.settings.service).set(row["pending"])
            OUTBOX_PARKED.labels(self.settings.service).set(len(self.held))

    async def publish_round(
        self, conn: Connection, producer: AIOKafkaProducer, partitions: list[int], sent: list[int] | None = None
    ) -> tuple[int, list[int]]:
        """Publishes one round, first deleting ``sent`` (the last round's, acknowledged) with the
        read; returns how many rows it read and the positions Kafka acknowledged (still in the
        outbox: for the next round, or :meth:`mark_sent`)."""
        if sent:
            rows = await conn.fetch(PENDING_AFTER_SENT_SQL, self.batch_size, self.held, sent)
        else:
            rows = await conn.fetch(PENDING_SQL, self.batch_size, self.held)
        if not rows:
            return 0, []
        self.stats.rounds += 1
        by_partition: dict[int, list[asyncpg.Record]] = defaultdict(list)
        for row in rows:
            key = row["stream_id"].encode()
            by_partition[self._partitioner(key, partitions, partitions)].append(row)

        sends: list[tuple[list[asyncpg.Record], asyncio.Future[object]]] = []
        for partition, prow in by_partition.items():
            batch = producer.create_batch()
            taken: list[asyncpg.Record] = []
            for row in prow:
                meta = batch.append(
                    key=row["stream_id"].encode(), value=row["envelope"].encode(), timestamp=None, headers=_headers(row)
                )
                if meta is None:  # batch full: the rest of this partition waits for the next round
                    break
                taken.append(row)
            if taken:
                fut = await producer.send_batch(batch, self.topic, partition=partition)
                sends.append((taken, fut))

        timeout = self.settings.kafka_request_timeout_ms / 1000 + 5
        results = await asyncio.gather(*(asyncio.wait_for(fut, timeout) for _, fut in sends), return_exceptions=True)
        acknowledged: list[int] = []
        failed: list[BaseException] = []
        refused: list[asyncpg.Record] = []  # the rows of batches the broker refused
        for (taken_rows, _), result in zip(sends, results, strict=True):
            if not isinstance(result, BaseException):
                acknowledged.extend(row["position"] for row in taken_rows)
            elif refused_by_broker(result):
                refused.extend(taken_rows)
            else:
                failed.append(result)
        self._count_published(len(acknowledged))
        if failed or refused:
            # Leave the rows; a fresh producer resends them in order.
            if acknowledged:
                await self.mark_sent(conn, acknowledged)
            if failed:
                raise RuntimeError(f"{len(failed)} partition batch(es) not acknowledged: {failed[0]!r}")
            parked = await self._single_out(conn, refused)
            raise RecordsParked(f"{parked} record(s) parked")
        return len(rows), acknowledged

    def _count_published(self, n: int) -> None:
        if n:
            self.stats.published += n
            EVENTS_PUBLISHED.labels(self.settings.service).inc(n)
            RELAY_ROUND_EVENTS.labels(self.settings.service).observe(n)

    async def _single_out(self, conn: Connection, rows: list[asyncpg.Record]) -> int:
        """Sends the rows of refused batches one at a time, in position order, and parks each
        the broker refuses; a stream's rows after a parked one stay in the outbox, held back.

        The sender is a producer of its own without idempotence: one record at a time and
        awaited, order needs no sequence numbers, and a refused record does not leave a gap
        in them (which would make the broker refuse every later batch of the partition)."""
        single = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap,
            client_id=f"houqin-{self.settings.service}-relay-single",
            acks="all",
            enable_idempotence=False,
            linger_ms=0,
            max_batch_size=self.settings.kafka_max_message_bytes,
            max_request_size=2 * self.settings.kafka_max_message_bytes,
            request_timeout_ms=self.settings.kafka_request_timeout_ms,
        )
        timeout = self.settings.kafka_request_timeout_ms / 1000 + 5
        await asyncio.wait_for(single.start(), timeout)
        held = set(self.held)
        parked = 0
        try:
            partitions = sorted(await single.partitions_for(self.topic))
            for row in sorted(rows, key=lambda r: r["position"]):
                if row["stream_id"] in held:
                    continue  # behind a row parked in this round: stays in the outbox
                batch = single.create_batch()
                batch.append(
                    key=row["stream_id"].encode(), value=row["envelope"].encode(), timestamp=None, headers=_headers(row)
                )
                partition = self._partitioner(row["stream_id"].encode(), partitions, partitions)
                try:
                    await asyncio.wait_for(await single.send_batch(batch, self.topic, partition=partition), timeout)
                except Exception as exc:
                    if not refused_by_broker(exc):
                        raise
                    await self.park(conn, row, exc)
                    held.add(row["stream_id"])
                    parked += 1
                    continue
                await self.mark_sent(conn, [row["position"]])
                self._count_published(1)
        finally:
            await stop_quietly(single)
        self.held = sorted(held)
        OUTBOX_PARKED.labels(self.settings.service).set(len(self.held))
        return parked

    async def park(self, conn: Connection, row: asyncpg.Record, exc: BaseException) -> None:
        """Moves a refused row from the outbox to ``parked_outbox`` (one transaction), with an alert."""
        size = len(row["envelope"].encode())
        reason = f"{type(exc).__name__}: {exc}"
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO parked_outbox (position, stream_id, event_id, type, size_bytes, reason) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (position) DO NOTHING",
                row["position"],
                row["stream_id"],
                row["event_id"],
                row["type"],
                size,
                reason,
            )
            await conn.execute("DELETE FROM outbox WHERE position = $1", row["position"])
        self.stats.parked += 1
        OUTBOX_PARKED_TOTAL.labels(self.settings.service).inc()
        log.error(
            "outbox row parked: the broker refused it; its stream is held back until an operator "
            "releases or discards it",
            extra={
                "alert": "outbox_parked",
                "position": row["position"],
                "stream_id": row["stream_id"],
                "event_id": str(row["event_id"]),
                "event_type": row["type"],
                "size_bytes": size,
                "error": reason,
            },
        )

    async def mark_sent(self, conn: Connection, positions: list[int]) -> None:
        """Kafka acknowledged these: they leave the outbox."""
        await conn.execute("DELETE FROM outbox WHERE position = ANY($1::bigint[])", positions)


def _headers(row: asyncpg.Record) -> list[tuple[str, bytes]]:
    headers = [("type", row["type"].encode()), ("event_id", str(row["event_id"]).encode())]
    if row["correlation_id"]:
        headers.append(("correlation_id", row["correlation_id"].encode()))
    return headers
