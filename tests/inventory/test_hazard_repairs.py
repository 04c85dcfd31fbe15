"""A hazard assigned in-house opens one repair in the inventory, through real Kafka.

The directory, the safety service and the inventory run on one topic namespace, as
in production: the safety service publishes ``safety.HazardAssignedInHouse``, the
inventory's reaction opens the repair, reported at the time the hazard was assigned. The same
record delivered again acts once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.directory.service import DIRECTORY
from services.eventkit.consumer import ConsumerRunner
from services.eventkit.envelope import Envelope
from services.inventory.reactions import RepairsFromHazards
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import PEOPLE, Headers, register_district, seed, tokens_for


async def repairs_of(inventory: RunningService, tokens: dict[str, Headers], hazard_id: str) -> list[dict[str, Any]]:
    response = await inventory.client.get("/repairs", params={"hazard_id": hazard_id}, headers=tokens["manager-main"])
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def reported_count(inventory: RunningService, repair_id: str) -> int:
    return int(
        await inventory.pool.fetchval(
            "SELECT count(*) FROM events WHERE type = 'inventory.RepairReported' AND stream_id = $1",
            f"repair-{repair_id}",
        )
    )


async def test_a_hazard_assigned_in_house_opens_one_repair(make_settings: SettingsFactory, start_service: Any) -> None:
    ns = f"hazrep{uuid4().hex[:6]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    safety_settings = await make_settings("safety", namespace_suffix=ns)
    safety = await start_service(SAFETY, safety_settings)
    inventory = await start_service(INVENTORY, await make_settings("inventory", namespace_suffix=ns))
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

    async def opened() -> list[dict[str, Any]]:
        rows = await repairs_of(inventory, tokens, hid)
        return rows if rows and rows[0]["assignee_id"] == "wang-tech" else []

    (row,) = await eventually(opened, timeout=60)
    assert row["repair_id"] == f"hazard-{hid}" and row["source"] == "hazard" and row["hazard_id"] == hid
    assert row["place"] == "本部 操场东侧" and row["description"] == "窨井盖下沉"
    assert row["state"] == "assigned" and row["reported_by"] == "zhou" and row["campus_id"] == "main"
    assert row["school_id"] == "xuexiao" and row["district_id"] == "xinbei"
    repair_id = row["repair_id"]
    assert await reported_count(inventory, repair_id) == 1
    # the repair's event carries the hazard's correlation, and the hazard's event as its cause
    caused = await inventory.pool.fetchrow(
        "SELECT actor, causation_id, occurred_at, recorded_at, data->>'reported_at' AS reported_at FROM events "
        "WHERE stream_id = $1 AND version = 1",
        f"repair-{repair_id}",
    )
    assert caused["actor"] == "houqin-inventory"
    # reported when the hazard was assigned in-house (its act), recorded when the reaction ran
    assigned_at = datetime(2020, 10, 12, 1, 0, tzinfo=UTC)
    assert caused["occurred_at"] == assigned_at and datetime.fromisoformat(caused["reported_at"]) == assigned_at
    assert abs(caused["recorded_at"] - datetime.now(UTC)) < timedelta(minutes=5)

    # the same HazardAssignedInHouse record delivered again: skipped, still one repair
    runner: ConsumerRunner = next(
        r for r in inventory.runtime.runners if any(isinstance(h, RepairsFromHazards) for h in r.handlers)
    )
    count = await safety.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(safety_settings.kafka_bootstrap, safety_settings.events_topic, until=count)
    again = [
        (None, value)
        for _, _, value, headers in records
        if dict(headers)["type"] == b"safety.HazardAssignedInHouse"
        and Envelope.from_wire(value).stream_id == f"hazard-{hid}"
    ]
    assert len(again) == 1
    assert caused["causation_id"] == str(Envelope.from_wire(again[0][1]).event_id)
    skipped = runner.skipped
    await produce_raw(safety_settings.kafka_bootstrap, safety_settings.events_topic, *again)

    async def skipped_it() -> bool:
        return runner.skipped > skipped

    await eventually(skipped_it, timeout=60)
    assert await reported_count(inventory, repair_id) == 1
    assert len(await repairs_of(inventory, tokens, hid)) == 1

    # assigned in-house again (to someone else) while the repair is open: the same repair changes hands
    moved = await safety.client.post(
        f"/hazards/{hid}/assign",
        json={"assignee_id": "li-guard", "at": "2020-10-13T09:00:00+08:00"},
        headers=tokens["manager-main"],
    )
    assert moved.status_code == 200, moved.text

    async def reassigned() -> bool:
        rows = await repairs_of(inventory, tokens, hid)
        return len(rows) == 1 and rows[0]["assignee_id"] == "li-guard"

    await eventually(reassigned, timeout=60)
    assert await reported_count(inventory, repair_id) == 1
    moved_at = await inventory.pool.fetchrow(
        "SELECT occurred_at, data->>'assigned_at' AS assigned_at FROM events WHERE stream_id = $1 "
        "AND type = 'inventory.RepairAssigned'",
        f"repair-{repair_id}",
    )
    reassigned_at = datetime(2020, 10, 13, 1, 0, tzinfo=UTC)
    assert moved_at["occurred_at"] == reassigned_at and datetime.fromisoformat(moved_at["assigned_at"]) == reassigned_at
    assert runner.dead_lettered == 0
