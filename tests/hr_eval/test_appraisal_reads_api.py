"""The reads of appraisals and of the monthly totals, through the service's API: each answers,
refuses a bad month naming it, and shows each caller only what they may read — a worker their
own appraisals and the published totals of others, another district's admin nothing."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio

from services.eventkit.auth import Role
from services.eventkit.store import EventStore
from tests.hr_eval.appraisal_events import AppraisalMonth, applied
from tests.school import SchoolWorld

pytestmark = pytest.mark.asyncio(loop_scope="session")

GUARD = "li-guard-2020-10"  # published
TECH = "wang-tech-2020-10"  # not published
CLEANER = "chen-clean-2020-10"  # on the other campus


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def month(world: SchoolWorld) -> AppraisalMonth:
    store = EventStore(world.service.pool)
    main = AppraisalMonth(store, "main", "2020-10")
    guard = await main.open("li-guard", "李师傅", Role.GUARD)
    tech = await main.open("wang-tech", "王师傅", Role.TECHNICIAN)
    await main.item(guard, "g1", "D-1", -4, place="东门岗亭", note="7:40 才到岗", evidence_refs=["photo-1"])
    await main.communicate(guard, "g1")
    await main.acknowledge(guard, "g1")
    await main.item(tech, "t1", "T-2", -5, place="配电房", note="巡检表未填")
    await main.finalise(guard)
    await main.publish(guard)
    september = AppraisalMonth(store, "main", "2020-09")
    earlier = await september.open("li-guard", "李师傅", Role.GUARD)
    await september.finalise(earlier)
    await september.publish(earlier)
    aoyuan = AppraisalMonth(store, "aoyuan", "2020-10")
    await aoyuan.open("chen-clean", "陈阿姨", Role.CLEANER)

    await applied(world, main, september, aoyuan)
    return main


async def ok(world: SchoolWorld, path: str, as_: str = "manager-main", **params: Any) -> Any:
    response = await world.get(path, as_=as_, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_totals_whole_for_an_appraiser(world: SchoolWorld, month: AppraisalMonth) -> None:
    totals = await ok(world, "/appraisal-totals", campus_id="main", month="2020-10")
    assert (totals["appraised"], totals["published"], totals["mean"], totals["role"]) == (2, 1, 95.5, None)
    assert totals["pending"] == {"uncommunicated": 1, "disputed": 0, "not_finalised": 1, "not_published": 1}
    assert [r["rule_code"] for r in totals["by_rule"]] == ["T-2", "D-1"]  # one each: most points first
    assert [a["appraiser_id"] for a in totals["appraisers"]] == ["zhou"]
    overseen = await ok(world, "/appraisal-totals", as_="vp-main", campus_id="main", month="2020-10")
    assert overseen == totals


async def test_a_worker_sees_only_published_totals(world: SchoolWorld, month: AppraisalMonth) -> None:
    for worker in ("tech-main", "guard-main"):
        totals = await ok(world, "/appraisal-totals", as_=worker, campus_id="main", month="2020-10")
        assert [w["appraisal_id"] for w in totals["workers"]] == [GUARD]  # not the technician's, unpublished
        assert (totals["appraised"], totals["mean"], totals["min"], totals["max"]) == (1, 96.0, 96, 96)
        assert (totals["by_rule"], totals["appraisers"], totals["pending"]) == ([], [], None)


async def test_the_totals_refused(world: SchoolWorld, month: AppraisalMonth) -> None:
    bad = await world.get("/appraisal-totals", campus_id="main", month="2020-13")
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["detail"]] == ["query.month"]
    role = await world.get("/appraisal-totals", campus_id="main", month="2020-10", role="teacher")
    assert (role.status_code, role.json()["detail"][0]["field"]) == (422, "query.role")
    for who, campus in (("other-admin", "main"), ("manager-main", "aoyuan"), ("cleaner-aoyuan", "main")):
        response = await world.get("/appraisal-totals", as_=who, campus_id=campus, month="2020-10")
        assert response.status_code == 404, (who, campus, response.text)
    unknown = await world.get("/appraisal-totals", campus_id="nowhere", month="2020-10")
    assert unknown.status_code == 404
    teacher = await world.get("/appraisal-totals", as_="teacher-g6", campus_id="main", month="2020-10")
    assert teacher.status_code == 403


async def test_the_list_of_appraisals(world: SchoolWorld, month: AppraisalMonth) -> None:
    page = await ok(world, "/appraisals", campus_id="main", month="2020-10", count="true")
    assert ([a["appraisal_id"] for a in page["items"]], page["total"]) == ([GUARD, TECH], 2)
    guard = page["items"][0]
    assert (guard["total"], guard["published"], guard["published_total"], guard["state"]) == (96, True, 96, "published")
    everyone = await ok(world, "/appraisals", as_="admin", month="2020-10")
    assert [a["appraisal_id"] for a in everyone["items"]] == [CLEANER, GUARD, TECH]
    assert [a["appraisal_id"] for a in (await ok(world, "/appraisals", staff_id="li-guard"))["items"]] == [
        "li-guard-2020-09",
        GUARD,
    ]
    filtered = await ok(world, "/appraisals", as_="admin", role="technician", state="opened")
    assert [a["appraisal_id"] for a in filtered["items"]] == [TECH]
    own = await ok(world, "/appraisals", as_="guard-main", month="2020-10")
    assert [a["appraisal_id"] for a in own["items"]] == [GUARD]
    assert (await ok(world, "/appraisals", as_="tech-main", staff_id="li-guard"))["items"] == []
    assert (await ok(world, "/appraisals", as_="other-admin", count="true"))["total"] == 0
    bad = await world.get("/appraisals", month="10-2020")
    assert (bad.status_code, [d["field"] for d in bad.json()["detail"]]) == (422, ["query.month"])


async def test_one_appraisal_with_its_items(world: SchoolWorld, month: AppraisalMonth) -> None:
    mine = await ok(world, f"/appraisals/{GUARD}", as_="guard-main")
    (item,) = mine["items"]
    assert (item["rule_code"], item["points"], item["status"], item["place"], item["evidence_refs"]) == (
        "D-1",
        -4,
        "acknowledged",
        "东门岗亭",
        ["photo-1"],
    )
    assert item["occurred_at"].startswith("2020-10-05T07:00")  # the act's time
    seen = await ok(world, f"/appraisals/{TECH}", as_="vp-main")
    assert [(i["item_id"], i["status"], i["note"]) for i in seen["items"]] == [("t1", "proposed", "巡检表未填")]
    for who, aid in (("tech-main", GUARD), ("guard-main", TECH), ("other-admin", GUARD), ("manager-aoyuan", GUARD)):
        response = await world.get(f"/appraisals/{aid}", as_=who)
        assert response.status_code == 404, (who, aid, response.text)
    assert (await world.get("/appraisals/nobody-2020-10")).status_code == 404


async def test_the_history_of_an_appraisal(world: SchoolWorld, month: AppraisalMonth) -> None:
    history = await ok(world, f"/appraisals/{GUARD}/history", as_="guard-main")
    assert [e["type"].split(".")[1] for e in history["items"]] == [
        "AppraisalOpened",
        "AppraisalItemProposed",
        "DeductionCommunicated",
        "DeductionAcknowledged",
        "AppraisalFinalised",
        "AppraisalPublished",
    ]
    assert history["items"][1]["summary"].startswith("D-1 -4 (DISC, patrol)")
    assert history["items"][0]["acted_at"].startswith("2020-10-01T08:00")
    for who in ("tech-main", "other-admin"):
        assert (await world.get(f"/appraisals/{GUARD}/history", as_=who)).status_code == 404
        stream = await world.get(f"/history/{AppraisalMonth.stream(GUARD)}", as_=who)
        assert stream.status_code == 404, (who, stream.text)
    assert (await world.get(f"/history/{AppraisalMonth.stream(TECH)}", as_="manager-main")).status_code == 200


async def test_a_workers_trend(world: SchoolWorld, month: AppraisalMonth) -> None:
    trend = await ok(
        world, "/workers/li-guard/appraisal-trend", as_="guard-main", from_month="2020-09", to_month="2021-01"
    )
    assert [(m["month"], m["total"], m["published"], m["corrected"]) for m in trend["months"]] == [
        ("2020-09", 100, True, False),
        ("2020-10", 96, True, False),
    ]
    assert (
        await ok(world, "/workers/li-guard/appraisal-trend", as_="vp-main", from_month="2020-10", to_month="2020-10")
    )["months"][0]["appraisal_id"] == GUARD
    other = await world.get(
        "/workers/li-guard/appraisal-trend", as_="tech-main", from_month="2020-09", to_month="2020-12"
    )
    assert other.status_code == 404
    nothing = await ok(
        world, "/workers/li-guard/appraisal-trend", as_="other-admin", from_month="2020-09", to_month="2020-12"
    )
    assert nothing["months"] == []
    bad = await world.get("/workers/li-guard/appraisal-trend", from_month="2020-9", to_month="2020-12")
    assert (bad.status_code, [d["field"] for d in bad.json()["detail"]]) == (422, ["query.from_month"])
    backwards = await world.get("/workers/li-guard/appraisal-trend", from_month="2020-12", to_month="2020-09")
    assert (backwards.status_code, backwards.json()["detail"][0]["field"]) == (422, "query.to_month")
