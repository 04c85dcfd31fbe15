"""The food-safety ledger, from real events through the service's relay, Kafka and projection:
a week of a campus's records turned into each day's figures, corrective actions carried over
until closed (into the next week), samples in the fridge with their release times and holds,
certificates warned under the district's warning days, the week's parent visit, and a rebuild
equal to the live tables."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services.canteen.events import DinerKind, Meal
from services.canteen.projections.ledger import FOOD_SAFETY_LEDGER
from services.eventkit.days import school_today
from services.eventkit.projection import rebuild, schema_rows
from services.eventkit.store import EventStore
from tests.canteen.ledger_events import Kitchen, applied, at, ledger, ledger_week
from tests.school import SchoolWorld

pytestmark = pytest.mark.asyncio(loop_scope="session")

MON = date(2020, 10, 12)
TUE, WED, THU = (MON + timedelta(days=n) for n in (1, 2, 3))
NEXT_MON = MON + timedelta(days=7)

COUNTS = (
    "workers_checked",
    "checks",
    "checks_failed",
    "stood_down",
    "meals_served",
    "dishes_served",
    "samples_retained",
    "dishes_without_sample",
    "deliveries_received",
    "deliveries_signed",
    "delivery_lines",
    "lines_rejected",
    "pesticide_tests",
    "pesticide_failures",
    "temperature_readings",
    "temperatures_out_of_limit",
    "corrective_actions_taken",
    "corrective_actions_open",
    "leader_meals",
    "teacher_meals",
    "parent_meals",
    "samples_in_fridge",
)


def figures(day: dict[str, Any]) -> dict[str, int]:
    return {name: day[name] for name in COUNTS}


def zero(**changed: int) -> dict[str, int]:
    return {name: 0 for name in COUNTS} | changed


async def a_week_of_main(world: SchoolWorld) -> Kitchen:
    k = Kitchen(EventStore(world.service.pool), "main")
    # Monday: one worker passes, the other has a fever and is stood down.
    await k.check("jiang-cook", MON, Meal.LUNCH, passed=True)
    await k.check("han-canteen", MON, Meal.BREAKFAST, passed=False, hour=6)
    await k.health_certificate("jiang-cook", "JK-1", date(2020, 11, 1), MON)  # 20 days: warned
    await k.health_certificate("han-canteen", "JK-2", date(2021, 6, 1), MON)  # not warned
    # Lunch: three dishes, two sampled, one found without a sample.
    await k.serve(MON, Meal.LUNCH, ["红烧肉", "炒青菜", "番茄蛋汤"])
    await k.sample("s-1", MON, Meal.LUNCH, "红烧肉")
    await k.sample("s-2", MON, Meal.LUNCH, "炒青菜")
    await k.unsampled(MON, Meal.LUNCH, "番茄蛋汤")
    # A delivery of two lines: the greens fail the pesticide test and are rejected.
    await k.delivery("d-1", MON, licence_expires=date(2020, 11, 20), quarantine_expires=date(2020, 10, 30))
    # The fridge: one reading out of limits on Monday, another on Tuesday.
    await k.unit("fridge-2", "2号冷藏柜", MON)
    await k.reading("fridge-2", "r-1", 120, at(MON, 10))
    await k.reading("fridge-2", "r-2", 40, at(MON, 15))
    await k.reading("fridge-2", "r-3", 95, at(TUE, 10))
    # A leader eats with the pupils on Monday; the week's parent visit is on Wednesday.
    await k.accompany("am-1", MON, "xu-vp", DinerKind.LEADER)
    await k.visit("v-1", MON, WED, "yao-mum", "姚妈妈")
    # Wednesday: r-1 corrected, the worker cleared, the parent visits; s-1 disposed, s-2 held.
    await k.correct("fridge-2", "r-1", at(WED, 9))
    await k.clear("han-canteen", at(WED, 8))
    await k.visit_done("v-1", WED)
    await k.hold("s-2", at(WED, 10))
    await k.dispose("s-1", at(WED, 13))
    # Thursday: the reflection, published on Friday.
    await k.reflection("v-1", "yao-mum", THU, publish=True)
    await applied(world, k)
    return k


async def test_a_week_of_records_gives_each_days_figures(world: SchoolWorld) -> None:
    k = await a_week_of_main(world)

    mon = await ledger(world, "main", MON)
    assert figures(mon) == zero(
        workers_checked=2,
        checks=2,
        checks_failed=1,
        stood_down=1,
        meals_served=1,
        dishes_served=3,
        samples_retained=2,
        dishes_without_sample=1,
        deliveries_received=1,
        deliveries_signed=1,
        delivery_lines=2,
        lines_rejected=1,
        pesticide_tests=1,
        pesticide_failures=1,
        temperature_readings=2,
        temperatures_out_of_limit=1,
        corrective_actions_open=1,
        leader_meals=1,
        samples_in_fridge=2,
    )
    assert (mon["campus_id"], mon["on"], mon["week_of"], mon["warning_days"]) == (
        "main",
        "2020-10-12",
        "2020-10-12",
        30,
    )
    assert mon["canteen_workers"] == 2  # jiang-cook and han-canteen are main's canteen workers
    # The workers (staff see them): both were checked, one failed and is stood down.
    assert [(w["staff_id"], w["checks"], w["passed"], w["stood_down"]) for w in mon["workers"]] == [
        ("han-canteen", 1, False, True),
        ("jiang-cook", 1, True, False),
    ]
    # The week's visit, scheduled and not yet done.
    assert {k_: mon["visit"][k_] for k_ in ("visit_id", "visit_on", "parent_name", "done", "reflection_published")} == {
        "visit_id": "v-1",
        "visit_on": "2020-10-14",
        "parent_name": "姚妈妈",
        "done": False,
        "reflection_published": False,
    }

    # Tuesday: nothing served; r-1 is still open and r-3 joins it; the worker still stood down.
    tue = await ledger(world, "main", TUE)
    assert figures(tue) == zero(
        stood_down=1,
        temperature_readings=1,
        temperatures_out_of_limit=1,
        corrective_actions_open=2,
        samples_in_fridge=2,
    )
    assert [(a["reading_id"], a["c10"], a["unit_name"], a["days_open"]) for a in tue["open_actions"]] == [
        ("r-1", 120, "2号冷藏柜", 1),
        ("r-3", 95, "2号冷藏柜", 0),
    ]
    assert [(w["staff_id"], w["checks"], w["passed"], w["stood_down"]) for w in tue["workers"]] == [
        ("han-canteen", 0, None, True),
        ("jiang-cook", 0, None, False),
    ]

    # Wednesday: r-1 corrected (r-3 carries over), the worker cleared, the parent's lunch; s-1 disposed.
    wed = await ledger(world, "main", WED)
    assert figures(wed) == zero(
        corrective_actions_taken=1, corrective_actions_open=1, parent_meals=1, samples_in_fridge=1
    )
    assert [a["reading_id"] for a in wed["open_actions"]] == ["r-3"]

    # The next week: r-3 is still open, six days on.
    later = await ledger(world, "main", NEXT_MON)
    assert later["corrective_actions_open"] == 1
    assert [(a["reading_id"], a["days_open"]) for a in later["open_actions"]] == [("r-3", 6)]
    assert later["visit"] is None  # no visit scheduled that week
    await k.correct("fridge-2", "r-3", at(NEXT_MON, 9))
    await applied(world, k)
    assert (await ledger(world, "main", NEXT_MON))["corrective_actions_open"] == 0
    assert (await ledger(world, "main", NEXT_MON - timedelta(days=1)))["corrective_actions_open"] == 1

    # The week: the days' counts summed; what stands as of Sunday.
    week = await ledger_week(world, "main", MON)
    assert [d["on"] for d in week["days"]] == [(MON + timedelta(days=n)).isoformat() for n in range(7)]
    assert [d["corrective_actions_open"] for d in week["days"]] == [1, 2, 1, 1, 1, 1, 1]
    totals = week["totals"]
    assert {n: totals[n] for n in ("checks", "checks_failed", "temperatures_out_of_limit", "parent_meals")} == {
        "checks": 2,
        "checks_failed": 1,
        "temperatures_out_of_limit": 2,
        "parent_meals": 1,
    }
    assert (totals["corrective_actions_open"], totals["stood_down"], totals["samples_in_fridge"]) == (1, 0, 1)
    assert (totals["days_served"], totals["days_with_leader_meal"]) == (1, 1)
    assert week["visit"]["done"] is True
    assert week["visit"]["reflection_published"] is True
    assert week["visit"]["channel"] == "薛小家长微信群"


async def test_samples_in_the_fridge_and_when_each_may_be_released(world: SchoolWorld) -> None:
    k = Kitchen(EventStore(world.service.pool), "aoyuan")
    day = date(2020, 11, 2)
    release_1 = await k.sample("a-1", day, Meal.LUNCH, "清蒸鱼", hour=11)
    release_2 = await k.sample("a-2", day, Meal.DINNER, "炒土豆丝", hour=17)
    await k.hold("a-1", at(day + timedelta(days=2), 9))  # an investigation: a-1 kept past its time
    await applied(world, k)

    first = await ledger(world, "aoyuan", day, as_="manager-aoyuan")
    assert [(s["sample_id"], s["dish"], s["grams"], s["held"], s["releasable"]) for s in first["fridge"]] == [
        ("a-1", "清蒸鱼", 130, False, False),
        ("a-2", "炒土豆丝", 130, False, False),
    ]
    assert [s["release_after"] for s in first["fridge"]] == [
        release_1.isoformat().replace("+00:00", "Z"),
        release_2.isoformat().replace("+00:00", "Z"),
    ]
    # Two days later (as of the day's end) both are past their 48 hours, but a-1 is held.
    held = await ledger(world, "aoyuan", day + timedelta(days=2), as_="manager-aoyuan")
    assert [(s["sample_id"], s["held"], s["releasable"]) for s in held["fridge"]] == [
        ("a-1", True, False),
        ("a-2", False, True),
    ]
    assert held["samples_in_fridge"] == 2

    await k.dispose("a-2", at(day + timedelta(days=2), 18))
    await k.hold("a-1", at(day + timedelta(days=5), 9), lifted=True)
    await applied(world, k)
    assert [
        s["sample_id"] for s in (await ledger(world, "aoyuan", day + timedelta(days=2), as_="manager-aoyuan"))["fridge"]
    ] == ["a-1"]
    lifted = await ledger(world, "aoyuan", day + timedelta(days=5), as_="manager-aoyuan")
    assert [(s["sample_id"], s["held"], s["releasable"]) for s in lifted["fridge"]] == [("a-1", False, True)]
    # The first day is as it was: a disposal later does not change it.
    assert (await ledger(world, "aoyuan", day, as_="manager-aoyuan"))["samples_in_fridge"] == 2


async def test_certificates_warned_within_the_districts_warning_days(world: SchoolWorld) -> None:
    k = Kitchen(EventStore(world.service.pool), "aoyuan")
    day = date(2021, 3, 1)
    await k.health_certificate("yuan-cook", "JK-8", date(2021, 2, 20), day)  # expired 9 days ago
    await k.delivery("d-9", day, licence_expires=date(2021, 4, 10), quarantine_expires=date(2021, 3, 5))
    await applied(world, k)

    found = await ledger(world, "aoyuan", day, as_="manager-aoyuan")
    assert found["warning_days"] == 30
    assert [(c["kind"], c["number"], c["days_left"], c["staff_id"]) for c in found["certificates"]] == [
        ("health", "JK-8", -9, "yuan-cook"),
        ("quarantine", "Q-77", 4, None),
    ]
    assert found["certificates"][0]["staff_name"] == "袁师傅"
    assert (found["certificates"][1]["supplier_name"], found["certificates"][1]["item"]) == ("新鲜农贸", "猪肉")

    # The district warns 45 days ahead from March: the supplier's licence (40 days) is warned too;
    # a renewed health certificate replaces the expired one.
    await k.rules(date(2021, 3, 1), 45)
    await k.health_certificate("yuan-cook", "JK-10", date(2022, 2, 20), day)
    await applied(world, k)
    found = await ledger(world, "aoyuan", day, as_="manager-aoyuan")
    assert found["warning_days"] == 45
    assert [(c["kind"], c["number"], c["days_left"]) for c in found["certificates"]] == [
        ("quarantine", "Q-77", 4),
        ("supplier_licence", "JY-1", 40),
    ]
    assert (await ledger(world, "aoyuan", day - timedelta(days=1), as_="manager-aoyuan"))["warning_days"] == 30


async def test_the_canteen_workers_on_the_staff_and_a_rebuild(world: SchoolWorld) -> None:
    k = Kitchen(EventStore(world.service.pool), "main")
    today = school_today()
    await k.check("jiang-cook", today, Meal.BREAKFAST, passed=True, hour=0)
    await applied(world, k)
    found = await ledger(world, "main", today)
    assert (found["canteen_workers"], found["workers_checked"]) == (2, 1)  # jiang-cook and han-canteen on main
    assert [(w["staff_id"], w["name"], w["checks"], w["passed"]) for w in found["workers"]] == [
        ("han-canteen", "韩阿姨", 0, None),
        ("jiang-cook", "蒋师傅", 1, True),
    ]
    assert (await ledger(world, "aoyuan", today, as_="manager-aoyuan"))["canteen_workers"] == 1

    # A rebuild from the store answers the same tables as the live projection.
    live = await schema_rows(world.service.pool, FOOD_SAFETY_LEDGER.schema)
    await rebuild(world.service.pool, EventStore(world.service.pool), FOOD_SAFETY_LEDGER)
    assert await schema_rows(world.service.pool, FOOD_SAFETY_LEDGER.schema) == live
    assert len(live["morning_checks"]) >= 3
