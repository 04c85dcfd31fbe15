"""The food-safety ledger's reads: a day, a week, who reads it (the campus's readers whole, a
parent of one of its pupils without any name, nobody else), and 422 for a bad day or week."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.canteen.events import DinerKind, Meal
from services.eventkit.store import EventStore
from tests.canteen.ledger_events import Kitchen, applied, at, ledger, ledger_week
from tests.school import SchoolWorld

pytestmark = pytest.mark.asyncio(loop_scope="session")

MON = date(2020, 11, 9)
TUE = MON + timedelta(days=1)


async def records(world: SchoolWorld) -> None:
    """The records the reads are tested on (written once per module's world)."""
    if await world.service.pool.fetchval("SELECT true FROM events WHERE stream_id = 'visit-mv-1' LIMIT 1"):
        return
    main = Kitchen(EventStore(world.service.pool), "main")
    await main.check("jiang-cook", MON, Meal.LUNCH, passed=False)
    await main.health_certificate("jiang-cook", "JK-3", MON + timedelta(days=10), MON)
    await main.serve(MON, Meal.LUNCH, ["宫保鸡丁", "炒青菜"])
    await main.sample("m-1", MON, Meal.LUNCH, "宫保鸡丁")
    await main.sample("m-2", MON, Meal.LUNCH, "炒青菜")
    await main.unit("fridge-1", "1号冷藏柜", MON)
    await main.reading("fridge-1", "mr-1", 110, at(MON, 9))
    await main.accompany("mam-1", TUE, "xu-vp", DinerKind.LEADER)
    await main.visit("mv-1", MON, TUE, "yao-mum", "姚妈妈")
    await main.visit_done("mv-1", TUE)
    aoyuan = Kitchen(EventStore(world.service.pool), "aoyuan")
    await aoyuan.serve(MON, Meal.LUNCH, ["红烧鱼"])
    await applied(world, main, aoyuan)


async def test_a_day_and_a_week(world: SchoolWorld) -> None:
    await records(world)
    day = await ledger(world, "main", MON)
    assert (day["on"], day["week_of"]) == ("2020-11-09", "2020-11-09")
    assert (day["workers_checked"], day["checks_failed"], day["stood_down"]) == (1, 1, 1)
    assert (day["dishes_served"], day["samples_retained"], day["corrective_actions_open"]) == (2, 2, 1)
    assert [s["sample_id"] for s in day["fridge"]] == ["m-1", "m-2"]
    assert [(c["kind"], c["staff_id"], c["staff_name"]) for c in day["certificates"]] == [
        ("health", "jiang-cook", "蒋师傅")
    ]
    assert day["visit"]["parent_name"] == "姚妈妈"
    assert [w["staff_id"] for w in day["workers"]] == ["han-canteen", "jiang-cook"]

    week = await ledger_week(world, "main", MON)
    assert (week["campus_id"], week["week_of"], len(week["days"])) == ("main", "2020-11-09", 7)
    assert [d["leader_meals"] for d in week["days"]] == [0, 1, 0, 0, 0, 0, 0]
    assert (week["totals"]["dishes_served"], week["totals"]["days_with_leader_meal"]) == (2, 1)
    assert week["visit"]["done"] is True
    assert "workers" not in week

    # The other campus's figures are its own.
    other = await ledger(world, "aoyuan", MON, as_="manager-aoyuan")
    assert (other["dishes_served"], other["samples_retained"], other["corrective_actions_open"]) == (1, 0, 0)
    # An overseer of the district and the canteen's own workers read it too.
    for reader in ("admin", "vp-main", "cook-main", "medical"):
        assert (await ledger(world, "main", MON, as_=reader))["dishes_served"] == 2, reader


async def test_a_parent_reads_their_childs_campus_without_names(world: SchoolWorld) -> None:
    await records(world)
    seen = await ledger(world, "main", MON, as_="parent-yao")
    assert (seen["dishes_served"], seen["stood_down"], seen["corrective_actions_open"]) == (2, 1, 1)
    assert seen["workers"] is None
    assert [(c["kind"], c["staff_id"], c["staff_name"]) for c in seen["certificates"]] == [("health", None, None)]
    assert seen["visit"]["parent_name"] is None
    week = await ledger_week(world, "main", MON, as_="parent-yao")
    assert week["visit"]["parent_name"] is None
    assert all(c["staff_name"] is None for c in week["certificates"])

    for path in (f"/ledger/aoyuan?on={MON}", f"/ledger/aoyuan/weeks/{MON}"):
        refused = await world.client.get(path, headers=world.tokens["parent-yao"])
        assert refused.status_code == 403, refused.text
    assert (await ledger(world, "aoyuan", MON, as_="parent-ma"))["dishes_served"] == 1
    assert (await world.get("/ledger/main", as_="parent-ma", on=MON.isoformat())).status_code == 403


async def test_out_of_scope_and_not_a_reader_are_refused(world: SchoolWorld) -> None:
    for who in ("manager-aoyuan", "other-admin", "cook-aoyuan", "guard-main", "teacher-g6"):
        day = await world.get("/ledger/main", as_=who, on=MON.isoformat())
        assert day.status_code == 403, (who, day.text)
        week = await world.client.get(f"/ledger/main/weeks/{MON}", headers=world.tokens[who])
        assert week.status_code == 403, (who, week.text)
    assert (await world.get("/ledger/nowhere", on=MON.isoformat())).status_code == 404


async def test_a_bad_day_or_week_is_422_naming_it(world: SchoolWorld) -> None:
    bad = await world.get("/ledger/main", on="2020-13-01")
    assert (bad.status_code, [d["field"] for d in bad.json()["detail"]]) == (422, ["query.on"])
    not_monday = await world.client.get(f"/ledger/main/weeks/{TUE}", headers=world.tokens["manager-main"])
    assert (not_monday.status_code, not_monday.json()["detail"][0]["field"]) == (422, "path.monday")
    not_a_day = await world.client.get("/ledger/main/weeks/next", headers=world.tokens["manager-main"])
    assert (not_a_day.status_code, [d["field"] for d in not_a_day.json()["detail"]]) == (422, ["path.monday"])
