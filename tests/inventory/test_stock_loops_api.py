"""The loops of the inventory, on the running service: each count compared with the book at its
moment (issues before the count and between it and the closing), quotas of the term per
department, old for new with what was handed back, damage by class per month, a failed repair
verification and a refused disposal as events."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


TERM = "2020-2021-1"
RETURNED = {"description": "笤帚 (断柄)", "condition": "broken", "outcome": "disposed", "item_id": "broom"}


async def new_item(world: SchoolWorld, consumable: bool = True) -> str:
    item_id = uid("item")
    body = {
        "item_id": item_id,
        "school_id": "xuexiao",
        "name": item_id,
        "unit": "个",
        "category": "日常用品",
        "consumable": consumable,
        "unit_price_fen": 100,
        "reorder_point": 0,
        "at": "2020-08-17T09:00:00+08:00",
    }
    assert (await world.post("/items", body)).status_code == 200
    return item_id


async def receive(world: SchoolWorld, item: str, n: int, at: str, campus: str = "main") -> None:
    body = {"campus_id": campus, "item_id": item, "quantity": n, "reason": "区里调拨", "at": at}
    r = await world.post("/stock/receipts", body, as_="manager-both")
    assert r.status_code == 200, r.text


def requisition(item: str, n: int, at: str, campus: str = "main", dept: str = "office", **line: Any) -> dict[str, Any]:
    return {
        "requisition_id": uid("r"),
        "campus_id": campus,
        "department_id": dept,
        "recipient_kind": "person",
        "recipient_id": "huang",
        "term_id": TERM,
        "lines": [{"item_id": item, "quantity": n} | line],
        "at": at,
    }


async def stock_row(world: SchoolWorld, campus: str, item: str, **params: Any) -> dict[str, Any] | None:
    page = (await world.get("/stock", as_="manager-both", campus_id=campus, limit=500, **params)).json()
    return next((row for row in page["items"] if row["item_id"] == item), None)


async def test_each_count_is_compared_with_the_book_at_its_moment_issues_before_or_after_it(
    world: SchoolWorld,
) -> None:
    pens, brooms = await new_item(world), await new_item(world)
    await receive(world, pens, 20, "2020-10-12T10:00:00+08:00")
    await receive(world, brooms, 20, "2020-10-12T10:00:00+08:00")
    sid = uid("st")
    body = {"stocktake_id": sid, "campus_id": "main", "period": "monthly", "on": "2020-10-30"}
    assert (await world.post("/stocktakes", body)).status_code == 200
    # brooms: 5 issued at 14:00, before the count at 15:00 (13 on the shelf, 15 on the book)
    issued = await world.post("/requisitions", requisition(brooms, 5, "2020-10-30T14:00:00+08:00"))
    assert issued.status_code == 200, issued.text
    for item, counted in ((pens, 18), (brooms, 13)):
        count = {"item_id": item, "counted": counted, "at": "2020-10-30T15:00:00+08:00"}
        r = await world.post(f"/stocktakes/{sid}/counts", count, as_="guard-main")
        assert r.status_code == 200, r.text
    # pens: 5 issued at 16:00, after the count, before the closing: they stay issued
    issued = await world.post("/requisitions", requisition(pens, 5, "2020-10-30T16:00:00+08:00"))
    assert issued.status_code == 200, issued.text
    closed = await world.post(f"/stocktakes/{sid}/close", {"on": "2020-10-31"})
    assert closed.status_code == 200, closed.text

    adjusted = {
        r["data"]["item_id"]: r["data"]
        for r in await world.service.pool.fetch(
            "SELECT data FROM events WHERE type = 'inventory.StockAdjusted' AND data->>'stocktake_id' = $1", sid
        )
    }
    assert (adjusted[pens]["book"], adjusted[pens]["counted"], adjusted[pens]["delta"]) == (20, 18, -2)
    assert (adjusted[brooms]["book"], adjusted[brooms]["counted"], adjusted[brooms]["delta"]) == (15, 13, -2)

    async def settled() -> bool:
        p, b = await stock_row(world, "main", pens), await stock_row(world, "main", brooms)
        return bool(p and b and p["on_hand"] == 13 and b["on_hand"] == 13)

    await eventually(settled)  # 20 - 5 issued after the count - 2 short at the count; 20 - 5 - 2

    async def shown() -> dict[str, Any] | None:
        # the variances come from the stock streams' adjustments, which can arrive after the closing
        view = (await world.get(f"/stocktakes/{sid}")).json()
        adjusted = all(c["delta"] is not None for c in view.get("counts", []))
        return view if view.get("status") == "closed" and adjusted else None

    view = await eventually(shown)
    counts = {c["item_id"]: c for c in view["counts"]}
    assert (counts[pens]["book_at_count"], counts[pens]["difference"], counts[pens]["delta"]) == (20, -2, -2)
    assert (counts[brooms]["book_at_count"], counts[brooms]["difference"]) == (15, -2)
    assert counts[pens]["counted_at"].startswith("2020-10-30T07:00:00")
    history = (await world.get(f"/history/stocktake-{sid}")).json()
    assert any("against a book of 20 (-2)" in h["summary"] for h in history["items"]), history


async def test_a_closing_that_would_take_the_book_below_zero_is_refused_naming_the_count(world: SchoolWorld) -> None:
    gloves = await new_item(world)
    await receive(world, gloves, 10, "2020-10-12T10:00:00+08:00", campus="aoyuan")
    sid = uid("st")
    body = {"stocktake_id": sid, "campus_id": "aoyuan", "period": "monthly", "on": "2020-10-30"}
    assert (await world.post("/stocktakes", body, as_="manager-aoyuan")).status_code == 200
    count = {"item_id": gloves, "counted": 2, "at": "2020-10-30T15:00:00+08:00"}
    assert (await world.post(f"/stocktakes/{sid}/counts", count, as_="manager-aoyuan")).status_code == 200
    issued = await world.post(
        "/requisitions", requisition(gloves, 9, "2020-10-30T16:00:00+08:00", campus="aoyuan"), as_="manager-aoyuan"
    )
    assert issued.status_code == 200, issued.text

    before = await world.events()
    refused = await world.post(f"/stocktakes/{sid}/close", {"on": "2020-10-31"}, as_="manager-aoyuan")
    assert refused.status_code == 409 and refused.json()["field"] == f"counts.{gloves}", refused.text
    assert await world.events() == before
    # counted again after the issue: 1 on the shelf, 1 on the book
    recount = {"item_id": gloves, "counted": 1, "at": "2020-10-30T17:00:00+08:00"}
    assert (await world.post(f"/stocktakes/{sid}/counts", recount, as_="manager-aoyuan")).status_code == 200
    closed = await world.post(f"/stocktakes/{sid}/close", {"on": "2020-10-31"}, as_="manager-aoyuan")
    assert closed.status_code == 200 and closed.json()["events"] == ["inventory.StockTakeClosed"], closed.text


async def test_old_for_new_says_what_was_handed_back_or_is_a_422(world: SchoolWorld) -> None:
    brooms = await new_item(world)
    await receive(world, brooms, 10, "2020-10-12T10:00:00+08:00")
    quota = {"campus_id": "main", "department_id": "cleaning", "item_id": brooms, "term_id": TERM, "quantity": 0}
    assert (await world.post("/quotas", quota)).status_code == 200
    before = await world.events()
    bare = await world.post("/requisitions", requisition(brooms, 1, "2020-10-13T09:00:00+08:00", exchange=True))
    assert bare.status_code == 422, bare.text
    assert bare.json()["detail"] == [{"field": "lines.0.returned", "reason": bare.json()["detail"][0]["reason"]}]
    not_exchanged = requisition(brooms, 1, "2020-10-13T09:00:00+08:00", returned=RETURNED)
    wrong = await world.post("/requisitions", not_exchanged)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "lines.0.exchange", wrong.text
    bad_condition = requisition(
        brooms, 1, "2020-10-13T09:00:00+08:00", exchange=True, returned=RETURNED | {"condition": "lost"}
    )
    assert (await world.post("/requisitions", bad_condition)).status_code == 422
    assert await world.events() == before

    body = requisition(brooms, 1, "2020-10-13T09:00:00+08:00", dept="cleaning", exchange=True, returned=RETURNED)
    done = await world.post("/requisitions", body)
    assert done.status_code == 200, done.text  # a quota of 0, and old for new uses none
    issue = await world.service.pool.fetchval(
        "SELECT data FROM events WHERE type = 'inventory.StockIssued' AND data->>'requisition_id' = $1",
        body["requisition_id"],
    )
    assert issue["returned"] == RETURNED and issue["exchange"] is True
    listed = (await world.get(f"/requisitions/{body['requisition_id']}")).json()
    assert listed["lines"][0]["returned"] == RETURNED
    history = (await world.get(f"/history/stock-main-{brooms}")).json()
    assert any("handed back broken, disposed" in h["summary"] for h in history["items"]), history


async def test_quotas_per_term_and_department_with_what_is_left_and_the_terms_use_on_the_stock(
    world: SchoolWorld,
) -> None:
    pens = await new_item(world)
    await receive(world, pens, 100, "2020-09-01T10:00:00+08:00")
    for dept, term, n in (("office", TERM, 10), ("cleaning", TERM, 20), ("office", "2019-2020-2", 30)):
        body = {"campus_id": "main", "department_id": dept, "item_id": pens, "term_id": term, "quantity": n}
        assert (await world.post("/quotas", body)).status_code == 200
    override = {
        "campus_id": "main",
        "department_id": "office",
        "item_id": pens,
        "term_id": TERM,
        "override_id": uid("ov"),
        "extra": 5,
        "reason": "期末监考用笔",
    }
    assert (await world.post("/quotas/overrides", override, as_="vp-main")).status_code == 200
    assert (await world.post("/requisitions", requisition(pens, 4, "2020-10-12T14:00:00+08:00"))).status_code == 200

    async def quotas() -> dict[tuple[str, str], dict[str, Any]] | None:
        rows = (await world.get("/quotas", item_id=pens, current_term="true", as_of="2020-10-15")).json()["items"]
        by_key = {(r["department_id"], r["term_id"]): r for r in rows}
        # each department's quota is its own stream: the cleaning one can arrive after the office's use
        return by_key if any(r["used"] for r in rows) and ("cleaning", TERM) in by_key else None

    rows = await eventually(quotas)
    assert set(rows) == {("office", TERM), ("cleaning", TERM)}  # not last year's term
    office = rows[("office", TERM)]
    assert (office["quota"], office["overrides"], office["used"], office["left"], office["current"]) == (
        10,
        5,
        4,
        11,
        True,
    )
    assert office["term_name"] == "2020-2021 第一学期"

    async def every_quota() -> list[dict[str, Any]] | None:  # last year's quota is a stream of its own
        rows: list[dict[str, Any]] = (await world.get("/quotas", item_id=pens, as_of="2020-10-15")).json()["items"]
        return rows if any(r["term_id"] == "2019-2020-2" for r in rows) else None

    every_term = await eventually(every_quota)
    assert {(r["term_id"], r["current"]) for r in every_term} == {(TERM, True), ("2019-2020-2", False)}
    # the stock line joins the catalogue's item and the receipt, which can arrive after the quotas
    line = await eventually(lambda: stock_row(world, "main", pens, as_of="2020-10-15"))
    assert (line["quota"], line["quota_used"], line["term_id"]) == (30, 4, TERM)  # this term's, both departments
    summer = await stock_row(world, "main", pens, as_of="2020-08-20")  # between terms: no term's quota
    assert summer is not None and (summer["quota"], summer["quota_used"]) == (None, 0)


async def register(world: SchoolWorld, room: str) -> str:
    asset_id = uid("desk")
    body = {
        "asset_id": asset_id,
        "tag": asset_id.upper(),
        "campus_id": "main",
        "room": room,
        "description": "课桌椅 (新增教室)",
        "value_fen": 44000,
        "on": "2020-08-25",
    }
    assert (await world.post("/assets", body)).status_code == 200
    return asset_id


async def test_damage_to_assets_is_tallied_by_class_and_month_with_its_charges(world: SchoolWorld) -> None:
    desk1, desk2, desk3 = [await register(world, room) for room in ("301 六1班教室", "301 六1班教室", "302 六2班教室")]
    for asset_id, body in (
        (desk1, {"cause": "person", "by_kind": "class", "by_id": "g6-1", "on": "2020-10-12", "charge_fen": 5000}),
        (desk2, {"cause": "person", "by_kind": "person", "by_id": "lin", "on": "2020-10-20", "charge_fen": 3000}),
        (desk3, {"cause": "person", "by_kind": "person", "by_id": "yao", "on": "2020-11-05", "charge_fen": 2000}),
        (desk1, {"cause": "wear", "on": "2020-10-25"}),  # no class's doing
        (desk1, {"cause": "person", "by_kind": "class", "by_id": "g6-1", "on": "2020-11-03", "charge_fen": 1000}),
    ):
        r = await world.post(f"/assets/{asset_id}/damage", body | {"description": "桌面划痕"})
        assert r.status_code == 200, r.text
    charge = await world.service.pool.fetchval(
        "SELECT data->>'charge_id' FROM events WHERE type = 'inventory.CompensationCharged' AND data->>'asset_id' = $1 "
        "ORDER BY position LIMIT 1",
        desk1,
    )
    paid = await world.post(f"/compensations/{charge}/pay", {"on": "2020-10-14", "receipt_ref": "收据 001"})
    assert paid.status_code == 200, paid.text

    async def october() -> dict[str, dict[str, Any]] | None:
        rows = (await world.get("/damages/by-class", campus_id="main", month="2020-10")).json()["items"]
        by_class = {r["class_id"]: r for r in rows}
        g61 = by_class.get("g6-1")
        # each charge is a stream of its own: desk2's can arrive after desk1's payment
        settled = g61 and g61["damages"] == 2 and (g61["paid_fen"], g61["charged_fen"]) == (5000, 8000)
        return by_class if settled else None

    rows = await eventually(october)
    g61 = rows["g6-1"]
    assert (g61["assets"], g61["charged_fen"], g61["paid_fen"], g61["waived_fen"], g61["month"]) == (
        2,
        8000,
        5000,
        0,
        "2020-10",
    )
    assert set(rows) == {"g6-1"}

    async def november() -> list[dict[str, Any]] | None:  # desk1's and desk3's later damages and their charges
        rows: list[dict[str, Any]] = (await world.get("/damages/by-class", class_id="g6-1")).json()["items"]
        return rows if any((r["month"], r["damages"], r["charged_fen"]) == ("2020-11", 2, 3000) for r in rows) else None

    every = await eventually(november)
    assert [(r["month"], r["damages"], r["charged_fen"]) for r in every] == [("2020-10", 2, 8000), ("2020-11", 2, 3000)]
    bad = await world.get("/damages/by-class", month="2020-13")
    assert bad.status_code == 422
    assert (await world.get("/damages/by-class", as_="other-admin")).json()["items"] == []
    assert (await world.get("/damages/by-class", as_="parent-yao")).status_code == 403


async def test_a_failed_verification_is_an_event_and_sends_the_repair_back(world: SchoolWorld) -> None:
    rid = uid("lock")
    report = {"repair_id": rid, "campus_id": "main", "place": "本部 行政楼 301", "description": "门锁损坏",
              "at": "2020-10-12T07:50:00+08:00"}  # fmt: skip
    assert (await world.post("/repairs", report, as_="guard-main")).status_code == 200
    assign = {"assignee_id": "wang-tech", "at": "2020-10-12T08:30:00+08:00"}
    assert (await world.post(f"/repairs/{rid}/assign", assign)).status_code == 200
    done = {"at": "2020-10-12T15:30:00+08:00", "note": "更换门锁"}
    assert (await world.post(f"/repairs/{rid}/done", done, as_="tech-main")).status_code == 200

    before = await world.events()
    no_reason = await world.post(f"/repairs/{rid}/verify", {"passed": False, "at": "2020-10-13T09:00:00+08:00"})
    assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["field"] == "note"
    stale = {"passed": False, "note": "仍然关不严", "at": "2020-10-13T09:00:00+08:00", "expected_version": 1}
    assert (await world.post(f"/repairs/{rid}/verify", stale)).status_code == 409
    assert (await world.post(f"/repairs/{rid}/verify", stale, as_="manager-aoyuan")).status_code in (403, 404)
    assert await world.events() == before
    failed = await world.post(f"/repairs/{rid}/verify", stale | {"expected_version": 3})
    assert failed.status_code == 200 and failed.json()["events"] == ["inventory.RepairVerificationFailed"]

    async def back_to_its_assignee() -> dict[str, Any] | None:
        row = (await world.get(f"/repairs/{rid}")).json()
        return row if row.get("state") == "assigned" and row["failed_verifications"] == 1 else None

    row = await eventually(back_to_its_assignee)
    assert (row["failed_by"], row["failed_reason"], row["done_by"]) == ("zhou", "仍然关不严", None)
    again = {"at": "2020-10-13T11:00:00+08:00", "note": "调整门框"}
    assert (await world.post(f"/repairs/{rid}/done", again, as_="tech-main")).status_code == 200
    verified = await world.post(f"/repairs/{rid}/verify", {"at": "2020-10-13T14:00:00+08:00"})
    assert verified.json()["events"] == ["inventory.RepairVerified"]
    history = [h["summary"] for h in (await world.get(f"/history/repair-{rid}")).json()["items"]]
    assert "Failed its verification by zhou: 仍然关不严; to be done again" in history


async def test_a_refused_disposal_is_an_event_and_the_asset_stays_in_use(world: SchoolWorld) -> None:
    asset_id = await register(world, "303 新增教室")
    ask = {"reason": "桌面划痕严重", "on": "2020-12-01"}
    assert (await world.post(f"/assets/{asset_id}/disposal", ask)).status_code == 200
    before = await world.events()
    path = f"/assets/{asset_id}/disposal/refuse"
    assert (await world.post(path, {"reason": "", "on": "2020-12-02"}, as_="vp-main")).json()["detail"][0][
        "field"
    ] == "reason"
    assert (await world.post(path, {"reason": "还能修", "on": "2020-12-02"})).status_code == 403  # a manager
    stale = {"reason": "还能修", "on": "2020-12-02", "expected_version": 1}
    assert (await world.post(path, stale, as_="vp-main")).status_code == 409
    assert (await world.post(path, stale | {"expected_version": 2}, as_="vp-aoyuan")).status_code in (403, 404)
    assert (await world.post(path, stale | {"expected_version": 2}, as_="other-admin")).status_code in (403, 404)
    assert await world.events() == before
    refused = await world.post(path, stale | {"expected_version": 2}, as_="vp-main")
    assert refused.status_code == 200 and refused.json()["events"] == ["inventory.AssetDisposalRefused"]

    async def in_use() -> dict[str, Any] | None:
        row = (await world.get(f"/assets/{asset_id}")).json()
        return row if row.get("status") == "in_use" and row["disposal_refusals"] == 1 else None

    row = await eventually(in_use)
    assert (row["disposal_refused_by"], row["disposal_refusal_reason"]) == ("xu-vp", "还能修")
    history = [h["summary"] for h in (await world.get(f"/history/asset-{asset_id}")).json()["items"]]
    assert "Disposal refused by xu-vp: 还能修" in history
    # asked for again, it may be approved
    assert (await world.post(f"/assets/{asset_id}/disposal", ask | {"on": "2020-12-20"})).status_code == 200
