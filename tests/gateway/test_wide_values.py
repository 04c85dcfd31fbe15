"""Sums and products past 2^31: every command is bounded to an int4, and what the read models
add up or multiply is not. Stock received 2,149 times a million, a purchase whose total is
quantity times unit price summed over its lines, and a stock-take that books the difference:
each is read exactly through the inventory's HTTP reads and through GraphQL (``BigInt``), and
a projection made with the old int4 columns cannot hold them, while its rebuild with this
release's shape can."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio

from services.eventkit.bounds import INT4_MAX, MAX_QUANTITY
from services.eventkit.days import school_today
from services.eventkit.envelope import Envelope, new_envelope
from services.eventkit.projection import Projection, ensure_projection, rebuild
from services.eventkit.store import EventStore
from services.inventory.events import StockReceived
from services.inventory.projections.inventory_counts import InventoryCounts
from services.inventory.stock import Stock, stock_id
from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_history import post

RECEIPTS = 2_149  # each of MAX_QUANTITY: 2,149,000,000 received, past INT4_MAX
RECEIVED = RECEIPTS * MAX_QUANTITY
COUNTED = 5
PRICES = [INT4_MAX] * 5  # five lines of a million at the largest unit price a command takes
PAID = [2_000_000_000, 1_999_999_999, 1_000, 1, 7]
ESTIMATED = sum(MAX_QUANTITY * p for p in PRICES)  # 10,737,418,235,000,000: past 2^53 too
TOTAL = sum(MAX_QUANTITY * p for p in PAID)


@dataclass
class Wide:
    item: str
    purchase: str
    stocktake: str
    stock: dict[str, Any]  # as read over HTTP before the stock-take


def test_the_values_are_past_what_an_int4_and_a_double_hold() -> None:
    assert RECEIVED > INT4_MAX and TOTAL > INT4_MAX
    assert ESTIMATED > 2**53  # a JSON number written out in full, read exactly here
    assert max(PRICES + PAID) <= INT4_MAX  # each value a command carries is bounded


async def http_get(system: System, path: str, **params: Any) -> Any:
    response = await system.services["inventory"].client.get(path, params=params, headers=system.tokens["manager-main"])
    assert response.status_code == 200, response.text
    return response.json()


async def stock_row(system: System, item: str) -> dict[str, Any] | None:
    page = await http_get(system, "/stock", campus_id="main", limit=500)
    return next((row for row in page["items"] if row["item_id"] == item), None)


async def receipts(store: EventStore, stream_id: str, first: Envelope) -> None:
    """Receipts 2.. of the stream, as the store's import writes them (published to the projection)."""
    events = [
        new_envelope(
            StockReceived(
                campus_id="main",
                item_id=first.data["item_id"],
                quantity=MAX_QUANTITY,
                received_by=first.data["received_by"],
                received_at=first.occurred_at,
                reason="区里调拨",
            ),
            stream_id=stream_id,
            version=version,
            tenant=first.tenant,
            actor=first.actor,
            occurred_at=first.occurred_at,
        )
        for version in range(2, RECEIPTS + 1)
    ]
    await store.import_events(events, publish=True)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def wide(system: System) -> Wide:
    tag = f"w{uuid4().hex[:6]}"
    item, purchase, stocktake = f"{tag}-cement", f"{tag}-buy", f"{tag}-st"
    catalogue = {
        "item_id": item,
        "school_id": "xuexiao",
        "name": "水泥",
        "unit": "袋",
        "category": "维修材料",
        "consumable": True,
        "unit_price_fen": INT4_MAX,
        "reorder_point": 10,
    }
    await post(system, "inventory", "/items", catalogue, "manager-main")
    receipt = {"campus_id": "main", "item_id": item, "quantity": MAX_QUANTITY, "reason": "区里调拨"}
    await post(system, "inventory", "/stock/receipts", receipt, "manager-main")
    store = system.services["inventory"].runtime.store
    stream_id = Stock.stream_id(stock_id("main", item))
    (first,) = await store.read_stream(stream_id)
    await receipts(store, stream_id, first)

    async def received() -> dict[str, Any] | None:
        row = await stock_row(system, item)
        return row if row is not None and row["received"] == RECEIVED else None

    stock = await eventually(received, timeout=120)

    lines = [
        {"description": f"第 {n} 批", "quantity": MAX_QUANTITY, "estimated_unit_price_fen": price}
        for n, price in enumerate(PRICES)
    ]
    request = {"purchase_id": purchase, "campus_id": "main", "category": "major", "lines": lines, "reason": "校舍维修"}
    await post(system, "inventory", "/purchases", request, "teacher-g6")
    await post(system, "inventory", f"/purchases/{purchase}/approve", {"note": "同意"}, "manager-main")
    bought = [{"line": n, "quantity": MAX_QUANTITY, "unit_price_fen": price} for n, price in enumerate(PAID)]
    today = school_today().isoformat()
    body = {"supplier": "某某建材", "bought": bought, "on": today}
    await post(system, "inventory", f"/purchases/{purchase}/bought", body, "manager-main")

    start = {"stocktake_id": stocktake, "campus_id": "main", "period": "monthly", "on": today}
    await post(system, "inventory", "/stocktakes", start, "manager-main")
    count = {"item_id": item, "counted": COUNTED}
    await post(system, "inventory", f"/stocktakes/{stocktake}/counts", count, "guard-main")
    await post(system, "inventory", f"/stocktakes/{stocktake}/close", {"on": today}, "manager-main")
    return Wide(item, purchase, stocktake, stock)


async def test_stock_received_past_2_31_reads_exactly_over_http_and_graphql(system: System, wide: Wide) -> None:
    assert wide.stock["received"] == RECEIVED and wide.stock["on_hand"] == RECEIVED
    assert (wide.stock["issued"], wide.stock["adjusted"]) == (0, 0)

    # the stock-take booked the difference: on hand is the count, the adjustment past -2^31
    async def adjusted() -> dict[str, Any] | None:
        row = await stock_row(system, wide.item)
        return row if row is not None and row["on_hand"] == COUNTED else None

    row = await eventually(adjusted)
    assert (row["received"], row["adjusted"]) == (RECEIVED, COUNTED - RECEIVED)
    assert COUNTED - RECEIVED < -INT4_MAX - 1

    query = """query { inventoryCounts(campusId: "main", first: 500) {
        nodes { itemId onHand received issued adjusted issuedThisMonth quotaUsed quota } } }"""
    body = await system.gql(query)
    assert "errors" not in body, body
    (node,) = [n for n in body["data"]["inventoryCounts"]["nodes"] if n["itemId"] == wide.item]
    assert node == {
        "itemId": wide.item,
        "onHand": COUNTED,
        "received": RECEIVED,
        "issued": 0,
        "adjusted": COUNTED - RECEIVED,
        "issuedThisMonth": 0,
        "quotaUsed": 0,
        "quota": None,
    }


async def test_a_stock_takes_book_and_delta_past_2_31_read_exactly(system: System, wide: Wide) -> None:
    async def booked() -> dict[str, Any] | None:
        # the fixture waited for the receipts only: the stock-take is a stream of its own, and its
        # variance the stock stream's adjustment at the closing
        response = await system.services["inventory"].client.get(
            f"/stocktakes/{wide.stocktake}", headers=system.tokens["manager-main"]
        )
        taken: dict[str, Any] = response.json()
        return taken if response.status_code == 200 and taken["variance_lines"] else None

    taken = await eventually(booked)
    (variance,) = taken["variance_lines"]
    assert (variance["book"], variance["counted"], variance["delta"]) == (RECEIVED, COUNTED, COUNTED - RECEIVED)

    query = """query($id: ID!) { stockTake(stocktakeId: $id) {
        counts { itemId counted book delta } varianceLines { itemId book counted delta } } }"""
    line = {"itemId": wide.item, "book": RECEIVED, "counted": COUNTED, "delta": COUNTED - RECEIVED}

    async def read() -> Any:  # the stock-take's counts are a projection's: they may lag a moment
        body = await system.gql(query, id=wide.stocktake)
        assert "errors" not in body, body
        return body if body["data"]["stockTake"]["counts"] else None

    body = await eventually(read)
    assert body["data"]["stockTake"] == {"counts": [line], "varianceLines": [line]}


async def test_a_purchase_whose_totals_pass_2_31_fen_reads_exactly_over_http_and_graphql(
    system: System, wide: Wide
) -> None:
    async def bought() -> dict[str, Any] | None:
        row: dict[str, Any] = await http_get(system, f"/purchases/{wide.purchase}")
        return row if row["status"] == "purchased" else None

    row = await eventually(bought)
    assert (row["estimated_fen"], row["total_fen"]) == (ESTIMATED, TOTAL)
    steps = await http_get(system, "/purchases/pipeline", campus_id="main")
    assert {"campus_id": "main", "status": "purchased", "purchases": 1, "amount_fen": TOTAL} in steps

    query = """query($id: ID!) {
        purchase(purchaseId: $id) { status estimatedFen totalFen settledFen }
        procurementPipeline(campusId: "main") { status purchases amountFen } }"""
    body = await system.gql(query, id=wide.purchase)
    assert "errors" not in body, body
    assert body["data"]["purchase"] == {
        "status": "PURCHASED",
        "estimatedFen": ESTIMATED,
        "totalFen": TOTAL,
        "settledFen": None,
    }
    assert {"status": "PURCHASED", "purchases": 1, "amountFen": TOTAL} in body["data"]["procurementPipeline"]


# Every column a read model accumulates (or a product lands in), per projection schema and table.
WIDE_COLUMNS: dict[str, dict[str, set[str]]] = {
    "inventory": {
        "proj_inventory_counts.stock": {"on_hand", "received", "issued", "adjusted"},
        "proj_inventory_counts.issued_by_day": {"quantity"},
        "proj_inventory_counts.quotas": {"overrides", "used"},
        "proj_inventory_counts.purchases": {"estimated_fen", "total_fen", "settled_fen"},
        "proj_assets.assets": {"damages", "value_fen"},
        "proj_assets.damages": {"charge_fen"},
        "proj_assets.charges": {"amount_fen"},
        "proj_assets.stocktake_variances": {"book", "delta"},
        "proj_keys_repairs.keys": {"loans"},
        "proj_keys_repairs.key_loans": {"loan"},
    },
    "safety": {
        "proj_health_files.records": {"reviews"},
        "proj_inspection_status.inspections": {"findings", "problems"},
        "proj_inspection_status.hazards": {"reopened"},
        "proj_safety_records.buses": {"changes"},
        "proj_safety_records.campaigns": {"done"},
        "proj_safety_records.injuries": {"follow_ups"},
    },
    "canteen": {
        "proj_food_safety_ledger.meals": {"diners"},
        "proj_food_safety_ledger.deliveries": {"lines"},
        "proj_food_safety_ledger.samples": {"grams"},
        "proj_food_safety_ledger.rules": {"warning_days"},
    },
    "directory": {
        "proj_roster.campuses": {"students"},
        "proj_roster.classes": {"students"},
    },
}


async def column_types(pool: asyncpg.Pool, schema: str, table: str) -> dict[str, str]:
    rows = await pool.fetch(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
        schema,
        table,
    )
    return {r["column_name"]: r["data_type"] for r in rows}


@pytest.mark.parametrize("service", sorted(WIDE_COLUMNS))
async def test_every_accumulated_column_of_the_live_projections_is_a_bigint(system: System, service: str) -> None:
    pool = system.services[service].pool
    for where, columns in WIDE_COLUMNS[service].items():
        schema, table = where.split(".")
        types = await column_types(pool, schema, table)
        assert {c: types.get(c) for c in columns} == dict.fromkeys(columns, "bigint"), where


STOCK_COLUMNS = ("on_hand", "received", "issued", "adjusted")


class Counts(InventoryCounts):
    """The inventory counts under a name of their own, so that this test rebuilds its own schema."""

    name = "inventory_counts_wide"


class Int4Counts(Counts):
    """The same projection as an older release made it: stock in int4 columns."""

    def ddl(self, schema: str) -> str:
        ddl = super().ddl(schema)
        for column in STOCK_COLUMNS:
            ddl = ddl.replace(f"{column} bigint", f"{column} integer")
        return ddl


async def test_int4_stock_columns_cannot_hold_the_receipts_and_the_rebuild_with_this_shape_can(
    system: System, wide: Wide
) -> None:
    service = system.services["inventory"]
    pool, store = service.pool, service.runtime.store
    old: Projection = Int4Counts()
    new: Projection = Counts()
    try:
        assert await ensure_projection(pool, old) is False  # made with the old shape
        assert (await column_types(pool, old.schema, "stock"))["received"] == "integer"
        with pytest.raises(asyncpg.NumericValueOutOfRangeError):
            await rebuild(pool, store, old)

        assert await ensure_projection(pool, new) is True  # another shape: rebuilt before serving
        await rebuild(pool, store, new)
        types = await column_types(pool, new.schema, "stock")
        assert {c: types[c] for c in STOCK_COLUMNS} == dict.fromkeys(STOCK_COLUMNS, "bigint")
        assert await ensure_projection(pool, new) is False
        row = await pool.fetchrow(
            f"SELECT on_hand, received, issued, adjusted FROM {new.schema}.stock WHERE campus_id = 'main' "
            "AND item_id = $1",
            wide.item,
        )
        stock = {"on_hand": COUNTED, "received": RECEIVED, "issued": 0, "adjusted": COUNTED - RECEIVED}
        assert dict(row or {}) == stock
        estimated, total = await pool.fetchrow(
            f"SELECT estimated_fen, total_fen FROM {new.schema}.purchases WHERE purchase_id = $1", wide.purchase
        ) or (None, None)
        assert (estimated, total) == (ESTIMATED, TOTAL)
    finally:
        for schema in (new.schema, f"{new.schema}__rebuild"):
            await pool.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def test_the_operators_event_counters_are_bigints_that_count_every_receipt(system: System, wide: Wide) -> None:
    """Counters of events applied accumulate over the service's life (rebuilds included)."""
    query = "query { lag { service projections { name eventsApplied } consumers { group messagesBehind } } }"
    body = await system.gql(query, as_="platform")
    assert "errors" not in body, body
    (inventory,) = [s for s in body["data"]["lag"] if s["service"] == "inventory"]
    applied = {p["name"]: p["eventsApplied"] for p in inventory["projections"]}
    assert applied["inventory_counts"] >= RECEIPTS
    assert all(isinstance(c["messagesBehind"], int) and c["messagesBehind"] >= 0 for c in inventory["consumers"])
    schema = await system.gql('query { __type(name: "ProjectionLag") { fields { name type { ofType { name } } } } }')
    types = {f["name"]: f["type"]["ofType"]["name"] for f in schema["data"]["__type"]["fields"] if f["type"]["ofType"]}
    assert types["eventsApplied"] == "BigInt"
