"""``/ops/projections``: each projection's position against the store's head, and a rebuild
started through the API (in the service's process, in the background: shadow, then swap),
refused while one runs (in this process or another), recorded with who started it, and
leaving the projection equal to a clean rebuild — on real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from services.directory.projections.roster import ROSTER
from services.eventkit import rebuilds
from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.projection import lock_key, rebuild, rebuild_lock_key, schema_rows
from services.eventkit.rebuilds import REUSE_FROM_S, Measure, PositionGauge
from services.eventkit.store import EventStore
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.eventkit.test_projection import caught_up, start_directory
from tests.seeding import Directory, seed_school


def bearer(svc: RunningService, subject: str, role: Role, districts: tuple[str, ...] = ()) -> dict[str, str]:
    token = mint_token(
        svc.settings, Principal(subject=subject, roles=frozenset([role]), districts=frozenset(districts))
    )
    return {"Authorization": f"Bearer {token}"}


async def roster_state(svc: RunningService, ops: dict[str, str]) -> dict[str, Any]:
    answer = await svc.client.get("/ops/projections", headers=ops)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    roster: dict[str, Any] = next(p for p in body["projections"] if p["name"] == "roster")
    return roster | {"history": body["history"]}


async def test_projections_show_position_against_head_and_a_rebuild_runs_once_recorded(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    svc = await start_directory(make_settings, start_service)
    ops = bearer(svc, "ops-lin", Role.PLATFORM_ADMIN)
    await seed_school(Directory(EventStore(svc.pool)), students=40)
    await eventually(lambda: caught_up(svc.pool), timeout=60)

    events = await svc.pool.fetchval("SELECT count(*) FROM events")
    state = await roster_state(svc, ops)
    assert (state["position"], state["head"], state["behind"]) == (events, events, 0)
    assert state["rebuilding"] is False and state["rebuild"] is None and state["history"] == []

    # only operators; a bounded, explained request; a projection the service has
    assert (await svc.client.get("/ops/projections")).status_code == 401
    teacher = bearer(svc, "huang", Role.TEACHER)
    assert (await svc.client.get("/ops/projections", headers=teacher)).status_code == 403
    refused = await svc.client.post("/ops/projections/roster/rebuild", json={"reason": "x"}, headers=teacher)
    assert refused.status_code == 403
    # a district's operator reads the status, but the table holds every district's rows: no rebuild
    district_ops = bearer(svc, "ops-xinbei", Role.OPERATOR, ("xinbei",))
    assert (await roster_state(svc, district_ops))["behind"] == 0
    theirs = await svc.client.post("/ops/projections/roster/rebuild", json={"reason": "x"}, headers=district_ops)
    assert theirs.status_code == 403 and "platform admins only" in theirs.json()["reason"], theirs.text
    unknown = await svc.client.post("/ops/projections/nothing/rebuild", json={"reason": "x"}, headers=ops)
    assert unknown.status_code == 404 and "roster" in unknown.json()["reason"]
    for body in ({}, {"reason": "  "}, {"reason": "x" * 501}, {"reason": "a\x00b"}):
        assert (await svc.client.post("/ops/projections/roster/rebuild", json=body, headers=ops)).status_code == 422
    assert (
        await svc.client.post(f"/ops/projections/{'a' * 101}/rebuild", json={"reason": "x"}, headers=ops)
    ).status_code == 422

    live = await schema_rows(svc.pool, ROSTER.schema)

    # another process holds the rebuild lock (a rebuild from the command line): 409, shown as rebuilding
    other = await asyncpg.connect(svc.settings.dsn)
    try:
        await other.execute("SELECT pg_advisory_lock($1)", rebuild_lock_key(ROSTER.schema))
        busy = await svc.client.post("/ops/projections/roster/rebuild", json={"reason": "again"}, headers=ops)
        assert busy.status_code == 409 and busy.json()["error"] == "rebuild_running", busy.text
        assert (await roster_state(svc, ops))["rebuilding"] is True
    finally:
        await other.close()
    assert await svc.pool.fetchval("SELECT count(*) FROM projection_rebuilds") == 0  # a refusal writes nothing

    # two at once in this process: one starts, the other is refused
    first, second = await asyncio.gather(
        svc.client.post("/ops/projections/roster/rebuild", json={"reason": "after the fix"}, headers=ops),
        svc.client.post("/ops/projections/roster/rebuild", json={"reason": "me too"}, headers=ops),
    )
    assert sorted([first.status_code, second.status_code]) == [202, 409], (first.text, second.text)
    started = (first if first.status_code == 202 else second).json()
    assert started["projection"] == "roster" and started["started_by"] == "ops-lin"
    assert started["reason"] == "after the fix" and started["total"] == events

    async def done() -> dict[str, Any] | None:
        state = await roster_state(svc, ops)
        done = state["rebuild"]["state"] == "done" and not state["rebuilding"] and state["behind"] == 0
        return state if done else None

    state = await eventually(done, timeout=60)
    finished = state["rebuild"]
    assert finished["id"] == started["rebuild_id"] and finished["started_by"] == "ops-lin"
    assert finished["replayed"] == finished["total"] == events and finished["events"] == events
    assert finished["eta_s"] is None and finished["error"] is None
    assert [h["id"] for h in state["history"]] == [started["rebuild_id"]]
    assert state["behind"] == 0

    # the rebuilt projection equals the live one before it, and a clean rebuild after it
    rebuilt = await schema_rows(svc.pool, ROSTER.schema)
    assert rebuilt == live
    await rebuild(svc.pool, EventStore(svc.pool), ROSTER)
    assert await schema_rows(svc.pool, ROSTER.schema) == rebuilt

    # who started it, in the /ops audit
    audit = (await svc.client.get("/ops/audit", headers=ops)).json()["audit"]
    entry = next(a for a in audit if a["action"] == "projection.rebuild")
    assert (entry["actor"], entry["target"], entry["reason"]) == ("ops-lin", "projection/roster", "after the fix")
    assert entry["id"] == started["audit_id"]
    # and as an event of the service's store, which a district's operator does not see in the audit
    recorded = await svc.pool.fetchrow(
        "SELECT type, actor, district_id, data->>'reason' AS reason FROM events WHERE event_id = $1", entry["event_id"]
    )
    assert recorded is not None
    assert tuple(recorded) == ("operations.ProjectionRebuildStarted", "ops-lin", None, "after the fix")
    assert not (await svc.client.get("/ops/audit", headers=district_ops)).json()["audit"]


async def test_a_running_rebuild_shows_its_progress_and_an_estimate(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    svc = await start_directory(make_settings, start_service)
    ops = bearer(svc, "ops-lin", Role.PLATFORM_ADMIN)
    await seed_school(Directory(EventStore(svc.pool)), students=40)
    await eventually(lambda: caught_up(svc.pool), timeout=60)
    # the rebuild's swap waits for this transaction's share of the projection's lock: it stays running
    holder = await asyncpg.connect(svc.settings.dsn)
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock_shared($1)", lock_key(ROSTER.schema))
            answer = await svc.client.post("/ops/projections/roster/rebuild", json={"reason": "slow"}, headers=ops)
            assert answer.status_code == 202, answer.text

            async def replayed() -> dict[str, Any] | None:
                state = await roster_state(svc, ops)
                run = state["rebuild"]
                return state if run["replayed"] == run["total"] and run["state"] == "running" else None

            state = await eventually(replayed, timeout=60)
            assert state["rebuilding"] is True and state["rebuild"]["eta_s"] == 0
            again = await svc.client.post("/ops/projections/roster/rebuild", json={"reason": "x"}, headers=ops)
            assert again.status_code == 409
            one = await svc.client.get("/ops/projections/roster", headers=ops)
            assert one.status_code == 200 and one.json()["rebuilding"] is True
    finally:
        await holder.close()

    async def done() -> bool:
        return bool((await roster_state(svc, ops))["rebuild"]["state"] == "done")

    await eventually(done, timeout=60)


async def test_houqin_rebuild_starts_it_through_the_running_service_and_follows_it(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    import os
    import subprocess
    import sys

    import uvicorn

    from services.eventkit.processes import free_port
    from services.registry import PORTS
    from tests.conftest import ROOT

    svc = await start_directory(make_settings, start_service)
    await seed_school(Directory(EventStore(svc.pool)), students=10)
    await eventually(lambda: caught_up(svc.pool), timeout=60)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(svc.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: asyncio.sleep(0, server.started), timeout=10)

    async def houqin(offset: int, *args: str) -> subprocess.CompletedProcess[str]:
        env = os.environ | {
            "HOUQIN_PORT_OFFSET": str(offset), "HOUQIN_JWT_SECRET": svc.settings.jwt_secret, "COLUMNS": "200",
            "USER": "lin",
        }  # fmt: skip
        argv = [sys.executable, "-m", "services", "rebuild", *args]
        return await asyncio.to_thread(
            subprocess.run, argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    try:
        offset = port - PORTS["directory"]
        done = await houqin(offset, "directory", "roster", "--reason", "after the fix")
        assert done.returncode == 0, done.stderr
        assert "directory.roster rebuilt:" in done.stdout and "started by cli:lin" in done.stdout, done.stdout
        row = await svc.pool.fetchrow("SELECT started_by, reason, error, finished_at FROM projection_rebuilds")
        assert row is not None and (row["started_by"], row["reason"], row["error"]) == (
            "cli:lin",
            "after the fix",
            None,
        )

        other = await asyncpg.connect(svc.settings.dsn)
        try:
            await other.execute("SELECT pg_advisory_lock($1)", rebuild_lock_key(ROSTER.schema))
            busy = await houqin(offset, "directory", "roster")
            assert busy.returncode == 1 and "running already" in busy.stderr, busy.stderr
        finally:
            await other.close()
        unknown = await houqin(offset, "directory", "nothing")
        assert unknown.returncode == 2 and "roster" in unknown.stderr
    finally:
        server.should_exit = True
        await serving
    down = await houqin(free_port() - PORTS["directory"], "directory", "roster")
    assert down.returncode == 1 and "start the system with ./houqin up" in down.stderr.replace("\n", " "), down.stderr


async def test_the_swap_waits_for_a_live_batch_longer_than_the_pool_s_command_timeout(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    """A consumer batch that holds the projection's lock longer than a statement may run (the
    pool's command timeout) delays the swap; it does not throw the replay away."""
    svc = await start_directory(make_settings, start_service)
    await seed_school(Directory(EventStore(svc.pool)), students=10)
    await eventually(lambda: caught_up(svc.pool), timeout=60)
    live = await schema_rows(svc.pool, ROSTER.schema)
    impatient = await asyncpg.create_pool(svc.settings.dsn, min_size=1, max_size=3, command_timeout=0.5)
    holder = await asyncpg.connect(svc.settings.dsn)
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock_shared($1)", lock_key(ROSTER.schema))
            rebuilding = asyncio.create_task(rebuild(impatient, EventStore(impatient), ROSTER))
            await asyncio.sleep(1.5)  # three command timeouts
            assert not rebuilding.done()
        report = await asyncio.wait_for(rebuilding, timeout=30)
    finally:
        await holder.close()
        await impatient.close()
    assert report.events > 0
    assert await schema_rows(svc.pool, ROSTER.schema) == live


def test_a_measure_is_reused_for_four_times_what_it_took_and_a_quick_one_never() -> None:
    at = datetime.now(UTC)
    slow = Measure(position=1, head=1, at=at, took_s=0.5, ended=100.0)
    assert slow.fresh(100.0) and slow.fresh(101.9)
    assert not slow.fresh(102.0)
    quick = Measure(position=1, head=1, at=at, took_s=REUSE_FROM_S / 2, ended=100.0)
    assert not quick.fresh(100.0)


async def test_askers_wait_briefly_share_one_measure_and_a_slow_one_is_reused_for_a_while(
    make_settings: SettingsFactory, start_service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's console asks every second while a rebuild runs, and on millions of events a
    measure takes longer than a request may: asking never waits long, and watching does not keep
    the database busy."""
    monkeypatch.setattr(rebuilds, "REUSE_FOR", 1.0)  # the test waits for a slow measure to age
    svc = await start_directory(make_settings, start_service)
    ops = bearer(svc, "ops-lin", Role.PLATFORM_ADMIN)
    await seed_school(Directory(EventStore(svc.pool)), students=5)
    await eventually(lambda: caught_up(svc.pool), timeout=60)
    events = await svc.pool.fetchval("SELECT count(*) FROM events")
    gauge = PositionGauge(lambda: svc.pool)

    async def slow(seconds: float) -> asyncio.Task[None]:
        """A measure waits for this lock for ``seconds``, as a slow one takes its time; the task
        ends when the lock is released."""
        blocker = await asyncpg.connect(svc.settings.dsn)
        await blocker.execute("BEGIN")
        await blocker.execute(f"LOCK TABLE {ROSTER.schema}._streams IN ACCESS EXCLUSIVE MODE")

        async def release() -> None:
            await asyncio.sleep(seconds)
            await blocker.close()

        return asyncio.create_task(release())

    released = await slow(3.5)  # longer than the service's own wait (MEASURE_WAIT_S) and the askers' below
    # the first measure is slow: askers at once wait briefly for one measure, then hear "none yet"
    answers = await asyncio.gather(*(gauge.latest([ROSTER], wait_s=0.3) for _ in range(3)))
    assert answers == [{"roster": None}] * 3 and gauge.measures == 1
    gone = asyncio.create_task(gauge.latest([ROSTER], wait_s=30))
    await asyncio.sleep(0.1)
    gone.cancel()  # an asker that goes away leaves the measure running
    # the service's own answer does not wait for its measure either
    api = await svc.client.get("/ops/projections/roster", headers=ops)
    assert api.status_code == 200, api.text
    assert (api.json()["position"], api.json()["head"], api.json()["measured_at"]) == (None, None, None)
    await released
    first = (await gauge.latest([ROSTER], wait_s=10))["roster"]
    assert gauge.measures == 1 and first is not None
    assert (first.position, first.head) == (events, events) and first.took_s >= 3.0

    # one more event of a followed stream (the roster follows them all; not published: the
    # projection stays one behind)
    stream = await svc.pool.fetchval("SELECT stream_id FROM events ORDER BY position DESC LIMIT 1")
    await svc.pool.execute(
        "INSERT INTO events (event_id, stream_id, version, type, schema_version, occurred_at, data) "
        "SELECT gen_random_uuid(), stream_id, version + 1, type, schema_version, occurred_at, data FROM events "
        "WHERE stream_id = $1 ORDER BY version DESC LIMIT 1",
        stream,
    )
    assert (await gauge.latest([ROSTER]))["roster"] is first  # within what it took: reused
    await asyncio.sleep(rebuilds.REUSE_FOR * first.took_s - (time.monotonic() - first.ended) + 0.05)
    released = await slow(0.5)
    # stale now: a new measure, slow again; meanwhile the last one is the answer
    assert (await gauge.latest([ROSTER], wait_s=0.1))["roster"] is first and gauge.measures == 2
    await released
    later = (await gauge.latest([ROSTER], wait_s=10))["roster"]
    assert later is not None and (later.position, later.head) == (events, events + 1) and later.at > first.at
    state = await eventually(lambda: roster_state(svc, ops))
    assert (state["position"], state["head"], state["behind"]) == (events, events + 1, 1)
    assert gauge.measures == 2
