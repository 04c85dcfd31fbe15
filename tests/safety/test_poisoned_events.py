"""An event a projection cannot apply holds its stream until an operator skips it (audited);
parked outbox rows are listed, released and discarded by operators only.

A poisoned event (a payload its model refuses) is appended to a hazard's stream; the next
event of the stream fills its gap with it and is dead-lettered too: the hazard's status stays
behind. The operator's skip moves the projection past the one event and brings the later one
in; a rebuild leaves it out as well."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg

from services.eventkit.auth import Role
from services.eventkit.envelope import Envelope, TenantPath, new_envelope
from services.eventkit.projection import rebuild
from services.eventkit.store import EventStore
from services.safety.events import HazardEscalated, HazardRectified
from tests.conftest import eventually, token_for
from tests.safety.conftest import SafetyWorld
from tests.safety.test_hazards_api import hazard, uid

TENANT = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")


def operator(world: SafetyWorld) -> dict[str, str]:
    return token_for(world.safety.settings, "ops-duty", Role.OPERATOR, districts=["xinbei"])


async def status(pool: asyncpg.Pool, hazard_id: str) -> str | None:
    value: str | None = await pool.fetchval(
        "SELECT status FROM proj_inspection_status.hazards WHERE hazard_id = $1", hazard_id
    )
    return value


async def audit_count(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM operations_audit"))


async def poisoned_hazard(world: SafetyWorld) -> tuple[str, UUID, UUID]:
    """A hazard whose v2 is poison and v3 a good escalation: both dead-lettered, status still reported."""
    hazard_id = uid("poison")
    reported = await world.post("/hazards", hazard(hazard_id), as_="guard-main")
    assert reported.status_code == 200, reported.text
    stream = f"hazard-{hazard_id}"
    store = EventStore(world.safety.pool)
    poison = Envelope(
        event_id=uuid4(), stream_id=stream, version=2, type="safety.HazardEscalated", schema_version=1,
        occurred_at=datetime.now(UTC), district_id="xinbei", school_id="xuexiao", campus_id="main",
        data={"hazard_id": hazard_id},  # the authority, who and when are missing
    )  # fmt: skip
    good = new_envelope(
        HazardEscalated(hazard_id=hazard_id, authority="区教育局", escalated_by="zhou", escalated_at=datetime.now(UTC)),
        stream_id=stream,
        version=3,
        tenant=TENANT,
    )
    await store.append(stream, 1, [poison])
    await store.append(stream, 2, [good])

    async def both_dead() -> bool:
        n = await world.safety.pool.fetchval(
            "SELECT count(*) FROM dead_letters WHERE event_id = ANY($1::uuid[])", [poison.event_id, good.event_id]
        )
        return bool(n == 2)

    await eventually(both_dead)
    assert await status(world.safety.pool, hazard_id) == "reported"
    return hazard_id, poison.event_id, good.event_id


async def test_an_operator_skips_a_poisoned_event_and_its_stream_goes_on(world: SafetyWorld) -> None:
    pool = world.safety.pool
    hazard_id, poison, good = await poisoned_hazard(world)
    consumer = f"{world.safety.settings.group_of('projections')}/inspection_status"
    act = {"consumer": consumer, "event_id": str(poison), "reason": "v2 lost its fields in a hand repair"}
    audits = await audit_count(pool)

    # a manager is refused, and nothing is skipped or audited
    refused = await world.client.post("/ops/events/skip", json=act, headers=world.tokens["manager-main"])
    assert refused.status_code == 403, refused.text
    listed = await world.client.get("/ops/dead-letters", headers=world.tokens["manager-main"])
    assert listed.status_code == 403
    assert await pool.fetchval("SELECT count(*) FROM skipped_events") == 0
    assert await audit_count(pool) == audits

    # the operator sees the dead letters; retrying the poison still fails: 422, nothing kept
    listed = await world.client.get("/ops/dead-letters", params={"consumer": consumer}, headers=operator(world))
    assert listed.status_code == 200
    assert {str(poison), str(good)} <= {d["event_id"] for d in listed.json()["dead_letters"]}
    retried = await world.client.post("/ops/events/retry", json=act, headers=operator(world))
    assert retried.status_code == 422 and "ValidationError" in retried.text
    assert await audit_count(pool) == audits and await status(pool, hazard_id) == "reported"

    # the skip: the projection passes the poison and applies the escalation after it
    skipped = await world.client.post("/ops/events/skip", json=act, headers=operator(world))
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["skipped"]["applied_after"] == 2  # the poison left out, the escalation applied
    assert await status(pool, hazard_id) == "escalated"
    row = await pool.fetchrow("SELECT actor, action, target, reason, at FROM operations_audit ORDER BY id DESC LIMIT 1")
    assert row is not None
    assert (row["actor"], row["action"], row["reason"]) == ("ops-duty", "event.skip", act["reason"])
    assert row["target"] == f"{consumer}/{poison}"
    assert await pool.fetchval("SELECT skipped_by FROM skipped_events WHERE event_id = $1", poison) == "ops-duty"

    # the stream flows live again: a later event applies with no new dead letter
    dead_before = await pool.fetchval("SELECT count(*) FROM dead_letters")
    rectified = new_envelope(
        HazardRectified(hazard_id=hazard_id, rectified_by="wang-tech", rectified_at=datetime.now(UTC)),
        stream_id=f"hazard-{hazard_id}",
        version=4,
        tenant=TENANT,
    )
    await EventStore(pool).append(f"hazard-{hazard_id}", 3, [rectified])
    await eventually(lambda: _is(status(pool, hazard_id), "rectified"))
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == dead_before

    # a rebuild leaves the skipped event out too (it would fail on it otherwise)
    projection = world.safety.runtime.projection("inspection_status")
    await rebuild(pool, EventStore(pool), projection)
    assert await status(pool, hazard_id) == "rectified"


async def _is(value: Awaitable[object], expected: object) -> bool:
    return bool(await value == expected)


async def test_parked_outbox_rows_are_for_operators_and_every_act_is_audited(world: SafetyWorld) -> None:
    pool = world.safety.pool
    hazard_ids = [uid("parked"), uid("parked")]
    for hazard_id in hazard_ids:
        assert (await world.post("/hazards", hazard(hazard_id), as_="guard-main")).status_code == 200
    await eventually(lambda: _is(pool.fetchval("SELECT count(*) FROM outbox"), 0))
    # as the relay leaves a row the broker refused (here: rows it had sent; a release sends them again)
    rows = await pool.fetch(
        "SELECT position, stream_id, event_id, type FROM events WHERE stream_id = ANY($1::text[]) ORDER BY position",
        [f"hazard-{h}" for h in hazard_ids],
    )
    for r in rows:
        await pool.execute(
            "INSERT INTO parked_outbox (position, stream_id, event_id, type, size_bytes, reason) "
            "VALUES ($1, $2, $3, $4, 2000000, 'MessageSizeTooLargeError')",
            r["position"], r["stream_id"], r["event_id"], r["type"],
        )  # fmt: skip
    audits = await audit_count(pool)
    reason = {"reason": "message.max.bytes raised to 4 MiB"}

    for as_ in ("manager-main", "admin"):
        assert (await world.client.get("/ops/parked", headers=world.tokens[as_])).status_code == 403
        answer = await world.client.post(
            f"/ops/parked/{rows[0]['position']}/release", json=reason, headers=world.tokens[as_]
        )
        assert answer.status_code == 403
    assert (await world.client.get("/ops/parked")).status_code == 401
    assert await pool.fetchval("SELECT count(*) FROM parked_outbox") == 2 and await audit_count(pool) == audits

    listed = await world.client.get("/ops/parked", headers=operator(world))
    assert listed.status_code == 200
    assert [p["position"] for p in listed.json()["parked"]] == [r["position"] for r in rows]

    released = await world.client.post(
        f"/ops/parked/{rows[0]['position']}/release", json=reason, headers=operator(world)
    )
    assert released.status_code == 200, released.text
    discarded = await world.client.post(
        f"/ops/parked/{rows[1]['position']}/discard", json={"reason": "a test record"}, headers=operator(world)
    )
    assert discarded.status_code == 200, discarded.text
    again = await world.client.post(f"/ops/parked/{rows[1]['position']}/discard", json=reason, headers=operator(world))
    assert again.status_code == 404
    no_reason = await world.client.post(
        f"/ops/parked/{rows[0]['position']}/release", json={"reason": " "}, headers=operator(world)
    )
    assert no_reason.status_code == 422

    assert await pool.fetchval("SELECT count(*) FROM parked_outbox") == 0
    await eventually(lambda: _is(pool.fetchval("SELECT count(*) FROM outbox"), 0))  # the released one was sent
    audit = await world.client.get("/ops/audit", headers=operator(world))
    assert audit.status_code == 200
    acts = [(a["action"], a["target"], a["actor"]) for a in audit.json()["audit"][:2]]
    assert acts == [
        ("outbox.discard", f"outbox/{rows[1]['position']}", "ops-duty"),
        ("outbox.release", f"outbox/{rows[0]['position']}", "ops-duty"),
    ]
    assert await audit_count(pool) == audits + 2
