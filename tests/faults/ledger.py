"""What a fault run acknowledged, and the checks every fault run ends with.

The :class:`Ledger` keeps every command the system acknowledged (200): its command id
(``Idempotency-Key``) and the events it answered with. At the end of a run:

- every acknowledged command's events are in the store, numbered as answered, and a
  command id has one set of events (also: no event carries a command id the client
  was never told succeeded);
- the outbox is drained and every stored event reached Kafka, in stream order;
- every projection equals a clean rebuild (all rows of its schema, before and after
  :func:`services.eventkit.projection.rebuild`);
- every reaction applied each event it wants exactly once (its tracking rows equal
  the wanted events of its sources); the domain checks of reactions' effects are in
  :mod:`tests.faults.school`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.eventkit.consumer import Reaction
from services.eventkit.projection import Projection, rebuild, schema_rows
from services.eventkit.runtime import ServiceDefinition
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore
from tests.conftest import eventually
from tests.kafka_helpers import check_stream_order, envelopes_of, read_topic


@dataclass(frozen=True)
class Ack:
    service: str
    command_id: str
    path: str
    stream_id: str
    version: int
    events: tuple[str, ...]
    event_ids: tuple[UUID, ...]
    duplicate: bool
    fan_out: bool = False  # its events are in other streams than stream_id, under no command id


@dataclass
class Ledger:
    acks: list[Ack] = field(default_factory=list)
    refused: list[tuple[str, str, str, int]] = field(default_factory=list)  # service, key, path, status

    def record(
        self, service: str, path: str, command_id: str, response: httpx.Response, *, fan_out: bool = False
    ) -> Ack:
        """A 200. ``fan_out``: a command that appends each of its events to a stream of its own
        (a campus's month opened: one appraisal per worker), not under its command id; its
        answer names the events, which a retry (that finds them there) does not."""
        assert response.status_code == 200, response.text
        body = response.json()
        ack = Ack(
            service=service,
            command_id=command_id,
            path=path,
            stream_id=body["stream_id"],
            version=body["version"],
            events=tuple(body["events"]),
            event_ids=tuple(UUID(e) for e in body["event_ids"]),
            duplicate=bool(body.get("duplicate")),
            fan_out=fan_out,
        )
        self.acks.append(ack)
        return ack

    def refuse(self, service: str, path: str, command_id: str, status: int) -> None:
        self.refused.append((service, command_id, path, status))

    def of(self, service: str) -> list[Ack]:
        return [a for a in self.acks if a.service == service]

    def event_ids(self, service: str) -> set[UUID]:
        return {e for a in self.of(service) for e in a.event_ids}

    def __len__(self) -> int:
        return len(self.acks)

    async def grown(self, service: str, by: int, *, timeout: float = 120) -> None:
        """Until ``by`` more commands of ``service`` are acknowledged than now."""
        target = len(self.of(service)) + by

        async def enough() -> bool:
            return len(self.of(service)) >= target

        await eventually(enough, timeout=timeout, interval=0.02)


@dataclass
class ServiceView:
    """A service as the checks see it: its settings, its definition, a pool on its database."""

    definition: ServiceDefinition
    settings: Settings
    pool: asyncpg.Pool

    @property
    def name(self) -> str:
        return self.definition.name


# -- the store ---------------------------------------------------------------------------------


async def check_acknowledged(ledger: Ledger, view: ServiceView, *, exhaustive: bool = True) -> int:
    """Every acknowledged command's events are stored as answered; one set of events per command id.

    ``exhaustive``: every event carrying a command id belongs to an acknowledged command (the
    load retried each command to a final answer, so nothing was appended for a refused one).
    Returns how many events the ledger vouches for.
    """
    acks = [a for a in ledger.of(view.name) if not a.fan_out]
    fanned = await _check_fan_outs([a for a in ledger.of(view.name) if a.fan_out], view)
    by_id: dict[str, set[tuple[str, int, tuple[UUID, ...]]]] = defaultdict(set)
    for a in acks:
        by_id[a.command_id].add((a.stream_id, a.version, a.event_ids))
    split = {k: v for k, v in by_id.items() if len(v) > 1}
    assert not split, f"a command id answered with different results: {split}"

    expected: dict[UUID, tuple[str, int, str]] = {}
    for a in acks:
        first_version = a.version - len(a.event_ids) + 1
        for i, event_id in enumerate(a.event_ids):
            expected[event_id] = (a.stream_id, first_version + i, a.command_id)
    rows = await view.pool.fetch(
        "SELECT event_id, stream_id, version, command_id FROM events WHERE event_id = ANY($1::uuid[])",
        list(expected),
    )
    stored = {r["event_id"]: (r["stream_id"], r["version"], r["command_id"]) for r in rows}
    missing = set(expected) - set(stored)
    assert not missing, f"{view.name}: {len(missing)} acknowledged event(s) not in the store: {sorted(missing)[:5]}"
    wrong = {k: (expected[k], stored[k]) for k in expected if expected[k] != stored[k]}
    assert not wrong, f"{view.name}: events stored otherwise than acknowledged: {list(wrong.items())[:5]}"

    rows = await view.pool.fetch(
        "SELECT command_id, array_agg(event_id) AS ids FROM events WHERE command_id IS NOT NULL GROUP BY command_id"
    )
    in_store = {r["command_id"]: set(r["ids"]) for r in rows}
    for command_id, results in by_id.items():
        ((_, _, ids),) = results
        assert in_store.get(command_id, set()) == set(ids), (
            f"{view.name}: command {command_id} has events {in_store.get(command_id)} in the store, answered {ids}"
        )
    if exhaustive:
        unknown = set(in_store) - set(by_id)
        assert not unknown, f"{view.name}: events of commands never acknowledged: {sorted(unknown)[:5]}"
    # and every result a retry was given is the stored first result
    rows = await view.pool.fetch("SELECT command_id, result FROM commands WHERE command_id = ANY($1)", list(by_id))
    for r in rows:
        ((stream_id, version, ids),) = by_id[r["command_id"]]
        result = r["result"]
        assert (result["stream_id"], result["version"], tuple(UUID(e) for e in result["event_ids"])) == (
            stream_id,
            version,
            ids,
        ), f"{view.name}: command {r['command_id']} stored {result}, answered {(stream_id, version, ids)}"
    return len(expected) + fanned


async def _check_fan_outs(acks: Sequence[Ack], view: ServiceView) -> int:
    """Every event a fan-out command answered with is stored, of the type answered, and answered once."""
    answered: dict[UUID, str] = {}
    for a in acks:
        assert len(a.event_ids) == len(a.events), a
        for event_id, kind in zip(a.event_ids, a.events, strict=True):
            assert event_id not in answered, f"{view.name}: event {event_id} answered to two commands"
            answered[event_id] = kind
    rows = await view.pool.fetch("SELECT event_id, type FROM events WHERE event_id = ANY($1::uuid[])", list(answered))
    stored = {r["event_id"]: r["type"] for r in rows}
    assert stored == answered, f"{view.name}: fan-out events stored {stored}, answered {answered}"
    return len(answered)


async def check_versions_dense(pool: asyncpg.Pool) -> None:
    """Every stream is numbered 1..n with no gap (and, by the unique key, no repeat)."""
    bad = await pool.fetch(
        "SELECT stream_id, count(*) AS n, min(version) AS lo, max(version) AS hi FROM events "
        "GROUP BY stream_id HAVING min(version) <> 1 OR max(version) <> count(*)"
    )
    assert not bad, f"streams with gaps: {[dict(r) for r in bad][:5]}"


async def outbox_pending(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM outbox"))


# -- Kafka ---------------------------------------------------------------------------------------


async def check_published(view: ServiceView, *, timeout: float = 60) -> int:
    """Every stored event reached the service's topic, in order within its stream."""
    assert await outbox_pending(view.pool) == 0, f"{view.name}: the outbox is not drained"
    count = int(await view.pool.fetchval("SELECT count(*) FROM events"))
    records = await read_topic(view.settings.kafka_bootstrap, view.settings.events_topic, until=count, timeout=timeout)
    envs = envelopes_of(records)
    stored = {r["event_id"] for r in await view.pool.fetch("SELECT event_id FROM events")}
    published = {e.event_id for e in envs}
    assert stored <= published, f"{view.name}: {len(stored - published)} stored event(s) never reached Kafka"
    assert published <= stored, f"{view.name}: Kafka has events the store does not: {len(published - stored)}"
    heads = {r["stream_id"]: r["v"] for r in await view.pool.fetch(EVENT_HEADS)}
    assert check_stream_order(envs) == heads
    return len(records)


async def dead_letters(view: ServiceView) -> tuple[int, int]:
    """(rows in ``dead_letters``, records on the service's DLQ topic): faults of the infrastructure
    must never dead-letter an event (only an event that cannot be applied goes there)."""
    rows = int(await view.pool.fetchval("SELECT count(*) FROM dead_letters"))
    consumer = AIOKafkaConsumer(bootstrap_servers=view.settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(view.settings.dlq_topic) or set()
        ends = await consumer.end_offsets([TopicPartition(view.settings.dlq_topic, p) for p in partitions])
        return rows, sum(ends.values())
    finally:
        await consumer.stop()


# -- projections ------------------------------------------------------------------------------

EVENT_HEADS = "SELECT stream_id, max(version) AS v FROM events GROUP BY stream_id"


async def projection_behind(pool: asyncpg.Pool, projection: Projection) -> int:
    """How many of the streams the projection follows it has not caught up with."""
    rows = await pool.fetch(
        f"SELECT e.stream_id, e.v, s.version FROM ({EVENT_HEADS}) e "
        f"LEFT JOIN {projection.schema}._streams s USING (stream_id) WHERE s.version IS DISTINCT FROM e.v"
    )
    return sum(1 for r in rows if projection.follows(r["stream_id"]))


async def check_projections_rebuild_equal(view: ServiceView, projections: Sequence[Projection] | None = None) -> None:
    """Each projection, row for row, equals a clean rebuild from the store."""
    store = EventStore(view.pool)
    for projection in projections if projections is not None else view.definition.projections:
        assert await projection_behind(view.pool, projection) == 0, f"{projection.name} is behind"
        live = await schema_rows(view.pool, projection.schema)
        await rebuild(view.pool, store, projection, batch_size=500)
        rebuilt = await schema_rows(view.pool, projection.schema)
        for table in sorted(set(live) | set(rebuilt)):
            assert live.get(table) == rebuilt.get(table), _diff(projection.name, table, live, rebuilt)


def _diff(name: str, table: str, live: dict[str, list[Any]], rebuilt: dict[str, list[Any]]) -> str:
    a, b = {repr(r) for r in live.get(table, [])}, {repr(r) for r in rebuilt.get(table, [])}
    return (
        f"projection {name}, table {table} differs from a rebuild: "
        f"only live {sorted(a - b)[:3]}, only rebuilt {sorted(b - a)[:3]}"
    )


# -- reactions ----------------------------------------------------------------------------------


async def wanted_count(reaction: Reaction, sources: Iterable[asyncpg.Pool]) -> int:
    total = 0
    for pool in sources:
        if reaction.event_types:
            total += await pool.fetchval("SELECT count(*) FROM events WHERE type = ANY($1)", list(reaction.event_types))
        else:
            total += await pool.fetchval("SELECT count(*) FROM events")
    return int(total)


async def reaction_gaps(views: dict[str, ServiceView], view: ServiceView) -> dict[str, tuple[int, int]]:
    """Per reaction of ``view`` whose sources are all in ``views``: (applied, wanted) where they differ."""
    gaps: dict[str, tuple[int, int]] = {}
    for spec in view.definition.reactions:
        if not all(s in views for s in spec.sources):
            continue
        wanted = await wanted_count(spec.reaction, [views[s].pool for s in spec.sources])
        applied = int(
            await view.pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", spec.reaction.name)
        )
        if applied != wanted:
            gaps[spec.reaction.name] = (applied, wanted)
    return gaps


# -- all of it --------------------------------------------------------------------------------


async def settled(views: Sequence[ServiceView]) -> dict[str, Any]:
    """What is still in flight anywhere (empty when the system is at rest)."""
    by_name = {v.name: v for v in views}
    pending: dict[str, Any] = {}
    for view in views:
        if n := await outbox_pending(view.pool):
            pending[f"{view.name}.outbox"] = n
        for projection in view.definition.projections:
            if n := await projection_behind(view.pool, projection):
                pending[f"{view.name}.{projection.name}"] = n
        for name, gap in (await reaction_gaps(by_name, view)).items():
            pending[f"{view.name}.{name}"] = gap
    return pending


async def wait_settled(views: Sequence[ServiceView], *, timeout: float = 90) -> None:
    last: dict[str, Any] = {}

    async def quiet() -> bool:
        nonlocal last
        last = await settled(views)
        return not last

    try:
        await eventually(quiet, timeout=timeout, interval=0.25)
    except AssertionError:
        dead = {
            v.name: [dict(r) for r in await v.pool.fetch("SELECT consumer, event_id, reason FROM dead_letters LIMIT 3")]
            for v in views
        }
        raise AssertionError(f"not settled within {timeout}s; still pending: {last}; dead letters: {dead}") from None


async def check_run(ledger: Ledger, views: Sequence[ServiceView], *, published: bool = True) -> dict[str, int]:
    """The end-of-run checks over every service of the run (call after :func:`wait_settled`)."""
    counts: dict[str, int] = {}
    for view in views:
        counts[f"{view.name}.acknowledged_events"] = await check_acknowledged(ledger, view)
        await check_versions_dense(view.pool)
        assert await outbox_pending(view.pool) == 0
        if published:
            counts[f"{view.name}.published_records"] = await check_published(view)
            assert await dead_letters(view) == (0, 0), f"{view.name}: events were dead-lettered"
    # rebuilds last: a projection's swap must not disturb a reaction still reading its own store
    assert not await settled(views)
    for view in views:
        await check_projections_rebuild_equal(view)
    return counts
