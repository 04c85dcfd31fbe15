"""Stock, quotas and requisitions on the running inventory service."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.school import SchoolWorld

# old for new (以旧换新): what was handed back
RETURNED = {"description": "签字笔 (没水了)", "condition": "worn", "outcome": "disposed", "item_id": "pen"}


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def receive(world: SchoolWorld, item: str, n: int, campus: str = "main", as_: str = "manager-main") -> None:
    r = await world.post(
        "/stock/receipts", {"campus_id": campus, "item_id": item, "quantity": n, "reason": "区里调拨"}, as_=as_
    )
    assert r.status_code == 200, r.text


def requisition(rid: str, *lines: dict[str, Any], dept: str = "office", **extra: Any) -> dict[str, Any]:
    return {
        "requisition_id": rid,
        "campus_id": "main",
        "department_id": dept,
        "recipient_kind": "person",
        "recipient_id": "huang",
        "term_id": "2020-2021-1",
        "lines": list(lines),
    } | extra


async def test_a_requisition_beyond_the_quota_needs_an_approved_override(world: SchoolWorld) -> None:
    dept = uid("office")
    await receive(world, "pen", 100)
    quota = {"campus_id": "main", "department_id": dept, "item_id": "pen", "term_id": "2020-2021-1", "quantity": 10}
    assert (await world.post("/quotas", quota)).status_code == 200
    first = await world.post("/requisitions", requisition(uid("r"), {"item_id": "pen", "quantity": 8}, dept=dept))
    assert first.status_code == 200, first.text
    assert first.json()["events"] == ["inventory.RequisitionFulfilled"]

    before = await world.events()
    beyond = await world.post("/requisitions", requisition(uid("r"), {"item_id": "pen", "quantity": 5}, dept=dept))
    assert beyond.status_code == 409 and beyond.json()["field"] == "lines.0.quantity"
    assert await world.events() == before  # neither the stock issue nor the requisition

    override = quota | {"override_id": uid("ov"), "extra": 5, "reason": "期末监考用笔"}
    override.pop("quantity")
    assert (await world.post("/quotas/overrides", override, as_="vp-main")).status_code == 200
    passed = await world.post(
        "/requisitions",
        requisition(uid("r"), {"item_id": "pen", "quantity": 5}, dept=dept, override_id=override["override_id"]),
    )
    assert passed.status_code == 200, passed.text
    # old for new uses no quota
    exchange = await world.post(
        "/requisitions",
        requisition(uid("r"), {"item_id": "pen", "quantity": 3, "exchange": True, "returned": RETURNED}, dept=dept),
    )
    assert exchange.status_code == 200, exchange.text

    async def quota_row() -> dict[str, Any] | None:
        rows = (await world.get("/quotas", department_id=dept)).json()["items"]
        return rows[0] if rows and rows[0]["used"] == 13 else None

    row = await eventually(quota_row)
    assert row["quota"] == 10 and row["overrides"] == 5


async def test_stock_never_goes_negative_and_a_failed_line_issues_nothing(world: SchoolWorld) -> None:
    await receive(world, "gloves", 4)
    await receive(world, "broom", 1)
    before = await world.events()
    response = await world.post(
        "/requisitions",
        requisition(uid("r"), {"item_id": "broom", "quantity": 1}, {"item_id": "gloves", "quantity": 1000}),
    )
    assert response.status_code == 409 and response.json()["field"] == "lines.1.quantity"
    assert await world.events() == before


async def test_bad_requisitions_name_the_field(world: SchoolWorld) -> None:
    before = await world.events()
    for body, field in [
        (requisition(uid("r"), {"item_id": "unicorn", "quantity": 1}), "lines.0.item_id"),
        (requisition(uid("r"), {"item_id": "pen", "quantity": 0}), "lines.0.quantity"),
        (requisition(uid("r")), "lines"),
        (requisition(uid("r"), {"item_id": "pen", "quantity": 1}, recipient_kind="alien"), "recipient_kind"),
    ]:
        response = await world.post("/requisitions", body)
        assert response.status_code == 422, response.text
        assert field in [d["field"] for d in response.json()["detail"]], response.json()
    assert await world.events() == before


async def test_out_of_scope_and_wrong_roles_are_forbidden(world: SchoolWorld) -> None:
    before = await world.events()
    r = await world.post(
        "/stock/receipts", {"campus_id": "main", "item_id": "pen", "quantity": 1, "reason": "x"}, as_="manager-aoyuan"
    )
    assert r.status_code == 403
    r = await world.post("/requisitions", requisition(uid("r"), {"item_id": "pen", "quantity": 1}), as_="teacher-g6")
    assert r.status_code == 403
    r = await world.post(
        "/items",
        {
            "item_id": "chalk",
            "school_id": "xuexiao",
            "name": "粉笔",
            "unit": "盒",
            "category": "文具",
            "consumable": True,
            "unit_price_fen": 300,
            "reorder_point": 5,
        },
        as_="other-admin",
    )
    assert r.status_code == 403
    assert await world.events() == before


async def test_a_stale_version_on_an_item_is_a_conflict(world: SchoolWorld) -> None:
    before = await world.events()
    r = await world.post("/items/pen/price", {"unit_price_fen": 250, "expected_version": 0})
    assert r.status_code == 409 and r.json()["error"] == "version_conflict"
    assert await world.events() == before


async def test_the_inventory_counts_match_a_recount_from_the_event_store(world: SchoolWorld) -> None:
    await receive(world, "broom", 12)
    await world.post("/requisitions", requisition(uid("r"), {"item_id": "broom", "quantity": 2}, dept=uid("d")))

    async def matches() -> bool:
        recount = {
            (r["campus_id"], r["item_id"]): r["on_hand"]
            for r in await world.service.pool.fetch(
                "SELECT data->>'campus_id' AS campus_id, data->>'item_id' AS item_id, sum(CASE type "
                "WHEN 'inventory.StockReceived' THEN (data->>'quantity')::int "
                "WHEN 'inventory.StockIssued' THEN -(data->>'quantity')::int "
                "ELSE (data->>'delta')::int END) AS on_hand FROM events WHERE type IN "
                "('inventory.StockReceived', 'inventory.StockIssued', 'inventory.StockAdjusted') GROUP BY 1, 2"
            )
        }
        projected = {
            (r["campus_id"], r["item_id"]): r["on_hand"]
            for r in await world.service.pool.fetch(
                "SELECT campus_id, item_id, on_hand FROM proj_inventory_counts.stock"
            )
        }
        return bool(recount) and recount == projected

    await eventually(matches)
    page = (await world.get("/stock", campus_id="main")).json()["items"]
    broom = next(r for r in page if r["item_id"] == "broom")
    assert broom["issued_this_month"] >= 0 and broom["below_reorder_point"] == (broom["on_hand"] < 10)


async def test_a_manager_of_one_campus_keeps_the_catalogue_of_its_school_and_no_other(world: SchoolWorld) -> None:
    """An item belongs to its school, whose managers serve campuses: a manager of the Aoyuan
    campus alone catalogues, reprices and lists the school's items; nobody does for a school
    the inventory does not know (422), and a teacher does not (403)."""
    item = uid("soap")
    body = {
        "item_id": item,
        "school_id": "xuexiao",
        "name": "洗手液",
        "unit": "瓶",
        "category": "清洁用品",
        "consumable": True,
        "unit_price_fen": 1200,
        "reorder_point": 10,
    }
    before = await world.events()
    r = await world.post("/items", body | {"school_id": "nowhere"}, as_="manager-aoyuan")
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "school_id"
    r = await world.post("/items", body, as_="teacher-g6")
    assert r.status_code == 403
    assert await world.events() == before

    r = await world.post("/items", body, as_="manager-aoyuan")
    assert r.status_code == 200, r.text
    r = await world.post(f"/items/{item}/price", {"unit_price_fen": 1100}, as_="manager-aoyuan")
    assert r.status_code == 200, r.text
    r = await world.post(f"/items/{item}/price", {"unit_price_fen": 1000}, as_="other-admin")
    assert r.status_code == 404  # another district's item: as if there were none

    async def listed() -> bool:
        page = await world.get("/items", as_="manager-aoyuan", school_id="xuexiao", limit=500)
        assert page.status_code == 200, page.text
        return item in {row["item_id"] for row in page.json()["items"]}

    await eventually(listed)
    assert (await world.get("/items", as_="other-admin", school_id="xuexiao")).status_code == 403

    async def repriced() -> dict[str, Any] | None:
        one = await world.get(f"/items/{item}", as_="manager-aoyuan")  # a manager of one of the school's campuses
        assert one.status_code == 200, one.text
        found: dict[str, Any] = one.json()
        return found if found["unit_price_fen"] == 1100 else None

    assert await eventually(repriced) == body | {"unit_price_fen": 1100}
    assert (await world.get(f"/items/{item}", as_="admin")).status_code == 200
    assert (await world.get(f"/items/{item}", as_="other-admin")).status_code == 404  # out of scope: not seen
    assert (await world.get(f"/items/{item}", as_="parent-yao")).status_code == 403
    assert (await world.get("/items/no-such-item")).status_code == 404
