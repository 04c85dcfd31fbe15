"""Drills (演练), given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.safety.drills import ConductDrill, Drill, DrillState, DrillStatus, PlanDrill, SummariseDrill
from services.safety.events import DrillConducted, DrillKind, DrillPlanned, DrillSummarised
from tests.deciders import Stream
from tests.safety.terms import TERM_FACTS

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2020, 11, 9, 9, 0, tzinfo=UTC)
PLANNED_AT = datetime(2020, 11, 2, 2, 0, tzinfo=UTC)  # the plan was made a week ahead

PLAN = PlanDrill(
    drill_id="fire-11",
    campus_id="main",
    kind=DrillKind.FIRE,
    title="119消防疏散演练",
    planned_on=date(2020, 11, 9),
    plan_ref="drills/2020-11/fire-plan.pdf",
    at=PLANNED_AT,
)
PLANNED = DrillPlanned(
    drill_id="fire-11",
    campus_id="main",
    kind=DrillKind.FIRE,
    title="119消防疏散演练",
    planned_on=date(2020, 11, 9),
    plan_ref="drills/2020-11/fire-plan.pdf",
    planned_at=PLANNED_AT,
)
CONDUCT = ConductDrill(on=date(2020, 11, 9), participants=1260, evacuation_seconds=185, record_ref="rec.pdf")
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


drill = Stream(Drill, MAIN, "fire-11", actor="zhou", at=AT, facts=TERM_FACTS)


def test_a_drill_goes_planned_conducted_summarised() -> None:
    assert drill.when(PLAN) == [PLANNED]
    assert drill.when(CONDUCT, given=[PLANNED]) == [CONDUCTED]
    assert drill.when(SUMMARISE, given=[PLANNED, CONDUCTED]) == [SUMMARISED]
    assert drill.given(PLANNED, CONDUCTED, SUMMARISED) == DrillState(
        DrillStatus.SUMMARISED, "main", DrillKind.FIRE, planned_at=PLANNED_AT, conducted_on=date(2020, 11, 9)
    )
    assert Drill.stream_id("fire-11") == "drill-fire-11"


def test_a_drill_is_planned_once() -> None:
    drill.refused(PLAN, given=[PLANNED], field="drill_id")


def test_a_plan_needs_its_document() -> None:
    with pytest.raises(ValidationError) as invalid:
        PlanDrill.model_validate(PLAN.model_dump() | {"plan_ref": ""})
    assert invalid.value.errors()[0]["loc"] == ("plan_ref",)


def test_a_drill_has_participants() -> None:
    with pytest.raises(ValidationError) as invalid:
        ConductDrill(on=date(2020, 11, 9), participants=0)
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


@pytest.mark.parametrize(
    ("command", "given", "field", "step", "step_time"),
    [
        (CONDUCT.model_copy(update={"on": date(2020, 11, 1)}), [PLANNED], "on", "planned", PLANNED_AT),
        (
            SUMMARISE.model_copy(update={"at": datetime(2020, 11, 8, 9, 0, tzinfo=UTC)}),
            [PLANNED, CONDUCTED],
            "at",
            "conducted",
            date(2020, 11, 9),
        ),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(
    command: Any, given: list[Any], field: str, step: str, step_time: object
) -> None:
    refusal = drill.refused(command, given=given, field=field, raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == step and refusal.step_time == step_time


@pytest.mark.parametrize(
    ("command", "given", "field", "step"),
    [
        (PLAN.model_copy(update={"planned_on": date(2021, 2, 10)}), [], "planned_on", "term ended"),
        (CONDUCT.model_copy(update={"on": date(2021, 2, 1)}), [PLANNED], "on", "term ended"),
    ],
)
def test_a_drill_is_planned_for_and_held_in_a_term(command: Any, given: list[Any], field: str, step: str) -> None:
    march = datetime(2021, 3, 1, tzinfo=UTC)
    refusal = drill.refused(command, given=given, at=march, field=field, raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == step and refusal.step_time == date(2021, 1, 31)
    drill.refused(command, given=given, at=march, facts={}, field=field, raises=OutOfOrder, match="no term")


def test_a_drill_held_last_month_is_dated_by_its_day() -> None:
    (conducted,) = drill.when(CONDUCT, given=[PLANNED], at=AT + timedelta(days=30))
    assert isinstance(conducted, DrillConducted) and conducted.conducted_on == date(2020, 11, 9)
    (planned,) = drill.when(PLAN.model_copy(update={"at": None}), at=AT)
    assert isinstance(planned, DrillPlanned) and planned.planned_at == AT  # no time given: when it arrived
