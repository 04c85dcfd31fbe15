"""Projections on real Kafka and PostgreSQL: live = rebuilt, row for row.

The projection is the directory's own roster, fed by the running service's relay
and consumer; its headcounts are increments, so a double apply would show.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from uuid import uuid4

import asyncpg

from services.directory.events import Admission
from services.directory.projections.roster import ROSTER
from services.directory.service import DIRECTORY
from services.directory.student import EnrollStudent
from services.eventkit.projection import ensure_projection, rebuild, schema_rows, shape_of
from services.eventkit.runtime import ServiceRuntime
from services.eventkit.store import EventStore
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.seeding import Directory, ctx, seed_school


async def caught_up(pool: asyncpg.Pool) -> bool:
    behind = await pool.fetchval(
        f"SELECT count(*) FROM (SELECT stream_id, max(version) AS v FROM events GROUP BY stream_id) e "
        f"LEFT JOIN {ROSTER.schema}._streams s USING (stream_id) WHERE s.version IS DISTINCT FROM e.v"
    )
    return bool(behind == 0)


async def start_directory(make_settings: SettingsFactory, start_service: Any) -> RunningService:
    settings = await make_settings("directory", namespace_suffix=f"proj{uuid4().hex[:6]}")
    svc: RunningService = await start_service(DIRECTORY, settings)
    return svc


async def test_the_live_projection_equals_a_rebuild_even_after_duplicates(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    svc = await start_directory(make_settings, start_service)
    store = EventStore(svc.pool)
    await seed_school(Directory(store), students=30)
    await eventually(lambda: caught_up(svc.pool), timeout=60)
    live = await schema_rows(svc.pool, ROSTER.schema)
    assert next(r for r in live["classes"] if r[0] == "g6-1")[-1] == 30  # students counted once each

    # every event delivered again: the projection does not move
    runner = next(r for r in svc.runtime.runners if ROSTER in r.handlers)
    n = await svc.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(svc.settings.kafka_bootstrap, svc.settings.events_topic, until=n)
    skipped_before = runner.skipped
    await produce_raw(svc.settings.kafka_bootstrap, svc.settings.events_topic, *((None, v) for _, _, v, _ in records))
    await eventually(lambda: asyncio.sleep(0, runner.skipped - skipped_before >= n), timeout=60)
    assert await schema_rows(svc.pool, ROSTER.schema) == live

    report = await rebuild(svc.pool, store, ROSTER, batch_size=7)
    assert report.events == n
    rebuilt = await schema_rows(svc.pool, ROSTER.schema)
    assert rebuilt == live
    status = await svc.pool.fetchrow("SELECT rebuilt_at FROM projection_status WHERE name = 'roster'")
    assert status is not None and status["rebuilt_at"] is not None


async def test_a_rebuild_while_writes_go_on_misses_nothing_and_doubles_nothing(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    svc = await start_directory(make_settings, start_service)
    store = EventStore(svc.pool)
    h = Directory(store)
    await seed_school(h, students=20)
    await eventually(lambda: caught_up(svc.pool), timeout=60)

    async def enrol_more() -> None:
        for i in range(40):
            await h.send(
                "enroll_student",
                EnrollStudent(
                    student_id=f"late{i:03d}",
                    name=f"插班生{i}",
                    class_id="g1-1",
                    admission=Admission.TRANSFER,
                    on=date(2020, 10, 1),
                ),
                ctx(),
            )

    writer = asyncio.create_task(enrol_more())
    reports = []
    while not writer.done():
        reports.append(await rebuild(svc.pool, store, ROSTER, batch_size=5))
    await writer
    assert reports, "at least one rebuild ran while writing"
    await eventually(lambda: caught_up(svc.pool), timeout=60)

    live = await schema_rows(svc.pool, ROSTER.schema)
    classes = {r[0]: r[-1] for r in live["classes"]}
    assert classes == {"g6-1": 20, "g1-1": 40}
    await rebuild(svc.pool, store, ROSTER)
    assert await schema_rows(svc.pool, ROSTER.schema) == live


async def test_a_release_that_changes_a_projections_tables_rebuilds_it_at_start(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    """A schema left by a release with other tables (another shape) is replayed from the store
    into this release's shape before the service serves from it; the same shape is left alone."""
    svc = await start_directory(make_settings, start_service)
    await seed_school(Directory(EventStore(svc.pool)), students=5)
    await eventually(lambda: caught_up(svc.pool), timeout=60)
    live = await schema_rows(svc.pool, ROSTER.schema)
    shape = await svc.pool.fetchval(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1", ROSTER.schema
    )
    assert shape == shape_of(ROSTER)
    assert await ensure_projection(svc.pool, ROSTER) is False

    # as an older release left it: another shape, and rows this release would not have written
    await svc.pool.execute(f"COMMENT ON SCHEMA {ROSTER.schema} IS 'shape 00000000'")
    await svc.pool.execute(f"DELETE FROM {ROSTER.schema}.classes")
    assert await ensure_projection(svc.pool, ROSTER) is True

    again = ServiceRuntime(DIRECTORY, svc.settings)
    try:
        await again.open()
        assert await schema_rows(svc.pool, ROSTER.schema) == live
        assert await ensure_projection(svc.pool, ROSTER) is False
    finally:
        await again.close()


async def test_a_rebuild_that_lets_go_of_checkpoints_equals_the_live_projection(
    make_settings: SettingsFactory, start_service: Any, monkeypatch: Any
) -> None:
    """A store of millions of streams does not keep every checkpoint in memory: past
    CHECKPOINTS_KEPT the rebuild lets go of the half seen first and reads one back from the
    shadow when its stream comes again. Forced here with a handful, while writes go on."""
    import services.eventkit.projection as projection_module

    svc = await start_directory(make_settings, start_service)
    store = EventStore(svc.pool)
    h = Directory(store)
    await seed_school(h, students=25)
    read_back: list[int] = []
    checkpoints_of = projection_module._checkpoints_of

    async def counted(conn: Any, shadow: str, streams: set[str], checkpoints: dict[str, int]) -> None:
        read_back.append(len(streams))
        await checkpoints_of(conn, shadow, streams, checkpoints)

    monkeypatch.setattr(projection_module, "CHECKPOINTS_KEPT", 4)
    monkeypatch.setattr(projection_module, "_checkpoints_of", counted)

    async def enrol_more() -> None:
        for i in range(15):
            await h.send(
                "enroll_student",
                EnrollStudent(
                    student_id=f"more{i:03d}", name=f"插班生{i}", class_id="g1-1", admission=Admission.TRANSFER,
                    on=date(2020, 10, 1),
                ),
                ctx(),
            )  # fmt: skip

    writer = asyncio.create_task(enrol_more())
    await rebuild(svc.pool, store, ROSTER, batch_size=3)
    await writer
    assert sum(read_back) > 0, "checkpoints were let go of and read back"
    await eventually(lambda: caught_up(svc.pool), timeout=60)
    live = await schema_rows(svc.pool, ROSTER.schema)
    assert {r[0]: r[-1] for r in live["classes"]} == {"g6-1": 25, "g1-1": 15}
    await rebuild(svc.pool, store, ROSTER, batch_size=2)
    assert await schema_rows(svc.pool, ROSTER.schema) == live
    monkeypatch.setattr(projection_module, "CHECKPOINTS_KEPT", 100_000)
    await rebuild(svc.pool, store, ROSTER)  # every checkpoint kept, as before
    assert await schema_rows(svc.pool, ROSTER.schema) == live
