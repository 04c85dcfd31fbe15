"""The term's own procurement and repairs, as the seed tells them (事先申报，进行审批，采购按规，
验收严格，结算有据): an everyday purchase of Aoyuan's winter cleaning supplies, accepted by the
campus's vice principal in person; a major one, the canteen's new disinfection cabinet, looked
over by the acceptance team one by one; and the repairs the cleaners report in the cleaners' and
guards' group (保洁与保安的联合群), fixed on call by the technicians.

Run after ``DemoLoader.load_inventory`` (the catalogue is there); every act dated when it happened."""

from __future__ import annotations

from typing import Any, Protocol

INVENTORY = "inventory"


class Poster(Protocol):
    async def post(self, service: str, path: str, body: dict[str, Any], as_: str) -> dict[str, Any]: ...


# (purchase, campus, category, reason, lines, declared by, approved by, acceptors, days, supplier, invoice)
PURCHASES: tuple[dict[str, Any], ...] = (
    {
        "purchase_id": "p-2020-11-aoyuan-winter",
        "campus_id": "aoyuan",
        "category": "everyday",
        "reason": "冬季保洁用品补充",
        "lines": [
            {"description": "拖把", "quantity": 20, "estimated_unit_price_fen": 2500},
            {"description": "垃圾袋 (卷)", "quantity": 100, "estimated_unit_price_fen": 300},
        ],
        "bought": [
            {"line": 0, "quantity": 20, "unit_price_fen": 2300},
            {"line": 1, "quantity": 100, "unit_price_fen": 280},
        ],
        "declared": ("shen", "2020-11-02T10:00:00+08:00"),
        "approved": ("wu-vp", "2020-11-03T09:00:00+08:00"),
        "bought_on": "2020-11-05",
        "acceptance": [("wu-vp", "2020-11-06T15:00:00+08:00")],
        "settled": ("shen", "2020-11-16", 74000),
        "supplier": "新北区某某商贸",
    },
    {
        "purchase_id": "p-2020-12-canteen-cabinet",
        "campus_id": "main",
        "category": "major",
        "reason": "食堂消毒柜老化，更换一台",
        "lines": [{"description": "消毒柜", "quantity": 1, "estimated_unit_price_fen": 680000, "room": "食堂"}],
        "bought": [{"line": 0, "quantity": 1, "unit_price_fen": 659000}],
        "declared": ("zhou", "2020-12-01T10:00:00+08:00"),
        "approved": ("xu-vp", "2020-12-02T15:00:00+08:00"),
        "bought_on": "2020-12-07",
        "acceptance": [("team-a", "2020-12-09T10:00:00+08:00"), ("team-b", "2020-12-09T10:20:00+08:00")],
        "settled": ("zhou", "2020-12-18", 659000),
        "supplier": "常州某厨房设备公司",
    },
)

# (repair, campus, place, what, reported by, at, technician, done at, verified by, verified at)
CLEANERS_REPAIRS = (
    ("main-toilet-2f-tap", "main", "本部 教学楼二楼 卫生间", "水龙头漏水", "liu-clean",
     "2020-10-20T07:40:00+08:00", "wang-tech", "2020-10-20T10:10:00+08:00", "zhou", "2020-10-20T16:00:00+08:00"),
    ("aoyuan-corridor-light", "aoyuan", "奥园校区 教学楼三楼 走廊", "走廊灯不亮", "pan-clean",
     "2020-11-18T07:30:00+08:00", "tang-tech", "2020-11-18T12:00:00+08:00", "shen", "2020-11-19T08:30:00+08:00"),
    ("main-stairs-handrail", "main", "本部 教学楼东楼梯", "扶手松动", "yang-clean",
     "2020-12-08T07:45:00+08:00", "xie-tech", "2020-12-08T11:30:00+08:00", "zhou", "2020-12-08T16:30:00+08:00"),
)  # fmt: skip


async def load_term_purchases(loader: Poster) -> None:
    i = INVENTORY
    for p in PURCHASES:
        pid = p["purchase_id"]
        who, at = p["declared"]
        body = {k: p[k] for k in ("purchase_id", "campus_id", "category", "reason", "lines")} | {"at": at}
        await loader.post(i, "/purchases", body, who)
        who, at = p["approved"]
        await loader.post(i, f"/purchases/{pid}/approve", {"note": "同意", "at": at}, who)
        bought = {"supplier": p["supplier"], "on": p["bought_on"], "bought": p["bought"]}
        await loader.post(i, f"/purchases/{pid}/bought", bought, p["declared"][0])
        for who, at in p["acceptance"]:
            await loader.post(i, f"/purchases/{pid}/acceptance", {"note": "验收合格", "at": at}, who)
        who, on, fen = p["settled"]
        await loader.post(
            i, f"/purchases/{pid}/settle", {"invoice_ref": f"发票 {pid}", "amount_fen": fen, "on": on}, who
        )
    for rid, campus, place, what, reporter, at, tech, done_at, verifier, verified_at in CLEANERS_REPAIRS:
        body = {"repair_id": rid, "campus_id": campus, "place": place, "description": what, "at": at}
        await loader.post(i, "/repairs", body, reporter)
        await loader.post(i, f"/repairs/{rid}/assign", {"assignee_id": tech, "at": at}, verifier)
        await loader.post(i, f"/repairs/{rid}/done", {"at": done_at, "note": "已修复"}, tech)
        await loader.post(i, f"/repairs/{rid}/verify", {"at": verified_at}, verifier)
