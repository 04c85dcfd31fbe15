"""Kafka at the fault tests' hands: consumer groups, their offsets, redelivery and rewinds."""

from __future__ import annotations

import json
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from tests.kafka_helpers import read_topic


async def groups_of(bootstrap: str, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return sorted(g[0] for g in await admin.list_consumer_groups() if g[0].startswith(prefix))
    finally:
        await admin.close()


async def group_offsets(bootstrap: str, group_id: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {tp: om.offset for tp, om in (await admin.list_consumer_group_offsets(group_id)).items()}
    finally:
        await admin.close()


async def end_offsets(bootstrap: str, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(list(tps))
        return ends
    finally:
        await consumer.stop()


async def groups_behind(bootstrap: str, groups: Iterable[str]) -> dict[str, int]:
    """Per group, how many records of the partitions it committed to it has not committed past."""
    behind: dict[str, int] = {}
    for group in groups:
        committed = await group_offsets(bootstrap, group)
        ends = await end_offsets(bootstrap, committed)
        lag = sum(max(0, ends[tp] - offset) for tp, offset in committed.items())
        if lag:
            behind[group] = lag
    return behind


async def rewind(bootstrap: str, group_id: str, offset: int = 0) -> list[TopicPartition]:
    """Commits ``offset`` for every partition the group has committed to (the group must be empty)."""
    tps = list(await group_offsets(bootstrap, group_id))
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp in tps})
    finally:
        await consumer.stop()
    return tps


async def redeliver_all(bootstrap: str, topic: str, count: int) -> int:
    """Publishes every record of ``topic`` again, keyed by its stream (so into the same partition,
    after the originals): every event is then delivered twice. Returns how many were sent."""
    records = await read_topic(bootstrap, topic, until=count)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        batch = [
            await producer.send(topic, value, key=json.loads(value)["stream_id"].encode(), headers=headers)
            for _, _, value, headers in records
        ]
        for fut in batch:
            await fut
    finally:
        await producer.stop()
    return len(records)
