"""The relay never wedges on a record the broker refuses: it parks it, holds its stream, and
sends every other stream on; an operator releases or discards it, audited. Real Kafka: the
topic accepts at most 20,000 bytes a record batch (``max.message.bytes``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiokafka.admin import NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client import REGISTRY

from services.eventkit.envelope import Envelope
from services.eventkit.kafka import admin_client
from services.eventkit.operations import discard_parked, parked_rows, release_parked
from services.eventkit.relay import OutboxRelay
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore
from tests.conftest import SettingsFactory, eventually
from tests.eventkit.test_relay import migrated
from tests.kafka_helpers import envelopes_of, read_topic

TOPIC_LIMIT = 20_000


def note(stream: str, version: int, size: int = 100) -> Envelope:
    return Envelope(
        event_id=uuid4(), stream_id=stream, version=version, type="test.Noted", schema_version=1,
        occurred_at=datetime.now(UTC), data={"text": "x" * size},
    )  # fmt: skip


async def set_limit(settings: Settings, limit: int, *, create: bool = False) -> None:
    async with admin_client(settings.kafka_bootstrap, 30) as admin:
        if create:
            topic = NewTopic(
                name=settings.events_topic, num_partitions=settings.topic_partitions, replication_factor=1,
                topic_configs={"max.message.bytes": str(limit)},
            )  # fmt: skip
            await admin.create_topics([topic])
        else:
            resource = ConfigResource(
                ConfigResourceType.TOPIC, settings.events_topic, {"max.message.bytes": str(limit)}
            )
            await admin.alter_configs([resource])


def sample(name: str, settings: Settings) -> float:
    return REGISTRY.get_sample_value(name, {"service": settings.service}) or 0.0


@pytest_asyncio.fixture
async def relayed(make_settings: SettingsFactory) -> AsyncIterator[tuple[Settings, asyncpg.Pool, OutboxRelay]]:
    settings = await make_settings(
        "directory", namespace_suffix=f"park{uuid4().hex[:6]}", kafka_max_message_bytes=TOPIC_LIMIT
    )
    await set_limit(settings, TOPIC_LIMIT, create=True)
    pool = await migrated(settings)
    relay = OutboxRelay(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    yield settings, pool, relay
    stop.set()
    await asyncio.wait_for(task, 30)
    await pool.close()


def same_partition(stream: str, partitions: int, *, same: bool) -> str:
    every = list(range(partitions))
    part = DefaultPartitioner()
    home = part(stream.encode(), every, every)
    return next(s for i in range(200) if (part((s := f"{stream}-{i}").encode(), every, every) == home) == same)


async def versions_on_topic(settings: Settings, until: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for env in envelopes_of(await read_topic(settings.kafka_bootstrap, settings.events_topic, until=until)):
        out.setdefault(env.stream_id, []).append(env.version)
    return out


async def test_a_refused_record_is_parked_its_stream_held_and_the_rest_flows(
    relayed: tuple[Settings, asyncpg.Pool, OutboxRelay], caplog: pytest.LogCaptureFixture
) -> None:
    settings, pool, relay = relayed
    store = EventStore(pool, max_event_bytes=10**7)  # as if written before the store's limit was lowered
    a = "note-a"
    b = same_partition(a, settings.topic_partitions, same=True)  # another stream of the same partition
    c = same_partition(a, settings.topic_partitions, same=False)
    parked_before = sample("houqin_outbox_parked_total", settings)
    with caplog.at_level(logging.ERROR, logger="services.eventkit.relay"):
        await store.append(a, 0, [note(a, 1)])
        await store.append(b, 0, [note(b, 1)])
        await store.append(a, 1, [note(a, 2, size=30_000)])  # larger than the topic takes
        await store.append(b, 1, [note(b, 2)])
        await store.append(a, 2, [note(a, 3)])
        await store.append(c, 0, [note(c, 1)])
        await store.append(b, 2, [note(b, 3)])

        async def parked_and_held() -> bool:
            parked = await pool.fetchval("SELECT count(*) FROM parked_outbox")
            outbox = await pool.fetch("SELECT stream_id FROM outbox")
            return parked == 1 and [r["stream_id"] for r in outbox] == [a]

        await eventually(parked_and_held)
    [row] = await parked_rows(pool)  # type: ignore[arg-type]
    assert (row.stream_id, row.type, row.held_behind) == (a, "test.Noted", 1)
    assert row.size_bytes > TOPIC_LIMIT and "MessageSizeTooLarge" in row.reason
    assert sample("houqin_outbox_parked_total", settings) == parked_before + 1
    assert relay.held == [a]  # (houqin_outbox_parked_streams: other relays of the process share its label)
    assert any(getattr(r, "alert", None) == "outbox_parked" for r in caplog.records)

    # every other stream went out, in order, that of the parked one's partition too; a waits at v1
    assert await versions_on_topic(settings, until=5) == {a: [1], b: [1, 2, 3], c: [1]}
    await asyncio.sleep(1.0)  # more rounds change nothing: a's v3 stays behind its v2
    assert [r["stream_id"] for r in await pool.fetch("SELECT stream_id FROM outbox")] == [a]

    # the broker's limit is raised; the operator releases the row: v2 then v3 go out
    await set_limit(settings, 200_000)
    async with pool.acquire() as conn:
        released = await release_parked(conn, row.position, actor="ops-duty", reason="max.message.bytes raised")
    await eventually(lambda: _empty(pool))
    assert (await versions_on_topic(settings, until=7))[a] == [1, 2, 3]

    # a record still refused after that is discarded: its stream flows on without it
    d = "note-d"
    await store.append(d, 0, [note(d, 1, size=300_000)])
    await store.append(d, 1, [note(d, 2)])
    await eventually(lambda: _parked(pool, d))
    assert [r["stream_id"] for r in await pool.fetch("SELECT stream_id FROM outbox")] == [d]
    position = await pool.fetchval("SELECT position FROM parked_outbox WHERE stream_id = $1", d)
    async with pool.acquire() as conn:
        discarded = await discard_parked(conn, position, actor="ops-duty", reason="a scan too large to publish")
    await eventually(lambda: _empty(pool))
    assert (await versions_on_topic(settings, until=8))[d] == [2]
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", d) == 2  # kept in the store

    audit = await pool.fetch("SELECT id, actor, action, target, reason FROM operations_audit ORDER BY id")
    assert [(r["id"], r["actor"], r["action"], r["target"]) for r in audit] == [
        (released.audit_id, "ops-duty", "outbox.release", f"outbox/{row.position}"),
        (discarded.audit_id, "ops-duty", "outbox.discard", f"outbox/{position}"),
    ]
    assert relay.stats.parked == 2 and relay.held == []


async def _empty(pool: asyncpg.Pool) -> bool:
    n = await pool.fetchval("SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM parked_outbox)")
    return bool(n == 0)


async def _parked(pool: asyncpg.Pool, stream: str) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM parked_outbox WHERE stream_id = $1", stream) == 1)
