"""Procurement to stock, through real Kafka: accepted consumables raise stock on hand exactly once."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def on_hand(world: SchoolWorld, campus: str, item: str) -> int:
    page = (await world.get("/stock", as_="manager-both", campus_id=campus, limit=500)).json()
    return next((row["on_hand"] for row in page["items"] if row["item_id"] == item), 0)


def request(pid: str, category: str = "everyday", campus: str = "main") -> dict[str, Any]:
    return {
        "purchase_id": pid,
        "campus_id": campus,
        "category": category,
        "reason": "期初保洁用品补充",
        "lines": [
            {"description": "笤帚", "quantity": 30, "estimated_unit_price_fen": 1500, "item_id": "broom"},
            {"description": "投影仪", "quantity": 1, "estimated_unit_price_fen": 350000, "item_id": "projector"},
            {"description": "维修工具一套", "quantity": 1, "estimated_unit_price_fen": 20000},
        ],
    }


BOUGHT = {
    "supplier": "新北区某某商贸",
    "bought": [
        {"line": 0, "quantity": 30, "unit_price_fen": 1400},
        {"line": 1, "quantity": 1, "unit_price_fen": 340000},
        {"line": 2, "quantity": 1, "unit_price_fen": 19000},
    ],
    "bought_on": "2020-10-14",
}


async def test_an_everyday_purchase_accepted_by_the_vice_principal_puts_consumables_into_stock_once(
    world: SchoolWorld,
) -> None:
    pid = uid("brooms")
    before = await on_hand(world, "main", "broom")
    assert (await world.post("/purchases", request(pid), as_="teacher-g6")).status_code == 200
    assert (await world.post(f"/purchases/{pid}/approve", {"note": "同意"})).status_code == 200
    early = await world.post(
        f"/purchases/{pid}/settle", {"invoice_ref": "x", "amount_fen": 1, "settled_on": "2020-10-20"}
    )
    assert early.status_code == 409  # nothing is settled before it is accepted
    assert (await world.post(f"/purchases/{pid}/bought", BOUGHT)).status_code == 200
    # an acceptance-team member does not sign an everyday purchase; the vice principal of main does
    assert (await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-a")).status_code == 403
    assert (await world.post(f"/purchases/{pid}/acceptance", {}, as_="vp-aoyuan")).status_code == 403
    accepted = await world.post(f"/purchases/{pid}/acceptance", {"note": "数量质量无误"}, as_="vp-main")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["events"] == ["inventory.AcceptanceSigned", "inventory.PurchaseAccepted"]

    await eventually(lambda: _equals(on_hand(world, "main", "broom"), before + 30))
    assert await on_hand(world, "main", "projector") == 0  # an asset, not a consumable

    # the acceptance event delivered again: stock does not move
    settings = world.service.settings
    n = await world.events()
    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=n)
    again = [
        (k, v) for _, _, v, headers in records for k in [None] if dict(headers)["type"] == b"inventory.PurchaseAccepted"
    ]
    assert again
    await produce_raw(settings.kafka_bootstrap, settings.events_topic, *again)
    received = await world.service.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'inventory.StockReceived' AND data->>'purchase_id' = $1", pid
    )
    assert received == 1
    settled = await world.post(
        f"/purchases/{pid}/settle",
        {"invoice_ref": "发票 No. 03217788", "amount_fen": 401000, "settled_on": "2020-10-20"},
    )
    assert settled.status_code == 200
    await eventually(lambda: _equals(on_hand(world, "main", "broom"), before + 30))


async def test_a_major_purchase_needs_two_acceptance_members_and_never_the_requester(world: SchoolWorld) -> None:
    pid = uid("major")
    await world.post("/purchases", request(pid, category="major"), as_="manager-main")
    own = await world.post(f"/purchases/{pid}/approve", {})
    assert own.status_code == 409  # the requester does not approve their own request
    assert (await world.post(f"/purchases/{pid}/approve", {}, as_="vp-main")).status_code == 200
    assert (await world.post(f"/purchases/{pid}/bought", BOUGHT)).status_code == 200
    one = await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-a")
    assert one.json()["events"] == ["inventory.AcceptanceSigned"]
    twice = await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-a")
    assert twice.status_code == 409
    two = await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-b")
    assert two.json()["events"] == ["inventory.AcceptanceSigned", "inventory.PurchaseAccepted"]


async def _equals(value: Any, expected: object) -> bool:
    return bool(await value == expected)
