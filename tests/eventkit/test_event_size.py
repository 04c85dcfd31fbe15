"""The store's measure of an event is the relay's record, and an event above the limit is never written."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest

from services.eventkit.envelope import Envelope
from services.eventkit.errors import EventTooLarge
from services.eventkit.relay import PENDING_SQL
from services.eventkit.store import EventStore, event_size


def raw(stream_id: str, version: int, data: dict[str, object]) -> Envelope:
    return Envelope(
        event_id=uuid4(), stream_id=stream_id, version=version, type="test.Noted", schema_version=1,
        occurred_at=datetime.now(UTC), district_id="xinbei", school_id="xuexiao", campus_id="main",
        actor="li-guard", correlation_id="c" * 64, data=data,
    )  # fmt: skip


async def test_the_measure_covers_the_record_the_relay_sends(pool: asyncpg.Pool, store: EventStore) -> None:
    shapes: list[dict[str, object]] = [
        {"counts": [0] * 3000},  # jsonb text writes ", " between items: half as long again as compact JSON
        {"note": "外墙墙砖脱落" * 200, "nested": {"a": [{"b": 1, "c": "d"}] * 100}},
        {"plain": "x" * 5000, "escaped": '"\\\n' * 100},
    ]
    for n, data in enumerate(shapes, 1):
        await store.append(f"note-{n}", 0, [raw(f"note-{n}", 1, data)])
    rows = await pool.fetch(PENDING_SQL, 100, [])
    assert len(rows) == len(shapes)
    for row, data in zip(rows, shapes, strict=True):
        sent = len(row["envelope"].encode())
        measured = event_size(raw(row["stream_id"], 1, data))
        assert sent <= measured <= sent + 1024, (sent, measured)


async def test_an_event_above_the_limit_is_refused_before_anything_is_written(pool: asyncpg.Pool) -> None:
    store = EventStore(pool, max_event_bytes=4096)
    small, large = raw("note-a", 1, {"note": "x"}), raw("note-a", 2, {"note": "墙" * 2000})
    with pytest.raises(EventTooLarge) as refused:
        await store.append("note-a", 0, [small, large], command_id="cmd-1")
    assert refused.value.event_type == "test.Noted" and refused.value.limit == 4096
    assert refused.value.status_code == 413 and refused.value.to_dict()["error"] == "event_too_large"
    row = await pool.fetchrow(
        "SELECT (SELECT count(*) FROM events) AS e, (SELECT count(*) FROM outbox) AS o, "
        "(SELECT count(*) FROM commands) AS c"
    )
    assert row is not None and tuple(row) == (0, 0, 0)  # not even the small one, nor the command id
    with pytest.raises(EventTooLarge):  # a published import is held to the same limit
        await store.import_events([small, large], publish=True)
    assert await pool.fetchval("SELECT count(*) FROM events") == 0
    await store.append("note-a", 0, [small])
    assert await pool.fetchval("SELECT count(*) FROM events") == 1
