"""Inspections and their rhythm, given / when / then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import DomainEvent, TenantPath
from services.hr_eval.events import AppraisalItemProposal, ItemSource
from services.safety.events import (
    SAFETY_EVENTS,
    AppraisalItemProposed,
    InspectionCompleted,
    InspectionFindingRecorded,
    InspectionKind,
    InspectionScheduleSet,
    InspectionSignedOff,
    InspectionStarted,
    Severity,
)
from services.safety.inspections import (
    CompleteInspection,
    Inspection,
    InspectionSchedule,
    RecordFinding,
    SetInspectionSchedule,
    SignOffInspection,
    StartInspection,
)
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 30, 14, 0, tzinfo=UTC)
T1 = datetime(2020, 10, 30, 16, 0, tzinfo=UTC)
CHECKLIST = ["灭火器在有效期内", "消防栓门板完好"]


def started(kind: InspectionKind = InspectionKind.FIRE) -> InspectionStarted:
    return InspectionStarted(
        inspection_id="i1",
        campus_id="main",
        kind=kind,
        areas=["教学楼"],
        checklist=CHECKLIST,
        inspector_id="zhou",
        started_at=T0,
    )


def finding(item: str, ok: bool = True) -> InspectionFindingRecorded:
    return InspectionFindingRecorded(
        inspection_id="i1", item=item, area="教学楼", ok=ok, hazard_id=None if ok else "hz-1"
    )


def signed(director: str) -> InspectionSignedOff:
    return InspectionSignedOff(inspection_id="i1", director_id=director, signed_at=T1)


inspection = Stream(Inspection, MAIN, "i1", actor="zhou", at=T1)
schedule = Stream(InspectionSchedule, MAIN, "main")


def test_an_inspection_starts_with_its_areas_and_checklist() -> None:
    cmd = StartInspection(
        inspection_id="i1",
        campus_id="main",
        kind=InspectionKind.FIRE,
        areas=["教学楼"],
        checklist=CHECKLIST,
        at=T0,
    )
    assert inspection.when(cmd) == [started()]


def test_a_checklist_has_no_repeated_items() -> None:
    with pytest.raises(ValidationError):
        StartInspection(
            inspection_id="i1",
            campus_id="main",
            kind=InspectionKind.FIRE,
            areas=["a"],
            checklist=["x", "x"],
            at=T0,
        )


def test_a_problem_finding_names_the_hazard_it_raises() -> None:
    cmd = RecordFinding(item=CHECKLIST[1], area="教学楼", ok=False, note="门板损坏", severity=Severity.MEDIUM)
    (event,) = inspection.when(cmd, given=[started()], facts={"hazard_id": "hz-1"})
    assert isinstance(event, InspectionFindingRecorded) and event.hazard_id == "hz-1" and not event.ok


def test_a_patrol_finding_naming_a_worker_proposes_an_item_for_their_appraisal() -> None:
    found_at = datetime(2020, 10, 30, 14, 30, tzinfo=UTC)
    cmd = RecordFinding(
        item=CHECKLIST[1],
        area="教学楼",
        ok=False,
        note="门岗未登记来访人员",
        severity=Severity.LOW,
        responsible_staff_id="li-guard",
        rule_code="D-3",
        at=found_at,
    )
    finding_event, proposal = inspection.when(
        cmd, given=[started(InspectionKind.DAILY_PATROL)], facts={"hazard_id": "hz-1"}
    )
    assert isinstance(finding_event, InspectionFindingRecorded) and finding_event.responsible_staff_id == "li-guard"
    assert proposal == AppraisalItemProposed(
        staff_id="li-guard",
        campus_id="main",
        occurred_at=found_at,
        source=ItemSource.PATROL,
        source_ref="i1",
        rule_code="D-3",
        place="教学楼",
        note=f"{CHECKLIST[1]}: 门岗未登记来访人员",
    )
    # the staff appraisal service's contract, under the safety service's own wire name
    assert isinstance(proposal, AppraisalItemProposal)
    assert SAFETY_EVENTS.model_for(proposal.event_type) is AppraisalItemProposed
    assert proposal.event_type == "safety.AppraisalItemProposed"


def test_an_inspection_other_than_a_patrol_proposes_as_an_inspection_and_without_a_rule() -> None:
    cmd = RecordFinding(item=CHECKLIST[0], area="教学楼", ok=True, responsible_staff_id="wang-tech")
    _, proposal = inspection.when(cmd, given=[started(InspectionKind.FIRE)])
    assert isinstance(proposal, AppraisalItemProposed)
    assert proposal.source is ItemSource.INSPECTION and proposal.rule_code == "" and proposal.note == CHECKLIST[0]


def test_a_finding_naming_no_worker_proposes_nothing_and_a_rule_needs_a_worker() -> None:
    (only,) = inspection.when(RecordFinding(item=CHECKLIST[0], area="教学楼", ok=True), given=[started()])
    assert isinstance(only, InspectionFindingRecorded) and only.responsible_staff_id is None
    inspection.refused(
        RecordFinding(item=CHECKLIST[0], area="教学楼", ok=True, rule_code="D-3"),
        given=[started()],
        field="responsible_staff_id",
    )
    with pytest.raises(ValidationError):
        RecordFinding(item=CHECKLIST[0], area="教学楼", ok=True, responsible_staff_id="li-guard", rule_code="D 3!")


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (RecordFinding(item="不在清单上", area="教学楼", ok=True), "item"),
        (RecordFinding(item=CHECKLIST[0], area="操场", ok=True), "area"),
        (RecordFinding(item=CHECKLIST[0], area="教学楼", ok=False), "severity"),
    ],
)
def test_findings_stay_on_the_checklist_and_problems_have_a_severity(command: RecordFinding, field: str) -> None:
    inspection.refused(command, given=[started()], facts={"hazard_id": "hz"}, field=field)


def test_a_fire_inspection_with_one_sign_off_cannot_complete() -> None:
    given = [started(), finding(CHECKLIST[0]), finding(CHECKLIST[1]), signed("zhou")]
    inspection.refused(CompleteInspection(at=T1), given=given, match="2 sign-offs")


def test_the_same_director_cannot_sign_twice() -> None:
    inspection.refused(SignOffInspection(), given=[started(), signed("zhou")], actor="zhou", match="already signed")


def test_a_fire_inspection_completes_with_two_different_directors() -> None:
    given = [started(), finding(CHECKLIST[0]), finding(CHECKLIST[1], ok=False), signed("zhou"), signed("gu")]
    assert inspection.when(CompleteInspection(at=T1, summary="两位主任亲自检查"), given=given) == [
        InspectionCompleted(
            inspection_id="i1",
            campus_id="main",
            kind=InspectionKind.FIRE,
            completed_at=T1,
            findings=2,
            problems=1,
            summary="两位主任亲自检查",
        )
    ]


def test_every_checklist_item_needs_a_finding_before_completing() -> None:
    given = [started(InspectionKind.DAILY_PATROL), finding(CHECKLIST[0])]
    inspection.refused(CompleteInspection(at=T1), given=given, match="no finding")
    # no sign-off needed
    assert inspection.when(CompleteInspection(at=T1), given=[*given, finding(CHECKLIST[1])])


def test_a_completed_inspection_takes_no_more_findings() -> None:
    done = [
        started(InspectionKind.DAILY_PATROL),
        finding(CHECKLIST[0]),
        finding(CHECKLIST[1]),
        InspectionCompleted(
            inspection_id="i1",
            campus_id="main",
            kind=InspectionKind.DAILY_PATROL,
            completed_at=T1,
            findings=2,
            problems=0,
        ),
    ]
    inspection.refused(RecordFinding(item=CHECKLIST[0], area="教学楼", ok=True), given=done, match="completed")


def test_a_rhythm_is_set_once_and_changes_only_when_it_changes() -> None:
    first = schedule.when(SetInspectionSchedule(kind=InspectionKind.FIRE, every_days=30))
    assert first == [InspectionScheduleSet(campus_id="main", kind=InspectionKind.FIRE, every_days=30)]
    assert schedule.when(SetInspectionSchedule(kind=InspectionKind.FIRE, every_days=30), given=first) == []
    assert schedule.when(SetInspectionSchedule(kind=InspectionKind.FIRE, every_days=14), given=first)


@pytest.mark.parametrize(
    ("command", "given", "step", "step_time"),
    [
        (
            RecordFinding(item=CHECKLIST[0], area="教学楼", ok=True, at=T0 - timedelta(minutes=1)),
            [started()],
            "started",
            T0,
        ),
        (SignOffInspection(at=T0 - timedelta(hours=1)), [started()], "started", T0),
        (
            CompleteInspection(at=T0 - timedelta(seconds=1)),
            [started(InspectionKind.DAILY_PATROL), finding(CHECKLIST[0]), finding(CHECKLIST[1])],
            "started",
            T0,
        ),
        (
            CompleteInspection(at=T1 - timedelta(minutes=1)),
            [started(), finding(CHECKLIST[0]), finding(CHECKLIST[1]), signed("zhou"), signed("gu")],
            "signed off",
            T1,
        ),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(
    command: Any, given: list[DomainEvent], step: str, step_time: datetime
) -> None:
    refusal = inspection.refused(command, given=given, facts={"hazard_id": "hz"}, field="at", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and refusal.step == step and refusal.step_time == step_time


def test_a_sign_off_without_a_time_is_dated_when_it_arrives() -> None:
    (event,) = inspection.when(SignOffInspection(), given=[started()])
    assert event == signed("zhou")
