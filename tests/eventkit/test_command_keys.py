"""Command ids (Idempotency-Key) in the store: scoped to caller and route, bound to the request,
and a database of before the scoping upgraded with its keys still answering their callers."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from services.directory.events import TermScheduled
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.envelope import Envelope, TenantPath, new_envelope
from services.eventkit.store import CommandKey, EventStore, KeyReused
from tests.conftest import DatabaseFactory

TENANT = TenantPath(district_id="xinbei", school_id="xuexiao")


def scheduled(stream_id: str, after: int, n: int, actor: str = "zhou", command_id: str | None = None) -> list[Envelope]:
    event = TermScheduled(
        school_id="xuexiao", term_id=f"t{n}", name=f"term {n}", starts_on=date(2020, 9, 1), ends_on=date(2021, 1, 31)
    )
    return [
        new_envelope(event, stream_id=stream_id, version=after + 1, tenant=TENANT, actor=actor, command_id=command_id)
    ]


async def events(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events"))


async def test_a_key_is_its_callers_on_its_route_and_bound_to_its_request(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    zhou = CommandKey("k-1", "zhou", "POST /terms", "hash-a")
    first = await store.append("school-a", 0, scheduled("school-a", 0, 1), command_id=zhou)
    again = await store.command_result(zhou)
    assert again is not None and again.duplicate and again.event_ids == first.event_ids
    # the same key with another request: refused, by the look-up and by a racing append alike
    other_request = CommandKey("k-1", "zhou", "POST /terms", "hash-b")
    with pytest.raises(KeyReused) as refused:
        await store.command_result(other_request)
    assert refused.value.status_code == 422 and refused.value.field == "Idempotency-Key"
    # another caller, or another route: nothing to answer, and its own append
    for key in (CommandKey("k-1", "gu", "POST /terms", "hash-a"), CommandKey("k-1", "zhou", "POST /other", "hash-a")):
        assert await store.command_result(key) is None
    gu = CommandKey("k-1", "gu", "POST /terms", "hash-a")
    theirs = await store.append("school-b", 0, scheduled("school-b", 0, 2, actor="gu"), command_id=gu)
    assert theirs.event_ids != first.event_ids
    answered = await store.command_result(gu)
    assert answered is not None and answered.stream_id == "school-b"
    assert await events(pool) == 2
    # the events carry the client's key as it was sent
    assert await pool.fetchval("SELECT count(*) FROM events WHERE command_id = 'k-1'") == 2


async def test_a_database_of_before_upgrades_and_its_keys_answer_only_their_caller(
    new_database: DatabaseFactory,
) -> None:
    dsn = await new_database("keys")
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            # the store as it was: the first migration alone, a key claimed globally
            first = KIT_MIGRATIONS / "001_event_store.sql"
            await conn.execute(first.read_text())
            await conn.execute(
                "CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", "eventkit/migrations/" + first.name)
        old = EventStore(pool)
        appended = await old.append("school-a", 0, scheduled("school-a", 0, 1, command_id="old-key"))
        await pool.execute(
            "INSERT INTO commands (command_id, stream_id, result) VALUES ('old-key', 'school-a', $1)",
            appended.to_json(),
        )
        async with pool.acquire() as conn:
            assert (await migrate(conn, KIT_MIGRATIONS))[0] == "eventkit/migrations/002_scoped_command_keys.sql"
        store = EventStore(pool)
        mine = await store.command_result(CommandKey("old-key", "zhou", "POST /terms", "any"))
        assert mine is not None and mine.duplicate and mine.event_ids == appended.event_ids
        assert await store.command_result(CommandKey("old-key", "gu", "POST /terms", "any")) is None
        columns = await pool.fetch(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'commands'::regclass AND i.indisprimary"
        )
        assert {r["attname"] for r in columns} == {"command_id", "caller", "route"}
    finally:
        await pool.close()
