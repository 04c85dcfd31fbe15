"""Procurement to stock, through real Kafka: accepted consumables raise stock on hand exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.eventkit.days import local_day
from tests.conftest import eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def on_hand(world: SchoolWorld, campus: str, item: str) -> int:
    page = (await world.get("/stock", as_="manager-both", campus_id=campus, limit=500)).json()
    return next((row["on_hand"] for row in page["items"] if row["item_id"] == item), 0)


def request(pid: str, category: str = "everyday", campus: str = "main", **extra: Any) -> dict[str, Any]:
    return extra | {
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
    "on": "2020-10-14",
}
ASKED = {"at": "2020-10-09T10:00:00+08:00"}
APPROVED = {"at": "2020-10-10T09:00:00+08:00"}


async def test_an_everyday_purchase_accepted_by_the_vice_principal_puts_consumables_into_stock_once(
    world: SchoolWorld,
) -> None:
    pid = uid("brooms")
    before = await on_hand(world, "main", "broom")
    assert (await world.post("/purchases", request(pid, **ASKED), as_="teacher-g6")).status_code == 200
    assert (await world.post(f"/purchases/{pid}/approve", {"note": "同意"} | APPROVED)).status_code == 200
    early = await world.post(f"/purchases/{pid}/settle", {"invoice_ref": "x", "amount_fen": 1, "on": "2020-10-20"})
    assert early.status_code == 409  # nothing is settled before it is accepted
    assert (await world.post(f"/purchases/{pid}/bought", BOUGHT)).status_code == 200
    # an acceptance-team member does not sign an everyday purchase; the vice principal of main does
    assert (await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-a")).status_code == 403
    assert (await world.post(f"/purchases/{pid}/acceptance", {}, as_="vp-aoyuan")).status_code == 404
    accepted = await world.post(
        f"/purchases/{pid}/acceptance", {"note": "数量质量无误", "at": "2020-10-15T14:00:00+08:00"}, as_="vp-main"
    )
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
        {"invoice_ref": "发票 No. 03217788", "amount_fen": 401000, "on": "2020-10-20"},
    )
    assert settled.status_code == 200
    await eventually(lambda: _equals(on_hand(world, "main", "broom"), before + 30))


async def test_a_major_purchase_needs_two_acceptance_members_and_never_the_requester(world: SchoolWorld) -> None:
    pid = uid("major")
    await world.post("/purchases", request(pid, category="major", **ASKED), as_="manager-main")
    own = await world.post(f"/purchases/{pid}/approve", APPROVED)
    assert own.status_code == 409  # the requester does not approve their own request
    assert (await world.post(f"/purchases/{pid}/approve", APPROVED, as_="vp-main")).status_code == 200
    assert (await world.post(f"/purchases/{pid}/bought", BOUGHT)).status_code == 200
    one = await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-a")
    assert one.json()["events"] == ["inventory.AcceptanceSigned"]
    twice = await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-a")
    assert twice.status_code == 409
    two = await world.post(f"/purchases/{pid}/acceptance", {}, as_="team-b")
    assert two.json()["events"] == ["inventory.AcceptanceSigned", "inventory.PurchaseAccepted"]


async def test_a_purchase_accepted_last_month_keeps_its_own_time_and_none_is_accepted_before_it_was_bought(
    world: SchoolWorld,
) -> None:
    pid = uid("past")
    now = datetime.now(UTC)
    asked, approved, bought_on = now - timedelta(days=40), now - timedelta(days=39), local_day(now - timedelta(days=38))
    assert (await world.post("/purchases", request(pid, at=asked.isoformat()), as_="teacher-g6")).status_code == 200
    assert (await world.post(f"/purchases/{pid}/approve", {"at": approved.isoformat()})).status_code == 200
    bought = await world.post(f"/purchases/{pid}/bought", BOUGHT | {"on": bought_on.isoformat()})
    assert bought.status_code == 200, bought.text

    # signed for the day before the goods were bought: refused, naming the field, and nothing appended
    # (to the purchase: another test's accepted purchase may put goods into stock meanwhile, through Kafka)
    async def purchase_events() -> int:
        return int(
            await world.service.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", f"purchase-{pid}")
        )

    before = await purchase_events()
    backwards = await world.post(f"/purchases/{pid}/acceptance", {"at": approved.isoformat()}, as_="vp-main")
    assert backwards.status_code == 409, backwards.text
    assert backwards.json() | {"reason": ""} == {
        "error": "out_of_order",
        "reason": "",
        "field": "at",
        "step": "bought",
        "step_time": bought_on.isoformat(),
    }
    assert await purchase_events() == before

    last_month = (now - timedelta(days=30)).replace(microsecond=0)
    accepted = await world.post(f"/purchases/{pid}/acceptance", {"at": last_month.isoformat()}, as_="vp-main")
    assert accepted.status_code == 200, accepted.text
    rows = await world.service.pool.fetch(
        "SELECT type, occurred_at, recorded_at, data FROM events WHERE stream_id = $1 ORDER BY version",
        f"purchase-{pid}",
    )
    times = {row["type"]: row for row in rows}
    for kind, at in [
        ("inventory.PurchaseRequested", asked),
        ("inventory.PurchaseApproved", approved),
        ("inventory.AcceptanceSigned", last_month),
        ("inventory.PurchaseAccepted", last_month),
    ]:
        # the act keeps its own time; the time it was recorded is the server's, today
        assert times[kind]["occurred_at"] == at, kind
        assert abs(times[kind]["recorded_at"] - now) < timedelta(minutes=5), kind
    data = times["inventory.PurchaseAccepted"]["data"]
    accepted_at = (json.loads(data) if isinstance(data, str) else data)["accepted_at"]
    assert datetime.fromisoformat(accepted_at) == last_month
    assert local_day(times["inventory.PurchaseMade"]["occurred_at"]) == bought_on


async def _equals(value: Any, expected: object) -> bool:
    return bool(await value == expected)
