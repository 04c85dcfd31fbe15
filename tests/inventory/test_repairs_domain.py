"""Repairs, given / when / then (reported ones, and those a hazard asks for)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import InTheFuture, OutOfOrder
from services.eventkit.envelope import TenantPath
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
from tests.deciders import Stream, resolved

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 12, 8, 0, tzinfo=UTC)
T1 = datetime(2020, 10, 12, 9, 0, tzinfo=UTC)
T2 = datetime(2020, 10, 12, 15, 30, tzinfo=UTC)
T3 = datetime(2020, 10, 13, 8, 0, tzinfo=UTC)


repair = Stream(Repair, MAIN, "r1", actor="zhou", at=T3)


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
VERIFIED = RepairVerified(
    repair_id="r1",
    verified_by="zhou",
    verified_at=T3,
    campus_id="main",
    done_by="wang-tech",
    done_at=T2,
    assignee_id="wang-tech",
    note="更换门锁",
)


def test_a_report_is_a_repair_request_from_its_reporter() -> None:
    cmd = ReportRepair(repair_id="r1", campus_id="main", place="行政楼 301", description="门锁损坏")
    assert repair.when(cmd, actor="li-guard", at=T0) == [REPORTED]
    repair.refused(cmd, given=[REPORTED], actor="li-guard", field="repair_id")


def test_ids_of_hazards_repairs_are_not_for_reports() -> None:
    with pytest.raises(ValidationError) as bad:
        ReportRepair(repair_id="hazard-h1", campus_id="main", place="p", description="d")
    assert [e["loc"] for e in bad.value.errors()] == [("repair_id",)]


def test_a_repair_goes_round_and_is_verified_by_someone_else() -> None:
    assert repair.when(AssignRepair(assignee_id="wang-tech"), given=[REPORTED], at=T1) == [ASSIGNED]
    done = repair.when(CompleteRepair(at=T2, note="更换门锁"), given=[REPORTED, ASSIGNED], actor="wang-tech")
    assert done == [DONE]
    assert repair.when(VerifyRepair(), given=[REPORTED, ASSIGNED, DONE]) == [VERIFIED]
    assert repair.given(REPORTED, ASSIGNED, DONE, VERIFIED).status is RepairStatus.VERIFIED


def test_the_one_who_did_it_does_not_verify_it() -> None:
    repair.refused(VerifyRepair(), given=[REPORTED, ASSIGNED, DONE], actor="wang-tech")
    # recorded done by a manager for the assignee: neither of them verifies it
    by_manager = RepairDone(repair_id="r1", done_by="zhou", done_at=T2)
    repair.refused(VerifyRepair(), given=[REPORTED, ASSIGNED, by_manager], actor="zhou")
    repair.refused(VerifyRepair(), given=[REPORTED, ASSIGNED, by_manager], actor="wang-tech")
    assert repair.when(VerifyRepair(), given=[REPORTED, ASSIGNED, by_manager], actor="gu")[0] == RepairVerified(
        repair_id="r1",
        verified_by="gu",
        verified_at=T3,
        campus_id="main",
        done_by="zhou",
        done_at=T2,
        assignee_id="wang-tech",
    )


def test_a_repair_is_assigned_before_it_is_done() -> None:
    repair.refused(CompleteRepair(at=T2), given=[REPORTED], actor="wang-tech")


def test_a_repair_is_done_before_it_is_verified() -> None:
    repair.refused(VerifyRepair(), given=[REPORTED])
    repair.refused(VerifyRepair(), given=[REPORTED, ASSIGNED])
    repair.refused(VerifyRepair(), given=[REPORTED, ASSIGNED, DONE, VERIFIED], actor="gu")


def test_done_once_after_the_report_and_not_in_advance() -> None:
    repair.refused(CompleteRepair(at=T2), given=[REPORTED, ASSIGNED, DONE], actor="wang-tech")
    repair.refused(
        CompleteRepair(at=T0 - timedelta(hours=1)),
        given=[REPORTED, ASSIGNED],
        actor="wang-tech",
        field="at",
        raises=OutOfOrder,
    )
    repair.refused(
        CompleteRepair(at=T3 + timedelta(days=1)),
        given=[REPORTED, ASSIGNED],
        actor="wang-tech",
        field="at",
        raises=InTheFuture,
    )


def test_nothing_is_done_to_a_repair_never_reported() -> None:
    for cmd in (AssignRepair(assignee_id="wang-tech"), CompleteRepair(at=T2), VerifyRepair()):
        repair.refused(cmd)


def test_reassigning_changes_hands_until_it_is_done() -> None:
    assert repair.when(AssignRepair(assignee_id="wang-tech"), given=[REPORTED, ASSIGNED]) == []
    (moved,) = repair.when(AssignRepair(assignee_id="li-guard"), given=[REPORTED, ASSIGNED])
    assert isinstance(moved, RepairAssigned) and moved.assignee_id == "li-guard"
    repair.refused(AssignRepair(assignee_id="li-guard"), given=[REPORTED, ASSIGNED, DONE])
    repair.refused(AssignRepair(assignee_id="li-guard"), given=[REPORTED, ASSIGNED, DONE, VERIFIED])


# -- from a hazard -------------------------------------------------------------------------

HAZARD_REPAIR = OpenRepairForHazard(
    hazard_id="h1",
    campus_id="main",
    place="操场",
    description="窨井盖下沉",
    assignee_id="wang-tech",
    reported_by="zhou",
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
    # reported when the hazard was assigned (T1, the act time of the event the reaction answers),
    # not when the reaction ran (T3)
    answered = resolved(HAZARD_REPAIR, MAIN, "r1", actor="houqin-inventory", at=T1, received=T3)
    assert list(Repair.decide(answered, Repair.initial_state)) == [FROM_HAZARD]
    state = repair.given(FROM_HAZARD)
    assert state.status is RepairStatus.ASSIGNED and state.assignee_id == "wang-tech"
    repair.refused(HAZARD_REPAIR, given=[FROM_HAZARD], actor="houqin-inventory")
    # it is done straight away by its assignee
    (done,) = repair.when(CompleteRepair(at=T2), given=[FROM_HAZARD], actor="wang-tech")
    assert isinstance(done, RepairDone)


def test_a_hazard_assigned_again_moves_its_open_repair_and_leaves_a_done_one_alone() -> None:
    same = ReassignForHazard(assignee_id="wang-tech", assigned_by="zhou")
    other = ReassignForHazard(assignee_id="li-guard", assigned_by="zhou")
    assert repair.when(same, given=[FROM_HAZARD]) == []
    answered = resolved(other, MAIN, "r1", actor="houqin-inventory", at=T2, received=T3)
    assert list(Repair.decide(answered, repair.given(FROM_HAZARD))) == [
        RepairAssigned(repair_id="r1", assignee_id="li-guard", assigned_by="zhou", assigned_at=T2)
    ]
    done = RepairDone(repair_id="r1", done_by="wang-tech", done_at=T2)
    assert repair.when(other, given=[FROM_HAZARD, done]) == []
    assert repair.when(other, given=[FROM_HAZARD, done, VERIFIED]) == []


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


@pytest.mark.parametrize(
    ("command", "given", "step", "step_time"),
    [
        (AssignRepair(assignee_id="wang-tech", at=T0 - timedelta(minutes=1)), [REPORTED], "reported", T0),
        (AssignRepair(assignee_id="li-guard", at=T1 - timedelta(minutes=1)), [REPORTED, ASSIGNED], "assigned", T1),
        (CompleteRepair(at=T1 - timedelta(minutes=1)), [REPORTED, ASSIGNED], "assigned", T1),
        (
            CompleteRepair(at=T0 - timedelta(minutes=1)),
            [FROM_HAZARD.model_copy(update={"reported_at": T0})],
            "reported",
            T0,
        ),
        (VerifyRepair(at=T2 - timedelta(minutes=1)), [REPORTED, ASSIGNED, DONE], "done", T2),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(
    command: Any, given: list[Any], step: str, step_time: datetime
) -> None:
    refusal = repair.refused(command, given=given, actor="gu", field="at", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == (step, step_time)


def test_a_past_step_is_recorded_at_its_own_time_not_when_it_was_typed() -> None:
    (reported,) = repair.when(
        ReportRepair(repair_id="r1", campus_id="main", place="p", description="d", at=T0), actor="li-guard"
    )
    assert isinstance(reported, RepairReported) and reported.reported_at == T0
    (verified,) = repair.when(VerifyRepair(), given=[REPORTED, ASSIGNED, DONE], actor="gu")
    assert isinstance(verified, RepairVerified) and verified.verified_at == T3  # no time given: when it arrived
