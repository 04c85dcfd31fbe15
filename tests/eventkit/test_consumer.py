"""Consuming with an exactly-once effect, and dead letters, on real Kafka and PostgreSQL.

The consumer here is the one every service runs to know the directory: the
DirectoryMirror, in a database of its own, fed by the directory's real events.
Its class headcounts are increments, so an event applied twice would show.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

import asyncpg
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from prometheus_client import REGISTRY

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.directory.events import Admission
from services.directory.student import EnrollStudent
from services.eventkit.consumer import ConsumerRunner, Reaction
from services.eventkit.db import KIT_MIGRATIONS, Connection, create_pool, migrate
from services.eventkit.envelope import Envelope
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore
from tests.conftest import SettingsFactory, eventually
from tests.eventkit.test_relay import migrated, run_relay
from tests.kafka_helpers import produce_raw, read_topic
from tests.seeding import Directory, ctx, seed_school


@dataclass
class World:
    directory: Settings
    directory_pool: asyncpg.Pool
    mirror: Settings
    mirror_pool: asyncpg.Pool

    @property
    def topic(self) -> str:
        return self.directory.events_topic

    def runner(self) -> ConsumerRunner:
        return ConsumerRunner(self.mirror, self.mirror_pool, [DirectoryMirror()], [self.topic])


async def start(runner: ConsumerRunner) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.wait_for(runner.assigned.wait(), 60)
    return stop, task


async def stop(handle: tuple[asyncio.Event, asyncio.Task[None]]) -> None:
    handle[0].set()
    await asyncio.wait_for(handle[1], 30)


async def headcount(pool: asyncpg.Pool, class_id: str = "g6-1") -> int | None:
    value: int | None = await pool.fetchval("SELECT students FROM directory_classes WHERE class_id = $1", class_id)
    return value


@pytest_asyncio.fixture
async def world(make_settings: SettingsFactory) -> AsyncIterator[World]:
    suffix = f"consume{uuid4().hex[:6]}"
    directory = await make_settings("directory", namespace_suffix=suffix)
    directory_pool = await migrated(directory)
    await seed_school(Directory(EventStore(directory_pool)), students=10)
    await run_relay(directory, directory_pool)

    mirror = await make_settings("mirror", namespace_suffix=suffix)
    mirror_pool = await create_pool(mirror.dsn)
    async with mirror_pool.acquire() as conn:
        await migrate(conn, KIT_MIGRATIONS, MIRROR_MIGRATIONS)
    yield World(directory, directory_pool, mirror, mirror_pool)
    await directory_pool.close()
    await mirror_pool.close()


async def test_a_redelivered_event_acts_once(world: World) -> None:
    runner = world.runner()
    handle = await start(runner)
    await eventually(lambda: _equals(headcount(world.mirror_pool), 10))
    events_in_store = await world.directory_pool.fetchval("SELECT count(*) FROM events")
    assert runner.handled == events_in_store
    # each batch is counted with its size (houqin_consumer_batch_events)
    batched = REGISTRY.get_sample_value("houqin_consumer_batch_events_sum", {"consumer": runner.group_id})
    assert batched == events_in_store

    # every record of the topic delivered a second time
    records = await read_topic(world.directory.kafka_bootstrap, world.topic, until=events_in_store)
    await produce_raw(world.directory.kafka_bootstrap, world.topic, *((None, value) for _, _, value, _ in records))
    await eventually(lambda: _skipped_all(world.mirror_pool, runner, events_in_store))
    await stop(handle)
    assert await headcount(world.mirror_pool) == 10
    assert await world.mirror_pool.fetchval("SELECT students FROM directory_campuses WHERE campus_id = 'main'") == 10
    assert runner.handled == events_in_store  # nothing acted twice


async def _skipped_all(pool: asyncpg.Pool, runner: ConsumerRunner, n: int) -> bool:
    assert runner.consumer is not None
    count = await pool.fetchval("SELECT count(*) FROM processed_events")
    return runner.last_lag == 0 and count == n


async def test_a_restart_before_the_offset_commit_redelivers_with_no_effect(world: World) -> None:
    runner = world.runner()
    handle = await start(runner)
    await eventually(lambda: _equals(headcount(world.mirror_pool), 10))
    await stop(handle)

    # as if the process died after its database commit and before committing offsets
    await _rewind_group(world.mirror, runner.group_id, world.topic)

    again = world.runner()
    handle = await start(again)
    events_in_store = await world.directory_pool.fetchval("SELECT count(*) FROM events")
    await eventually(lambda: asyncio.sleep(0, again.skipped == events_in_store))  # all of it redelivered
    await stop(handle)
    assert again.handled == 0
    assert await headcount(world.mirror_pool) == 10


async def _rewind_group(settings: Settings, group_id: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        await consumer.commit({tp: OffsetAndMetadata(0, "") for tp in tps})
    finally:
        await consumer.stop()


async def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_consumer_goes_on(world: World) -> None:
    runner = world.runner()
    handle = await start(runner)
    await eventually(lambda: _equals(headcount(world.mirror_pool), 10))

    built = await world.directory_pool.fetchrow(
        "SELECT json_build_object('event_id', gen_random_uuid(), 'stream_id', 'student-x', 'version', 1, "
        "'type', 'directory.StudentEnrolled', 'schema_version', 1, 'occurred_at', now(), "
        "'data', json_build_object('student_id', 'x'))::text AS j"
    )
    assert built is not None
    broken_event = json.loads(built["j"])
    await produce_raw(
        world.directory.kafka_bootstrap,
        world.topic,
        (b"student-garbage", b"\x00 this is not an event"),
        (b"student-x", json.dumps(broken_event).encode()),
    )
    # and then a real enrolment, after the poison
    h = Directory(EventStore(world.directory_pool))
    await h.send(
        "enroll_student",
        EnrollStudent(
            student_id="late",
            name="插班生",
            class_id="g6-1",
            admission=Admission.TRANSFER,
            on=date(2020, 10, 8),
        ),
        ctx(),
    )
    await run_relay(world.directory, world.directory_pool)
    await eventually(lambda: _equals(headcount(world.mirror_pool), 11))
    await stop(handle)

    # the two poisons are on different partitions (their keys differ): dead-lettered in either order
    dead = await world.mirror_pool.fetch("SELECT stream_id, reason FROM dead_letters ORDER BY id")
    assert len(dead) == 2
    broken = [d for d in dead if d["stream_id"] == "student-x"]
    assert len(broken) == 1 and "ValidationError" in broken[0]["reason"]
    garbage = [d for d in dead if d["stream_id"] != "student-x"]
    assert len(garbage) == 1 and "undecodable" in garbage[0]["reason"]
    assert runner.dead_lettered == 2

    dlq = await read_topic(world.mirror.kafka_bootstrap, world.mirror.dlq_topic, until=2)
    reasons = [dict(headers)["dlq_reason"].decode() for *_, headers in dlq]
    assert len(reasons) == 2 and any("undecodable" in r for r in reasons)
    assert all(dict(headers)["dlq_consumer"] == runner.group_id.encode() for *_, headers in dlq)


async def _equals(value: object, expected: object) -> bool:
    if asyncio.iscoroutine(value):
        value = await value
    return value == expected


async def test_a_record_of_a_type_the_handler_does_not_want_is_never_decoded(world: World) -> None:
    runner = world.runner()
    handle = await start(runner)
    await eventually(lambda: _equals(headcount(world.mirror_pool), 10))
    garbage = b"\x00 not an event"
    # by its type header, not the mirror's: skipped unread, so not even a dead letter
    await produce_raw(world.directory.kafka_bootstrap, world.topic, (b"hazard-x", garbage),
                      headers=[("type", b"safety.HazardReported")])  # fmt: skip
    # by its type header, the mirror's: read, found broken, dead-lettered
    await produce_raw(world.directory.kafka_bootstrap, world.topic, (b"student-y", garbage),
                      headers=[("type", b"directory.StudentEnrolled")])  # fmt: skip
    await eventually(lambda: asyncio.sleep(0, runner.dead_lettered == 1))
    await eventually(lambda: asyncio.sleep(0, runner.last_lag == 0))
    await stop(handle)
    dead = await world.mirror_pool.fetch("SELECT topic, reason FROM dead_letters")
    assert len(dead) == 1 and "undecodable" in dead[0]["reason"]
    assert await world.mirror_pool.fetchval("SELECT count(*) FROM dead_letters WHERE stream_id = 'hazard-x'") == 0


async def _committed(settings: Settings, group_id: str, topic: str) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic) or set()
        return {p: await consumer.committed(TopicPartition(topic, p)) for p in sorted(partitions)}
    finally:
        await consumer.stop()


async def _ends(settings: Settings, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or set())]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def test_offsets_are_committed_once_per_interval_and_when_the_consumer_stops(world: World) -> None:
    world.mirror = world.mirror.model_copy(update={"consumer_commit_interval_s": 3600.0})
    runner = world.runner()
    handle = await start(runner)
    await eventually(lambda: _equals(headcount(world.mirror_pool), 10))
    ends = await _ends(world.directory, world.topic)
    # applied, but the interval has not passed: nothing committed yet
    assert all(o is None for o in (await _committed(world.mirror, runner.group_id, world.topic)).values())
    await stop(handle)
    committed = await _committed(world.mirror, runner.group_id, world.topic)
    assert {p: o for p, o in committed.items() if ends[p]} == {p: e for p, e in ends.items() if e}


async def test_partitions_given_up_in_a_rebalance_carry_their_offsets_to_the_next_owner(world: World) -> None:
    world.mirror = world.mirror.model_copy(update={"consumer_commit_interval_s": 3600.0})
    first = world.runner()
    first_handle = await start(first)
    await eventually(lambda: _equals(headcount(world.mirror_pool), 10))
    events_in_store = await world.directory_pool.fetchval("SELECT count(*) FROM events")
    assert first.handled == events_in_store

    second = world.runner()
    second_handle = await start(second)  # the group rebalances: the first gives partitions up
    await eventually(lambda: asyncio.sleep(0, bool(second.consumer and second.consumer.assignment())))
    await asyncio.sleep(1.0)
    await stop(second_handle)
    await stop(first_handle)
    # the second started where the first had got to: nothing redelivered to it
    assert second.handled == 0 and second.skipped == 0
    assert await headcount(world.mirror_pool) == 10


class Fussy(Reaction):
    """Records every event, except that it fails on one stream."""

    name = "fussy"

    def __init__(self, refuses: str) -> None:
        self.refuses = refuses

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        if envelope.stream_id == self.refuses:
            raise ValueError(f"refuses {envelope.stream_id}")


async def test_handlers_sharing_a_consumer_each_apply_every_event_and_a_failure_stays_with_its_handler(
    world: World,
) -> None:
    poisoned = await world.directory_pool.fetchval(
        "SELECT stream_id FROM events WHERE type = 'directory.StudentEnrolled' ORDER BY position LIMIT 1"
    )
    runner = ConsumerRunner(world.mirror, world.mirror_pool, [DirectoryMirror(), Fussy(poisoned)], [world.topic])
    handle = await start(runner)
    events_in_store = await world.directory_pool.fetchval("SELECT count(*) FROM events")
    await eventually(lambda: _equals(headcount(world.mirror_pool), 10))
    await eventually(lambda: asyncio.sleep(0, runner.handled == 2 * events_in_store - 1))
    # a record nobody can read is the consumer's own dead letter, no handler's
    await produce_raw(world.directory.kafka_bootstrap, world.topic, (b"student-garbage", b"\x00 not an event"))
    await eventually(lambda: asyncio.sleep(0, runner.dead_lettered == 2))
    await stop(handle)

    per_handler = {
        r["consumer"]: r["count"]
        for r in await world.mirror_pool.fetch("SELECT consumer, count(*) FROM processed_events GROUP BY 1")
    }
    assert per_handler == {DirectoryMirror.name: events_in_store, "fussy": events_in_store - 1}
    dead = await world.mirror_pool.fetch("SELECT consumer, stream_id, reason FROM dead_letters ORDER BY id")
    assert [(r["consumer"], r["stream_id"]) for r in dead] == [
        (f"{runner.group_id}/fussy", poisoned),
        (runner.group_id, None),
    ]
    assert "refuses" in dead[0]["reason"] and "undecodable" in dead[1]["reason"]


async def test_a_service_runs_its_projections_in_one_consumer(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    from services.safety.service import SAFETY

    svc = await start_service(SAFETY, await make_settings("safety", namespace_suffix=f"one{uuid4().hex[:6]}"))
    shared = [r for r in svc.runtime.runners if r.group_id == svc.settings.group_of("projections")]
    assert len(shared) == 1 and shared[0].handlers == list(SAFETY.projections)
    assert all(len(r.handlers) == 1 for r in svc.runtime.runners if r is not shared[0])  # the reactions
