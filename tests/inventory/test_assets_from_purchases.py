"""Accepted equipment becomes assets waiting to be registered to a room, once, through real Kafka;
their registration to a room by tag (the API: valid, 422, 409, 403/404); and registration
complete per room and per campus."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from services.eventkit.consumer import ConsumerRunner
from services.eventkit.envelope import Envelope
from services.inventory.reactions import AssetsFromAcceptedPurchases
from tests.conftest import eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import SchoolWorld

ROOM = "412 新增教室"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def accepted_purchase(world: SchoolWorld, pid: str, projectors: int = 2, room: str | None = ROOM) -> None:
    line: dict[str, Any] = {"description": "投影仪", "quantity": projectors, "estimated_unit_price_fen": 350000}
    line |= {"item_id": "projector"} | ({"room": room} if room else {})
    body = {
        "purchase_id": pid,
        "campus_id": "main",
        "category": "everyday",
        "reason": "新增教室设备",
        "lines": [
            line,
            {"description": "笤帚", "quantity": 5, "estimated_unit_price_fen": 1500, "item_id": "broom"},
            {"description": "窗帘安装", "quantity": 1, "estimated_unit_price_fen": 80000},
        ],
        "at": "2020-08-24T10:00:00+08:00",
    }
    assert (await world.post("/purchases", body, as_="teacher-g6")).status_code == 200
    assert (await world.post(f"/purchases/{pid}/approve", {"at": "2020-08-25T09:00:00+08:00"})).status_code == 200
    bought = {
        "supplier": "常州某教学设备公司",
        "bought": [
            {"line": 0, "quantity": projectors, "unit_price_fen": 340000},
            {"line": 1, "quantity": 5, "unit_price_fen": 1400},
            {"line": 2, "quantity": 1, "unit_price_fen": 75000},
        ],
        "on": "2020-08-27",
    }
    assert (await world.post(f"/purchases/{pid}/bought", bought)).status_code == 200
    accepted = await world.post(f"/purchases/{pid}/acceptance", {"at": "2020-08-28T14:00:00+08:00"}, as_="vp-main")
    assert accepted.status_code == 200, accepted.text


async def received(world: SchoolWorld, pid: str) -> int:
    return int(
        await world.service.pool.fetchval(
            "SELECT count(*) FROM events WHERE type = 'inventory.AssetReceived' AND data->>'purchase_id' = $1", pid
        )
    )


async def reacted(world: SchoolWorld) -> bool:
    """Both reactions to every accepted purchase are done: its goods in stock (each purchase here has
    a broom) and its equipment waiting as assets. Each runs on its own, so the assets can be listed
    while the broom is still to be stocked: a test counting the store's events waits for both."""
    counts = await world.service.pool.fetchrow(
        "SELECT count(*) FILTER (WHERE type = 'inventory.PurchaseAccepted') AS accepted, "
        "count(DISTINCT data->>'purchase_id') FILTER (WHERE type = 'inventory.StockReceived') AS stocked, "
        "count(DISTINCT data->>'purchase_id') FILTER (WHERE type = 'inventory.AssetReceived') AS assets FROM events"
    )
    return bool(counts is not None and counts["accepted"] == counts["stocked"] == counts["assets"])


async def waiting(world: SchoolWorld, pid: str, n: int) -> list[dict[str, Any]]:
    page = await world.get("/asset-registration/assets", purchase_id=pid, status="waiting")
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items if len(items) == n else []


async def room_figure(world: SchoolWorld, room: str, **expected: Any) -> dict[str, Any] | None:
    page = await world.get("/asset-registration/rooms", campus_id="main", limit=500)
    assert page.status_code == 200, page.text
    row = next((r for r in page.json()["items"] if r["room"] == room), None)
    return row if row is not None and all(row[k] == v for k, v in expected.items()) else None


async def test_accepted_equipment_waits_for_its_room_once_and_is_registered_by_tag(world: SchoolWorld) -> None:
    pid = uid("p-room412")
    room = f"{ROOM} {pid}"
    await accepted_purchase(world, pid, room=room)
    rows = await eventually(lambda: waiting(world, pid, 2), timeout=60)
    assert [r["asset_id"] for r in rows] == [f"bought-{pid}-1-1", f"bought-{pid}-1-2"]
    first = rows[0]
    assert first["for_room"] == room and first["room"] is None and first["value_fen"] == 340000
    assert first["accepted_on"] == "2020-08-28" and first["item_id"] == "projector" and first["line"] == 0
    assert await received(world, pid) == 2  # the broom went into stock, the curtains are a service
    await eventually(lambda: room_figure(world, room, registered=0, waiting=2, complete=False), timeout=30)

    # the acceptance delivered again: skipped; the reaction run again on it: nothing new
    runner: ConsumerRunner = next(
        r for r in world.service.runtime.runners if any(isinstance(h, AssetsFromAcceptedPurchases) for h in r.handlers)
    )
    settings = world.service.settings
    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=await world.events())
    again = [
        (None, value)
        for _, _, value, headers in records
        if dict(headers)["type"] == b"inventory.PurchaseAccepted"
        and Envelope.from_wire(value).stream_id == f"purchase-{pid}"
    ]
    assert len(again) == 1
    skipped = runner.skipped
    await produce_raw(settings.kafka_bootstrap, settings.events_topic, *again)

    async def skipped_it() -> bool:
        return runner.skipped > skipped

    await eventually(skipped_it, timeout=60)
    async with world.service.pool.acquire() as conn, conn.transaction():
        await AssetsFromAcceptedPurchases().handle(conn, Envelope.from_wire(again[0][1]))
    assert await received(world, pid) == 2
    assert runner.dead_lettered == 0

    # registered by its tag to the room it was bought for, acquired the day of the acceptance
    tag = uid("XJ")
    one = await world.post(f"/assets/{first['asset_id']}/registration", {"tag": tag, "on": "2020-09-03"})
    assert one.status_code == 200, one.text
    assert one.json()["events"] == ["inventory.AssetRegistered"]
    again_registered = await world.post(f"/assets/{first['asset_id']}/registration", {"tag": uid("XJ")})
    assert again_registered.status_code == 409  # once
    taken = await world.post(f"/assets/{rows[1]['asset_id']}/registration", {"tag": tag})
    assert taken.status_code == 409 and taken.json()["field"] == "tag", taken.text
    await eventually(lambda: room_figure(world, room, registered=1, waiting=1, complete=False), timeout=30)

    async def listed() -> dict[str, Any] | None:
        page = (await world.get("/assets", campus_id="main", room=room)).json()["items"]
        return page[0] if page else None

    asset = await eventually(listed, timeout=30)
    assert asset["tag"] == tag and asset["acquired_on"] == "2020-08-28" and asset["value_fen"] == 340000

    second = await world.post(f"/assets/{rows[1]['asset_id']}/registration", {"tag": uid("XJ"), "room": room})
    assert second.status_code == 200, second.text
    await eventually(lambda: room_figure(world, room, registered=2, waiting=0, complete=True), timeout=30)


async def test_equipment_for_no_room_named_counts_under_the_campus_until_placed(world: SchoolWorld) -> None:
    pid = uid("p-spare")
    await accepted_purchase(world, pid, projectors=1, room=None)
    (row,) = await eventually(lambda: waiting(world, pid, 1), timeout=60)
    assert row["for_room"] is None
    unsaid = await world.post(f"/assets/{row['asset_id']}/registration", {"tag": uid("XJ")})
    assert unsaid.status_code == 422 and unsaid.json()["detail"][0]["field"] == "room", unsaid.text

    async def campus() -> dict[str, Any] | None:
        page = (await world.get("/asset-registration/campuses", campus_id="main")).json()["items"]
        return page[0] if page and page[0]["waiting"] >= 1 else None

    figure = await eventually(campus, timeout=30)
    assert figure["complete"] is False and figure["rooms"] >= 1 and figure["rooms_complete"] <= figure["rooms"]
    assert await room_figure(world, "") is not None  # the unsaid room of the campus
    placed = await world.post(f"/assets/{row['asset_id']}/registration", {"tag": uid("XJ"), "room": "仓库 201"})
    assert placed.status_code == 200, placed.text


@pytest.mark.parametrize(
    ("body", "field"),
    [({"tag": "XJ 0412"}, "tag"), ({"tag": "XJ-1", "on": "someday"}, "on"), ({"tag": "XJ-1", "room": ""}, "room")],
)
async def test_bad_registrations_are_a_422_naming_the_field_and_append_nothing(
    world: SchoolWorld, body: dict[str, Any], field: str
) -> None:
    pid = uid("p-bad")
    await accepted_purchase(world, pid, projectors=1)
    (row,) = await eventually(lambda: waiting(world, pid, 1), timeout=60)
    await eventually(lambda: reacted(world), timeout=60)
    before = await world.events()
    response = await world.post(f"/assets/{row['asset_id']}/registration", body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert await world.events() == before


async def test_a_stale_version_is_a_409_and_out_of_scope_or_role_is_refused(world: SchoolWorld) -> None:
    pid = uid("p-scope")
    await accepted_purchase(world, pid, projectors=1)
    (row,) = await eventually(lambda: waiting(world, pid, 1), timeout=60)
    aid = row["asset_id"]
    await eventually(lambda: reacted(world), timeout=60)
    before = await world.events()
    stale = await world.post(f"/assets/{aid}/registration", {"tag": uid("XJ"), "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    # another campus's manager, another district's admin: as if there were none; a teacher: no role
    assert (await world.post(f"/assets/{aid}/registration", {"tag": "XJ-9"}, as_="manager-aoyuan")).status_code == 404
    assert (await world.post(f"/assets/{aid}/registration", {"tag": "XJ-9"}, as_="other-admin")).status_code == 404
    assert (await world.post(f"/assets/{aid}/registration", {"tag": "XJ-9"}, as_="teacher-g6")).status_code == 403
    assert (await world.post("/assets/bought-none-1-1/registration", {"tag": "XJ-9"})).status_code == 404
    assert await world.events() == before
    # the reads keep to the caller's scope
    assert (await world.get("/asset-registration/assets", as_="manager-aoyuan", purchase_id=pid)).json()["items"] == []
    rooms = (await world.get("/asset-registration/rooms", as_="other-admin")).json()["items"]
    assert rooms == []
    assert (await world.get("/asset-registration/campuses", as_="parent-yao")).status_code == 403
