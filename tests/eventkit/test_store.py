"""The event store against real PostgreSQL: concurrency, idempotency, reading."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from services.directory.events import CampusOpened, DistrictRegistered, SchoolRegistered, TermScheduled
from services.eventkit.envelope import DomainEvent, Envelope, TenantPath, new_envelope
from services.eventkit.errors import ConcurrencyConflict
from services.eventkit.store import (
    _SNAPSHOT_HEADS_SQL,
    _SNAPSHOT_RANGE_SQL,
    CommandKey,
    DuplicateCommand,
    EventStore,
    KeyReused,
)

TENANT = TenantPath(district_id="xinbei", school_id="xuexiao")


def envelopes(stream_id: str, after: int, *events: DomainEvent) -> list[Envelope]:
    return [
        new_envelope(e, stream_id=stream_id, version=after + i, tenant=TENANT) for i, e in enumerate(events, start=1)
    ]


def term(n: int) -> TermScheduled:
    return TermScheduled(
        school_id="xuexiao",
        term_id=f"t{n}",
        name=f"term {n}",
        starts_on=date(2020 + n, 9, 1),
        ends_on=date(2021 + n, 1, 31),
    )


async def counts(pool: asyncpg.Pool) -> tuple[int, int]:
    return (await pool.fetchval("SELECT count(*) FROM events"), await pool.fetchval("SELECT count(*) FROM outbox"))


async def test_append_then_read_stream_in_order(store: EventStore) -> None:
    school = SchoolRegistered(school_id="xuexiao", district_id="xinbei", name="薛家实验小学")
    result = await store.append("school-xuexiao", 0, envelopes("school-xuexiao", 0, school, term(0)))
    assert result.version == 2
    assert result.positions == sorted(result.positions)
    more = await store.append("school-xuexiao", 2, envelopes("school-xuexiao", 2, term(1)))
    assert more.version == 3

    read = await store.read_stream("school-xuexiao")
    assert [e.version for e in read] == [1, 2, 3]
    assert [e.type for e in read] == [
        "directory.SchoolRegistered",
        "directory.TermScheduled",
        "directory.TermScheduled",
    ]
    assert read[0].data["name"] == "薛家实验小学"
    assert read[0].school_id == "xuexiao" and read[0].recorded_at is not None
    assert await store.stream_version("school-xuexiao") == 3


async def test_one_event_alone_is_stored_as_it_is_among_others(store: EventStore, pool: asyncpg.Pool) -> None:
    """A single event takes a statement of its own (scalar parameters): every column the same."""

    def made(stream: str, version: int, n: int) -> Envelope:
        return new_envelope(
            term(n),
            stream_id=stream,
            version=version,
            tenant=TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan"),
            actor="zhang-admin",
            correlation_id="corr-1",
            causation_id="cause-1",
            command_id="cmd-1",
            occurred_at=datetime(2020, 10, 12, 0, 30, tzinfo=UTC),
        )

    await store.append("school-alone", 0, [made("school-alone", 1, 7)])
    await store.append("school-pair", 0, [made("school-pair", 1, 7), made("school-pair", 2, 8)])
    columns = (
        "version, type, schema_version, occurred_at, district_id, school_id, campus_id, actor, correlation_id, "
        "causation_id, command_id, data"
    )
    alone = await pool.fetchrow(f"SELECT {columns} FROM events WHERE stream_id = 'school-alone'")
    first = await pool.fetchrow(f"SELECT {columns} FROM events WHERE stream_id = 'school-pair' AND version = 1")
    assert alone is not None and first is not None and dict(alone) == dict(first)
    assert alone["data"]["name"] == "term 7" and alone["causation_id"] == "cause-1"
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE stream_id = 'school-alone'") == 1


async def test_every_appended_event_has_its_outbox_row(store: EventStore, pool: asyncpg.Pool) -> None:
    await store.append("district-a", 0, envelopes("district-a", 0, DistrictRegistered(district_id="a", name="A")))
    await store.append("district-b", 0, envelopes("district-b", 0, DistrictRegistered(district_id="b", name="B")))
    assert await counts(pool) == (2, 2)
    rows = await pool.fetch("SELECT o.stream_id, e.stream_id AS s FROM outbox o JOIN events e USING (position)")
    assert all(r["stream_id"] == r["s"] for r in rows)


@pytest.mark.parametrize("expected", [0, 2, 5])
async def test_append_at_a_wrong_expected_version_is_a_conflict(
    store: EventStore, pool: asyncpg.Pool, expected: int
) -> None:
    await store.append(
        "school-x", 0, envelopes("school-x", 0, SchoolRegistered(school_id="x", district_id="d", name="X"))
    )
    before = await counts(pool)
    with pytest.raises(ConcurrencyConflict) as err:
        await store.append("school-x", expected, envelopes("school-x", expected, term(1)))
    assert err.value.stream_id == "school-x"
    assert await counts(pool) == before


async def test_two_concurrent_appends_at_the_same_version_exactly_one_wins(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    for round_ in range(20):
        stream = f"school-x{round_}"
        await store.append(stream, 0, envelopes(stream, 0, SchoolRegistered(school_id="x", district_id="d", name="X")))
        contenders = [envelopes(stream, 1, term(10 * i), term(10 * i + 5)) for i in range(2)]
        results = await asyncio.gather(
            *(store.append(stream, 1, batch) for batch in contenders), return_exceptions=True
        )
        winners = [r for r in results if not isinstance(r, BaseException)]
        losers = [r for r in results if isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert len(losers) == 1 and isinstance(losers[0], ConcurrencyConflict)
        # the winner's two events, and nothing of the loser's
        stored = await store.read_stream(stream)
        winner = contenders[results.index(winners[0])]
        assert [e.event_id for e in stored[1:]] == [e.event_id for e in winner]
    assert await counts(pool) == (60, 60)


async def test_many_concurrent_writers_on_one_stream_leave_no_gap(store: EventStore, pool: asyncpg.Pool) -> None:
    async def writer(n: int) -> int:
        wins = 0
        for _ in range(15):
            version = await store.stream_version("school-busy")
            try:
                await store.append("school-busy", version, envelopes("school-busy", version, term(n)))
                wins += 1
            except ConcurrencyConflict:
                await asyncio.sleep(0)
        return wins

    wins = await asyncio.gather(*(writer(n) for n in range(8)))
    stream = await store.read_stream("school-busy")
    assert [e.version for e in stream] == list(range(1, sum(wins) + 1))
    assert await counts(pool) == (sum(wins), sum(wins))


async def test_a_retried_command_id_appends_nothing_and_returns_the_first_result(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    event = CampusOpened(campus_id="aoyuan", school_id="xuexiao", district_id="xinbei", name="奥园校区")
    first = await store.append("campus-aoyuan", 0, envelopes("campus-aoyuan", 0, event), command_id="cmd-1")
    with pytest.raises(DuplicateCommand):
        await store.append("campus-aoyuan", 1, envelopes("campus-aoyuan", 1, event), command_id="cmd-1")
    again = await store.command_result("cmd-1")
    assert again is not None and again.duplicate
    assert again.event_ids == first.event_ids and again.version == first.version == 1
    assert await counts(pool) == (1, 1)


async def test_concurrent_retries_of_one_command_id_append_once(store: EventStore, pool: asyncpg.Pool) -> None:
    event = DistrictRegistered(district_id="x", name="X")
    attempts = [
        store.append(f"district-x{i}", 0, envelopes(f"district-x{i}", 0, event), command_id="same") for i in range(5)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert all(isinstance(r, DuplicateCommand) for r in results if isinstance(r, BaseException))
    assert await counts(pool) == (1, 1)


@pytest.mark.parametrize("in_transaction", [False, True], ids=["one statement", "caller's transaction"])
async def test_a_keyed_append_stores_its_result_and_a_conflict_claims_no_key(
    store: EventStore, pool: asyncpg.Pool, in_transaction: bool
) -> None:
    """A keyed append outside a transaction is one statement (claim, events, outbox, result); in a
    caller's transaction it takes several: both keep the same result, and neither claims a key
    for events it did not append."""
    key = CommandKey("key-1", caller="zhou", route="POST /terms", request_hash="h1")
    stream = "school-k"

    async def append(after: int, *events: DomainEvent) -> Any:
        if not in_transaction:
            return await store.append(stream, after, envelopes(stream, after, *events), command_id=key)
        async with pool.acquire() as conn, conn.transaction():
            return await store.append(stream, after, envelopes(stream, after, *events), command_id=key, conn=conn)

    await store.append(stream, 0, envelopes(stream, 0, term(1)))
    with pytest.raises(ConcurrencyConflict):
        await append(0, term(2), term(3))  # stale: nothing appended, the key not taken
    assert await store.command_result(key) is None
    first = await append(1, term(2), term(3))
    assert first.version == 3 and len(first.positions) == 2 and first.positions == sorted(first.positions)
    kept = await store.command_result(key)
    assert kept is not None and kept.duplicate
    assert (kept.stream_id, kept.version, kept.event_ids, kept.positions) == (
        stream,
        3,
        first.event_ids,
        first.positions,
    )
    with pytest.raises(DuplicateCommand) as again:
        await append(3, term(4))
    assert again.value.command_key == key
    assert await counts(pool) == (3, 3)
    with pytest.raises(KeyReused):  # the same key with another request
        await store.command_result(CommandKey("key-1", caller="zhou", route="POST /terms", request_hash="h2"))


async def test_snapshot_batches_and_what_committed_after_the_snapshot(store: EventStore, pool: asyncpg.Pool) -> None:
    for i in range(7):
        await store.append(
            f"district-{i}", 0, envelopes(f"district-{i}", 0, DistrictRegistered(district_id=str(i), name="d"))
        )
    seen: list[Envelope] = []
    snapshot = ""
    async for snap, batch in store.snapshot_batches(batch_size=3):
        snapshot = snap
        if batch and len(seen) == 0:
            # committed while the replay is under way: not in the snapshot
            await store.append(
                "district-late", 0, envelopes("district-late", 0, DistrictRegistered(district_id="l", name="l"))
            )
        seen.extend(batch)
    assert [e.stream_id for e in seen] == [f"district-{i}" for i in range(7)]
    async with pool.acquire() as conn:
        late = await store.committed_since(snapshot, conn)
    assert [e.stream_id for e in late] == ["district-late"]


# The bulk import (binary COPY): history and data sets.


def history(stream_id: str, first: int, count: int) -> list[Envelope]:
    """``count`` events of one stream from version ``first``, with their own recorded times."""
    out = envelopes(stream_id, first - 1, *(term(n) for n in range(count)))
    return [e.model_copy(update={"recorded_at": e.occurred_at}) for e in out]


async def test_import_keeps_order_times_and_data_and_writes_no_outbox_by_default(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    school = new_envelope(
        SchoolRegistered(school_id="xuexiao", district_id="xinbei", name="薛家实验小学\t\\本部\n"),
        stream_id="school-xuexiao",
        version=1,
        tenant=TENANT,
    )
    rest = history("school-xuexiao", 2, 3)
    result = await store.import_events([school, *rest, *history("school-other", 1, 2)])
    assert (result.events, result.streams, result.published) == (6, 2, False)
    read = await store.read_stream("school-xuexiao")
    assert [e.version for e in read] == [1, 2, 3, 4]
    assert read[0].data["name"] == "薛家实验小学\t\\本部\n"  # COPY escaping is not the data's business
    assert read[0].event_id == school.event_id
    assert [e.recorded_at for e in read[1:]] == [e.occurred_at for e in rest]  # history keeps its own times
    assert read[0].recorded_at is not None
    positions = await pool.fetchval("SELECT array_agg(position ORDER BY position) FROM events")
    ordered = await pool.fetch("SELECT stream_id, version FROM events ORDER BY position")
    assert len(positions) == 6
    assert [(r["stream_id"], r["version"]) for r in ordered][:4] == [("school-xuexiao", v) for v in (1, 2, 3, 4)]
    assert await counts(pool) == (6, 0)


async def test_import_with_publish_writes_every_outbox_row(store: EventStore, pool: asyncpg.Pool) -> None:
    async def generated() -> AsyncIterator[Envelope]:  # an async iterable keeps memory flat
        for e in history("school-a", 1, 3):
            yield e

    result = await store.import_events(generated(), publish=True)
    assert result.events == 3 and result.published
    assert await counts(pool) == (3, 3)


async def test_import_continues_a_stored_stream(store: EventStore) -> None:
    await store.append("school-a", 0, envelopes("school-a", 0, term(0), term(1)))
    await store.import_events(history("school-a", 3, 2))
    assert [e.version for e in await store.read_stream("school-a")] == [1, 2, 3, 4]


async def test_a_gap_inside_an_import_rolls_all_of_it_back(store: EventStore, pool: asyncpg.Pool) -> None:
    events = history("school-a", 1, 4)
    with pytest.raises(ValueError, match="version 3 follows 1"):
        await store.import_events([*history("school-b", 1, 2), events[0], events[2]])
    assert await counts(pool) == (0, 0)


async def test_an_import_that_leaves_a_gap_after_stored_events_is_refused(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("school-a", 0, envelopes("school-a", 0, term(0)))
    with pytest.raises(ValueError, match="school-a: imported from version 3"):
        await store.import_events(history("school-a", 3, 2), publish=True)
    assert await counts(pool) == (1, 1)


async def test_an_import_repeating_a_stored_version_is_a_conflict_and_appends_nothing(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("school-a", 0, envelopes("school-a", 0, term(0), term(1)))
    with pytest.raises(ConcurrencyConflict):
        await store.import_events([*history("school-b", 1, 2), *history("school-a", 2, 2)], publish=True)
    assert await counts(pool) == (2, 2)
    # the connection went back to the pool in a usable state
    assert await store.stream_version("school-a") == 2


async def test_a_snapshot_read_leaves_out_a_transaction_open_across_its_start(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    """The replay reads in short statements long after the snapshot: an event written before it
    (a lower position) by a transaction that commits during the replay is still left out, for
    ``committed_since`` to find; ``heads`` is each stream's last version at the snapshot."""
    await store.append("school-a", 0, envelopes("school-a", 0, term(0)))
    async with pool.acquire() as open_tx:
        tx = open_tx.transaction()
        await tx.start()
        await store.append("school-a", 1, envelopes("school-a", 1, term(1)), conn=open_tx)  # not committed yet
        for i in range(6):
            await store.append(f"school-b{i}", 0, envelopes(f"school-b{i}", 0, term(i), term(i + 1)))
        seen: list[Envelope] = []
        heads: dict[str, int] = {}
        snapshot = ""
        async for snap, batch in store.snapshot_batches(
            batch_size=3, span=2, types=["directory.TermScheduled"], heads=heads
        ):
            snapshot = snap
            if batch and not seen:
                await tx.commit()  # commits during the replay, below positions still to be read
                await store.append("school-late", 0, envelopes("school-late", 0, term(9)))
            seen.extend(batch)
    assert [(e.stream_id, e.version) for e in seen] == [("school-a", 1)] + [
        (f"school-b{i}", v) for i in range(6) for v in (1, 2)
    ]
    positions = [e.position or 0 for e in seen]
    assert positions == sorted(positions)
    assert heads == {"school-a": 1, **{f"school-b{i}": 2 for i in range(6)}}
    async with pool.acquire() as conn:
        late = await store.committed_since(snapshot, conn)
    assert [(e.stream_id, e.version) for e in late] == [("school-a", 2), ("school-late", 1)]


async def test_a_snapshot_range_walks_the_position_index(store: EventStore, pool: asyncpg.Pool) -> None:
    """Each range of a replay starts at its position in the primary key, with or without types:
    never a scan of the events from the start, nor a sort of all of one type's."""
    await store.import_events(e for i in range(2000) for e in envelopes(f"school-{i}", 0, term(0), term(1), term(2)))
    await pool.execute("ANALYZE events")
    snapshot = await pool.fetchval("SELECT pg_current_snapshot()::text")
    async with pool.acquire() as conn:
        await conn.execute("SET plan_cache_mode = force_generic_plan")  # what a prepared statement comes to
        for sql, args in (
            (_SNAPSHOT_RANGE_SQL, (3000, 3500, snapshot, None)),
            (_SNAPSHOT_RANGE_SQL, (3000, 3500, snapshot, ["directory.TermScheduled"])),
            (_SNAPSHOT_HEADS_SQL, (3000, 3500, snapshot)),
        ):
            stmt = await conn.prepare(f"EXPLAIN (FORMAT JSON) {sql}")
            plan = str(await stmt.fetchval(*args))
            assert "events_pkey" in plan, plan
            assert "Seq Scan" not in plan and "events_type" not in plan, plan


async def test_heads_are_written_where_they_are_ahead_range_by_range(store: EventStore, pool: asyncpg.Pool) -> None:
    """A rebuild's checkpoints end at each stream's last version at its snapshot, written in SQL
    range by range (no dict of every stream in memory): a later event is not counted, a
    checkpoint already there is never moved back, and streams left out stay out."""
    for i in range(4):
        await store.append(f"school-{i}", 0, envelopes(f"school-{i}", 0, term(i), term(i + 1), term(i + 2)))
    await store.append("operations-event-x", 0, envelopes("operations-event-x", 0, term(0)))
    await store.append("campus-a", 0, envelopes("campus-a", 0, term(0), term(1)))
    snapshot = str(await pool.fetchval("SELECT pg_current_snapshot()::text"))
    await store.append("school-0", 3, envelopes("school-0", 3, term(7)))  # after the snapshot
    table = f"heads_{uuid4().hex[:8]}"  # a table every connection of the pool sees
    await pool.execute(f"CREATE TABLE {table} (stream_id text PRIMARY KEY, version int NOT NULL)")
    try:
        await pool.execute(f"INSERT INTO {table} VALUES ('school-1', 9), ('school-2', 1)")
        await store.heads_into(snapshot, table, left_out="operations-", kept=["school-"], span=2)
        rows = {r["stream_id"]: r["version"] for r in await pool.fetch(f"SELECT * FROM {table}")}
        assert rows == {"school-0": 3, "school-1": 9, "school-2": 3, "school-3": 3}
        await store.heads_into(snapshot, table, left_out="operations-", span=5)
        rows = {r["stream_id"]: r["version"] for r in await pool.fetch(f"SELECT * FROM {table}")}
        assert rows["campus-a"] == 2 and "operations-event-x" not in rows and rows["school-0"] == 3
    finally:
        await pool.execute(f"DROP TABLE IF EXISTS {table}")


async def test_what_committed_after_the_snapshot_comes_in_batches_in_order(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    """A rebuild's swap applies the events written during its replay a batch at a time."""
    await store.append("district-0", 0, envelopes("district-0", 0, DistrictRegistered(district_id="0", name="d")))
    async with pool.acquire() as conn:
        snapshot = str(await conn.fetchval("SELECT pg_current_snapshot()::text"))
    for i in range(5):
        await store.append(
            f"district-late{i}", 0, envelopes(f"district-late{i}", 0, DistrictRegistered(district_id=f"l{i}", name="l"))
        )
    async with pool.acquire() as conn:
        batches = [[e.stream_id for e in b] async for b in store.committed_since_batches(snapshot, conn, 2)]
        whole = await store.committed_since(snapshot, conn)
    assert batches == [["district-late0", "district-late1"], ["district-late2", "district-late3"], ["district-late4"]]
    assert [e.stream_id for e in whole] == [f"district-late{i}" for i in range(5)]


async def test_what_commits_while_the_batches_are_read_is_not_chased(store: EventStore, pool: asyncpg.Pool) -> None:
    """Writers that go on during a rebuild's swap would keep its catch-up reading for ever: the
    batches end with what had committed when the first was read."""
    async with pool.acquire() as conn:
        snapshot = str(await conn.fetchval("SELECT pg_current_snapshot()::text"))
    for i in range(3):
        await store.append(
            f"district-a{i}", 0, envelopes(f"district-a{i}", 0, DistrictRegistered(district_id="a", name="a"))
        )
    seen: list[str] = []
    async with pool.acquire() as conn:
        async for batch in store.committed_since_batches(snapshot, conn, 1):
            seen.extend(e.stream_id for e in batch)
            n = len(seen)  # a writer goes on meanwhile
            await store.append(
                f"district-b{n}", 0, envelopes(f"district-b{n}", 0, DistrictRegistered(district_id="b", name="b"))
            )
            assert n < 10, "the batches chase the writer"
    assert seen == ["district-a0", "district-a1", "district-a2"]
