"""Campus safety's types: inspection status, inspections and hazards, drills, incidents,
buses, agreements, health records and safety sessions."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.common.campuses import CampusRef, load_campus
from gateway.common.enums import (
    Admission,
    DrillKind,
    DrillStatus,
    HazardStatus,
    InjurySetting,
    InspectionKind,
    SessionResult,
    SessionStatus,
    Severity,
)
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.nodes import Node
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


@strawberry.type(description="One kind of inspection on a campus: when it was last done, when it is due")
class KindStatus:
    kind: str
    every_days: int | None
    last_completed_at: dt.datetime | None
    next_due: dt.datetime | None
    overdue: bool
    completed: int
    in_progress: int


@strawberry.type
class HazardSummary:
    open: int
    open_by_severity: JSON
    escalated_open: int
    escalated_total: int
    closed: int
    breaching_sla: int
    oldest_open_days: float | None


@strawberry.type
class DrillCoverage:
    month: dt.date
    by_kind: JSON
    total: int


@strawberry.type
class AgreementRate:
    campaign_id: strawberry.ID
    title: str
    term_id: strawberry.ID
    issued: int
    signed: int
    refused: int
    signing_rate: float | None


@strawberry.type(description="The inspection status of a campus")
class CampusSafety:
    campus_id: strawberry.ID
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str
    inspections: list[KindStatus]
    hazards: HazardSummary
    drills: DrillCoverage
    agreements: list[AgreementRate]


@strawberry.type
class Hazard(Node):
    hazard_id: strawberry.ID
    campus_id: strawberry.ID
    area: str
    description: str
    severity: Severity
    status: HazardStatus
    photo_ref: str | None
    reported_by: str
    reported_at: dt.datetime
    inspection_id: strawberry.ID | None
    assignee_id: str | None
    escalated: bool
    authority: str | None
    escalated_at: dt.datetime | None
    rectified_by: str | None
    rectified_at: dt.datetime | None
    closed_at: dt.datetime | None
    verified_by: str | None
    reopened: int
    age_days: float
    breaches_sla: bool
    open: bool = strawberry.field(description="Reported and not closed by the end of the day asked (asOf)")

    @strawberry.field
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"hazard-{self.hazard_id}", first)


@strawberry.type
class Inspection(Node):
    inspection_id: strawberry.ID
    campus_id: strawberry.ID
    kind: InspectionKind
    inspector_id: str
    started_at: dt.datetime
    areas: list[str]
    checklist: list[str]
    findings: int
    problems: int
    sign_offs: list[str]
    completed_at: dt.datetime | None
    summary: str | None

    @strawberry.field
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"inspection-{self.inspection_id}", first)


@strawberry.type
class Drill(Node):
    drill_id: strawberry.ID
    campus_id: strawberry.ID
    kind: DrillKind
    title: str
    planned_on: dt.date
    conducted_on: dt.date | None
    participants: int | None
    evacuation_seconds: int | None
    summarised: bool
    status: DrillStatus

    @strawberry.field
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"drill-{self.drill_id}", first)


@strawberry.type(description="A student injury (学生受伤事故) and how it was followed up")
class Incident:
    injury_id: strawberry.ID
    campus_id: strawberry.ID
    student_id: strawberry.ID
    class_id: strawberry.ID
    setting: InjurySetting
    occurred_at: dt.datetime
    injury: str | None = strawberry.field(description="Null for those who may not read the details")
    first_aid: str | None
    reported_by: str
    status: str
    parent_notified_at: dt.datetime | None
    follow_ups: int | None
    closed_on: dt.date | None
    cause: str | None
    measures: str | None
    details_withheld: bool = strawberry.field(
        default=False,
        description="What happened and the first aid, notes, cause and measures are for the campus's safety "
        "managers, the vice principals, the medical room, the class's teachers and the reporter",
    )

    @strawberry.field
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"injury-{self.injury_id}", first)


@strawberry.type(description="A school bus's file (一车一档): the six fixed items and its compliance")
class Bus:
    bus_id: strawberry.ID
    campus_id: strawberry.ID
    vehicle: str
    driver: str
    route: str
    stops: list[str]
    times: str
    escort: str
    registered_on: dt.date
    compliance: JSON

    @strawberry.field
    def compliant(self) -> bool:
        return bool(self.compliance.get("compliant")) if isinstance(self.compliance, dict) else False

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"bus-{self.bus_id}", first)


@strawberry.type(description="A responsibility agreement campaign (安全责任书) and how far its signing got")
class AgreementCampaign:
    campaign_id: strawberry.ID
    campus_id: strawberry.ID
    term_id: strawberry.ID
    title: str
    issued: int
    signed: int
    refused: int
    signing_rate: float | None

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"agreement-campaign-{self.campaign_id}", first)


@strawberry.type(description="A student's health record (一人一档): the medical room and the class's teachers only")
class HealthRecord:
    student_id: strawberry.ID
    student_name: str | None
    class_id: strawberry.ID
    campus_id: strawberry.ID
    admission: Admission
    opened_on: dt.date
    reviews: int | None
    reviewed_by: str | None
    reviewed_on: dt.date | None
    special_conditions: int

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"health-record-{self.student_id}", first)


@strawberry.type(description="A Friday safety session of a class: planned, delivered, checked")
class SafetySession(Node):
    session_id: strawberry.ID
    class_id: strawberry.ID
    campus_id: strawberry.ID
    week_of: dt.date
    theme: str
    teacher_id: str
    status: SessionStatus
    delivered_on: dt.date | None
    checked_by: str | None
    result: SessionResult | None

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"safety-session-{self.session_id}", first)
