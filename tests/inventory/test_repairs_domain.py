"""Repairs, given / when / then (reported ones, and those a hazard asks for)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import Rejected
from services.inventory.events import RepairAssigned, RepairDone, RepairReported, RepairSource, RepairVerified
from services.inventory.repairs import (
    AssignRepair,
    CompleteRepair,
    HazardAssignment,
    OpenRepairForHazard,
    ReassignForHazard,
    Repair,
    RepairStatus,
    ReportRepair,
    VerifyRepair,
    hazard_repair_id,
)

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 12, 8, 0, tzinfo=UTC)
T1 = datetime(2020, 10, 12, 9, 0, tzinfo=UTC)
T2 = datetime(2020, 10, 12, 15, 30, tzinfo=UTC)
T3 = datetime(2020, 10, 13, 8, 0, tzinfo=UTC)


def when(given: Sequence[DomainEvent], command: Any, actor: str = "zhou", at: datetime = T3) -> list[DomainEvent]:
    return list(Repair.decide(Resolved(command, MAIN, "r1", actor=actor, at=at), Repair.fold(given)))


REPORTED = RepairReported(
    repair_id="r1",
    campus_id="main",
    place="行政楼 301",
    description="门锁损坏",
    reported_by="li-guard",
    reported_at=T0,
)
ASSIGNED = RepairAssigned(repair_id="r1", assignee_id="wang-tech", assigned_by="zhou", assigned_at=T1)
DONE = RepairDone(repair_id="r1", done_by="wang-tech", done_at=T2, note="更换门锁")
VERIFIED = RepairVerified(repair_id="r1", verified_by="zhou", verified_at=T3)


def test_a_report_is_a_repair_request_from_its_reporter() -> None:
    cmd = ReportRepair(repair_id="r1", campus_id="main", place="行政楼 301", description="门锁损坏")
    assert when([], cmd, actor="li-guard", at=T0) == [REPORTED]
    with pytest.raises(Rejected) as twice:
        when([REPORTED], cmd, actor="li-guard")
    assert twice.value.field == "repair_id"


def test_ids_of_hazards_repairs_are_not_for_reports() -> None:
    with pytest.raises(ValidationError) as bad:
        ReportRepair(repair_id="hazard-h1", campus_id="main", place="p", description="d")
    assert [e["loc"] for e in bad.value.errors()] == [("repair_id",)]


def test_a_repair_goes_round_and_is_verified_by_someone_else() -> None:
    assert when([REPORTED], AssignRepair(assignee_id="wang-tech"), at=T1) == [ASSIGNED]
    assert when([REPORTED, ASSIGNED], CompleteRepair(done_at=T2, note="更换门锁"), actor="wang-tech") == [DONE]
    assert when([REPORTED, ASSIGNED, DONE], VerifyRepair()) == [VERIFIED]
    assert Repair.fold([REPORTED, ASSIGNED, DONE, VERIFIED]).status is RepairStatus.VERIFIED


def test_the_one_who_did_it_does_not_verify_it() -> None:
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, DONE], VerifyRepair(), actor="wang-tech")
    # recorded done by a manager for the assignee: neither of them verifies it
    by_manager = RepairDone(repair_id="r1", done_by="zhou", done_at=T2)
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, by_manager], VerifyRepair(), actor="zhou")
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, by_manager], VerifyRepair(), actor="wang-tech")
    assert when([REPORTED, ASSIGNED, by_manager], VerifyRepair(), actor="gu")[0] == RepairVerified(
        repair_id="r1", verified_by="gu", verified_at=T3
    )


def test_a_repair_is_assigned_before_it_is_done() -> None:
    with pytest.raises(Rejected):
        when([REPORTED], CompleteRepair(done_at=T2), actor="wang-tech")


def test_a_repair_is_done_before_it_is_verified() -> None:
    with pytest.raises(Rejected):
        when([REPORTED], VerifyRepair())
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED], VerifyRepair())
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, DONE, VERIFIED], VerifyRepair(), actor="gu")


def test_done_once_after_the_report_and_not_in_advance() -> None:
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, DONE], CompleteRepair(done_at=T2), actor="wang-tech")
    with pytest.raises(Rejected) as early:
        when([REPORTED, ASSIGNED], CompleteRepair(done_at=T0 - timedelta(hours=1)), actor="wang-tech")
    assert early.value.field == "done_at"
    with pytest.raises(Rejected) as ahead:
        when([REPORTED, ASSIGNED], CompleteRepair(done_at=T3 + timedelta(days=1)), actor="wang-tech")
    assert ahead.value.field == "done_at"


def test_nothing_is_done_to_a_repair_never_reported() -> None:
    for cmd in (AssignRepair(assignee_id="wang-tech"), CompleteRepair(done_at=T2), VerifyRepair()):
        with pytest.raises(Rejected):
            when([], cmd)


def test_reassigning_changes_hands_until_it_is_done() -> None:
    assert when([REPORTED, ASSIGNED], AssignRepair(assignee_id="wang-tech")) == []
    (moved,) = when([REPORTED, ASSIGNED], AssignRepair(assignee_id="li-guard"))
    assert isinstance(moved, RepairAssigned) and moved.assignee_id == "li-guard"
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, DONE], AssignRepair(assignee_id="li-guard"))
    with pytest.raises(Rejected):
        when([REPORTED, ASSIGNED, DONE, VERIFIED], AssignRepair(assignee_id="li-guard"))


# -- from a hazard -------------------------------------------------------------------------

HAZARD_REPAIR = OpenRepairForHazard(
    hazard_id="h1",
    campus_id="main",
    place="操场",
    description="窨井盖下沉",
    assignee_id="wang-tech",
    reported_by="zhou",
    reported_at=T1,
)
FROM_HAZARD = RepairReported(
    repair_id="r1",
    campus_id="main",
    place="操场",
    description="窨井盖下沉",
    reported_by="zhou",
    reported_at=T1,
    source=RepairSource.HAZARD,
    hazard_id="h1",
    assignee_id="wang-tech",
)


def test_a_hazard_opens_a_repair_already_assigned_and_only_one() -> None:
    assert when([], HAZARD_REPAIR, actor="houqin-inventory") == [FROM_HAZARD]
    state = Repair.fold([FROM_HAZARD])
    assert state.status is RepairStatus.ASSIGNED and state.assignee_id == "wang-tech"
    with pytest.raises(Rejected):
        when([FROM_HAZARD], HAZARD_REPAIR, actor="houqin-inventory")
    # it is done straight away by its assignee
    (done,) = when([FROM_HAZARD], CompleteRepair(done_at=T2), actor="wang-tech")
    assert isinstance(done, RepairDone)


def test_a_hazard_assigned_again_moves_its_open_repair_and_leaves_a_done_one_alone() -> None:
    same = ReassignForHazard(assignee_id="wang-tech", assigned_by="zhou", assigned_at=T2)
    other = ReassignForHazard(assignee_id="li-guard", assigned_by="zhou", assigned_at=T2)
    assert when([FROM_HAZARD], same) == []
    assert when([FROM_HAZARD], other) == [
        RepairAssigned(repair_id="r1", assignee_id="li-guard", assigned_by="zhou", assigned_at=T2)
    ]
    done = RepairDone(repair_id="r1", done_by="wang-tech", done_at=T2)
    assert when([FROM_HAZARD, done], other) == []
    assert when([FROM_HAZARD, done, VERIFIED], other) == []


def test_the_hazards_payload_is_read_by_name_ignoring_what_is_not_needed() -> None:
    payload = {
        "hazard_id": "h1",
        "campus_id": "main",
        "area": "操场",
        "description": "窨井盖下沉",
        "severity": "high",
        "assignee_id": "wang-tech",
        "assigned_by": "zhou",
        "assigned_at": "2020-10-12T09:00:00+00:00",
        "due_on": None,
        "something_new": 1,
    }
    hazard = HazardAssignment.model_validate(payload)
    assert hazard.area == "操场" and hazard.assigned_at == T1
    assert hazard_repair_id(hazard.hazard_id) == "hazard-h1"


@pytest.mark.parametrize("model", [ReportRepair, AssignRepair, CompleteRepair, VerifyRepair])
def test_every_example_is_a_valid_command(model: Any) -> None:
    examples = model.model_config["json_schema_extra"]["examples"]
    assert examples
    for example in examples:
        model.model_validate(example)
