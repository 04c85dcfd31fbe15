"""The dead letters' operations of a running service (the safety service on real PostgreSQL and
Kafka): counts per consumer, replay of all after a confirmed count, park, and a replay that acts
once however often it is asked (the consumer's own tracking: a projection's checkpoint).

The fault: a trigger on the projection's table refuses one hazard's escalation (as a database
that cannot take a row would), so its consumer dead-letters the event; dropping the trigger is
the fix, after which the replay applies it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import orjson
import pytest_asyncio

from services.eventkit.auth import Role
from services.eventkit.envelope import TenantPath, new_envelope
from services.eventkit.store import EventStore
from services.safety.events import HazardEscalated
from services.safety.service import SAFETY
from tests.conftest import ROOT, SettingsFactory, eventually, token_for
from tests.safety.conftest import SafetyWorld
from tests.safety.test_hazards_api import hazard, uid
from tests.school import school_world

TENANT = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def safety(make_settings: SettingsFactory, start_service: Any) -> SafetyWorld:
    """The directory and the safety service running, with the seed's school (``tests.safety``'s world)."""
    w = await school_world(make_settings, start_service, SAFETY)
    return SafetyWorld(w.directory, w.service, w.tokens)


async def trap(pool: asyncpg.Pool, hazard_id: str) -> str:
    """A trigger that refuses ``hazard_id``'s escalation in the projection's table (the fault)."""
    name = f"trap_{hazard_id.replace('-', '_')}"
    await pool.execute(
        f"CREATE FUNCTION proj_inspection_status.{name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.hazard_id = '{hazard_id}' AND NEW.status = 'escalated' THEN "
        "RAISE EXCEPTION 'the escalation register is closed'; END IF; RETURN NEW; END $$"
    )
    await pool.execute(
        f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON proj_inspection_status.hazards "
        f"FOR EACH ROW EXECUTE FUNCTION proj_inspection_status.{name}()"
    )
    return name


async def untrap(pool: asyncpg.Pool, name: str) -> None:
    await pool.execute(f"DROP TRIGGER {name} ON proj_inspection_status.hazards")
    await pool.execute(f"DROP FUNCTION proj_inspection_status.{name}()")


async def escalated_into_dead_letters(world: SafetyWorld, correlation_id: str | None = None) -> tuple[str, UUID, str]:
    """A hazard whose escalation its projection cannot apply (trapped): dead-lettered."""
    pool = world.safety.pool
    hazard_id = uid("dlq")
    reported = await world.post("/hazards", hazard(hazard_id), as_="guard-main")
    assert reported.status_code == 200, reported.text
    trigger = await trap(pool, hazard_id)
    stream = f"hazard-{hazard_id}"
    escalated = new_envelope(
        HazardEscalated(hazard_id=hazard_id, authority="区教育局", escalated_by="zhou", escalated_at=datetime.now(UTC)),
        stream_id=stream,
        version=2,
        tenant=TENANT,
        correlation_id=correlation_id,
    )
    await EventStore(pool).append(stream, 1, [escalated])

    async def dead() -> bool:
        return bool(await pool.fetchval("SELECT count(*) FROM dead_letters WHERE event_id = $1", escalated.event_id))

    await eventually(dead)
    return hazard_id, escalated.event_id, trigger


async def status(pool: asyncpg.Pool, hazard_id: str) -> str | None:
    value: str | None = await pool.fetchval(
        "SELECT status FROM proj_inspection_status.hazards WHERE hazard_id = $1", hazard_id
    )
    return value


def counts_of(body: dict[str, Any], consumer: str) -> tuple[int, int, int]:
    for c in body["counts"]:
        if c["consumer"] == consumer:
            return c["open"], c["parked"], c["total"]
    return 0, 0, 0


async def test_dead_letters_are_counted_replayed_all_once_confirmed_and_parked(safety: SafetyWorld) -> None:
    world = safety
    pool = world.safety.pool
    ops = token_for(world.safety.settings, "ops-duty", Role.OPERATOR, districts=["xinbei"])
    consumer = f"{world.safety.settings.group_of('projections')}/inspection_status"
    client = world.client
    hazard_id, event_id, trigger = await escalated_into_dead_letters(world)

    # others are refused every act, and nothing is audited
    audits = await pool.fetchval("SELECT count(*) FROM operations_audit")
    manager = world.tokens["manager-main"]
    assert (await client.get("/ops/dead-letters/counts", headers=manager)).status_code == 403
    act = {"consumer": consumer, "event_id": str(event_id), "reason": "the register is open again"}
    assert (await client.post("/ops/dead-letters/park", json=act, headers=manager)).status_code == 403
    everything = {"consumer": consumer, "expected": 1, "reason": "the register is open again"}
    assert (await client.post("/ops/dead-letters/replay-all", json=everything, headers=manager)).status_code == 403
    assert await pool.fetchval("SELECT count(*) FROM operations_audit") == audits

    counts = await client.get("/ops/dead-letters/counts", headers=ops)
    assert counts.status_code == 200, counts.text
    assert counts_of(counts.json(), consumer) == (1, 0, 1)
    listed = (await client.get("/ops/dead-letters", params={"state": "open"}, headers=ops)).json()["dead_letters"]
    mine = [d for d in listed if d["event_id"] == str(event_id)]
    assert mine and mine[0]["type"] == "safety.HazardEscalated" and mine[0]["occurred_at"]
    assert "escalation register is closed" in mine[0]["reason"]
    detail = await client.get(f"/ops/dead-letters/{mine[0]['id']}", headers=ops)
    assert detail.status_code == 200 and detail.json()["envelope"]["data"]["hazard_id"] == hazard_id
    assert (await client.get("/ops/dead-letters/999999999", headers=ops)).status_code == 404
    assert (await client.get("/ops/dead-letters", params={"state": "lost"}, headers=ops)).status_code == 422

    # a count that is not the one waiting is refused (409); the cause still there: it fails, nothing kept
    stale = await client.post("/ops/dead-letters/replay-all", json=everything | {"expected": 2}, headers=ops)
    assert stale.status_code == 409 and "not the 2" in stale.text
    failing = await client.post("/ops/dead-letters/replay-all", json=everything, headers=ops)
    assert failing.status_code == 200 and failing.json()["replayed"] == []
    assert "escalation register is closed" in failing.json()["failed"]
    assert await status(pool, hazard_id) == "reported"
    assert counts_of((await client.get("/ops/dead-letters/counts", headers=ops)).json(), consumer) == (1, 0, 1)

    # the fix, then the replay of all: applied once, the count at zero, audited
    await untrap(pool, trigger)
    replayed = await client.post("/ops/dead-letters/replay-all", json=everything, headers=ops)
    assert replayed.status_code == 200, replayed.text
    assert [r["retried"]["event_id"] for r in replayed.json()["replayed"]] == [str(event_id)]
    assert replayed.json()["replayed"][0]["retried"]["applied"] == 1 and replayed.json()["failed"] is None
    assert await status(pool, hazard_id) == "escalated"
    assert counts_of((await client.get("/ops/dead-letters/counts", headers=ops)).json(), consumer) == (0, 0, 1)
    # replaying it again acts no more (the projection's checkpoint: the same path as live consumption)
    again = await client.post("/ops/events/retry", json=act, headers=ops)
    assert again.status_code == 200 and again.json()["retried"]["applied"] == 0
    assert await status(pool, hazard_id) == "escalated"
    nothing = await client.post("/ops/dead-letters/replay-all", json=everything | {"expected": 0}, headers=ops)
    assert nothing.status_code == 200 and nothing.json()["replayed"] == []
    audit = (await client.get("/ops/audit", headers=ops)).json()["audit"]
    assert [(a["actor"], a["action"], a["target"]) for a in audit[:2]] == [
        ("ops-duty", "event.retry", f"{consumer}/{event_id}"),
        ("ops-duty", "event.retry", f"{consumer}/{event_id}"),
    ]

    # park: kept, shown as parked, not counted as waiting and left out of a replay of all
    parked_hazard, parked_event, parked_trigger = await escalated_into_dead_letters(world)
    no_reason = await client.post(
        "/ops/dead-letters/park", json=act | {"event_id": str(parked_event), "reason": " "}, headers=ops
    )
    assert no_reason.status_code == 422
    parked = await client.post(
        "/ops/dead-letters/park",
        json=act | {"event_id": str(parked_event), "reason": "wait for the bureau"},
        headers=ops,
    )
    assert parked.status_code == 200, parked.text
    assert counts_of((await client.get("/ops/dead-letters/counts", headers=ops)).json(), consumer) == (0, 1, 2)
    shown = (await client.get("/ops/dead-letters", params={"consumer": consumer}, headers=ops)).json()
    assert {d["event_id"]: d["state"] for d in shown["dead_letters"]} == {
        str(parked_event): "parked",
        str(event_id): "replayed",
    }
    left = await client.post("/ops/dead-letters/replay-all", json=everything | {"expected": 0}, headers=ops)
    assert left.status_code == 200 and left.json()["replayed"] == []
    assert await status(pool, parked_hazard) == "reported"
    row = await pool.fetchrow("SELECT actor, action, reason FROM operations_audit ORDER BY id DESC LIMIT 1")
    assert row is not None and tuple(row) == ("ops-duty", "event.park", "wait for the bureau")
    unknown = await client.post("/ops/dead-letters/park", json=act | {"consumer": "nobody"}, headers=ops)
    assert unknown.status_code == 404
    await untrap(pool, parked_trigger)


async def houqin(world: SafetyWorld, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``./houqin dlq ...`` (``python -m services``) on the running safety service's database."""
    settings = world.safety.settings
    env = os.environ | {
        "HOUQIN_DATABASE_URL": settings.dsn, "HOUQIN_NAMESPACE": settings.namespace,
        "HOUQIN_LOG_LEVEL": "WARNING", "COLUMNS": "250",
    }  # fmt: skip
    argv = [sys.executable, "-m", "services", "dlq", *args]
    return await asyncio.to_thread(
        subprocess.run, argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, input=stdin
    )


async def test_the_command_line_lists_shows_parks_and_replays_dead_letters(safety: SafetyWorld) -> None:
    pool = safety.safety.pool
    consumer = f"{safety.safety.settings.group_of('projections')}/inspection_status"
    hazard_id, event_id, trigger = await escalated_into_dead_letters(safety)
    other_hazard, other_event, other_trigger = await escalated_into_dead_letters(safety)

    listed = await houqin(safety, "list", "safety", "--state", "open")
    assert listed.returncode == 0, listed.stderr
    assert consumer in listed.stdout and str(event_id) in listed.stdout and "safety.HazardEscalated" in listed.stdout
    dead_id = await pool.fetchval("SELECT max(id) FROM dead_letters WHERE event_id = $1", event_id)
    shown = await houqin(safety, "show", "safety", str(dead_id))
    assert shown.returncode == 0, shown.stderr
    assert hazard_id in shown.stdout and "escalation register is closed" in shown.stdout
    assert (await houqin(safety, "show", "safety", "999999999")).returncode == 1
    assert (await houqin(safety, "list", "nowhere")).returncode == 2

    parked = await houqin(
        safety, "park", "safety", "--consumer", consumer, "--event-id", str(other_event),
        "--reason", "the bureau decides", "--actor", "ops-cli",
    )  # fmt: skip
    assert parked.returncode == 0, parked.stderr
    row = await pool.fetchrow("SELECT actor, action, target, reason FROM operations_audit ORDER BY id DESC LIMIT 1")
    assert row is not None
    assert tuple(row) == ("ops-cli", "event.park", f"{consumer}/{other_event}", "the bureau decides")

    # replay all, the cause still there: refused at the prompt, then a stale count, then it still fails
    unexplained = await houqin(safety, "replay", "safety", "--consumer", consumer, "--all")
    assert unexplained.returncode != 0 and "--reason" in unexplained.stderr
    declined = await houqin(safety, "replay", "safety", "--consumer", consumer, "--all", "--reason", "r", stdin="n\n")
    assert declined.returncode == 1 and "Replay 1 dead letter(s)" in declined.stdout
    stale = await houqin(
        safety, "replay", "safety", "--consumer", consumer, "--all", "--expected", "2", "--reason", "r"
    )
    assert stale.returncode == 1 and "not the 2" in stale.stderr
    await untrap(pool, trigger)
    replayed = await houqin(
        safety, "replay", "safety", "--consumer", consumer, "--all", "--reason", "register open", "--actor", "ops-cli",
        stdin="y\n",
    )  # fmt: skip
    assert replayed.returncode == 0, replayed.stderr
    assert str(event_id) in replayed.stdout and "replayed 1" in replayed.stdout
    assert await status(pool, hazard_id) == "escalated"
    assert await status(pool, other_hazard) == "reported"  # parked: left out

    # once more by name: the consumer's tracking applies it no second time
    again = await houqin(
        safety, "replay", "safety", "--consumer", consumer, "--event-id", str(event_id), "--reason", "again"
    )
    assert again.returncode == 0 and "applied 0" in again.stdout
    # the parked one, replayed by name once its cause is mended
    await untrap(pool, other_trigger)
    named = await houqin(
        safety, "replay", "safety", "--consumer", consumer, "--event-id", str(other_event), "--reason", "bureau agreed"
    )
    assert named.returncode == 0 and "applied 1" in named.stdout, named.stdout + named.stderr
    assert await status(pool, other_hazard) == "escalated"
    final = await houqin(safety, "list", "safety", "--state", "open")
    assert final.returncode == 0 and str(event_id) not in final.stdout


async def test_an_operator_of_another_district_sees_and_settles_none_and_each_act_is_an_event(
    safety: SafetyWorld,
) -> None:
    """Dead letters are scoped by their event's district; the act that settles one is an event of
    the service's store (who, when, why; the dead event's correlation), published like any other."""
    world, pool, client = safety, safety.safety.pool, safety.client
    settings = world.safety.settings
    consumer = f"{settings.group_of('projections')}/inspection_status"
    ours = token_for(settings, "ops-duty", Role.OPERATOR, districts=["xinbei"])
    theirs = token_for(settings, "ops-elsewhere", Role.OPERATOR, districts=["dongcheng"])
    platform = token_for(settings, "platform-ops", Role.PLATFORM_ADMIN)
    hazard_id, event_id, trigger = await escalated_into_dead_letters(world, correlation_id="corr-escalation-1")
    dead_id = await pool.fetchval("SELECT max(id) FROM dead_letters WHERE event_id = $1", event_id)
    # a message that was no event belongs to no district: only a platform admin sees it
    stray_id = await pool.fetchval(
        'INSERT INTO dead_letters (consumer, topic, partition, "offset", reason, payload) '
        "VALUES ($1, 'elsewhere', 0, 7, 'not an event', '\\x00ff'::bytea) RETURNING id",
        consumer,
    )
    events_before = await pool.fetchval("SELECT count(*) FROM events")
    audits_before = await pool.fetchval("SELECT count(*) FROM operations_audit")

    def listed(body: dict[str, Any]) -> set[int]:
        return {d["id"] for d in body["dead_letters"]}

    # another district's operator: nothing listed or counted, every act refused, nothing recorded
    assert counts_of((await client.get("/ops/dead-letters/counts", headers=theirs)).json(), consumer) == (0, 0, 0)
    assert not listed((await client.get("/ops/dead-letters", headers=theirs)).json()) & {dead_id, stray_id}
    refused = await client.get(f"/ops/dead-letters/{dead_id}", headers=theirs)
    assert refused.status_code == 403 and "ops-elsewhere operates on no dead letter" in refused.text, refused.text
    act = {"consumer": consumer, "event_id": str(event_id), "reason": "not mine to settle"}
    for path in ("/ops/dead-letters/park", "/ops/events/skip", "/ops/events/retry"):
        answer = await client.post(path, json=act, headers=theirs)
        assert answer.status_code == 403, (path, answer.text)
    everything = {"consumer": consumer, "expected": 1, "reason": "all of them"}
    mismatch = await client.post("/ops/dead-letters/replay-all", json=everything, headers=theirs)
    assert mismatch.status_code == 409 and "has 0 dead letters waiting" in mismatch.text
    none = await client.post("/ops/dead-letters/replay-all", json=everything | {"expected": 0}, headers=theirs)
    assert none.status_code == 200 and none.json()["replayed"] == []
    assert await pool.fetchval("SELECT count(*) FROM events") == events_before
    assert await pool.fetchval("SELECT count(*) FROM operations_audit") == audits_before
    assert await status(pool, hazard_id) == "reported"

    # the district's own operator sees it, not the stray; the platform admin sees both
    assert dead_id in listed((await client.get("/ops/dead-letters", headers=ours)).json())
    assert stray_id not in listed((await client.get("/ops/dead-letters", headers=ours)).json())
    assert (await client.get(f"/ops/dead-letters/{stray_id}", headers=ours)).status_code == 403
    assert {dead_id, stray_id} <= listed((await client.get("/ops/dead-letters", headers=platform)).json())
    assert (await client.get(f"/ops/dead-letters/{stray_id}", headers=platform)).status_code == 200
    counted = counts_of((await client.get("/ops/dead-letters/counts", headers=ours)).json(), consumer)
    assert counted[0] >= 1

    # parking it is an event: the operator its actor, the reason, the dead event its cause
    parked = await client.post("/ops/dead-letters/park", json=act | {"reason": "the bureau decides"}, headers=ours)
    assert parked.status_code == 200, parked.text
    recorded = await pool.fetchrow(
        "SELECT position, type, actor, district_id, school_id, campus_id, correlation_id, causation_id, data "
        "FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1",
        f"operations-event-{event_id}",
    )
    assert recorded is not None and recorded["type"] == "operations.DeadLetterParked"
    assert (recorded["actor"], recorded["district_id"], recorded["campus_id"]) == ("ops-duty", "xinbei", "main")
    assert (recorded["correlation_id"], recorded["causation_id"]) == ("corr-escalation-1", str(event_id))
    data = recorded["data"] if isinstance(recorded["data"], dict) else orjson.loads(recorded["data"])
    assert (data["action"], data["reason"], data["target"]) == (
        "event.park",
        "the bureau decides",
        f"{consumer}/{event_id}",
    )
    # shown in the district's history with the event that records it; not in the other district's
    audit = (await client.get("/ops/audit", headers=ours)).json()["audit"]
    mine = [a for a in audit if a["target"] == f"{consumer}/{event_id}"]
    assert mine and mine[0]["action"] == "event.park" and mine[0]["district_id"] == "xinbei"
    assert mine[0]["event_id"] == str(
        await pool.fetchval("SELECT event_id FROM events WHERE position = $1", recorded["position"])
    )
    assert not [a for a in (await client.get("/ops/audit", headers=theirs)).json()["audit"]
                if a["target"] == f"{consumer}/{event_id}"]  # fmt: skip

    # published like any other event: the relay takes it out of the outbox
    async def sent() -> bool:
        return not await pool.fetchval("SELECT count(*) FROM outbox WHERE position = $1", recorded["position"])

    await eventually(sent)
    await untrap(pool, trigger)
    await pool.execute("DELETE FROM dead_letters WHERE id = $1", stray_id)


async def test_dead_letters_kept_before_their_tenant_was_recorded_take_it_from_their_message(
    safety: SafetyWorld,
) -> None:
    """The migration that scopes dead letters reads the tenant of those kept before from their
    message (a JSON envelope); a message that is not JSON, or not UTF-8, stays of no district."""
    pool = safety.safety.pool
    consumer = "earlier/inspection_status"
    envelope = (
        b'{"type": "safety.HazardEscalated", "district_id": "xinbei", "school_id": "xuexiao", "campus_id": "main"}'
    )
    ids = [
        await pool.fetchval(
            'INSERT INTO dead_letters (consumer, topic, partition, "offset", reason, payload) '
            "VALUES ($1, 't', 0, $2, 'kept before', $3) RETURNING id",
            consumer,
            offset,
            payload,
        )
        for offset, payload in enumerate([envelope, b"\xff\xfe not utf-8", b"[1, 2]", None])
    ]
    migration = ROOT / "services" / "eventkit" / "migrations" / "005_operations_scoped.sql"
    await pool.execute(migration.read_text())  # each statement is safe to run again
    rows = await pool.fetch(
        "SELECT district_id, school_id, campus_id FROM dead_letters WHERE id = ANY($1::bigint[]) ORDER BY id", ids
    )
    assert [tuple(r) for r in rows] == [("xinbei", "xuexiao", "main"), (None,) * 3, (None,) * 3, (None,) * 3]
    await pool.execute("DELETE FROM dead_letters WHERE consumer = $1", consumer)


async def test_an_operator_reads_one_stored_event_of_their_scope_with_health_fields_withheld(
    safety: SafetyWorld,
) -> None:
    """``GET /ops/events/{id}``: the console's envelope page for an event its tail never saw."""
    from services.eventkit.redaction import WITHHELD
    from tests.eventkit.test_dead_letter_redaction import SECRETS, injury

    pool, client, settings = safety.safety.pool, safety.client, safety.safety.settings
    event = injury().model_copy(update={"district_id": "xinbei", "school_id": "xuexiao"})
    await EventStore(pool).append(event.stream_id, 0, [event])
    ours = token_for(settings, "ops-duty", Role.OPERATOR, districts=["xinbei"])
    theirs = token_for(settings, "ops-elsewhere", Role.OPERATOR, districts=["dongcheng"])

    answer = await client.get(f"/ops/events/{event.event_id}", headers=ours)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["type"], body["stream_id"], body["campus_id"]) == ("safety.InjuryReported", event.stream_id, "main")
    assert body["position"] and body["recorded_at"]
    assert (body["data"]["injury"], body["data"]["first_aid"]) == (WITHHELD, WITHHELD)
    assert not any(secret in answer.text for secret in SECRETS)
    assert (await client.get(f"/ops/events/{event.event_id}", headers=theirs)).status_code == 403
    assert (await client.get(f"/ops/events/{uuid4()}", headers=ours)).status_code == 404
    assert (await client.get(f"/ops/events/{event.event_id}", headers=safety.tokens["manager-main"])).status_code == 403
