"""Drills (演练), given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.eventkit.envelope import TenantPath
from services.safety.drills import ConductDrill, Drill, DrillState, DrillStatus, PlanDrill, SummariseDrill
from services.safety.events import DrillConducted, DrillKind, DrillPlanned, DrillSummarised
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2020, 11, 9, 9, 0, tzinfo=UTC)

PLAN = PlanDrill(
    drill_id="fire-11",
    campus_id="main",
    kind=DrillKind.FIRE,
    title="119消防疏散演练",
    planned_on=date(2020, 11, 9),
    plan_ref="drills/2020-11/fire-plan.pdf",
)
PLANNED = DrillPlanned(
    drill_id="fire-11",
    campus_id="main",
    kind=DrillKind.FIRE,
    title="119消防疏散演练",
    planned_on=date(2020, 11, 9),
    plan_ref="drills/2020-11/fire-plan.pdf",
)
CONDUCT = ConductDrill(conducted_on=date(2020, 11, 9), participants=1260, evacuation_seconds=185, record_ref="rec.pdf")
CONDUCTED = DrillConducted(
    drill_id="fire-11",
    campus_id="main",
    kind=DrillKind.FIRE,
    conducted_on=date(2020, 11, 9),
    participants=1260,
    evacuation_seconds=185,
    record_ref="rec.pdf",
)
SUMMARISE = SummariseDrill(summary="3分05秒完成疏散", report_ref="https://mp.weixin.qq.com/s/fire")
SUMMARISED = DrillSummarised(
    drill_id="fire-11", summary="3分05秒完成疏散", report_ref="https://mp.weixin.qq.com/s/fire"
)


drill = Stream(Drill, MAIN, "fire-11", actor="zhou", at=AT)


def test_a_drill_goes_planned_conducted_summarised() -> None:
    assert drill.when(PLAN) == [PLANNED]
    assert drill.when(CONDUCT, given=[PLANNED]) == [CONDUCTED]
    assert drill.when(SUMMARISE, given=[PLANNED, CONDUCTED]) == [SUMMARISED]
    assert drill.given(PLANNED, CONDUCTED, SUMMARISED) == DrillState(DrillStatus.SUMMARISED, "main", DrillKind.FIRE)
    assert Drill.stream_id("fire-11") == "drill-fire-11"


def test_a_drill_is_planned_once() -> None:
    drill.refused(PLAN, given=[PLANNED], field="drill_id")


def test_a_plan_needs_its_document() -> None:
    with pytest.raises(ValidationError) as invalid:
        PlanDrill.model_validate(PLAN.model_dump() | {"plan_ref": ""})
    assert invalid.value.errors()[0]["loc"] == ("plan_ref",)


def test_a_drill_has_participants() -> None:
    with pytest.raises(ValidationError) as invalid:
        ConductDrill(conducted_on=date(2020, 11, 9), participants=0)
    assert invalid.value.errors()[0]["loc"] == ("participants",)


def test_only_a_planned_drill_is_conducted() -> None:
    drill.refused(CONDUCT, match="never planned")


def test_a_drill_is_conducted_once() -> None:
    drill.refused(CONDUCT, given=[PLANNED, CONDUCTED], match="already conducted")


def test_a_drill_not_conducted_is_not_summarised() -> None:
    drill.refused(SUMMARISE, given=[PLANNED], match="after it was conducted")


def test_a_drill_is_summarised_once() -> None:
    drill.refused(SUMMARISE, given=[PLANNED, CONDUCTED, SUMMARISED], match="already summarised")
    drill.refused(CONDUCT, given=[PLANNED, CONDUCTED, SUMMARISED])
