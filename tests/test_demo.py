"""The demo district loads through the real APIs and holds the seed's facts."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import uuid4

from demo import appraisals
from demo.loader import DemoLoader
from demo.school import SET_UP_AT, TERM_ENDS
from demo.timeline import acts_of, out_of_order
from services.directory.service import DIRECTORY
from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import SettingsFactory, eventually


async def test_the_demo_holds_the_semester_of_the_seed(make_settings: SettingsFactory, start_service: Any) -> None:
    ns = f"demo{uuid4().hex[:6]}"
    services = {
        d.name: await start_service(d, await make_settings(d.name, namespace_suffix=ns))
        for d in (DIRECTORY, SAFETY, INVENTORY, HR_EVAL)
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
    await the_term_s_appraisals_hold(services["hr_eval"].client, loader)

    # every stream of the demo reads true in time: each act at its own date in the term
    acts = [act for name, svc in services.items() for act in await acts_of(name, svc.pool)]
    assert len(acts) >= sent
    assert out_of_order(acts, window=(SET_UP_AT, TERM_ENDS)) == []


async def the_term_s_appraisals_hold(hr_eval: Any, loader: DemoLoader) -> None:
    """Four published months per campus with every worker's total as the data adds up, the
    rule book acknowledged by every worker, the dispute reduced by 顾主任, the correction after
    publishing, the serving-skill contest ranked and awarded, the district's prizes, the honour."""
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

    contest = (await hr_eval.get(f"/contests/{appraisals.SERVING_CONTEST}", headers=zhou)).json()
    assert contest["ranked"] and len(contest["scores"]) == 3 * len(appraisals.SERVING_SCORES)
    ranking = sorted(contest["ranking"], key=lambda r: r["rank"])
    assert [r["entrant_id"] for r in ranking] == appraisals.serving_ranking()
    awards = (await hr_eval.get("/awards", params={"school_id": "xuexiao"}, headers=zhou)).json()["items"]
    prizes = {(a["entrant_id"], a["prize"], a["bonus_rule_code"]) for a in awards if a["contest_id"]}
    assert prizes == set(appraisals.SERVING_PRIZES)
    district = {(a["title"], a["prize"], a["recipient_name"]) for a in awards if a["level"] == "district"}
    assert district == {
        ("新北区女教工跳绳踢毽比赛 团体一等奖", "first", "薛家实验小学女教工队"),
        ("新北区青年教师师德演讲比赛 一等奖", "first", "黄金萍"),
    }
    honours = (await hr_eval.get("/honours", params={"school_id": "xuexiao"}, headers=zhou)).json()["items"]
    assert [(h["title"], h["level"]) for h in honours] == [("常州市园林式单位", "city")]
