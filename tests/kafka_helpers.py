"""Reading what really reached Kafka, for assertions."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.eventkit.envelope import Envelope


async def read_topic(
    bootstrap: str, topic: str, *, until: int, timeout: float = 60.0
) -> list[tuple[int, int, bytes, list[tuple[str, bytes]]]]:
    """Every record of ``topic`` from the beginning, once at least ``until`` distinct ones arrived.

    Returns ``(partition, offset, value, headers)`` in partition/offset order.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        partitions: set[int] | None = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                await consumer._client.force_metadata_update()
                await asyncio.sleep(0.2)
        assert partitions is not None, f"topic {topic} does not exist"
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[tuple[int, int, bytes, list[tuple[str, bytes]]]] = []
        seen: set[bytes] = set()
        while time.monotonic() < deadline:
            ends = await consumer.end_offsets(tps)
            while time.monotonic() < deadline and not await _reached(consumer, ends):
                batch = await consumer.getmany(timeout_ms=300)
                for tp, msgs in batch.items():
                    for m in msgs:
                        records.append((tp.partition, m.offset, m.value, list(m.headers)))
                        seen.add(m.value)
            if len(seen) >= until:
                break
            await asyncio.sleep(0.2)
        records.sort(key=lambda r: (r[0], r[1]))
        return records
    finally:
        await consumer.stop()


def envelopes_of(records: Iterable[tuple[int, int, bytes, list[tuple[str, bytes]]]]) -> list[Envelope]:
    return [Envelope.from_wire(value) for _, _, value, _ in records]


def check_stream_order(envelopes: Iterable[Envelope]) -> dict[str, int]:
    """Asserts that, per stream, each first sight of a version is the next version.

    Duplicates (a republish) are allowed; a gap or a step back to an unseen version is not.
    Returns the highest version seen per stream.
    """
    highest: dict[str, int] = defaultdict(int)
    for env in envelopes:
        if env.version <= highest[env.stream_id]:
            continue  # a duplicate of something already seen
        assert env.version == highest[env.stream_id] + 1, (
            f"{env.stream_id}: saw version {env.version} after {highest[env.stream_id]}"
        )
        highest[env.stream_id] = env.version
    return dict(highest)


async def produce_raw(
    bootstrap: str, topic: str, *values: tuple[bytes | None, bytes], headers: list[tuple[str, bytes]] | None = None
) -> None:
    """Sends raw records (key, value): duplicates, garbage, whatever a test needs."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in values:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def _reached(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True
