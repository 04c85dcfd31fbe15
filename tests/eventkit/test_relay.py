"""The outbox relay against real PostgreSQL and real Kafka."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY

from services.directory.events import DistrictRegistered, TermScheduled
from services.eventkit.db import Connection
from services.eventkit.envelope import DomainEvent, TenantPath, new_envelope
from services.eventkit.kafka import ensure_topics, make_producer
from services.eventkit.processes import ServiceProcess
from services.eventkit.relay import PENDING_SQL, OutboxRelay
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore
from tests.conftest import SettingsFactory, eventually
from tests.kafka_helpers import check_stream_order, envelopes_of, read_topic

TENANT = TenantPath(district_id="xinbei", school_id="xuexiao")


def term(n: int) -> TermScheduled:
    return TermScheduled(
        school_id="xuexiao", term_id=f"t{n}", name=f"t{n}", starts_on=date(2020, 9, 1), ends_on=date(2021, 1, 31)
    )


async def append(store: EventStore, stream: str, version: int, *events: DomainEvent) -> None:
    envs = [new_envelope(e, stream_id=stream, version=version + i, tenant=TENANT) for i, e in enumerate(events, 1)]
    await store.append(stream, version, envs)


async def write_streams(store: EventStore, streams: int, per_stream: int, *, prefix: str = "school") -> int:
    """Appends ``per_stream`` events to each stream, interleaving streams, from several writers."""

    async def writer(ids: list[int]) -> None:
        for v in range(per_stream):
            for i in ids:
                await append(store, f"{prefix}-{i}", v, term(v))

    await asyncio.gather(*(writer(list(range(k, streams, 4))) for k in range(4)))
    return streams * per_stream


async def migrated(settings: Settings) -> asyncpg.Pool:
    from services.directory.service import DIRECTORY
    from services.eventkit.runtime import ServiceRuntime

    runtime = ServiceRuntime(DIRECTORY, settings)
    await runtime.open()
    return runtime.pool


async def run_relay(settings: Settings, pool: asyncpg.Pool, *, batch_size: int | None = None) -> None:
    """Runs an in-process relay until the outbox is empty."""
    stop = asyncio.Event()
    relay = OutboxRelay(settings, batch_size=batch_size)
    task = asyncio.create_task(relay.run(stop))
    try:
        await eventually(lambda: _outbox_empty(pool), timeout=60)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _outbox_empty(pool: asyncpg.Pool) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM outbox") == 0)


async def test_every_committed_event_reaches_kafka_in_stream_order(make_settings: SettingsFactory) -> None:
    settings = await make_settings("directory", namespace_suffix="relay1")
    pool = await migrated(settings)
    store = EventStore(pool)
    total = await write_streams(store, streams=20, per_stream=25)
    rounds_before = sample("houqin_relay_round_events_count", service=settings.service)
    events_before = sample("houqin_relay_round_events_sum", service=settings.service)
    await run_relay(settings, pool, batch_size=64)
    # rounds of at most 64, every event counted once
    assert sample("houqin_relay_round_events_sum", service=settings.service) - events_before == total
    assert sample("houqin_relay_round_events_count", service=settings.service) - rounds_before >= total / 64

    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=total)
    envs = envelopes_of(records)
    assert {e.event_id for e in envs} == {r["event_id"] for r in await pool.fetch("SELECT event_id FROM events")}
    assert len(envs) == total  # each once: no round read rows an earlier one had sent
    assert check_stream_order(envs) == {f"school-{i}": 25 for i in range(20)}
    # keyed by stream: a stream lives in one partition
    partitions_of: dict[str, set[int]] = {}
    for (partition, _, _, headers), env in zip(records, envs, strict=True):
        partitions_of.setdefault(env.stream_id, set()).add(partition)
        assert dict(headers)["type"] == env.type.encode()
    assert all(len(p) == 1 for p in partitions_of.values())
    await pool.close()


async def test_a_transaction_committing_late_with_a_lower_position_is_published(
    make_settings: SettingsFactory,
) -> None:
    settings = await make_settings("directory", namespace_suffix="relay2")
    pool = await migrated(settings)
    store = EventStore(pool)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(OutboxRelay(settings).run(stop))
    try:
        async with pool.acquire() as slow, slow.transaction():
            # takes the lower position, but does not commit yet
            await store.append(
                "district-slow",
                0,
                [new_envelope(DistrictRegistered(district_id="slow", name="s"), stream_id="district-slow", version=1)],
                conn=slow,
            )
            for i in range(5):
                await append(store, f"district-fast{i}", 0, DistrictRegistered(district_id=f"f{i}", name="f"))
            # the fast ones went out (the slow one's row is not visible yet)
            await eventually(lambda: _outbox_empty(pool), timeout=30)
            assert await pool.fetchval("SELECT count(*) FROM events") == 5
        # now the slow one commits, with the lowest position of all
        await eventually(lambda: _outbox_empty(pool), timeout=30)
    finally:
        stop.set()
        await asyncio.wait_for(relay_task, 30)
    positions = {r["stream_id"]: r["position"] for r in await pool.fetch("SELECT stream_id, position FROM events")}
    assert positions["district-slow"] == min(positions.values())
    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=6)
    assert sorted(e.stream_id for e in envelopes_of(records)) == sorted(positions)
    await pool.close()


async def test_under_load_a_rounds_deletion_rides_on_the_next_read(make_settings: SettingsFactory) -> None:
    settings = await make_settings("directory", namespace_suffix="relaymerge")
    pool = await migrated(settings)
    total = await write_streams(EventStore(pool), streams=5, per_stream=2)
    relay = OutboxRelay(settings, batch_size=4)
    conn = await relay.connect()
    await ensure_topics(settings, settings.events_topic)
    producer = make_producer(settings, client_id="test-relay-merge")
    await producer.start()
    try:
        partitions = sorted(await producer.partitions_for(settings.events_topic))
        read, sent = await relay.publish_round(conn, producer, partitions)
        assert read == len(sent) == 4
        assert await pool.fetchval("SELECT count(*) FROM outbox") == total  # acknowledged, not yet deleted
        read, sent_next = await relay.publish_round(conn, producer, partitions, sent)
        assert read == len(sent_next) == 4 and not set(sent) & set(sent_next)
        assert await pool.fetchval("SELECT count(*) FROM outbox") == total - 4
        read, last = await relay.publish_round(conn, producer, partitions, sent_next)
        assert read == len(last) == total - 8
        await relay.mark_sent(conn, last)
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        await producer.stop()
        await conn.close()
    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=total)
    assert len(records) == total  # every event once
    await pool.close()


class DiesBeforeMarking(OutboxRelay):
    """A relay that publishes a round and dies before it can mark the rows sent."""

    async def mark_sent(self, conn: Connection, positions: list[int]) -> None:
        raise ConnectionResetError("killed between publishing and marking")


async def test_a_relay_dying_between_publishing_and_marking_republishes(make_settings: SettingsFactory) -> None:
    settings = await make_settings("directory", namespace_suffix="relay3")
    pool = await migrated(settings)
    store = EventStore(pool)
    total = await write_streams(store, streams=5, per_stream=4, prefix="district")

    stop = asyncio.Event()
    dying = DiesBeforeMarking(settings)
    task = asyncio.create_task(dying.run(stop))
    await eventually(lambda: asyncio.sleep(0, dying.stats.failures >= 1), timeout=30)
    stop.set()
    await asyncio.wait_for(task, 30)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == total  # nothing marked

    await run_relay(settings, pool)
    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=total)
    envs = envelopes_of(records)
    assert len(envs) >= 2 * total  # published twice: duplicates, never loss
    assert check_stream_order(envs) == {f"district-{i}": 4 for i in range(5)}
    await pool.close()


@pytest.mark.slow
async def test_a_relay_killed_mid_publish_then_restarted_loses_nothing(make_settings: SettingsFactory) -> None:
    settings = await make_settings("directory", namespace_suffix="relay4")
    pool = await migrated(settings)
    store = EventStore(pool)
    total = await write_streams(store, streams=60, per_stream=50)  # 3,000 events
    relay = ServiceProcess("directory", settings, mode="relay", env={"HOUQIN_RELAY_BATCH_SIZE": "40"})
    relay.start()
    try:
        # kill it once it is well into the outbox, but far from done
        await eventually(lambda: _outbox_between(pool, 300, total - 300), timeout=60, interval=0.005)
        relay.kill()
        left = await pool.fetchval("SELECT count(*) FROM outbox")
        assert 0 < left < total

        # more events arrive while no relay runs
        more = await write_streams(store, streams=60, per_stream=0) + 0
        for i in range(60):
            await append(store, f"school-{i}", 50, term(50))
        more += 60

        relay.start()
        await eventually(lambda: _outbox_empty(pool), timeout=120)
    finally:
        await relay.close()
    assert relay.popen is not None and relay.popen.returncode == 0, "the relay should stop cleanly on SIGTERM"

    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=total + more)
    envs = envelopes_of(records)
    stored = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM events")}
    assert len(stored) == total + more
    assert {e.event_id for e in envs} == stored
    assert check_stream_order(envs) == {f"school-{i}": 51 for i in range(60)}
    await pool.close()


async def _outbox_between(pool: asyncpg.Pool, low: int, high: int) -> bool:
    n = await pool.fetchval("SELECT count(*) FROM outbox")
    return bool(low <= n <= high)


async def test_a_relay_round_reads_only_the_pending_events_however_large_the_store(
    make_settings: SettingsFactory,
) -> None:
    """The planner, trusting statistics taken while the outbox was full, once merged the
    outbox with the whole events table: every round read every event ever stored."""
    settings = await make_settings("relayplan")
    pool = await migrated(settings)
    try:
        await pool.execute(
            "INSERT INTO events (event_id, stream_id, version, type, schema_version, occurred_at, data) "
            "SELECT gen_random_uuid(), 'hazard-' || i, 1, 'safety.HazardReported', 1, now(), '{}'::jsonb "
            "FROM generate_series(1, 20000) i"
        )
        await pool.execute("INSERT INTO outbox (position, stream_id) SELECT position, stream_id FROM events")
        await pool.execute("ANALYZE outbox")
        await pool.execute("ANALYZE events")
        await pool.execute("DELETE FROM outbox WHERE position <= (SELECT max(position) - 16 FROM events)")

        plan = await pool.fetchval(
            "EXPLAIN (ANALYZE, FORMAT JSON) "
            + PENDING_SQL.replace("$1", str(OutboxRelay(settings).batch_size)).replace("$2", "'{}'")
        )
        events_read = sum(node.get("Actual Rows", 0) * node.get("Actual Loops", 1) for node in _scans(plan, "events"))
        assert events_read == 16, plan
    finally:
        await pool.close()


def _scans(plan: object, relation: str) -> list[dict[str, Any]]:
    """Every node of a JSON plan that reads ``relation``."""
    import json

    found: list[dict[str, Any]] = []
    stack = [json.loads(plan) if isinstance(plan, str) else plan]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("Relation Name") == relation:
                found.append(node)
            stack.extend(v for v in node.values() if isinstance(v, list | dict))
    return found


async def test_the_relays_deletions_do_not_wait_for_the_disk_but_appends_do(make_settings: SettingsFactory) -> None:
    settings = await make_settings("directory")
    pool = await migrated(settings)
    relay_conn = await OutboxRelay(settings).connect()
    try:
        assert await relay_conn.fetchval("SHOW synchronous_commit") == "off"
        async with pool.acquire() as conn:  # the services' appends keep the durable default
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
    finally:
        await relay_conn.close()
        await pool.close()
