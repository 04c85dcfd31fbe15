"""Self-inspections (日管控、周排查、月调度), given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.canteen.events import Cadence, HazardFound, SelfInspectionRecorded
from services.canteen.self_inspection import (
    STANDARD_CHECKLISTS,
    RecordSelfInspection,
    SelfInspection,
    missing_items,
    period_of,
    self_inspection_id,
)
from services.eventkit.envelope import TenantPath
from services.safety.events import Severity, hazard_id_of_raising
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = "2020-10-15T16:30:00+08:00"  # a Thursday
DAY_ID = "main-daily-2020-10-15"
OK = {"ok": True}
inspection = Stream(SelfInspection, MAIN, DAY_ID, actor="jiang-cook")

SCREEN = {
    "item": "防蝇防鼠设施",
    "area": "粗加工间",
    "ok": False,
    "note": "北侧纱窗破损",
    "hazard": True,
    "severity": "medium",
}


def daily(*changed: dict[str, Any], **body: Any) -> dict[str, Any]:
    """A daily control covering the whole daily list (all passed), with ``changed`` results replacing theirs."""
    results = {c.item: {"item": c.item, "area": "后厨", "ok": True} for c in STANDARD_CHECKLISTS[Cadence.DAILY]}
    for result in changed:
        results[result["item"]] = result
    return {"campus_id": "main", "cadence": "daily", "at": AT, "results": list(results.values())} | body


def record(**body: Any) -> RecordSelfInspection:
    return RecordSelfInspection.model_validate(daily() | body)


def refusal_fields(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        RecordSelfInspection.model_validate(body)
    return [e["loc"] for e in caught.value.errors()]


def test_the_id_names_the_campus_the_cadence_and_the_period() -> None:
    day = date(2020, 10, 15)
    assert self_inspection_id("main", Cadence.DAILY, day) == "main-daily-2020-10-15"
    assert self_inspection_id("main", Cadence.WEEKLY, day) == "main-weekly-2020-10-12"
    assert self_inspection_id("main", Cadence.WEEKLY, date(2020, 10, 18)) == "main-weekly-2020-10-12"
    assert self_inspection_id("main", Cadence.MONTHLY, day) == "main-monthly-2020-10"
    assert period_of(Cadence.MONTHLY, date(2020, 10, 31)) == date(2020, 10, 1)


def test_a_daily_control_with_no_hazard_records_the_inspection_only() -> None:
    (event,) = inspection.when(RecordSelfInspection.model_validate(daily()))
    assert isinstance(event, SelfInspectionRecorded)
    assert event.inspection_id == DAY_ID and event.cadence is Cadence.DAILY and event.inspected_by == "jiang-cook"
    assert len(event.results) == len(STANDARD_CHECKLISTS[Cadence.DAILY])


def test_each_hazard_is_found_once_dated_by_the_inspection_and_naming_it() -> None:
    hose = {
        "item": "燃气管道",
        "area": "烹饪间",
        "ok": False,
        "note": "软管老化开裂",
        "hazard": True,
        "severity": "high",
    }
    fridge = {"item": "冰箱温度", "area": "冷藏间", "ok": False, "note": "2号冷藏柜 11 ℃"}  # failed, not a hazard
    recorded, screen, gas = inspection.when(RecordSelfInspection.model_validate(daily(SCREEN, hose, fridge)))
    assert isinstance(recorded, SelfInspectionRecorded)
    assert [r.ok for r in recorded.results].count(False) == 3
    assert isinstance(screen, HazardFound) and isinstance(gas, HazardFound)
    assert (screen.area, screen.description, screen.severity) == (
        "粗加工间",
        "防蝇防鼠设施：北侧纱窗破损",
        Severity.MEDIUM,
    )
    assert (gas.area, gas.description, gas.severity) == ("烹饪间", "燃气管道：软管老化开裂", Severity.HIGH)
    for found in (screen, gas):
        assert found.campus_id == "main" and found.source_ref == DAY_ID and found.raised_by == "jiang-cook"
        assert found.found_at == datetime(2020, 10, 15, 8, 30, tzinfo=UTC)


def test_a_second_inspection_of_the_period_is_refused() -> None:
    given = inspection.when(record())
    inspection.refused(record(at="2020-10-15T18:00:00+08:00"), given=given, field="cadence", match="already")


def test_an_inspection_filed_under_another_period_is_refused() -> None:
    inspection.refused(record(at="2020-10-16T08:00:00+08:00"), field="at", match="main-daily-2020-10-16")


def test_a_hazard_is_a_failed_item_with_a_severity() -> None:
    assert ("results", 4, "hazard") in refusal_fields(daily(SCREEN | {"ok": True}))
    assert ("results", 4, "severity") in refusal_fields(daily(SCREEN | {"severity": None}))
    not_a_hazard = {"item": "冰箱温度", "area": "冷藏间", "ok": False, "severity": "low"}
    assert ("results", 6, "severity") in refusal_fields(daily(not_a_hazard))


def test_a_daily_control_covers_every_item_of_the_daily_list() -> None:
    body = daily()
    body["results"] = [r for r in body["results"] if r["item"] not in ("留样", "燃气管道")]
    with pytest.raises(ValidationError) as caught:
        RecordSelfInspection.model_validate(body)
    (error,) = caught.value.errors()
    assert error["loc"] == ("results",) and "留样、燃气管道" in error["msg"]
    assert missing_items(Cadence.DAILY, [r["item"] for r in body["results"]]) == ["留样", "燃气管道"]


def test_an_item_is_given_once_per_area_but_may_be_checked_in_several() -> None:
    twice = daily()
    twice["results"].append({"item": "防蝇防鼠设施", "area": "仓库", "ok": True})
    assert len(RecordSelfInspection.model_validate(twice).results) == 8
    twice["results"].append({"item": "防蝇防鼠设施", "area": "仓库", "ok": False})
    assert refusal_fields(twice) == [("results",)]


def test_weekly_and_monthly_lists_are_guidance() -> None:
    weekly = RecordSelfInspection.model_validate(
        {
            "campus_id": "main",
            "cadence": "weekly",
            "at": AT,
            "results": [{"item": "消防器材", "area": "后厨", "ok": True}],
        }
    )
    (event,) = inspection.when(weekly, entity_id="main-weekly-2020-10-12")
    assert isinstance(event, SelfInspectionRecorded) and event.cadence is Cadence.WEEKLY
    assert "消防器材" not in missing_items(Cadence.WEEKLY, ["消防器材"])


def test_the_hazard_of_a_raising_event_is_named_by_the_event() -> None:
    one, other = "7f1c1f0e-2b53-4c8a-9d7e-3b1a2c4d5e6f", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    assert hazard_id_of_raising(one) == hazard_id_of_raising(one.upper())
    assert hazard_id_of_raising(one) != hazard_id_of_raising(other)
    assert hazard_id_of_raising(one).startswith("h-") and len(hazard_id_of_raising(one)) == 22
