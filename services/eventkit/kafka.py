"""Kafka clients with every setting that matters spelled out.

aiokafka's defaults are wrong for an event-sourced system: the producer would
send with ``acks=1`` and no idempotence, the consumer would auto-commit and
start at ``latest``. Every such setting is explicit here. Kafka transactions are
not used: correctness rests on the store, the outbox and tracking rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from services.eventkit.settings import Settings

log = logging.getLogger(__name__)


def make_producer(settings: Settings, *, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        # The relay builds its own batch per partition and round (and the dead-letter producer
        # sends one message at a time): waiting for more records only delays each round.
        linger_ms=0,
        # A batch is at most what the broker accepts (message.max.bytes, 1 MiB by default). A
        # record larger than that still goes alone (aiokafka always takes a batch's first
        # record) and the broker refuses it: the store refuses such events before they are
        # written (settings.max_event_bytes), and the relay parks one that got in anyway.
        max_batch_size=settings.kafka_max_message_bytes,
        max_request_size=2 * settings.kafka_max_message_bytes,
        compression_type=None,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        retry_backoff_ms=200,
        metadata_max_age_ms=60_000,
    )


def make_consumer(
    settings: Settings, *topics: str, group_id: str, client_id: str, listener: ConsumerRebalanceListener | None = None
) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_uncommitted",  # no Kafka transactions are used
        max_poll_records=settings.consumer_batch_size,
        max_poll_interval_ms=300_000,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
        fetch_max_wait_ms=100,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40_000),
        metadata_max_age_ms=60_000,
    )
    if listener is not None:
        consumer.subscribe(topics=list(topics), listener=listener)
    else:
        consumer.subscribe(topics=list(topics))
    return consumer


@asynccontextmanager
async def admin_client(bootstrap: str, timeout_s: float) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await asyncio.wait_for(admin.start(), timeout_s)
    try:
        yield admin
    finally:
        await admin.close()


async def ensure_topics(settings: Settings, *topics: str, timeout_s: float = 30.0) -> None:
    """Creates the topics if they are missing (idempotent), with ``settings.kafka_replication_factor``
    replicas and ``min.insync.replicas`` of ``settings.kafka_min_insync_replicas``. A topic that
    exists is left as it is."""
    async with admin_client(settings.kafka_bootstrap, timeout_s) as admin:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name=t,
                num_partitions=settings.topic_partitions,
                replication_factor=settings.kafka_replication_factor,
                topic_configs={"min.insync.replicas": str(settings.kafka_min_insync_replicas)},
            )
            for t in topics
            if t not in existing
        ]
        if wanted:
            try:
                response = await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                return
            # The broker answers each topic's failure in the response (aiokafka raises none):
            # a replication factor above the brokers' count, say, must not pass unseen (the
            # first record would then create the topic with the broker's defaults).
            failed = [
                f"{error[0]}: {for_code(error[1]).__name__}" + (f" ({error[2]})" if len(error) > 2 and error[2] else "")
                for error in response.topic_errors
                if error[1] not in (0, TopicAlreadyExistsError.errno)
            ]
            if failed:
                raise KafkaError(
                    f"topics not created (replication factor {settings.kafka_replication_factor}, "
                    f"min.insync.replicas {settings.kafka_min_insync_replicas}): {'; '.join(failed)}"
                )
            log.info("topics created", extra={"topics": [t.name for t in wanted]})


async def delete_topics(bootstrap: str, prefix: str, timeout_s: float = 30.0) -> list[str]:
    """Deletes every topic whose name starts with ``prefix`` (a test run's or a benchmark's
    namespace); returns their names. A broker that keeps every run's topics makes each client's
    start-up slower: a client's first metadata request lists all of them."""
    if not prefix:
        raise ValueError("refusing to delete every topic: give a prefix")
    async with admin_client(bootstrap, timeout_s) as admin:
        topics = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if topics:
            await asyncio.wait_for(admin.delete_topics(topics), timeout_s)
        return topics


async def stop_quietly(client: AIOKafkaProducer | AIOKafkaConsumer, timeout_s: float = 10.0) -> None:
    """``stop()`` can hang while the broker is down: bound it."""
    try:
        await asyncio.wait_for(client.stop(), timeout_s)
    except Exception:
        log.warning("kafka client did not stop cleanly", exc_info=True)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Waits ``seconds`` before a retry, or less if the worker is asked to stop."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
