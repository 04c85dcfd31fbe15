"""The monthly appraisal totals, from real events through the service's relay, Kafka and
projection: scores within the caps, the month's figures, rules, appraisers and pending work, a
correction after publication, closed appraisals left out, and a rebuild equal to the live tables."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.eventkit.auth import Role
from services.eventkit.projection import rebuild, schema_rows
from services.eventkit.store import EventStore
from services.hr_eval.events import DisputeOutcome
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS
from tests.hr_eval.appraisal_events import AppraisalMonth, applied
from tests.school import SchoolWorld

pytestmark = pytest.mark.asyncio(loop_scope="session")

S = APPRAISAL_TOTALS.schema


async def totals_of(world: SchoolWorld, month: str, as_: str = "manager-main", **params: Any) -> dict[str, Any]:
    response = await world.get("/appraisal-totals", as_=as_, campus_id="main", month=month, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def row(world: SchoolWorld, aid: str) -> dict[str, Any]:
    found = await world.service.pool.fetchrow(f"SELECT * FROM {S}.appraisals WHERE appraisal_id = $1", aid)
    assert found is not None
    return dict(found)


async def test_a_month_from_proposals_to_a_correction_after_publication(world: SchoolWorld) -> None:
    m = AppraisalMonth(EventStore(world.service.pool), "main", "2020-10")
    guard = await m.open("li-guard", "李师傅", Role.GUARD)
    tech = await m.open("wang-tech", "王师傅", Role.TECHNICIAN)
    late = await m.open("guard-new", "新保安", Role.GUARD, joined_on=date(2020, 10, 12))
    other = await m.open("guard-3", "赵师傅", Role.GUARD)
    gone = await m.open("clean-gone", "走了的阿姨", Role.CLEANER, left_on=date(2020, 10, 1))
    await m.close(gone)

    # The guard: three lateness deductions (12 points, the category's cap is 10) and a bonus.
    await m.item(guard, "i1", "D-1", -4, by="zhou", day=5, place="东门", note="7:40 到岗", evidence_refs=["p-1"])
    await m.item(guard, "i2", "D-1", -4, by="zhou", day=12)
    await m.item(guard, "i3", "D-1", -4, by="gu", day=19)
    await m.item(guard, "i4", "B-1", 3, by="gu", day=20)
    for item_id in ("i1", "i2", "i3"):
        await m.communicate(guard, item_id, day=21)
    await m.acknowledge(guard, "i1", day=22)
    await m.acknowledge(guard, "i3", day=22)
    await m.dispute(guard, "i2", day=22)
    # The technician: one deduction, told and not yet answered.
    await m.item(tech, "t1", "T-2", -5, by="zhou", day=8)
    await m.communicate(tech, "t1", day=9)
    # The other guard: a deduction withdrawn, another not yet told.
    await m.item(other, "o1", "T-9", -20, by="zhou", day=6)
    await m.withdraw(other, "o1", day=7)
    await m.item(other, "o2", "T-3", -15, by="zhou", day=14)
    await applied(world, m)

    guard_row = await row(world, guard)
    assert (guard_row["base"], guard_row["deductions"], guard_row["bonuses"], guard_row["total"]) == (100, 10, 3, 93)
    assert (guard_row["uncommunicated"], guard_row["disputed"], guard_row["item_count"]) == (0, 1, 4)
    assert (await row(world, other))["total"] == 85  # the withdrawn item does not count
    assert (await row(world, late))["part_month"] is True
    assert (await row(world, gone))["state"] == "closed"
    assert guard_row["opened_at"] == m.at(1, 8)  # the act's time, not the recording's

    totals = await totals_of(world, "2020-10")
    assert {k: totals[k] for k in ("appraised", "published", "finalised", "min", "max", "spread")} == {
        "appraised": 4,  # the closed appraisal is not counted
        "published": 0,
        "finalised": 0,
        "min": 85,
        "max": 100,
        "spread": 15,
    }
    assert totals["mean"] == 93.3  # (93 + 95 + 100 + 85) / 4 = 93.25
    assert totals["stddev"] == 5.4
    assert totals["below_threshold"] == 1
    assert (await totals_of(world, "2020-10", threshold=96))["below_threshold"] == 3
    assert [(r["rule_code"], r["items"], r["points"]) for r in totals["by_rule"]] == [
        ("D-1", 3, -12),
        ("T-3", 1, -15),
        ("T-2", 1, -5),
        ("B-1", 1, 3),
    ]
    assert totals["by_rule"][0]["rule_text"] == "迟到早退"
    assert totals["pending"] == {"uncommunicated": 1, "disputed": 1, "not_finalised": 4, "not_published": 4}
    assert [(w["staff_id"], w["total"], w["part_month"]) for w in totals["workers"]] == [
        ("guard-new", 100, True),
        ("wang-tech", 95, False),
        ("li-guard", 93, False),
        ("guard-3", 85, False),
    ]
    guards = await totals_of(world, "2020-10", role="guard")
    assert (guards["role"], guards["appraised"], guards["mean"]) == ("guard", 3, 92.7)

    # The dispute is resolved (reduced) by a manager other than the proposer; everything is told.
    await m.resolve(guard, "i2", DisputeOutcome.REDUCED, -2, by="gu")
    await m.communicate(other, "o2", day=15)
    await m.acknowledge(other, "o2", day=16)
    await applied(world, m)
    totals = await totals_of(world, "2020-10")
    assert totals["pending"] == {"uncommunicated": 0, "disputed": 0, "not_finalised": 4, "not_published": 4}
    assert (await row(world, guard))["total"] == 93  # 4 + 2 + 4 = 10: still the cap
    assert [
        (a["appraiser_id"], a["items"], a["points_given"], a["mean_total_of_appraised"]) for a in totals["appraisers"]
    ] == [
        ("gu", 2, -1, 93.0),
        ("zhou", 4, -26, 91.0),  # the guard (93), the technician (95), the other guard (85)
    ]

    # Finalised and published: one on its own, the month together.
    for aid in (guard, tech, late, other):
        await m.finalise(aid)
    await m.publish(guard)
    await m.publish_month([guard, tech, late, other])
    await applied(world, m)
    totals = await totals_of(world, "2020-10")
    assert (totals["published"], totals["finalised"]) == (4, 4)
    assert totals["pending"] == {"uncommunicated": 0, "disputed": 0, "not_finalised": 0, "not_published": 0}

    # A correction after publication: the technician's deduction taken back.
    await m.correct(tech, "t1", "T-2", 0)
    await applied(world, m)
    tech_row = await row(world, tech)
    assert (tech_row["total"], tech_row["published_total"], tech_row["corrected"], tech_row["corrections"]) == (
        100,
        95,
        True,
        1,
    )
    totals = await totals_of(world, "2020-10")
    line = next(w for w in totals["workers"] if w["staff_id"] == "wang-tech")
    assert (line["total"], line["corrected"], line["published"]) == (100, True, True)
    assert totals["mean"] == 94.5
    assert [r["rule_code"] for r in totals["by_rule"]] == ["D-1", "T-3", "B-1"]  # T-2 is worth nothing now

    # A rebuild from the store answers the same tables as the live projection.
    live = await schema_rows(world.service.pool, S)
    await rebuild(world.service.pool, EventStore(world.service.pool), APPRAISAL_TOTALS)
    assert await schema_rows(world.service.pool, S) == live
    assert len(live["appraisals"]) >= 5


async def test_a_month_published_before_its_appraisals_were_finalised_in_the_projection(world: SchoolWorld) -> None:
    """The month's publication is on a stream of its own: applied before an appraisal's
    finalisation, the appraisal is still published, at its final total."""
    m = AppraisalMonth(EventStore(world.service.pool), "main", "2020-11")
    guard = await m.open("li-guard", "李师傅", Role.GUARD)
    await m.item(guard, "i1", "T-2", -5)
    await m.communicate(guard, "i1")
    await m.acknowledge(guard, "i1")
    await m.item(guard, "i2", "D-1", -4, day=9)
    await m.withdraw(guard, "i2", day=10)
    await m.publish_month([guard], day=29)
    await m.finalise(guard, day=30)
    await applied(world, m)
    published = await row(world, guard)
    assert (published["state"], published["published_total"], published["total"]) == ("published", 95, 95)

    # A correction brings the withdrawn item back: it counts again.
    await m.correct(guard, "i2", "D-1", -4)
    await applied(world, m)
    corrected = await row(world, guard)
    assert (corrected["total"], corrected["published_total"], corrected["corrected"]) == (91, 95, True)
    status = await world.service.pool.fetchval(
        f"SELECT status FROM {S}.items WHERE item_id = 'i2' AND appraisal_id = $1", guard
    )
    assert status == "corrected"
