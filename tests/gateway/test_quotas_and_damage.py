"""GraphQL reads of the inventory's loops: a campus's stock-takes with the book at each count and
the difference, quotas by term and department (set, overridden, used, left), and damage to assets
by class per month; each in the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest_asyncio

from tests.conftest import eventually
from tests.gateway.conftest import System

TERM = "2020-2021-1"


async def post(system: System, path: str, body: dict[str, Any], as_: str = "manager-main") -> None:
    response = await system.services["inventory"].client.post(path, json=body, headers=system.tokens[as_])
    assert response.status_code == 200, response.text


@dataclass
class Loops:
    item: str
    department: str
    stocktake: str
    asset: str


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def loops(system: System) -> Loops:
    """An item with 20 on main's shelves; quotas of two departments this term and one of another
    term, 4 issued; a stock-take counting 18 at 15:00 with 5 issued at 16:00; a desk scratched by
    g6-1 in October (charged 50 yuan)."""
    tag = uuid4().hex[:6]
    r = Loops(f"chalk-{tag}", f"office-{tag}", f"st-{tag}", f"desk-{tag}")
    await post(system, "/items", {
        "item_id": r.item, "school_id": "xuexiao", "name": "粉笔", "unit": "盒", "category": "教学用品",
        "consumable": True, "unit_price_fen": 800, "reorder_point": 0, "at": "2020-09-01T09:00:00+08:00",
    })  # fmt: skip
    receipt = {"campus_id": "main", "item_id": r.item, "quantity": 20, "reason": "区里调拨",
               "at": "2020-10-12T10:00:00+08:00"}  # fmt: skip
    await post(system, "/stock/receipts", receipt)
    for dept, term, n in ((r.department, TERM, 10), ("cleaning", TERM, 6), (r.department, "2019-2020-2", 30)):
        quota = {"campus_id": "main", "department_id": dept, "item_id": r.item, "term_id": term, "quantity": n}
        await post(system, "/quotas", quota)

    def requisition(n: int, at: str) -> dict[str, Any]:
        return {"requisition_id": f"req-{uuid4().hex[:8]}", "campus_id": "main", "department_id": r.department,
                "recipient_kind": "person", "recipient_id": "huang", "term_id": TERM,
                "lines": [{"item_id": r.item, "quantity": n}], "at": at}  # fmt: skip

    await post(system, "/stocktakes", {"stocktake_id": r.stocktake, "campus_id": "main", "period": "monthly",
                                       "on": "2020-10-30"})  # fmt: skip
    count = {"item_id": r.item, "counted": 18, "at": "2020-10-30T15:00:00+08:00"}
    await post(system, f"/stocktakes/{r.stocktake}/counts", count, "guard-main")
    await post(system, "/requisitions", requisition(4, "2020-10-30T16:00:00+08:00"))
    await post(system, f"/stocktakes/{r.stocktake}/close", {"on": "2020-10-31"})
    await post(system, "/assets", {"asset_id": r.asset, "tag": r.asset.upper(), "campus_id": "main",
                                   "room": "301 六1班教室", "description": "课桌椅 (新增教室)", "value_fen": 44000,
                                   "on": "2020-08-25"})  # fmt: skip
    damage = {"cause": "person", "by_kind": "class", "by_id": "g6-1", "description": "新课桌桌面划痕",
              "on": "2020-10-12", "charge_fen": 5000}  # fmt: skip
    await post(system, f"/assets/{r.asset}/damage", damage)
    return r


STOCK_TAKES = """query($id: ID!) { campus(campusId: "main") { stockTakes(first: 500) { nodes {
  stocktakeId status counts { itemId counted countedAt bookAtCount difference book delta } } } }
  stockTake(stocktakeId: $id) { stocktakeId counts { itemId bookAtCount difference } } }"""


async def test_a_campus_stock_takes_show_the_book_at_each_count_and_the_difference(
    system: System, loops: Loops
) -> None:
    async def closed() -> dict[str, Any] | None:
        body = await system.gql(STOCK_TAKES, id=loops.stocktake)
        nodes = body["data"]["campus"]["stockTakes"]["nodes"]
        take = next((n for n in nodes if n["stocktakeId"] == loops.stocktake), None)
        # the book and the delta come from the stock stream's adjustment, which can arrive after the closing
        adjusted = take and all(c["delta"] is not None for c in take["counts"])
        return take if take and take["status"] == "CLOSED" and adjusted else None

    take = await eventually(closed)
    [count] = take["counts"]
    assert (count["counted"], count["bookAtCount"], count["difference"], count["book"], count["delta"]) == (
        18,
        20,
        -2,
        20,
        -2,
    )
    assert count["countedAt"].startswith("2020-10-30T07:00:00")
    # out of scope: another district's admin sees no stock-take
    other = await system.gql(STOCK_TAKES, as_="other-admin", id=loops.stocktake)
    assert other["data"]["stockTake"] is None


QUOTAS = """query($item: ID!, $current: Boolean!) {
  campus(campusId: "main") { quotas(itemId: $item, currentTerm: $current, asOf: "2020-11-02") { totalCount nodes {
    departmentId termId termName current quota overrides used left } } }
  quotas(itemId: $item, asOf: "2020-11-02") { nodes { campusId departmentId termId } }
  inventoryCounts(campusId: "main", asOf: "2020-11-02") { nodes { itemId quota quotaUsed termId onHand } } }"""


async def test_quotas_by_term_and_department_with_what_is_left(system: System, loops: Loops) -> None:
    async def used() -> dict[str, Any] | None:
        body = await system.gql(QUOTAS, item=loops.item, current=True)
        nodes = body["data"]["campus"]["quotas"]["nodes"]
        lines = [n for n in body["data"]["inventoryCounts"]["nodes"] if n["itemId"] == loops.item]
        # each quota is a stream of its own (the cleaning one, last year's) and the stock line joins the
        # catalogue's item, the receipt, the issue and the stock-take's adjustment: each can arrive after the use
        arrived = (
            any(n["departmentId"] == "cleaning" for n in nodes)
            and len(body["data"]["quotas"]["nodes"]) == 3
            and [(n["quota"], n["onHand"]) for n in lines] == [(16, 14)]
        )
        return body if any(n["used"] for n in nodes) and arrived else None

    body = await eventually(used)
    rows = {(n["departmentId"], n["termId"]): n for n in body["data"]["campus"]["quotas"]["nodes"]}
    assert set(rows) == {(loops.department, TERM), ("cleaning", TERM)}
    mine = rows[(loops.department, TERM)]
    assert (mine["quota"], mine["overrides"], mine["used"], mine["left"], mine["current"]) == (10, 0, 4, 6, True)
    assert mine["termName"] == "2020-2021 第一学期"
    assert body["data"]["campus"]["quotas"]["totalCount"] == 2
    assert len(body["data"]["quotas"]["nodes"]) == 3  # every term
    [line] = [n for n in body["data"]["inventoryCounts"]["nodes"] if n["itemId"] == loops.item]
    assert (line["quota"], line["quotaUsed"], line["termId"], line["onHand"]) == (16, 4, TERM, 14)
    every = await system.gql(QUOTAS, item=loops.item, current=False)
    assert every["data"]["campus"]["quotas"]["totalCount"] == 3
    other = await system.gql(QUOTAS, as_="other-admin", item=loops.item, current=False)
    assert other["data"]["quotas"]["nodes"] == []


DAMAGE = """query($month: String) { campus(campusId: "main") { classDamage(month: $month) { nodes {
  classId className month damages assets chargedFen paidFen waivedFen campus { campusId } } } }
  classDamage(classId: "g6-1") { nodes { month damages } } }"""


async def test_damage_to_assets_by_class_per_month(system: System, loops: Loops) -> None:
    async def tallied() -> dict[str, Any] | None:
        body = await system.gql(DAMAGE, month="2020-10")
        nodes = body["data"]["campus"]["classDamage"]["nodes"]
        # the charge is a stream of its own, raised with the damage: it can arrive after it
        return body if nodes and all(n["chargedFen"] for n in nodes) else None

    body = await eventually(tallied)
    [g61] = body["data"]["campus"]["classDamage"]["nodes"]
    assert (g61["classId"], g61["month"], g61["damages"], g61["assets"], g61["chargedFen"], g61["paidFen"]) == (
        "g6-1",
        "2020-10",
        1,
        1,
        5000,
        0,
    )
    assert g61["campus"] == {"campusId": "main"}
    assert body["data"]["classDamage"]["nodes"] == [{"month": "2020-10", "damages": 1}]
    assert (await system.gql(DAMAGE, month="2020-11"))["data"]["campus"]["classDamage"]["nodes"] == []
    other = await system.gql(DAMAGE, as_="other-admin", month="2020-10")
    assert other["data"]["classDamage"]["nodes"] == []
