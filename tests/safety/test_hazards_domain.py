"""Hazards, given / when / then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import DomainEvent, TenantPath
from services.safety.events import (
    HazardAssignedInHouse,
    HazardClosed,
    HazardEscalated,
    HazardRectified,
    HazardReopened,
    HazardReported,
    Severity,
)
from services.safety.hazards import (
    AssignHazard,
    EscalateHazard,
    Hazard,
    RectifyHazard,
    ReportHazard,
    VerifyHazard,
)
from tests.deciders import Stream

AOYUAN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")
T0 = datetime(2020, 10, 12, 8, 30, tzinfo=UTC)
T1 = datetime(2020, 10, 13, 9, 0, tzinfo=UTC)

REPORTED = HazardReported(
    hazard_id="h1",
    campus_id="aoyuan",
    area="教学楼外墙",
    description="墙砖脱落",
    severity=Severity.HIGH,
    reported_by="shen",
    reported_at=T0,
)
ASSIGNED = HazardAssignedInHouse(
    hazard_id="h1",
    campus_id="aoyuan",
    area="教学楼外墙",
    description="墙砖脱落",
    severity=Severity.HIGH,
    assignee_id="wang-tech",
    assigned_by="shen",
    assigned_at=T1,
)
ESCALATED = HazardEscalated(hazard_id="h1", authority="区教育局基建科", escalated_by="shen", escalated_at=T1)
RECTIFIED = HazardRectified(hazard_id="h1", rectified_by="wang-tech", rectified_at=T1)

hazard = Stream(Hazard, AOYUAN, "h1", actor="shen", at=T1)


def test_a_report_becomes_a_hazard_with_its_reporter() -> None:
    cmd = ReportHazard(
        hazard_id="h1",
        campus_id="aoyuan",
        area="教学楼外墙",
        description="墙砖脱落",
        severity=Severity.HIGH,
        at=T0,
    )
    assert hazard.when(cmd) == [REPORTED]


def test_a_hazard_is_reported_once() -> None:
    cmd = ReportHazard(hazard_id="h1", campus_id="aoyuan", area="a", description="d", severity=Severity.LOW, at=T0)
    hazard.refused(cmd, given=[REPORTED], field="hazard_id")


def test_assigning_in_house_asks_for_a_repair_with_everything_a_repair_needs() -> None:
    (event,) = hazard.when(AssignHazard(assignee_id="wang-tech"), given=[REPORTED])
    assert event == ASSIGNED


def test_escalating_names_the_authority() -> None:
    assert hazard.when(EscalateHazard(authority="区教育局基建科"), given=[REPORTED]) == [ESCALATED]


def test_nothing_is_rectified_before_it_is_assigned_or_escalated() -> None:
    hazard.refused(RectifyHazard(at=T1), given=[REPORTED], actor="wang-tech")


@pytest.mark.parametrize("route", [ASSIGNED, ESCALATED])
def test_a_rectified_hazard_is_closed_by_someone_else(route: DomainEvent) -> None:
    assert hazard.when(RectifyHazard(at=T1), given=[REPORTED, route], actor="wang-tech") == [RECTIFIED]
    assert hazard.when(VerifyHazard(passed=True), given=[REPORTED, route, RECTIFIED], actor="shen") == [
        HazardClosed(hazard_id="h1", verified_by="shen", closed_at=T1)
    ]


def test_a_fixer_cannot_verify_their_own_fix() -> None:
    hazard.refused(VerifyHazard(passed=True), given=[REPORTED, ASSIGNED, RECTIFIED], actor="wang-tech", match="own fix")


def test_a_failed_verification_reopens_with_a_reason() -> None:
    rectified = [REPORTED, ASSIGNED, RECTIFIED]
    hazard.refused(VerifyHazard(passed=False), given=rectified, actor="shen", field="note")
    reopened = hazard.when(VerifyHazard(passed=False, note="仍有松动"), given=rectified, actor="shen")
    assert reopened == [HazardReopened(hazard_id="h1", verified_by="shen", reopened_at=T1, reason="仍有松动")]
    # and it can go round again
    again = [REPORTED, ASSIGNED, RECTIFIED, *reopened]
    assert hazard.when(AssignHazard(assignee_id="wang-tech"), given=again) == [ASSIGNED]


def test_verification_waits_for_a_rectification() -> None:
    hazard.refused(VerifyHazard(passed=True), given=[REPORTED, ASSIGNED])


@pytest.mark.parametrize(
    "command",
    [
        AssignHazard(assignee_id="wang-tech"),
        EscalateHazard(authority="区教育局"),
        RectifyHazard(at=T1),
        VerifyHazard(passed=True),
    ],
)
def test_a_closed_hazard_takes_nothing_more(command: Any) -> None:
    closed = [REPORTED, ASSIGNED, RECTIFIED, HazardClosed(hazard_id="h1", verified_by="shen", closed_at=T1)]
    hazard.refused(command, given=closed, actor="zhou", match="closed")


def test_nothing_happens_to_a_hazard_never_reported() -> None:
    hazard.refused(AssignHazard(assignee_id="wang-tech"))


def test_a_rectified_hazard_is_not_reassigned_before_verification() -> None:
    hazard.refused(AssignHazard(assignee_id="wang-tech"), given=[REPORTED, ASSIGNED, RECTIFIED])


@pytest.mark.parametrize(
    ("command", "given", "step"),
    [
        (AssignHazard(assignee_id="wang-tech", at=T0 - timedelta(minutes=1)), [REPORTED], "reported"),
        (EscalateHazard(authority="区教育局", at=T0 - timedelta(days=1)), [REPORTED], "reported"),
        (RectifyHazard(at=T1 - timedelta(seconds=1)), [REPORTED, ESCALATED], "escalated"),
        (VerifyHazard(passed=True, at=T0), [REPORTED, ESCALATED, RECTIFIED], "rectified"),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(command: Any, given: list[DomainEvent], step: str) -> None:
    refusal = hazard.refused(command, given=given, actor="zhou", field="at", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == step
    assert refusal.step_time == (T0 if step == "reported" else T1)


def test_a_past_step_is_recorded_at_its_own_time_not_when_it_was_typed() -> None:
    monday = T0 + timedelta(hours=2)
    (escalated,) = hazard.when(EscalateHazard(authority="区教育局", at=monday), given=[REPORTED], at=T1)
    assert isinstance(escalated, HazardEscalated) and escalated.escalated_at == monday
    (closed,) = hazard.when(VerifyHazard(passed=True), given=[REPORTED, ESCALATED, RECTIFIED], at=T1)
    assert isinstance(closed, HazardClosed) and closed.closed_at == T1  # no time given: when it arrived
