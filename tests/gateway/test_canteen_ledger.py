"""The canteen's food-safety ledger through the front door: ``Campus.canteen(date:)`` and
``Campus.canteen(weekOf:)`` answer the canteen service's day and week, a parent reads their
child's campus without names and is refused another, and exactly one of the two arguments is
required."""

from __future__ import annotations

from datetime import date, timedelta

from services.canteen.events import DinerKind, Meal
from services.eventkit.store import EventStore
from tests.canteen.ledger_events import Kitchen, applied, at
from tests.gateway.conftest import System
from tests.school import SchoolWorld

MON = date(2020, 10, 12)

LEDGER = """
query Ledger($campus: ID!, $date: Date, $weekOf: Date) {
  campus(campusId: $campus) {
    name
    canteen(date: $date, weekOf: $weekOf) {
      campusId on weekOf warningDays
      days { on dishesServed samplesRetained dishesWithoutSample correctiveActionsOpen leaderMeals samplesInFridge }
      totals { dishesServed correctiveActionsOpen daysServed daysWithLeaderMeal }
      visit { visitId parentName done reflectionPublished }
      certificates { kind number daysLeft staffName }
      fridge { sampleId dish held releasable releaseAfter }
      openActions { readingId unitName c10 daysOpen }
      workers { staffId name checks passed }
    }
  }
}
"""

PARENTS_LEDGER = """
query Ledger($campus: ID!, $date: Date, $weekOf: Date) {
  canteenLedger(campusId: $campus, date: $date, weekOf: $weekOf) {
    days { dishesServed }
    totals { dishesServed }
    visit { parentName done }
    certificates { kind staffName }
    workers { staffId }
  }
}
"""


async def test_the_ledger_of_a_day_and_a_week_through_the_gateway(system: System) -> None:
    canteen = system.services["canteen"]
    world = SchoolWorld(system.services["directory"], canteen, system.tokens)
    k = Kitchen(EventStore(canteen.pool), "main")
    await k.health_certificate("zhou", "JK-1", MON + timedelta(days=12), MON)
    await k.serve(MON, Meal.LUNCH, ["红烧肉", "炒青菜"])
    await k.sample("g-1", MON, Meal.LUNCH, "红烧肉")
    await k.unsampled(MON, Meal.LUNCH, "炒青菜")
    await k.unit("fridge-1", "1号冷藏柜", MON)
    await k.reading("fridge-1", "gr-1", 110, at(MON, 9))
    await k.accompany("gam-1", MON, "xu-vp", DinerKind.LEADER)
    await k.visit("gv-1", MON, MON + timedelta(days=2), "yao-mum", "姚妈妈")
    await k.visit_done("gv-1", MON + timedelta(days=2))
    await applied(world, k)

    body = await system.gql(LEDGER, campus="main", date=MON.isoformat())
    assert body.get("errors") is None, body
    day = body["data"]["campus"]["canteen"]
    assert (day["on"], day["weekOf"], day["warningDays"], day["totals"]) == ("2020-10-12", "2020-10-12", 30, None)
    assert day["days"] == [
        {
            "on": "2020-10-12",
            "dishesServed": 2,
            "samplesRetained": 1,
            "dishesWithoutSample": 1,
            "correctiveActionsOpen": 1,
            "leaderMeals": 1,
            "samplesInFridge": 1,
        }
    ]
    assert day["openActions"] == [{"readingId": "gr-1", "unitName": "1号冷藏柜", "c10": 110, "daysOpen": 0}]
    assert [(s["sampleId"], s["held"], s["releasable"]) for s in day["fridge"]] == [("g-1", False, False)]
    assert day["certificates"] == [{"kind": "health", "number": "JK-1", "daysLeft": 12, "staffName": "周主任"}]
    assert (day["visit"]["parentName"], day["visit"]["done"]) == ("姚妈妈", False)
    assert day["workers"] is not None

    body = await system.gql(LEDGER, campus="main", weekOf=MON.isoformat())
    assert body.get("errors") is None, body
    week = body["data"]["campus"]["canteen"]
    assert (week["on"], week["workers"], len(week["days"])) == (None, None, 7)
    assert week["totals"] == {"dishesServed": 2, "correctiveActionsOpen": 1, "daysServed": 1, "daysWithLeaderMeal": 1}
    assert week["visit"]["done"] is True

    # The same from the query's own field.
    body = await system.gql(PARENTS_LEDGER, campus="main", weekOf=MON.isoformat())
    assert body.get("errors") is None, body
    assert body["data"]["canteenLedger"]["totals"]["dishesServed"] == 2

    # A parent of a pupil of main reads main's (the directory's campus is for staff), without names;
    # Aoyuan's is refused.
    body = await system.gql(PARENTS_LEDGER, "parent-yao", campus="main", date=MON.isoformat())
    assert body.get("errors") is None, body
    seen = body["data"]["canteenLedger"]
    assert (seen["workers"], seen["visit"]["parentName"], seen["certificates"][0]["staffName"]) == (None, None, None)
    assert seen["days"][0]["dishesServed"] == 2
    body = await system.gql(PARENTS_LEDGER, "parent-yao", campus="aoyuan", date=MON.isoformat())
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["data"]["canteenLedger"] is None


async def test_exactly_one_of_a_day_and_a_week(system: System) -> None:
    for variables in ({}, {"date": MON.isoformat(), "weekOf": MON.isoformat()}):
        body = await system.gql(LEDGER, campus="main", **variables)
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "exactly one of date" in error["message"]
    body = await system.gql(LEDGER, campus="main", weekOf=(MON + timedelta(days=1)).isoformat())
    (error,) = body["errors"]
    assert (error["extensions"]["code"], "not a Monday" in error["message"]) == ("BAD_USER_INPUT", True)
