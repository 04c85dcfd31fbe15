"""The demo district loads through the real APIs and holds the seed's facts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from uuid import uuid4

from demo import appraisals, canteen, stock_and_damage
from demo import repairs_and_equipment as equipment
from demo.loader import DemoLoader
from demo.school import SET_UP_AT, TERM, TERM_ENDS
from demo.timeline import acts_of, out_of_order
from demo.watch_duty import WATCH
from services.canteen.service import CANTEEN
from services.directory.service import DIRECTORY
from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import SettingsFactory, eventually


async def test_the_demo_holds_the_semester_of_the_seed(make_settings: SettingsFactory, start_service: Any) -> None:
    ns = f"demo{uuid4().hex[:6]}"
    services = {
        d.name: await start_service(d, await make_settings(d.name, namespace_suffix=ns))
        for d in (DIRECTORY, SAFETY, INVENTORY, HR_EVAL, CANTEEN)
    }
    loader = DemoLoader({name: svc.client for name, svc in services.items()}, services["safety"].settings)
    assert not await loader.already_loaded()
    sent = await loader.load()
    assert sent > 200 and await loader.already_loaded()

    safety = services["safety"].client
    zhou = loader.token("zhou")

    async def summary() -> dict[str, Any] | None:
        body = (await safety.get("/injuries/summary", params={"campus_id": "main"}, headers=zhou)).json()
        return body if body.get("total") == 3 else None

    main_injuries = await eventually(summary, timeout=60)  # three on main, one on Aoyuan
    assert main_injuries["total"] == 3

    async def drills_done() -> bool:
        page = (await safety.get("/drills", params={"campus_id": "main"}, headers=zhou)).json()
        return {d["kind"] for d in page["items"] if d["status"] == "summarised"} == {
            "epidemic",
            "infectious_disease",
            "food_poisoning",
            "fire",
            "school_bus",
            "gas_leak",
        }

    await eventually(drills_done, timeout=60)
    gu = loader.token("gu")

    async def hazards_resolved() -> bool:
        items = (await safety.get("/hazards", params={"limit": 100}, headers=gu)).json()["items"]
        escalated = [h for h in items if h["escalated"]]
        return len(escalated) == 2 and all(h["status"] == "closed" for h in escalated)

    await eventually(hazards_resolved, timeout=60)
    inventory = services["inventory"].client

    async def keys_out() -> bool:
        page = (await inventory.get("/keys/outstanding", params={"campus_id": "main"}, headers=zhou)).json()
        return len(page["items"]) == 2

    await eventually(keys_out, timeout=60)
    await until_it_holds(lambda: the_term_s_inventory_holds(inventory, safety, loader))
    # after the months' totals, the acknowledgements, the correction, the awards and the honours: streams of their own
    await until_it_holds(lambda: the_term_s_appraisals_hold(services["hr_eval"].client, loader))
    await until_it_holds(
        lambda: the_term_s_canteen_holds(services["canteen"].client, services["hr_eval"].client, safety, loader)
    )

    # every stream of the demo reads true in time: each act at its own date in the term
    acts = [act for name, svc in services.items() for act in await acts_of(name, svc.pool)]
    assert len(acts) >= sent
    assert out_of_order(acts, window=(SET_UP_AT, TERM_ENDS)) == []
    await until_it_holds(lambda: the_term_s_safety_holds(safety, loader))


# -- the inventory's figures, read back from the running services -------------------------------


async def the_term_s_inventory_holds(inventory: Any, safety: Any, loader: DemoLoader) -> None:
    """The new classrooms' scratched desks tallied per class and month; the brooms after November's
    stock-take (those issued after the count stay issued); the old-for-new exchange with what was
    handed back; the term's quotas used and left; the classrooms' assets not all registered; the
    office keys never collected back; the hydrant door's hazard rectified by its verified repair."""
    zhou = loader.token("zhou")

    async def read(path: str, **params: Any) -> Any:
        response = await inventory.get(path, params=params, headers=zhou)
        assert response.status_code == 200, response.text
        return response.json()

    # damage per class (善真中队评比): 六1班 in October and November, 六2班 in October, 三3班 in November
    damages = (await read("/damages/by-class", campus_id="main"))["items"]
    assert {(d["class_id"], d["month"], d["damages"], d["assets"], d["charged_fen"]) for d in damages} == {
        ("g6-1", "2020-10", 1, 1, stock_and_damage.SCRATCH_CHARGE_FEN),
        ("g6-2", "2020-10", 1, 1, stock_and_damage.SCRATCH_CHARGE_FEN),
        ("g3-3", "2020-11", 1, 1, stock_and_damage.SCRATCH_CHARGE_FEN),
        ("g6-1", "2020-11", 1, 1, stock_and_damage.SCRATCH_CHARGE_FEN),
    }
    # each scratched desk is one of the purchase's, registered to the room it was bought for
    for asset_id, class_id, _, _ in stock_and_damage.DESK_SCRATCHES:
        desk = await read(f"/assets/{asset_id}")
        assert desk["room"] in equipment.ROOMS and desk["damaged"] and desk["item_id"] == "desk"
        assert class_id in {d["by_id"] for d in desk["damage_records"]}
        (registration,) = (await read("/asset-registration/assets", ids=asset_id))["items"]
        assert (registration["purchase_id"], registration["status"]) == (
            equipment.CLASSROOMS_PURCHASE,
            "registered",
        )
        assert registration["room"] == registration["for_room"] == desk["room"]

    # November's stock-take: 28 brooms counted against 29 on the book then; 2 issued after the count stay issued
    (brooms,) = [line for line in (await read("/stock", campus_id="main"))["items"] if line["item_id"] == "broom"]
    assert brooms["on_hand"] == stock_and_damage.BROOMS_AFTER_CLOSING == 26
    take = await read(f"/stocktakes/{stock_and_damage.STOCKTAKE}")
    (count,) = take["counts"]
    assert take["status"] == "closed"
    assert (count["counted"], count["book_at_count"], count["difference"]) == (stock_and_damage.BROOMS_COUNTED, 29, -1)

    # old for new: one broom given for a broken one, disposed of
    (exchange,) = (await read("/requisitions", ids=stock_and_damage.EXCHANGE))["items"]
    (line,) = exchange["lines"]
    assert (line["item_id"], line["quantity"], line["exchange"]) == ("broom", 1, True)
    assert line["returned"] == stock_and_damage.RETURNED

    # the term's quotas: the exchange used none, the two brooms issued after the count did
    quotas = (await read("/quotas", campus_id="main", term_id=TERM, as_of="2020-12-01", current_term="true"))["items"]
    assert {(q["department_id"], q["item_id"]): (q["quota"], q["used"], q["left"]) for q in quotas} == {
        ("office-cleaning", "broom"): (12, stock_and_damage.BROOMS_ISSUED_AFTER_COUNT, 10),
        ("office-cleaning", "gloves"): (40, 0, 40),
        ("office-teachers", "gloves"): (10, 0, 10),
        ("office-teachers", "pen"): (200, 20, 180),
    }

    # the new classrooms' registration not finished: 6-1's room complete, 302's and 303's desks waiting
    (figure,) = (await read("/asset-registration/campuses", campus_id="main"))["items"]
    assert (figure["registered"], figure["waiting"], figure["complete"]) == (
        73,
        equipment.DESKS_WAITING,
        False,
    )
    rooms = (await read("/asset-registration/rooms", campus_id="main", incomplete="true"))["items"]
    assert {r["room"]: r["waiting"] for r in rooms} == {
        equipment.ROOMS[1]: 20,
        equipment.ROOMS[2]: 30,
    }

    # the office keys, issued at the start of term, never collected back by its end
    keys = (await read("/keys/outstanding", campus_id="main", as_of=TERM_ENDS.isoformat()))["items"]
    assert {(k["key_id"], k["holder_id"]) for k in keys} == {("main-office-301", "huang"), ("main-office-302", "sun")}

    # the hydrant door: its repair verified in the inventory rectified the hazard in safety, closed by 顾主任
    repair = await read(f"/repairs/{equipment.HYDRANT_REPAIR}")
    assert (repair["state"], repair["hazard_id"], repair["done_by"], repair["verified_by"]) == (
        "verified",
        "main-hydrant-door",
        "wang-tech",
        "zhou",
    )
    hazard = (await safety.get("/hazards/main-hydrant-door", headers=zhou)).json()
    assert (hazard["status"], hazard["rectified_by"], hazard["verified_by"]) == ("closed", "wang-tech", "gu")


async def the_term_s_appraisals_hold(hr_eval: Any, loader: DemoLoader) -> None:
    """Four published months per campus with every worker's total as the data adds up, the
    rule book acknowledged by every worker, the dispute reduced by 顾主任, the correction after
    publishing, the district's prizes, the honour (the serving-skill contest: the canteen's)."""
    gu, zhou = loader.token("gu"), loader.token("zhou")
    workers = {
        campus: {w for w in appraisals.WORKERS if appraisals.home_campus(w) == campus} for campus in ("main", "aoyuan")
    }

    async def totals(campus: str, month: str) -> dict[str, Any] | None:
        response = await hr_eval.get("/appraisal-totals", params={"campus_id": campus, "month": month}, headers=gu)
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and body["published"] == len(workers[campus]) else None

    for campus in ("main", "aoyuan"):
        for month in appraisals.MONTHS:
            month_totals = await eventually(partial(totals, campus, month), timeout=60)
            assert month_totals["appraised"] == len(workers[campus])
            assert month_totals["pending"] == {
                "uncommunicated": 0,
                "disputed": 0,
                "not_finalised": 0,
                "not_published": 0,
            }
            got = {w["staff_id"]: w["total"] for w in month_totals["workers"]}
            assert got == {w: appraisals.expected_total(w, month) for w in workers[campus]}, (campus, month)
    september = await totals("main", "2020-09")
    assert september is not None
    uneven = next(r for r in september["by_rule"] if r["rule_code"] == "Q-1")
    assert uneven["items"] == 3  # 打菜不均匀, found at lunch on patrol
    assert next(w for w in september["workers"] if w["staff_id"] == "ding-canteen")["total"] == 94  # SERV capped at 6

    # a worker reads their own term month by month, and not a colleague's
    term = {"from_month": appraisals.MONTHS[0], "to_month": appraisals.MONTHS[-1]}
    ding = loader.token("ding-canteen")
    own = (await hr_eval.get("/workers/ding-canteen/appraisal-trend", params=term, headers=ding)).json()
    assert [(m["month"], m["total"], m["published"]) for m in own["months"]] == [
        (month, appraisals.expected_total("ding-canteen", month), True) for month in appraisals.MONTHS
    ]
    colleague = await hr_eval.get("/workers/han-canteen/appraisal-trend", params=term, headers=ding)
    assert colleague.status_code in (403, 404), colleague.text

    acknowledged = await hr_eval.get("/rule-books/xuexiao/versions/1/acknowledgements", headers=zhou)
    assert acknowledged.status_code == 200, acknowledged.text
    assert (acknowledged.json()["acknowledged_count"], acknowledged.json()["pending"]) == (len(appraisals.WORKERS), [])

    (dispute,) = appraisals.DISPUTES
    disputed = (await hr_eval.get(f"/appraisals/{dispute.staff_id}-{dispute.month}", headers=gu)).json()
    item = next(i for i in disputed["items"] if i["item_id"] == dispute.item_id)
    assert (item["outcome"], item["points"], item["proposed_points"], item["resolved_by"]) == ("reduced", -1, -3, "gu")

    exit_blocked = (await hr_eval.get("/appraisals/pan-clean-2020-11", headers=gu)).json()
    item = next(i for i in exit_blocked["items"] if i["item_id"] == "s-2-1128")  # the fire inspection named her
    assert (item["source"], item["source_ref"], item["points"]) == ("inspection", "fire-2020-11-aoyuan", -3)
    assert item["proposal_id"] and item["acknowledged_at"]

    (correction,) = appraisals.CORRECTIONS
    corrected = (await hr_eval.get(f"/appraisals/{correction.staff_id}-{correction.month}", headers=zhou)).json()
    assert corrected["corrected"] and (corrected["published_total"], corrected["total"]) == (97, 100)

    awards = (await hr_eval.get("/awards", params={"school_id": "xuexiao"}, headers=zhou)).json()["items"]
    district = {(a["title"], a["prize"], a["recipient_name"]) for a in awards if a["level"] == "district"}
    assert district == {
        ("新北区女教工跳绳踢毽比赛 团体一等奖", "first", "薛家实验小学女教工队"),
        ("新北区青年教师师德演讲比赛 一等奖", "first", "黄金萍"),
    }
    honours = (await hr_eval.get("/honours", params={"school_id": "xuexiao"}, headers=zhou)).json()["items"]
    assert [(h["title"], h["level"]) for h in honours] == [("常州市园林式单位", "city")]


async def until_it_holds(check: Callable[[], Awaitable[None]], timeout: float = 90) -> None:
    """``check``'s assertions, retried while the read models of several services catch up with
    the demo (each projection applies its streams in its own order); then once more, so that a
    real failure shows its own message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            await check()
            return
        except (AssertionError, KeyError, StopIteration, ValueError):
            await asyncio.sleep(1)
    await check()


async def the_term_s_canteen_holds(canteen_api: Any, hr_eval: Any, safety: Any, loader: DemoLoader) -> None:
    """Eighteen parent visits on each campus, all but one reflection published where the campus's
    parents read them; every dish sampled and every worker checked each day of the November
    weeks (冯阿姨 stood down once); the audits' and violations' proposals confirmed in the
    workers' months; the contest kept in the staff appraisal with its awards; the fly screen a
    hazard in safety."""
    parent_of = {"main": "yao-mum", "aoyuan": "ma-dad"}
    for campus in canteen.CAMPUSES:
        manager = loader.token(canteen.MANAGER[campus])

        async def visits(campus: str = campus, manager: dict[str, str] = manager) -> int | None:
            params = {"campus_id": campus, "count": "true", "limit": 1}
            body = (await canteen_api.get("/parent-visits", params=params, headers=manager)).json()
            return body.get("total") if body.get("total") == 18 else None

        assert await eventually(visits, timeout=60) == 18
        parent = loader.token(parent_of[campus])
        params = {"campus_id": campus, "limit": 100}
        wanted = {v.visit_id: v for v in canteen.VISITS if v.campus_id == campus and v.published}

        async def all_published(
            parent: dict[str, str] = parent, params: dict[str, Any] = params, wanted: frozenset[str] = frozenset(wanted)
        ) -> Any:  # the last reflections may reach the read model after the visits' count
            body = (await canteen_api.get("/parent-visits/published", params=params, headers=parent)).json()
            return body if {r["visit_id"] for r in body["items"]} == wanted else None

        published = await eventually(all_published, timeout=60)
        assert {r["visit_id"] for r in published["items"]} == set(wanted)
        assert all(r["text"] == wanted[r["visit_id"]].reflection for r in published["items"])
        assert {r["channel"] for r in published["items"]} == {canteen.CHANNEL}
        other = "aoyuan" if campus == "main" else "main"
        refused = await canteen_api.get("/parent-visits/published", params={"campus_id": other}, headers=parent)
        assert refused.status_code in (403, 404), refused.text

        for day in canteen.kitchen_days():
            params = {"campus_id": campus, "served_on": day.isoformat(), "count": "true", "limit": 1}
            kept = (await canteen_api.get("/food-samples", params=params, headers=manager)).json()
            assert kept["total"] == len(canteen.lunch(campus, day)), (campus, day)
            params = {"campus_id": campus, "on": day.isoformat(), "count": "true", "limit": 1}
            checked = (await canteen_api.get("/morning-checks", params=params, headers=manager)).json()
            expected = sum(1 for c in canteen.morning_checks() if (c.campus_id, c.day) == (campus, day))
            assert checked["total"] == expected, (campus, day)
    zhou = loader.token("zhou")
    params = {"campus_id": "main", "passed": "false", "limit": 10}
    failed = (await canteen_api.get("/morning-checks", params=params, headers=zhou)).json()["items"]
    assert [(c["staff_id"], c["checked_on"]) for c in failed] == [("feng-canteen", "2020-11-10")]

    gu = loader.token("gu")
    for a in canteen.AUDITS:
        for who in a.uneven():
            month = (await hr_eval.get(f"/appraisals/{who}-{a.when.strftime('%Y-%m')}", headers=gu)).json()
            item = next(i for i in month["items"] if i["source_ref"] == a.audit_id)
            assert (item["rule_code"], item["source"], item["points"]) == ("Q-1", "canteen_audit", -2)
            assert item["proposal_id"] and item["acknowledged_at"]
    for v in canteen.VIOLATIONS:
        month = (await hr_eval.get(f"/appraisals/{v.staff_id}-{v.when.strftime('%Y-%m')}", headers=gu)).json()
        item = next(i for i in month["items"] if i["source_ref"] == v.violation_id)
        assert item["rule_code"] == v.rule and item["proposal_id"]

    awards = (await hr_eval.get("/awards", params={"school_id": "xuexiao"}, headers=zhou)).json()["items"]
    from_contest = [a for a in awards if a["contest_id"]]
    assert {(a["entrant_id"], a["prize"], a["bonus_rule_code"]) for a in from_contest} == set(appraisals.SERVING_PRIZES)
    (contest_id,) = {a["contest_id"] for a in from_contest}
    contest = (await hr_eval.get(f"/contests/{contest_id}", headers=zhou)).json()
    assert contest["ranked"] and len(contest["scores"]) == 3 * len(appraisals.SERVING_SCORES)
    assert [
        r["entrant_id"] for r in sorted(contest["ranking"], key=lambda r: r["rank"])
    ] == appraisals.serving_ranking()
    assert {c["name"] for c in contest["criteria"]} == {"均匀度", "速度", "卫生规范"}

    async def fly_screen() -> list[Any] | None:
        items = (await safety.get("/hazards", params={"limit": 100}, headers=gu)).json()["items"]
        found = [h for h in items if "纱窗破损" in h["description"]]
        return found or None

    (hazard,) = await eventually(fly_screen, timeout=60)
    assert hazard["campus_id"] == "main"


# -- safety as the school keeps it, read back from the running safety service ---------------


async def the_term_s_safety_holds(safety: Any, loader: DemoLoader) -> None:
    """The watch on 姚同学 of 六1班 read by the safety office and refused to a teacher of another
    class; late or missing floor duty at 3 of the 4 injuries; the break injury in the blind
    corridor, its place on the injury itself; the term's parent communications by theme."""
    zhou, gu, zhu = loader.token("zhou"), loader.token("gu"), loader.token("zhu")

    async def read(path: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
        response = await safety.get(path, params=params, headers=headers)
        assert response.status_code == 200, (path, response.text)
        body: dict[str, Any] = response.json()
        return body

    watch = await read(f"/student-watches/{WATCH}", zhou)  # the safety office (周主任)
    assert (watch["student_name"], watch["class_id"], watch["status"]) == ("姚同学", "g6-1", "reviewed")
    assert len(watch["plan"]) == 4 and len(watch["notes_list"]) == 4
    refused = await safety.get(f"/student-watches/{WATCH}", headers=zhu)  # 朱老师 teaches another class
    assert refused.status_code == 403 and "姚" not in refused.text, refused.text
    assert WATCH not in str(await read("/student-watches", zhu))

    figure = await read("/floor-duty/injuries/summary", gu)
    assert (figure["duty_late_or_missing"], figure["injuries"]) == (3, 4), figure  # "3 of 4 injuries"
    assert figure["at_breaks_or_activities"] == 3 and figure["duty_on_time"] == 0

    coverage = await read("/camera-areas/incidents", zhou, campus_id="main")
    assert coverage["injuries"] == {"covered": 2, "uncovered": 1, "unplaced": 0}
    assert [(i["incident_id"], i["area_id"]) for i in coverage["uncovered"] if i["kind"] == "injury"] == [
        ("inj-2", "main-2f-east")
    ]
    in_the_corridor = await read("/injuries/inj-2", zhou)
    place = ("building", "floor", "break_period", "camera_area_id")
    assert tuple(in_the_corridor[k] for k in place) == ("teaching-a", 2, "morning_break", "main-2f-east")

    told = await read("/parent-communications/summary", zhou, campus_id="main", term_id="2020-2021-1")
    spoken_of = {t for t, n in told["by_theme"].items() if n["communications"]}
    assert spoken_of == {"drowning", "bullying", "fire", "mental_health"}  # the seed's four themes
    assert told["by_theme"]["drowning"] == {"communications": 1, "reached": 1180, "acknowledged": 1172}
    assert told["by_theme"]["mental_health"]["communications"] == 2  # a WeChat post and an expert talk
    assert told["total"]["communications"] == 4 and told["by_kind"]["letter"]["communications"] == 1
