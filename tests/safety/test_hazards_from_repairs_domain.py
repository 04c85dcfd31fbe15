"""A hazard rectified by its verified in-house repair, and who may verify a fix, given / when / then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.eventkit.envelope import TenantPath
from services.safety.events import (
    HazardAssignedInHouse,
    HazardClosed,
    HazardEscalated,
    HazardRectified,
    HazardReopened,
    HazardReported,
    Severity,
)
from services.safety.hazards import Hazard, RectifyFromRepair, RectifyHazard, VerifyHazard
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 12, 0, 30, tzinfo=UTC)
T1 = datetime(2020, 10, 12, 1, 0, tzinfo=UTC)
T2 = datetime(2020, 10, 13, 2, 0, tzinfo=UTC)

REPORTED = HazardReported(
    hazard_id="h1",
    campus_id="main",
    area="本部 操场东侧",
    description="窨井盖下沉",
    severity=Severity.HIGH,
    reported_by="li-guard",
    reported_at=T0,
)
ASSIGNED = HazardAssignedInHouse(
    hazard_id="h1",
    campus_id="main",
    area="本部 操场东侧",
    description="窨井盖下沉",
    severity=Severity.HIGH,
    assignee_id="wang-tech",
    assigned_by="zhou",
    assigned_at=T1,
)
FROM_REPAIR = RectifyFromRepair(repair_id="hazard-h1", done_by="zhou", fixed_by=("wang-tech",), note="更换井盖")
BY_REPAIR = HazardRectified(
    hazard_id="h1",
    rectified_by="zhou",
    rectified_at=T2,
    note="更换井盖",
    repair_id="hazard-h1",
    fixed_by=["wang-tech"],
)

# the reaction's record: typed by the system, dated by the repair's verification
hazard = Stream(Hazard, MAIN, "h1", actor="safety.hazards-from-repairs", at=T2)


def test_a_verified_repair_rectifies_its_hazard_named_after_who_did_it() -> None:
    assert hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED]) == [BY_REPAIR]
    state = hazard.given(REPORTED, ASSIGNED, BY_REPAIR)
    assert state.rectified_by == "zhou" and state.fixers == ("wang-tech",)  # not the system that typed it


def test_the_same_repair_rectifies_once_even_after_the_hazard_was_reopened() -> None:
    assert hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, BY_REPAIR]) == []
    reopened = HazardReopened(hazard_id="h1", verified_by="gu", reopened_at=T2, reason="井盖仍松动")
    again = HazardAssignedInHouse(**(ASSIGNED.model_dump() | {"assigned_at": T2 + timedelta(hours=1)}))
    # the verification delivered again after a failed check and a new assignment: nothing new
    assert hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, BY_REPAIR, reopened, again]) == []


def test_a_hazard_rectified_by_hand_closed_or_reopened_is_left_alone() -> None:
    by_hand = HazardRectified(hazard_id="h1", rectified_by="wang-tech", rectified_at=T1)
    closed = HazardClosed(hazard_id="h1", verified_by="gu", closed_at=T2)
    reopened = HazardReopened(hazard_id="h1", verified_by="gu", reopened_at=T2, reason="仍松动")
    assert hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, by_hand]) == []
    assert hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, by_hand, closed]) == []
    assert hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, by_hand, reopened]) == []
    assert hazard.when(FROM_REPAIR, given=[REPORTED]) == []  # never assigned in-house: no repair of its own


def test_an_escalated_hazard_is_rectified_by_its_in_house_repair_unless_already_rectified() -> None:
    escalated = HazardEscalated(hazard_id="h1", authority="区教育局基建科", escalated_by="zhou", escalated_at=T1)
    (event,) = hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, escalated])
    assert isinstance(event, HazardRectified) and event.repair_id == "hazard-h1"
    by_hand = HazardRectified(hazard_id="h1", rectified_by="gu", rectified_at=T1)
    assert hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, escalated, by_hand]) == []


def test_rectified_no_earlier_than_the_hazards_latest_step() -> None:
    late = HazardEscalated(
        hazard_id="h1", authority="区教育局", escalated_by="zhou", escalated_at=T2 + timedelta(hours=2)
    )
    (event,) = hazard.when(FROM_REPAIR, given=[REPORTED, ASSIGNED, late])
    assert isinstance(event, HazardRectified) and event.rectified_at == T2 + timedelta(hours=2)


def test_whoever_did_the_repair_or_was_assigned_never_verifies_the_hazard() -> None:
    given = [REPORTED, ASSIGNED, BY_REPAIR]
    for fixer in ("zhou", "wang-tech"):  # the repair's doer, and the hazard's (and repair's) assignee
        hazard.refused(VerifyHazard(passed=True), given=given, actor=fixer, field="passed", match="own fix")
    assert hazard.when(VerifyHazard(passed=True), given=given, actor="gu") == [
        HazardClosed(hazard_id="h1", verified_by="gu", closed_at=T2)
    ]


def test_the_system_that_typed_the_rectification_is_not_its_fixer() -> None:
    # a manager signed in as whoever: only the fixers are kept from verifying, not the record's typist
    state = hazard.given(REPORTED, ASSIGNED, BY_REPAIR)
    assert "safety.hazards-from-repairs" not in (state.rectified_by, *state.fixers, state.assignee_id)


def test_a_fix_recorded_by_hand_is_not_verified_by_the_assignee_either() -> None:
    by_manager = hazard.when(RectifyHazard(at=T2), given=[REPORTED, ASSIGNED], actor="zhou")
    given = [REPORTED, ASSIGNED, *by_manager]
    hazard.refused(VerifyHazard(passed=True), given=given, actor="zhou", field="passed")
    hazard.refused(VerifyHazard(passed=True), given=given, actor="wang-tech", field="passed")  # the assignee
    assert hazard.when(VerifyHazard(passed=True), given=given, actor="gu")[0] == HazardClosed(
        hazard_id="h1", verified_by="gu", closed_at=T2
    )
