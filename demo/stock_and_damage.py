"""The demo's loops of the inventory, with the seed's own facts: the scratched desks of the three
new classrooms (新增的三个教室的桌椅已经出现划痕) tallied for their classes, for the class
evaluation (善真中队评比); the term's quotas of everyday supplies per department (期初核定数量, 按量
发放); an old-for-new exchange (以旧换新) with what was handed back; and November's stock-take
(每月盘库), with brooms issued between the count and the closing, which stay issued.

Run after ``DemoLoader.load_inventory`` (the catalogue and the purchases are there) and
``demo.repairs_and_equipment`` (the new classrooms' desks of the accepted purchase registered to their rooms:
those scratched are among them); every act dated when it happened."""

from __future__ import annotations

from typing import Any, Protocol

from demo.repairs_and_equipment import ROOMS, desk
from demo.school import TERM

INVENTORY = "inventory"

# (asset, class, day, what): desks of the three new classrooms, bought with the classrooms' purchase
# and registered to their rooms, scratched by the classes that use them (六1班's twice)
DESK_SCRATCHES = (
    (desk(ROOMS[0], 0), "g6-1", "2020-10-12", "新课桌桌面划痕"),
    (desk(ROOMS[1], 0), "g6-2", "2020-10-19", "新课桌桌面划痕 (六2班)"),
    (desk(ROOMS[2], 0), "g3-3", "2020-11-09", "新课桌桌面刻字 (三3班, 303 新增教室)"),
    (desk(ROOMS[0], 0), "g6-1", "2020-11-23", "新课桌桌面再次划伤"),
)
SCRATCH_CHARGE_FEN = 5000  # what a class pays for a scratched desk top (照价赔偿, the seed's price)

# (department, item, quantity): the term's quotas of everyday supplies, set at its start
QUOTAS = (("office-cleaning", "broom", 12), ("office-cleaning", "gloves", 40), ("office-teachers", "gloves", 10))
QUOTAS_SET_AT = "2020-09-01T09:30:00+08:00"

EXCHANGE = "req-2020-11-16-broom"
RETURNED = {"item_id": "broom", "description": "笤帚 (断柄)", "condition": "broken", "outcome": "disposed"}
STOCKTAKE = "st-main-2020-11"
COUNTED_AT, ISSUED_AFTER_COUNT_AT = "2020-11-30T15:00:00+08:00", "2020-11-30T16:30:00+08:00"
BROOMS_COUNTED, BROOMS_ISSUED_AFTER_COUNT = 28, 2
# 30 brooms received with the purchase; 1 given old for new: 29 on the book at the count, 28 on the
# shelf; 2 issued after the count: 26 once closed (not 28, as if the count were the book at closing)
BROOMS_AFTER_CLOSING = 30 - 1 - BROOMS_ISSUED_AFTER_COUNT + (BROOMS_COUNTED - 29)


class Poster(Protocol):
    async def post(self, service: str, path: str, body: dict[str, Any], as_: str) -> dict[str, Any]: ...


def requisition(rid: str, department: str, at: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "requisition_id": rid,
        "campus_id": "main",
        "department_id": department,
        "recipient_kind": "department",
        "recipient_id": department,
        "term_id": TERM,
        "lines": list(lines),
        "at": at,
    }


async def load_stock_and_damage(loader: Poster) -> None:
    for department, item, quantity in QUOTAS:
        quota = {"campus_id": "main", "department_id": department, "item_id": item, "term_id": TERM,
                 "quantity": quantity, "at": QUOTAS_SET_AT}  # fmt: skip
        await loader.post(INVENTORY, "/quotas", quota, "zhou")
    for asset_id, class_id, day, what in DESK_SCRATCHES:
        damage = {"cause": "person", "by_kind": "class", "by_id": class_id, "description": what, "on": day,
                  "charge_fen": SCRATCH_CHARGE_FEN}  # fmt: skip
        await loader.post(INVENTORY, f"/assets/{asset_id}/damage", damage, "zhou")
    exchange = {"item_id": "broom", "quantity": 1, "exchange": True, "returned": RETURNED}
    await loader.post(
        INVENTORY,
        "/requisitions",
        requisition(EXCHANGE, "office-cleaning", "2020-11-16T08:00:00+08:00", exchange),
        "zhou",
    )
    start = {"stocktake_id": STOCKTAKE, "campus_id": "main", "period": "monthly", "on": "2020-11-30"}
    await loader.post(INVENTORY, "/stocktakes", start, "zhou")
    count = {"item_id": "broom", "counted": BROOMS_COUNTED, "at": COUNTED_AT}
    await loader.post(INVENTORY, f"/stocktakes/{STOCKTAKE}/counts", count, "li-guard")
    after = {"item_id": "broom", "quantity": BROOMS_ISSUED_AFTER_COUNT}
    issue = requisition("req-2020-11-30-brooms", "office-cleaning", ISSUED_AFTER_COUNT_AT, after)
    await loader.post(INVENTORY, "/requisitions", issue, "zhou")
    await loader.post(INVENTORY, f"/stocktakes/{STOCKTAKE}/close", {"on": "2020-12-01"}, "zhou")
