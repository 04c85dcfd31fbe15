"""The inventory's part of the term report (GET /term-figures), through real PostgreSQL and Kafka:
a term's purchases, stock, assets, keys and repairs, counted by when each act happened and over
the campuses the reader may read a report of.

The acts (term 2020-2021-1: 2020-09-01 to 2021-01-31) are on main, with one of each kind on Aoyuan
and some before or after the term, which must not count (or, for what is out at the term's end,
must)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from demo.school import TERM
from services.campus.term_report import Count, InventoryFigures, TermPart
from tests.conftest import eventually
from tests.school import SchoolWorld

SCHOOL_ID = "xuexiao"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def ok(world: SchoolWorld, path: str, body: dict[str, Any], as_: str = "manager-main") -> dict[str, Any]:
    response = await world.post(path, body, as_=as_)
    assert response.status_code == 200, (path, response.text)
    return dict(response.json())


async def purchase(
    world: SchoolWorld,
    *,
    campus: str,
    category: str,
    lines: list[dict[str, Any]],
    bought: list[dict[str, Any]],
    days: tuple[str, str, str],  # asked, approved, bought
    requester: str,
    approver: str,
    signers: list[tuple[str, str]],  # (who, at)
    settled_on: str | None = None,
) -> str:
    pid = uid("p")
    asked, approved, bought_on = days
    body = {"purchase_id": pid, "campus_id": campus, "category": category, "reason": "期初补充", "lines": lines}
    await ok(world, "/purchases", body | {"at": f"{asked}T10:00:00+08:00"}, as_=requester)
    await ok(world, f"/purchases/{pid}/approve", {"at": f"{approved}T09:00:00+08:00"}, as_=approver)
    bought_body = {"supplier": "新北区某某商贸", "bought": bought, "on": bought_on}
    await ok(world, f"/purchases/{pid}/bought", bought_body, as_="manager-both")
    for who, at in signers:
        await ok(world, f"/purchases/{pid}/acceptance", {"note": "验收", "at": at}, as_=who)
    if settled_on:
        total = sum(b["quantity"] * b["unit_price_fen"] for b in bought)
        settle = {"invoice_ref": f"发票 {pid}", "amount_fen": total, "on": settled_on}
        await ok(world, f"/purchases/{pid}/settle", settle, as_="manager-both")
    return pid


async def register_received(world: SchoolWorld, asset_id: str, room: str, on: str) -> None:
    """Registers an asset of an accepted purchase, once the reaction has received it."""

    async def registered() -> bool:
        body = {"tag": uid("XJ").upper(), "room": room, "on": on}
        response = await world.post(f"/assets/{asset_id}/registration", body)
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200

    await eventually(registered, timeout=60, interval=0.5)


async def register(world: SchoolWorld, campus: str, room: str, on: str) -> str:
    asset_id = uid("desk")
    body = {"asset_id": asset_id, "tag": asset_id.upper(), "campus_id": campus, "room": room,
            "description": "课桌椅", "value_fen": 44000, "on": on}  # fmt: skip
    await ok(world, "/assets", body, as_="manager-both")
    return asset_id


def requisition(campus: str, dept: str, at: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {"requisition_id": uid("r"), "campus_id": campus, "department_id": dept, "recipient_kind": "department",
            "recipient_id": dept, "term_id": TERM, "lines": list(lines), "at": at}  # fmt: skip


async def repair(
    world: SchoolWorld, campus: str, reporter: str, reported: str, done: str | None, verified: str | None
) -> None:
    rid = uid("rp")
    body = {"repair_id": rid, "campus_id": campus, "place": "行政楼", "description": "门锁损坏", "at": reported}
    await ok(world, "/repairs", body, as_=reporter)
    if done:
        await ok(world, f"/repairs/{rid}/assign", {"assignee_id": "wang-tech", "at": reported})
        await ok(world, f"/repairs/{rid}/done", {"at": done, "note": "修好"}, as_="tech-main")
    if verified:
        await ok(world, f"/repairs/{rid}/verify", {"at": verified})


async def key(world: SchoolWorld, campus: str, on: str, returned: str | None = None, lost: str | None = None) -> None:
    kid = uid("k")
    holder = "huang" if campus == "main" else "zhu"
    body = {"key_id": kid, "campus_id": campus, "door": "办公室", "holder_id": holder, "on": on, "due_on": "2021-01-22"}
    await ok(world, "/keys", body, as_="manager-both")
    if returned:
        await ok(world, f"/keys/{kid}/return", {"on": returned}, as_="manager-both")
    if lost:
        await ok(world, f"/keys/{kid}/lost", {"on": lost, "lock_changed": True}, as_="manager-both")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def term(world: SchoolWorld) -> SchoolWorld:
    """The term's acts, written once for the module's tests."""
    w = world
    # -- purchases: an everyday and a major one on main in the term; one on main before it (settled
    # in it); an everyday one on Aoyuan
    broom_and_projector = [
        {"description": "笤帚", "quantity": 30, "estimated_unit_price_fen": 1500, "item_id": "broom"},
        {"description": "投影仪", "quantity": 1, "estimated_unit_price_fen": 350000, "item_id": "projector"},
    ]
    p1 = await purchase(
        w, campus="main", category="everyday", lines=broom_and_projector,
        bought=[{"line": 0, "quantity": 30, "unit_price_fen": 1400},
                {"line": 1, "quantity": 1, "unit_price_fen": 340000}],
        days=("2020-10-09", "2020-10-10", "2020-10-14"), requester="teacher-g6", approver="manager-main",
        signers=[("vp-main", "2020-10-15T14:00:00+08:00")], settled_on="2020-10-20",
    )  # fmt: skip
    projectors = [{"description": "投影仪", "quantity": 2, "estimated_unit_price_fen": 350000,
                   "item_id": "projector", "room": "303 新增教室"}]  # fmt: skip
    p2 = await purchase(
        w, campus="main", category="major", lines=projectors,
        bought=[{"line": 0, "quantity": 2, "unit_price_fen": 340000}],
        days=("2020-11-02", "2020-11-03", "2020-11-04"), requester="manager-main", approver="vp-main",
        signers=[("team-a", "2020-11-05T10:00:00+08:00"), ("team-b", "2020-11-05T11:00:00+08:00")],
    )  # fmt: skip
    brooms = [{"description": "笤帚", "quantity": 10, "estimated_unit_price_fen": 1500, "item_id": "broom"}]
    await purchase(
        w, campus="main", category="everyday", lines=brooms,
        bought=[{"line": 0, "quantity": 10, "unit_price_fen": 1400}],
        days=("2020-08-10", "2020-08-11", "2020-08-12"), requester="teacher-g6", approver="manager-main",
        signers=[("vp-main", "2020-08-13T14:00:00+08:00")], settled_on="2020-09-02",
    )  # fmt: skip
    await purchase(
        w, campus="aoyuan", category="everyday", lines=brooms,
        bought=[{"line": 0, "quantity": 10, "unit_price_fen": 1400}],
        days=("2020-10-09", "2020-10-10", "2020-10-14"), requester="manager-aoyuan", approver="manager-both",
        signers=[("vp-aoyuan", "2020-10-16T14:00:00+08:00")],
    )  # fmt: skip

    # -- assets: registered by hand before and in the term; the purchases' projectors received
    # (a reaction), one registered in the term, one after it, one never
    desk = await register(w, "main", "301 六1班教室", "2020-09-05")
    old_desk = await register(w, "main", "301 六1班教室", "2020-08-20")
    aoyuan_desk = await register(w, "aoyuan", "101 一1班教室", "2020-09-05")
    await register_received(w, f"bought-{p2}-1-1", "303 新增教室", "2020-11-20")
    await register_received(w, f"bought-{p1}-2-1", "行政楼 302", "2021-02-10")
    damages: list[tuple[str, dict[str, Any]]] = [
        (desk, {"cause": "person", "by_kind": "class", "by_id": "g6-1", "on": "2020-10-12", "charge_fen": 5000}),
        (desk, {"cause": "person", "by_kind": "person", "by_id": "lin", "on": "2020-11-03", "charge_fen": 3000}),
        (desk, {"cause": "wear", "on": "2020-10-20"}),  # nobody's doing
        (old_desk, {"cause": "person", "by_kind": "class", "by_id": "g6-1", "on": "2020-08-25", "charge_fen": 2000}),
        (aoyuan_desk, {"cause": "person", "by_kind": "class", "by_id": "g1-1", "on": "2020-10-15", "charge_fen": 1000}),
    ]
    for asset_id, body in damages:
        await ok(w, f"/assets/{asset_id}/damage", body | {"description": "桌面划痕"}, as_="manager-both")
    charge = {"charge_id": uid("c"), "campus_id": "main", "against": "class", "against_id": "g6-1",
              "item_id": "broom", "quantity": 2, "reason": "折断笤帚", "at": "2020-11-16T16:00:00+08:00"}  # fmt: skip
    await ok(w, "/compensations", charge)  # 2 brooms at 15.00

    # -- stock: receipts before the term; quotas of the term; requisitions before and in it; an
    # old-for-new exchange; a stock-take before the term and one in it
    for campus, item, n in (
        ("main", "pen", 100),
        ("main", "gloves", 50),
        ("main", "broom", 20),
        ("aoyuan", "gloves", 20),
    ):
        receipt = {
            "campus_id": campus,
            "item_id": item,
            "quantity": n,
            "reason": "区里调拨",
            "at": "2020-08-20T10:00:00+08:00",
        }
        await ok(w, "/stock/receipts", receipt, as_="manager-both")
    for campus, item, n in (("main", "pen", 5), ("main", "gloves", 10), ("aoyuan", "gloves", 5)):
        quota = {"campus_id": campus, "department_id": "office", "item_id": item, "term_id": TERM, "quantity": n}
        await ok(w, "/quotas", quota, as_="manager-both")
    override = {"campus_id": "main", "department_id": "office", "item_id": "pen", "term_id": TERM,
                "override_id": uid("ov"), "extra": 3, "reason": "期末监考用笔"}  # fmt: skip
    await ok(w, "/quotas/overrides", override, as_="vp-main")
    pen, gloves = {"item_id": "pen", "quantity": 1}, {"item_id": "gloves", "quantity": 2}
    await ok(w, "/requisitions", requisition("main", "library", "2020-08-25T09:00:00+08:00", pen))
    before = {"stocktake_id": uid("st"), "campus_id": "main", "period": "monthly", "on": "2020-08-28"}
    await ok(w, "/stocktakes", before)
    count = {"item_id": "gloves", "counted": 49, "at": "2020-08-28T15:00:00+08:00"}
    await ok(w, f"/stocktakes/{before['stocktake_id']}/counts", count)
    await ok(w, f"/stocktakes/{before['stocktake_id']}/close", {"on": "2020-08-29"})
    over = requisition("main", "office", "2020-09-10T09:00:00+08:00", pen | {"quantity": 7}, gloves)
    await ok(w, "/requisitions", over | {"override_id": override["override_id"]})
    returned = {"item_id": "broom", "description": "笤帚 (断柄)", "condition": "broken", "outcome": "disposed"}
    exchange = {"item_id": "broom", "quantity": 1, "exchange": True, "returned": returned}
    await ok(w, "/requisitions", requisition("main", "cleaning", "2020-11-16T08:00:00+08:00", exchange))
    await ok(w, "/requisitions", requisition("aoyuan", "office", "2020-10-10T09:00:00+08:00", gloves), "manager-both")
    st = {"stocktake_id": uid("st"), "campus_id": "main", "period": "monthly", "on": "2020-11-30"}
    await ok(w, "/stocktakes", st)
    # pens: 100 - 1 - 7 = 92 on the book, 89 counted; gloves: 49 - 2 = 47 on the book, 48 counted
    for item, counted in (("pen", 89), ("gloves", 48)):
        count = {"item_id": item, "counted": counted, "at": "2020-11-30T15:00:00+08:00"}
        await ok(w, f"/stocktakes/{st['stocktake_id']}/counts", count, as_="guard-main")
    await ok(w, f"/stocktakes/{st['stocktake_id']}/close", {"on": "2020-12-01"})

    # -- keys: issued before the term (still out), in it (out, returned, lost, returned after it)
    await key(w, "main", "2020-08-25")
    await key(w, "main", "2020-09-01")
    await key(w, "main", "2020-09-02", returned="2020-10-01")
    await key(w, "main", "2020-09-03", lost="2020-11-01")
    await key(w, "main", "2020-12-01", returned="2021-02-05")
    await key(w, "aoyuan", "2020-09-01")

    # -- repairs: by a guard (verified: 25h10m), by a manager (done: 4h), by a guard before the
    # term and done in it (312h); by a cleaner on Aoyuan
    await repair(
        w, "main", "guard-main", "2020-10-12T07:50:00+08:00", "2020-10-12T15:30:00+08:00", "2020-10-13T09:00:00+08:00"
    )
    await repair(w, "main", "manager-main", "2020-11-02T08:00:00+08:00", "2020-11-02T12:00:00+08:00", None)
    await repair(w, "main", "guard-main", "2020-08-20T08:00:00+08:00", "2020-09-02T08:00:00+08:00", None)
    await repair(w, "aoyuan", "cleaner-aoyuan", "2020-10-20T09:00:00+08:00", None, None)
    return w


MAIN = InventoryFigures.model_validate(
    {
        "purchases": {
            "declared": 2,
            "approved": 2,
            "accepted": 2,
            "settled": 2,  # the one accepted in the term, and the one before it settled in it
            "daily_goods_accepted": 1,
            "daily_goods_acceptors": ["徐副校长"],
            "major_accepted": 1,
            "major_acceptors": ["验收组 钱老师", "验收组 孙老师"],
            "spend_fen": 1_062_000,  # 420.00 + 3400.00, and 2 × 3400.00 yuan
        },
        "stock": {
            "requisition_lists": 2,
            "requisition_lines": 3,
            "quota_items": 2,
            "over_quota": 1,  # 7 pens of a quota of 5 (with an override of 3)
            "stock_takes": 1,
            "variance_lines": 2,
            "net_variance": -2,
            "exchanges": 1,
            "compensation_charges": 3,  # two with the damages, one by hand
            "compensation_fen": 11_000,
        },
        "assets": {
            "registered": 3,
            "unregistered": 2,  # a projector registered after the term, one never
            "damage_by_class": [{"label": "六1班", "count": 2}],
        },
        "keys": {"issued": 4, "returned": 1, "outstanding": 3, "lost": 1},
        "repairs": {
            "reported": 2,
            "done": 3,
            "verified": 1,
            "median_turnaround_hours": 25.17,
            "by_reporter_role": [{"label": "guard", "count": 1}, {"label": "logistics_manager", "count": 1}],
        },
    }
)

AOYUAN = InventoryFigures.model_validate(
    {
        "purchases": {
            "declared": 1,
            "approved": 1,
            "accepted": 1,
            "daily_goods_accepted": 1,
            "daily_goods_acceptors": ["吴副校长"],
            "spend_fen": 14_000,
        },
        "stock": {
            "requisition_lists": 1,
            "requisition_lines": 1,
            "quota_items": 1,
            "compensation_charges": 1,
            "compensation_fen": 1_000,
        },
        "assets": {"registered": 1, "damage_by_class": [{"label": "一1班", "count": 1}]},
        "keys": {"issued": 1, "outstanding": 1},
        "repairs": {"reported": 1, "by_reporter_role": [{"label": "cleaner", "count": 1}]},
    }
)


async def figures(world: SchoolWorld, as_: str = "manager-main", **params: str) -> TermPart[InventoryFigures]:
    response = await world.get("/term-figures", as_=as_, school_id=SCHOOL_ID, term_id=TERM, **params)
    assert response.status_code == 200, response.text
    return TermPart[InventoryFigures].model_validate(response.json())


async def settled(
    world: SchoolWorld, as_: str, expected: InventoryFigures, **params: str
) -> TermPart[InventoryFigures]:
    """The figures once the projections have applied every act (they are read models)."""
    last: list[InventoryFigures] = []

    async def check() -> TermPart[InventoryFigures] | None:
        part = await figures(world, as_, **params)
        last[:] = [part.figures]
        return part if part.figures == expected else None

    try:
        found: TermPart[InventoryFigures] = await eventually(check, timeout=60, interval=0.5)
        return found
    except AssertionError:
        for part, wanted in expected.model_dump().items():  # shows the difference
            assert (part, last[0].model_dump()[part]) == (part, wanted)
        raise


async def test_a_campus_manager_reads_their_campus_term(term: SchoolWorld) -> None:
    part = await settled(term, "manager-main", MAIN)
    assert part.scope.campus_ids == ("main",) and not part.scope.whole_school
    assert (part.scope.term_id, part.scope.starts_on.isoformat(), part.scope.ends_on.isoformat()) == (
        TERM,
        "2020-09-01",
        "2021-01-31",
    )
    assert part.figures.purchases.spend_fen == 1_062_000
    assert part.figures.assets.damage_by_class == (Count(label="六1班", count=2),)
    mine = await settled(term, "manager-aoyuan", AOYUAN)
    assert mine.scope.campus_ids == ("aoyuan",)


async def test_the_school_reads_both_campuses_and_one_when_asked(term: SchoolWorld) -> None:
    await settled(term, "manager-main", MAIN)
    await settled(term, "manager-aoyuan", AOYUAN)  # the whole school's are both campuses': not only main's
    whole = await figures(term, "admin")
    assert whole.scope.whole_school and set(whole.scope.campus_ids) == {"main", "aoyuan"}
    f = whole.figures
    assert (f.purchases.declared, f.purchases.accepted, f.purchases.daily_goods_accepted) == (3, 3, 2)
    assert f.purchases.daily_goods_acceptors == ("徐副校长", "吴副校长")  # in the order they first accepted
    assert f.purchases.spend_fen == 1_076_000
    assert (f.stock.requisition_lists, f.stock.quota_items, f.stock.compensation_fen) == (3, 3, 12_000)
    assert f.assets.damage_by_class == (Count(label="六1班", count=2), Count(label="一1班", count=1))
    assert (f.keys.issued, f.keys.outstanding, f.repairs.reported) == (5, 4, 3)
    assert f.repairs.by_reporter_role == (
        Count(label="cleaner", count=1),
        Count(label="guard", count=1),
        Count(label="logistics_manager", count=1),
    )
    one = await figures(term, "admin", campus_id="main")
    assert one.scope.campus_ids == ("main",) and one.figures == MAIN
    both = await figures(term, "manager-both", campus_id="aoyuan")
    assert both.figures == AOYUAN


@pytest.mark.parametrize(
    ("as_", "params", "status"),
    [
        ("teacher-g6", {}, 403),  # a teacher reads no report
        ("parent-yao", {}, 403),
        ("other-admin", {}, 403),  # another district's admin
        ("manager-main", {"campus_id": "aoyuan"}, 403),  # a campus the manager does not serve
        ("manager-main", {"term_id": "2030-2031-1"}, 404),  # a term the school does not have
        ("manager-main", {"campus_id": "longhu-main"}, 404),  # a campus of another school
        ("admin", {"school_id": "longhu"}, 404),  # a school the service does not know
        ("manager-main", {"term_id": "x" * 501}, 422),
    ],
)
async def test_who_reads_which_term_and_campus(
    world: SchoolWorld, as_: str, params: dict[str, str], status: int
) -> None:
    query = {"school_id": SCHOOL_ID, "term_id": TERM} | params
    response = await world.get("/term-figures", as_=as_, **query)
    assert response.status_code == status, response.text
