"""The seed's term, replayed through the API: four injuries (one in PE, three at breaks or
activities) and a drill each month, a different kind each time (two in the term's last month);
then the summaries say so.

A module of its own, so that its service holds this term's facts and nothing else.
"""

from __future__ import annotations

from typing import Any

from services.eventkit.projection import rebuild
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.projections.safety_records import SAFETY_RECORDS
from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

INJURIES = [
    ("inj-pe", "lin", "pe", "2020-09-24T14:20:00+08:00", "跳远落地时扭伤右脚踝"),
    ("inj-break", "yao", "break", "2020-10-19T09:40:00+08:00", "课间追逐撞到门框, 额头擦伤"),
    ("inj-activity", "ma", "activity", "2020-11-12T15:30:00+08:00", "大课间跳绳绊倒, 手掌擦伤"),
    ("inj-break-2", "qin", "break", "2020-12-08T10:10:00+08:00", "下楼梯踩空, 膝盖擦伤"),
]
DRILLS = [
    ("epidemic", "2020-09-15", "新冠疫情防控应急演练"),
    ("infectious-disease", "2020-10-20", "学校传染病应急演练"),
    ("food-poisoning", "2020-11-17", "学校群体性食物中毒应急演练"),
    ("fire", "2020-12-09", "119消防演练"),
    ("school-bus", "2021-01-12", "校车安全演练"),
    ("gas-leak", "2021-01-26", "学校燃气泄漏应急演练"),
]
KINDS = ["epidemic", "infectious_disease", "food_poisoning", "fire", "school_bus", "gas_leak"]


async def test_the_terms_injuries_and_drills_add_up(world: SafetyWorld) -> None:
    for injury_id, student, setting, at, what in INJURIES:
        reported = await world.post(
            "/injuries",
            {
                "injury_id": injury_id,
                "student_id": student,
                "setting": setting,
                "at": at,
                "injury": what,
                "first_aid": "医务室处理",
            },
            as_="medical",
        )
        assert reported.status_code == 200, reported.text
    for slug, on, title in DRILLS:
        drill_id = f"{slug}-{on[:7]}"
        kind = slug.replace("-", "_")
        planned = await world.post(
            "/drills",
            {
                "drill_id": drill_id,
                "campus_id": "main",
                "kind": kind,
                "title": title,
                "planned_on": on,
                "plan_ref": f"drills/{drill_id}/plan.pdf",
                "at": f"{on}T08:00:00+08:00",
            },
        )
        assert planned.status_code == 200, planned.text
        conducted = await world.post(
            f"/drills/{drill_id}/conduct", {"on": on, "participants": 1200, "record_ref": "record.pdf"}
        )
        assert conducted.status_code == 200, conducted.text
        summarised = await world.post(f"/drills/{drill_id}/summarise", {"summary": "演练有序", "report_ref": "wx"})
        assert summarised.status_code == 200, summarised.text

    async def injury_summary() -> dict[str, Any] | None:
        response = await world.get("/injuries/summary", as_="admin", to="2021-01-31", **{"from": "2020-09-01"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["total"] == 4 else None

    summary = await eventually(injury_summary)
    assert summary["in_pe"] == 1 and summary["at_breaks_or_activities"] == 3
    assert summary["by_setting"] == {"pe": 1, "break": 2, "activity": 1, "other": 0}
    assert summary["open"] == 4 and summary["parent_not_told"] == 4
    main = (await world.get("/injuries/summary", campus_id="main", to="2021-01-31", **{"from": "2020-09-01"})).json()
    assert main["by_setting"] == {"pe": 1, "break": 1, "activity": 0, "other": 0}

    async def coverage() -> dict[str, Any] | None:
        response = await world.get("/drills/coverage", campus_id="main", to="2021-01-31", **{"from": "2020-09-01"})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["total"] == 6 else None

    c = await eventually(coverage)
    assert c["kinds_covered"] == KINDS and c["kinds_missing"] == [] and c["months_without_drill"] == []
    assert [(m["month"], m["kinds"]) for m in c["months"]] == [
        ("2020-09", ["epidemic"]),
        ("2020-10", ["infectious_disease"]),
        ("2020-11", ["food_poisoning"]),
        ("2020-12", ["fire"]),
        ("2021-01", ["school_bus", "gas_leak"]),
    ]
    for (slug, on, _), kind in zip(DRILLS, KINDS, strict=True):
        status = (await world.get("/inspection-status/main", month=on)).json()["drills"]
        of_the_month = sum(1 for _, day, _ in DRILLS if day[:7] == on[:7])
        assert status["by_kind"][kind] == 1 and status["total"] == of_the_month, (slug, status)

    async def all_summarised() -> list[dict[str, Any]] | None:
        listed: list[dict[str, Any]] = (await world.get("/drills", campus_id="main", limit=500)).json()["items"]
        return listed if all(d["status"] == "summarised" for d in listed) else None

    listed = await eventually(all_summarised)
    assert sorted(d["kind"] for d in listed) == sorted(KINDS)

    # replayed from the store, the records are the same
    # (injuries are the safety records' streams; drills the inspection status's)
    report = await rebuild(world.safety.pool, world.safety.runtime.store, SAFETY_RECORDS, batch_size=3)
    assert report.events + report.caught_up >= len(INJURIES)
    drills = await rebuild(world.safety.pool, world.safety.runtime.store, INSPECTION_STATUS, batch_size=3)
    assert drills.events + drills.caught_up >= 3 * len(DRILLS)
    again = await world.get("/injuries/summary", as_="admin", to="2021-01-31", **{"from": "2020-09-01"})
    assert again.json() == summary
