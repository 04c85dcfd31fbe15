"""Stock-taking through the API, and through real Kafka: a variance found by a count adjusts stock
on hand, in the closing's transaction, naming who counted."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def start(stocktake_id: str, campus: str = "main", **overrides: Any) -> dict[str, Any]:
    return {"stocktake_id": stocktake_id, "campus_id": campus, "period": "monthly", "on": "2020-10-30"} | (overrides)


CLOSE = {"on": "2020-10-31"}
RECEIVED_AT = "2020-10-12T10:00:00+08:00"  # goods received before the stock-takes of the end of October


async def on_hand(world: SchoolWorld, campus: str, item: str) -> int | None:
    page = (await world.get("/stock", as_="manager-both", campus_id=campus, limit=500)).json()
    return next((row["on_hand"] for row in page["items"] if row["item_id"] == item), None)


async def stock_is(world: SchoolWorld, campus: str, item: str, expected: int) -> bool:
    return await on_hand(world, campus, item) == expected


async def stocktake(world: SchoolWorld, stocktake_id: str, status: str) -> dict[str, Any] | None:
    response = await world.get(f"/stocktakes/{stocktake_id}", as_="manager-both")
    if response.status_code != 200 or response.json()["status"] != status:
        return None
    return dict(response.json())


async def test_a_count_that_differs_from_the_book_adjusts_stock_on_hand_with_the_counters_name(
    world: SchoolWorld,
) -> None:
    # the book: 30 gloves and 12 brooms received on aoyuan
    for item, quantity in (("gloves", 30), ("broom", 12)):
        body = {"campus_id": "aoyuan", "item_id": item, "quantity": quantity, "reason": "区里调拨", "at": RECEIVED_AT}
        assert (await world.post("/stock/receipts", body, as_="manager-aoyuan")).status_code == 200
    await eventually(lambda: stock_is(world, "aoyuan", "gloves", 30))

    sid = uid("st")
    started = await world.post("/stocktakes", start(sid, "aoyuan", period="term_end"), as_="manager-aoyuan")
    assert started.status_code == 200, started.text
    counted = await world.post(f"/stocktakes/{sid}/counts", {"item_id": "gloves", "counted": 31}, as_="cleaner-aoyuan")
    assert counted.status_code == 200, counted.text
    recount = await world.post(f"/stocktakes/{sid}/counts", {"item_id": "gloves", "counted": 27}, as_="cleaner-aoyuan")
    assert recount.json()["events"] == ["inventory.StockCounted"]  # a recount replaces the count
    same = await world.post(f"/stocktakes/{sid}/counts", {"item_id": "broom", "counted": 12}, as_="manager-aoyuan")
    assert same.status_code == 200

    closed = await world.post(f"/stocktakes/{sid}/close", CLOSE, as_="manager-both")
    assert closed.status_code == 200, closed.text
    assert closed.json()["events"] == ["inventory.StockTakeClosed"]
    adjusted = await world.service.pool.fetch(
        "SELECT stream_id, data FROM events WHERE type = 'inventory.StockAdjusted' AND data->>'stocktake_id' = $1",
        sid,
    )
    assert len(adjusted) == 1  # only where the count differs from the book
    assert adjusted[0]["stream_id"] == "stock-aoyuan-gloves"
    data = adjusted[0]["data"]
    assert (data["book"], data["counted"], data["delta"], data["counted_by"]) == (30, 27, -3, "chen-clean")

    await eventually(lambda: stock_is(world, "aoyuan", "gloves", 27))
    # the brooms' receipt is a stream of its own: it can reach the counts after the gloves'
    await eventually(lambda: stock_is(world, "aoyuan", "broom", 12))
    view = await eventually(lambda: stocktake(world, sid, "closed"))
    assert (view["items"], view["variances"], view["closed_by"]) == (2, 1, "gu")
    counts = {c["item_id"]: c for c in view["counts"]}
    assert counts["gloves"]["counted"] == 27 and counts["gloves"]["counted_by"] == "chen-clean"
    await eventually(lambda: _variance_shown(world, sid))

    # closed: nothing more is counted, and it is not closed again
    late = await world.post(f"/stocktakes/{sid}/counts", {"item_id": "gloves", "counted": 1}, as_="manager-aoyuan")
    assert late.status_code == 409 and late.json()["error"] == "rejected"
    again = await world.post(f"/stocktakes/{sid}/close", CLOSE, as_="manager-aoyuan")
    assert again.status_code == 409


async def _variance_shown(world: SchoolWorld, sid: str) -> bool:
    view = (await world.get(f"/stocktakes/{sid}", as_="manager-both")).json()
    return bool([(v["item_id"], v["delta"]) for v in view["variance_lines"]] == [("gloves", -3)])


async def test_one_open_stock_take_per_campus_and_closing_needs_a_count(world: SchoolWorld) -> None:
    first, second = uid("st"), uid("st")
    assert (await world.post("/stocktakes", start(first))).status_code == 200
    before = await world.events()
    refused = await world.post("/stocktakes", start(second))
    assert refused.status_code == 409
    assert refused.json() | {"reason": ""} == {"error": "rejected", "field": "campus_id", "reason": ""}
    empty = await world.post(f"/stocktakes/{first}/close", CLOSE)
    assert empty.status_code == 409 and empty.json()["error"] == "rejected"
    assert await world.events() == before
    assert (await world.post(f"/stocktakes/{first}/counts", {"item_id": "pen", "counted": 0})).status_code == 200
    assert (await world.post(f"/stocktakes/{first}/close", CLOSE)).status_code == 200
    assert (await world.post("/stocktakes", start(second))).status_code == 200
    assert (await world.post(f"/stocktakes/{second}/counts", {"item_id": "pen", "counted": 0})).status_code == 200
    assert (await world.post(f"/stocktakes/{second}/close", CLOSE)).status_code == 200
    listed = await eventually(lambda: _listed(world, {first, second}))
    assert {r["status"] for r in listed} == {"closed"}


async def _listed(world: SchoolWorld, ids: set[str]) -> list[dict[str, Any]]:
    items = (await world.get("/stocktakes", campus_id="main", status="closed")).json()["items"]
    found = [r for r in items if r["stocktake_id"] in ids]
    return found if len(found) == len(ids) else []


async def test_bad_input_is_a_422_naming_the_field_and_appends_nothing(world: SchoolWorld) -> None:
    sid = uid("st")
    before = await world.events()
    for body, field in [
        (start(sid, period="weekly"), "period"),
        (start(sid, "nowhere"), "campus_id"),
        (start(sid, on="30/10/2020"), "on"),
        (start("Bad Id"), "stocktake_id"),
    ]:
        response = await world.post("/stocktakes", body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["field"] == field
    assert await world.events() == before

    assert (await world.post("/stocktakes", start(sid))).status_code == 200
    before = await world.events()
    counts: list[tuple[dict[str, Any], str]] = [
        ({"item_id": "pen", "counted": -1}, "counted"),
        ({"item_id": "chalk", "counted": 3}, "item_id"),  # not catalogued
        ({"item_id": "projector", "counted": 3}, "item_id"),  # an asset, audited by room
        ({"counted": 3}, "item_id"),
    ]
    for count, field in counts:
        response = await world.post(f"/stocktakes/{sid}/counts", count)
        assert response.status_code == 422, (count, response.text)
        assert response.json()["detail"][0]["field"] == field
    bad_close = await world.post(f"/stocktakes/{sid}/close", {"on": "tomorrow"})
    assert bad_close.status_code == 422 and bad_close.json()["detail"][0]["field"] == "on"
    assert await world.events() == before
    assert (await world.post(f"/stocktakes/{sid}/counts", {"item_id": "pen", "counted": 0})).status_code == 200
    assert (await world.post(f"/stocktakes/{sid}/close", CLOSE)).status_code == 200


async def test_a_stale_close_is_a_409_and_adjusts_nothing_and_a_retried_close_adjusts_once(world: SchoolWorld) -> None:
    body = {"campus_id": "main", "item_id": "gloves", "quantity": 10, "reason": "调拨", "at": RECEIVED_AT}
    assert (await world.post("/stock/receipts", body)).status_code == 200
    sid = uid("st")
    assert (await world.post("/stocktakes", start(sid))).status_code == 200
    assert (await world.post(f"/stocktakes/{sid}/counts", {"item_id": "gloves", "counted": 1000})).status_code == 200
    before = await world.events()
    stale = await world.post(f"/stocktakes/{sid}/close", CLOSE | {"expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"] == "version_conflict"
    assert await world.events() == before  # no adjustment either

    key = uid("close")
    first = await world.post(f"/stocktakes/{sid}/close", CLOSE | {"expected_version": 2}, **{"Idempotency-Key": key})
    assert first.status_code == 200, first.text
    retried = await world.post(f"/stocktakes/{sid}/close", CLOSE | {"expected_version": 2}, **{"Idempotency-Key": key})
    assert retried.status_code == 200 and retried.json()["duplicate"] is True
    adjustments = await world.service.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'inventory.StockAdjusted' AND data->>'stocktake_id' = $1", sid
    )
    assert adjustments == 1
    await eventually(lambda: stock_is(world, "main", "gloves", 1000))


async def test_out_of_scope_or_role_is_a_403(world: SchoolWorld) -> None:
    sid = uid("st")
    before = await world.events()
    assert (await world.post("/stocktakes", start(sid), as_="manager-aoyuan")).status_code == 403
    assert (await world.post("/stocktakes", start(sid), as_="teacher-g6")).status_code == 403
    assert await world.events() == before
    assert (await world.post("/stocktakes", start(sid))).status_code == 200
    count = {"item_id": "pen", "counted": 5}
    assert (await world.post(f"/stocktakes/{sid}/counts", count, as_="teacher-g6")).status_code == 403
    assert (await world.post(f"/stocktakes/{sid}/counts", count, as_="cleaner-aoyuan")).status_code == 404
    assert (await world.post(f"/stocktakes/{sid}/counts", count, as_="guard-main")).status_code == 200
    assert (await world.post(f"/stocktakes/{sid}/close", CLOSE, as_="guard-main")).status_code == 403
    assert (await world.post(f"/stocktakes/{sid}/close", CLOSE, as_="manager-aoyuan")).status_code == 404
    assert (await world.post(f"/stocktakes/{sid}/close", CLOSE)).status_code == 200
    assert (await world.post("/stocktakes/no-such-one/close", CLOSE)).status_code == 404
    hidden = await eventually(lambda: stocktake(world, sid, "closed"))
    assert hidden["campus_id"] == "main"
    assert (await world.get(f"/stocktakes/{sid}", as_="manager-aoyuan")).status_code == 404
