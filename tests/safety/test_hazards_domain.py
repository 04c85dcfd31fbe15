"""Hazards, given / when / then."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import Rejected
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


def when(
    given: Sequence[DomainEvent], command: Any, actor: str = "shen", facts: dict[str, str] | None = None
) -> list[DomainEvent]:
    state = Hazard.fold(given)
    return list(Hazard.decide(Resolved(command, AOYUAN, "h1", facts or {}, actor=actor, at=T1), state))


def test_a_report_becomes_a_hazard_with_its_reporter() -> None:
    cmd = ReportHazard(
        hazard_id="h1",
        campus_id="aoyuan",
        area="教学楼外墙",
        description="墙砖脱落",
        severity=Severity.HIGH,
        reported_at=T0,
    )
    assert when([], cmd) == [REPORTED]


def test_a_hazard_is_reported_once() -> None:
    cmd = ReportHazard(
        hazard_id="h1", campus_id="aoyuan", area="a", description="d", severity=Severity.LOW, reported_at=T0
    )
    with pytest.raises(Rejected) as err:
        when([REPORTED], cmd)
    assert err.value.field == "hazard_id"


def test_assigning_in_house_asks_for_a_repair_with_everything_a_repair_needs() -> None:
    (event,) = when([REPORTED], AssignHazard(assignee_id="wang-tech"))
    assert event == ASSIGNED


def test_escalating_names_the_authority() -> None:
    assert when([REPORTED], EscalateHazard(authority="区教育局基建科")) == [ESCALATED]


def test_nothing_is_rectified_before_it_is_assigned_or_escalated() -> None:
    with pytest.raises(Rejected):
        when([REPORTED], RectifyHazard(rectified_at=T1), actor="wang-tech")


@pytest.mark.parametrize("route", [ASSIGNED, ESCALATED])
def test_a_rectified_hazard_is_closed_by_someone_else(route: DomainEvent) -> None:
    assert when([REPORTED, route], RectifyHazard(rectified_at=T1), actor="wang-tech") == [RECTIFIED]
    assert when([REPORTED, route, RECTIFIED], VerifyHazard(passed=True), actor="shen") == [
        HazardClosed(hazard_id="h1", verified_by="shen", closed_at=T1)
    ]


def test_a_fixer_cannot_verify_their_own_fix() -> None:
    with pytest.raises(Rejected, match="own fix"):
        when([REPORTED, ASSIGNED, RECTIFIED], VerifyHazard(passed=True), actor="wang-tech")


def test_a_failed_verification_reopens_with_a_reason() -> None:
    with pytest.raises(Rejected) as err:
        when([REPORTED, ASSIGNED, RECTIFIED], VerifyHazard(passed=False), actor="shen")
    assert err.value.field == "note"
    reopened = when([REPORTED, ASSIGNED, RECTIFIED], VerifyHazard(passed=False, note="仍有松动"), actor="shen")
    assert reopened == [HazardReopened(hazard_id="h1", verified_by="shen", reopened_at=T1, reason="仍有松动")]
    # and it can go round again
    again = [REPORTED, ASSIGNED, RECTIFIED, *reopened]
    assert when(again, AssignHazard(assignee_id="wang-tech")) == [ASSIGNED]


def test_verification_waits_for_a_rectification() -> None:
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED], VerifyHazard(passed=True))


@pytest.mark.parametrize(
    "command",
    [
        AssignHazard(assignee_id="wang-tech"),
        EscalateHazard(authority="区教育局"),
        RectifyHazard(rectified_at=T1),
        VerifyHazard(passed=True),
    ],
)
def test_a_closed_hazard_takes_nothing_more(command: Any) -> None:
    closed = [REPORTED, ASSIGNED, RECTIFIED, HazardClosed(hazard_id="h1", verified_by="shen", closed_at=T1)]
    with pytest.raises(Rejected, match="closed"):
        when(closed, command, actor="zhou")


def test_nothing_happens_to_a_hazard_never_reported() -> None:
    with pytest.raises(Rejected):
        when([], AssignHazard(assignee_id="wang-tech"))


def test_a_rectified_hazard_is_not_reassigned_before_verification() -> None:
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, RECTIFIED], AssignHazard(assignee_id="wang-tech"))
