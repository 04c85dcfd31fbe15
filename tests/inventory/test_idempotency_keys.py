"""An Idempotency-Key on the inventory's commands of several streams (a requisition, a stock-take's
close): bound to its caller and request, so another request is a 422 with nothing issued or adjusted."""

from __future__ import annotations

from typing import Any

import httpx

from tests.inventory.test_stock_api import RETURNED, receive, requisition, uid
from tests.inventory.test_stocktake_api import CLOSE, start
from tests.school import SchoolWorld

REUSED = {
    "error": "validation_error",
    "detail": [
        {
            "field": "Idempotency-Key",
            "reason": "this Idempotency-Key was first used with another request (another body or path): "
            "a new request needs a new key",
        }
    ],
}


async def send(world: SchoolWorld, path: str, body: dict[str, Any], as_: str, key: str) -> httpx.Response:
    return await world.post(path, body, as_=as_, **{"Idempotency-Key": key})


async def issued(world: SchoolWorld, requisition_id: str) -> int:
    return int(
        await world.service.pool.fetchval(
            "SELECT count(*) FROM events WHERE type = 'inventory.StockIssued' AND data->>'requisition_id' = $1",
            requisition_id,
        )
    )


async def test_a_requisition_key_issues_once_and_is_refused_with_another_list(world: SchoolWorld) -> None:
    await receive(world, "pen", 50)
    key, rid, other = uid("key"), uid("r"), uid("r")
    body = requisition(
        rid,
        {"item_id": "pen", "quantity": 2},
        {"item_id": "pen", "quantity": 1, "exchange": True, "returned": RETURNED},
    )
    first = await send(world, "/requisitions", body, "manager-main", key)
    assert first.status_code == 200, first.text
    assert await issued(world, rid) == 2

    before = await world.events()
    more = requisition(
        rid,
        {"item_id": "pen", "quantity": 3},
        {"item_id": "pen", "quantity": 1, "exchange": True, "returned": RETURNED},
    )
    for changed in (more, requisition(other, {"item_id": "pen", "quantity": 2})):
        refused = await send(world, "/requisitions", changed, "manager-main", key)
        assert refused.status_code == 422 and refused.json() == REUSED, refused.text
    assert await world.events() == before and await issued(world, other) == 0

    again = await send(world, "/requisitions", body, "manager-main", key)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["event_ids"] == first.json()["event_ids"]
    assert await world.events() == before and await issued(world, rid) == 2

    # another manager's same key: its own requisition, issued
    own = requisition(other, {"item_id": "pen", "quantity": 2})
    theirs = await send(world, "/requisitions", own, "manager-both", key)
    assert theirs.status_code == 200 and theirs.json()["duplicate"] is False, theirs.text
    assert theirs.json()["stream_id"] != first.json()["stream_id"]
    assert await issued(world, other) == 1


async def adjustments(world: SchoolWorld, stocktake_id: str) -> int:
    return int(
        await world.service.pool.fetchval(
            "SELECT count(*) FROM events WHERE type = 'inventory.StockAdjusted' AND data->>'stocktake_id' = $1",
            stocktake_id,
        )
    )


async def counted(world: SchoolWorld, counts: int) -> str:
    sid = uid("st")
    assert (await world.post("/stocktakes", start(sid))).status_code == 200
    response = await world.post(f"/stocktakes/{sid}/counts", {"item_id": "broom", "counted": counts})
    assert response.status_code == 200, response.text
    return sid


async def test_a_close_key_is_bound_to_its_stocktake_and_body(world: SchoolWorld) -> None:
    await receive(world, "broom", 5)
    key = uid("key")
    one = await counted(world, 500)
    closed = await send(world, f"/stocktakes/{one}/close", CLOSE, "manager-main", key)
    assert closed.status_code == 200, closed.text
    assert await adjustments(world, one) == 1

    two = await counted(world, 700)
    before = await world.events()
    for path, body in ((f"/stocktakes/{one}/close", {"on": "2020-11-01"}), (f"/stocktakes/{two}/close", CLOSE)):
        refused = await send(world, path, body, "manager-main", key)
        assert refused.status_code == 422 and refused.json() == REUSED, refused.text
    assert await world.events() == before and await adjustments(world, two) == 0

    again = await send(world, f"/stocktakes/{one}/close", CLOSE, "manager-main", key)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["event_ids"] == closed.json()["event_ids"]
    assert await world.events() == before

    theirs = await send(world, f"/stocktakes/{two}/close", CLOSE, "manager-both", key)
    assert theirs.status_code == 200 and theirs.json()["duplicate"] is False, theirs.text
    assert await adjustments(world, two) == 1
