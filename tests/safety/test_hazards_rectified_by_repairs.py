"""A hazard's in-house repair, verified in the inventory, rectifies the hazard once, through real Kafka.

The directory, the safety service and the inventory run on one topic namespace, as in
production: safety assigns the hazard (the inventory opens its repair), the repair is done and
verified in the inventory, and safety's reaction reads ``inventory.RepairVerified`` and rectifies
the hazard, named after who did the repair and dated by its verification. The same record
delivered again, or the reaction run again on it, records nothing new; the doer of the repair
does not verify the hazard, another manager does.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from services.directory.service import DIRECTORY
from services.eventkit.consumer import ConsumerRunner
from services.eventkit.envelope import Envelope
from services.inventory.service import INVENTORY
from services.safety.reactions import HazardsRectifiedByRepairs
from services.safety.service import SAFETY
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import PEOPLE, register_district, seed, tokens_for


async def rectifications(safety: RunningService, hazard_id: str) -> list[dict[str, Any]]:
    rows = await safety.pool.fetch(
        "SELECT actor, causation_id, occurred_at, data FROM events WHERE stream_id = $1 "
        "AND type = 'safety.HazardRectified' ORDER BY version",
        f"hazard-{hazard_id}",
    )
    return [dict(r) for r in rows]


async def test_a_verified_repair_rectifies_its_hazard_once(make_settings: SettingsFactory, start_service: Any) -> None:
    ns = f"hazfix{uuid4().hex[:6]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    safety = await start_service(SAFETY, await make_settings("safety", namespace_suffix=ns))
    inventory_settings = await make_settings("inventory", namespace_suffix=ns)
    inventory = await start_service(INVENTORY, inventory_settings)
    tokens = tokens_for(inventory.settings)
    await register_district(directory, tokens["platform"])
    await seed(directory, tokens["admin"])

    async def mirrored() -> bool:
        for service in (safety, inventory):
            if await service.pool.fetchval("SELECT count(*) FROM directory_staff") != len(PEOPLE):
                return False
        return True

    await eventually(mirrored, timeout=60)

    hid = f"manhole-{uuid4().hex[:8]}"
    reported = await safety.client.post(
        "/hazards",
        json={
            "hazard_id": hid,
            "campus_id": "main",
            "area": "本部 操场东侧",
            "description": "窨井盖下沉",
            "severity": "high",
            "at": "2020-10-12T08:30:00+08:00",
        },
        headers=tokens["guard-main"],
    )
    assert reported.status_code == 200, reported.text
    assigned = await safety.client.post(
        f"/hazards/{hid}/assign",
        json={"assignee_id": "wang-tech", "at": "2020-10-12T09:00:00+08:00"},
        headers=tokens["manager-main"],
    )
    assert assigned.status_code == 200, assigned.text
    repair_id = f"hazard-{hid}"

    async def opened() -> bool:
        return bool(
            await inventory.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", f"repair-{repair_id}")
        )

    await eventually(opened, timeout=60)
    # done (recorded by a manager, gu, for the assignee), then verified by zhou
    done = await inventory.client.post(
        f"/repairs/{repair_id}/done",
        json={"at": "2020-10-12T15:30:00+08:00", "note": "更换井盖"},
        headers=tokens["manager-both"],
    )
    assert done.status_code == 200, done.text
    assert await rectifications(safety, hid) == []  # done is not enough: the verification rectifies
    verified = await inventory.client.post(
        f"/repairs/{repair_id}/verify", json={"at": "2020-10-13T10:00:00+08:00"}, headers=tokens["manager-main"]
    )
    assert verified.status_code == 200, verified.text

    async def rectified() -> list[dict[str, Any]]:
        return await rectifications(safety, hid)

    (row,) = await eventually(rectified, timeout=60)
    data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
    verified_at = datetime(2020, 10, 13, 2, 0, tzinfo=UTC)
    assert row["actor"] == "safety.hazards-from-repairs" and row["occurred_at"] == verified_at
    assert data["rectified_by"] == "gu" and data["fixed_by"] == ["wang-tech"] and data["repair_id"] == repair_id
    assert datetime.fromisoformat(data["rectified_at"]) == verified_at and "更换井盖" in data["note"]

    async def read_rectified() -> dict[str, Any] | None:
        answer = await safety.client.get(f"/hazards/{hid}", headers=tokens["manager-main"])
        body: dict[str, Any] = answer.json()
        return body if answer.status_code == 200 and body["status"] == "rectified" else None

    one = await eventually(read_rectified, timeout=60)
    assert one["rectified_by"] == "gu"

    # the same RepairVerified record delivered again: skipped; the reaction run again on it: nothing new
    runner: ConsumerRunner = next(
        r for r in safety.runtime.runners if any(isinstance(h, HazardsRectifiedByRepairs) for h in r.handlers)
    )
    count = await inventory.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(inventory_settings.kafka_bootstrap, inventory_settings.events_topic, until=count)
    again = [
        (None, value)
        for _, _, value, headers in records
        if dict(headers)["type"] == b"inventory.RepairVerified"
        and Envelope.from_wire(value).stream_id == f"repair-{repair_id}"
    ]
    assert len(again) == 1
    assert row["causation_id"] == str(Envelope.from_wire(again[0][1]).event_id)
    skipped = runner.skipped
    await produce_raw(inventory_settings.kafka_bootstrap, inventory_settings.events_topic, *again)

    async def skipped_it() -> bool:
        return runner.skipped > skipped

    await eventually(skipped_it, timeout=60)
    async with safety.pool.acquire() as conn, conn.transaction():
        await HazardsRectifiedByRepairs().handle(conn, Envelope.from_wire(again[0][1]))
    assert len(await rectifications(safety, hid)) == 1

    # whoever did the repair does not verify the hazard; another manager does
    own = await safety.client.post(
        f"/hazards/{hid}/verify", json={"passed": True, "note": "复查合格"}, headers=tokens["manager-both"]
    )
    assert own.status_code == 409 and "own fix" in own.text, own.text
    closed = await safety.client.post(
        f"/hazards/{hid}/verify", json={"passed": True, "note": "复查合格"}, headers=tokens["manager-main"]
    )
    assert closed.status_code == 200, closed.text
    # the verification delivered once more after the hazard was closed: still nothing new
    async with safety.pool.acquire() as conn, conn.transaction():
        await HazardsRectifiedByRepairs().handle(conn, Envelope.from_wire(again[0][1]))
    assert len(await rectifications(safety, hid)) == 1
    assert runner.dead_lettered == 0
