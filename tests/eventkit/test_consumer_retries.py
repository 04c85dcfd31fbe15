"""What a consumer retries instead of dead-lettering, on real Kafka and PostgreSQL.

- An event of a newer schema version than the running release knows holds its partition
  (retried with a growing backoff, alerted and counted, never dead-lettered); the other
  partitions go on, and once the release that knows the version runs, it applies, in order.
- A database incident (read-only, disk full, cancelled query, admin shutdown, too many
  connections: real SQLSTATEs, raised by a trigger) is retried, never dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiokafka.partitioner import DefaultPartitioner
from prometheus_client import REGISTRY

from services.eventkit.consumer import ConsumerRunner, Reaction
from services.eventkit.db import KIT_MIGRATIONS, Connection, create_pool, migrate
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry
from services.eventkit.kafka import ensure_topics
from services.eventkit.settings import Settings
from tests.conftest import SettingsFactory, eventually
from tests.kafka_helpers import produce_raw

RELEASE_1 = EventRegistry()
RELEASE_2 = EventRegistry()


@RELEASE_1.register("notes.Noted", version=1)
class Noted(DomainEvent):
    text: str


@RELEASE_2.register("notes.Noted", version=2)
class NotedV2(DomainEvent):
    text: str
    mood: str


@RELEASE_2.upcaster("notes.Noted", 1)
def _add_mood(data: dict[str, object]) -> dict[str, object]:
    return data | {"mood": "plain"}


class NoteTaker(Reaction):
    name = "note-taker"
    event_types = frozenset({"notes.Noted"})

    def __init__(self, registry: EventRegistry) -> None:
        self.registry = registry  # the running release's

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        event = self.registry.decode(envelope)
        await conn.execute(
            "INSERT INTO notes (event_id, stream_id, text) VALUES ($1, $2, $3)",
            envelope.event_id,
            envelope.stream_id,
            event.text,  # type: ignore[attr-defined]
        )


@dataclass
class Notes:
    settings: Settings
    pool: asyncpg.Pool

    @property
    def topic(self) -> str:
        return self.settings.topic_of("notes")

    async def send(self, stream: str, version: int, text: str, *, schema_version: int = 1) -> str:
        data: dict[str, object] = {"text": text}
        if schema_version == 2:
            data["mood"] = "glad"
        env = Envelope(
            event_id=uuid4(), stream_id=stream, version=version, type="notes.Noted", schema_version=schema_version,
            occurred_at=datetime.now(UTC), data=data,
        )  # fmt: skip
        await produce_raw(
            self.settings.kafka_bootstrap, self.topic, (stream.encode(), env.to_wire()),
            headers=[("type", b"notes.Noted")],
        )  # fmt: skip
        return str(env.event_id)

    async def texts(self) -> list[str]:
        return [r["text"] for r in await self.pool.fetch("SELECT text FROM notes ORDER BY seq")]

    async def dead(self) -> int:
        return int(await self.pool.fetchval("SELECT count(*) FROM dead_letters"))


@pytest_asyncio.fixture
async def notes(make_settings: SettingsFactory) -> AsyncIterator[Notes]:
    settings = await make_settings(
        "notes",
        namespace_suffix=f"retry{uuid4().hex[:6]}",
        consumer_retry_initial_s=0.2,
        consumer_retry_max_s=1.0,
    )
    pool = await create_pool(settings.dsn)
    async with pool.acquire() as conn:
        await migrate(conn, KIT_MIGRATIONS)
        await conn.execute(
            "CREATE TABLE notes (seq bigint GENERATED ALWAYS AS IDENTITY, event_id uuid PRIMARY KEY, "
            "stream_id text NOT NULL, text text NOT NULL)"
        )
    await ensure_topics(settings, settings.topic_of("notes"))
    yield Notes(settings, pool)
    await pool.close()


async def running(runner: ConsumerRunner) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.wait_for(runner.assigned.wait(), 60)
    return stop, task


def retries(runner: ConsumerRunner, reason: str) -> float:
    return (
        REGISTRY.get_sample_value("houqin_consumer_retries_total", {"consumer": runner.group_id, "reason": reason})
        or 0.0
    )


def other_partition(stream: str, partitions: int) -> str:
    """A stream whose events land on another partition than ``stream``'s."""
    every = list(range(partitions))
    partitioner = DefaultPartitioner()
    home = partitioner(stream.encode(), every, every)
    return next(s for i in range(100) if partitioner((s := f"note-{i}").encode(), every, every) != home)


async def test_an_event_of_a_newer_schema_version_waits_for_the_release_that_knows_it(
    notes: Notes, caplog: pytest.LogCaptureFixture
) -> None:
    taker = NoteTaker(RELEASE_1)
    runner = ConsumerRunner(notes.settings, notes.pool, [taker], [notes.topic])
    handle = await running(runner)
    elsewhere = other_partition("note-a", notes.settings.topic_partitions)
    with caplog.at_level(logging.ERROR, logger="services.eventkit.consumer"):
        await notes.send("note-a", 1, "first")
        await notes.send("note-a", 2, "from a newer release", schema_version=2)
        await notes.send("note-a", 3, "after it")
        await notes.send(elsewhere, 1, "another partition")

        # the older one and the other partition's apply; the newer one and what follows it wait
        await eventually(lambda: _has(notes.texts(), ["first", "another partition"], exactly=False))
        await eventually(lambda: asyncio.sleep(0, retries(runner, "newer_schema_version") >= 3), timeout=20)
        assert sorted(await notes.texts()) == ["another partition", "first"]
        assert await notes.dead() == 0  # never dead-lettered
        [(offset, attempts)] = runner._held.values()
        assert offset == 1  # at the newer event: the first one's offset (0) is passed
        assert attempts >= 3 and [runner.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
        assert REGISTRY.get_sample_value("houqin_consumer_held_partitions", {"consumer": runner.group_id}) == 1
    alerts = [r for r in caplog.records if getattr(r, "alert", None) == "consumer_newer_schema_version"]
    assert alerts and alerts[0].schema_version == 2 and alerts[0].known_version == 1  # type: ignore[attr-defined]

    taker.registry = RELEASE_2  # the release that knows v2 is running now
    await eventually(lambda: _has(notes.texts(), ["first", "from a newer release", "after it"], exactly=False))
    handle[0].set()
    await asyncio.wait_for(handle[1], 30)
    texts = await notes.texts()
    assert sorted(texts) == sorted(["first", "from a newer release", "after it", "another partition"])
    mine = [t for t in texts if t != "another partition"]
    assert mine == ["first", "from a newer release", "after it"]  # in order, each once
    assert await notes.dead() == 0
    assert REGISTRY.get_sample_value("houqin_consumer_held_partitions", {"consumer": runner.group_id}) == 0


async def _has(texts: object, wanted: list[str], *, exactly: bool = True) -> bool:
    got: list[str] = await texts  # type: ignore[misc]
    return got == wanted if exactly else all(w in got for w in wanted)


INCIDENTS = {
    "25006": "ReadOnlySQLTransactionError",
    "53100": "DiskFullError",
    "57014": "QueryCanceledError",
    "57P01": "AdminShutdownError",
    "53300": "TooManyConnectionsError",
}


async def test_a_database_incident_is_retried_and_never_dead_letters(notes: Notes) -> None:
    await notes.pool.execute(
        """
        CREATE TABLE incident (code text);
        CREATE FUNCTION incident_strikes() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE c text;
        BEGIN
            SELECT code INTO c FROM incident LIMIT 1;
            IF c IS NOT NULL THEN RAISE EXCEPTION 'incident %', c USING ERRCODE = c; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER incident_strikes BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION incident_strikes();
        """
    )
    runner = ConsumerRunner(notes.settings, notes.pool, [NoteTaker(RELEASE_1)], [notes.topic])
    handle = await running(runner)
    try:
        for n, (code, error) in enumerate(INCIDENTS.items(), 1):
            before = retries(runner, error)
            await notes.pool.execute("INSERT INTO incident VALUES ($1)", code)
            await notes.send(f"note-{code}", 1, f"during {error}")

            async def retried(e: str = error, b: float = before) -> bool:
                return retries(runner, e) >= b + 2

            async def applied(e: str = error) -> bool:
                return f"during {e}" in await notes.texts()

            await eventually(retried, timeout=20)
            assert f"during {error}" not in await notes.texts()
            assert await notes.dead() == 0
            await notes.pool.execute("DELETE FROM incident")  # the incident is over
            await eventually(applied, timeout=20)
            assert len(await notes.texts()) == n
        assert await notes.dead() == 0
        processed = await notes.pool.fetch("SELECT event_id FROM processed_events")
        assert len(processed) == len(INCIDENTS)
    finally:
        handle[0].set()
        await asyncio.wait_for(handle[1], 30)


def test_every_incident_class_is_transient() -> None:
    from services.eventkit.consumer import TRANSIENT_ERRORS

    for error in INCIDENTS.values():
        assert issubclass(getattr(asyncpg, error, None) or getattr(asyncpg.exceptions, error), TRANSIENT_ERRORS)
    assert not issubclass(asyncpg.UniqueViolationError, TRANSIENT_ERRORS)  # a fault of the event stays one
