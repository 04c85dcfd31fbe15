"""Campus safety's types: inspection status, inspections and hazards, drills, incidents,
buses, agreements, health records and safety sessions."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.common.campuses import CampusRef, campus_at_once, load_campus
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
    kind: InspectionKind = strawberry.field(description="The kind of inspection")
    every_days: int | None = strawberry.field(description="How often it is due, in days (null: not scheduled)")
    last_completed_at: dt.datetime | None = strawberry.field(description="When the last one was completed")
    next_due: dt.datetime | None = strawberry.field(description="When the next one is due")
    overdue: bool = strawberry.field(description="The next one is past due")
    completed: int = strawberry.field(description="How many were completed")
    in_progress: int = strawberry.field(description="How many are in progress")


@strawberry.type(description="A campus's hazards in numbers, as of the day asked")
class HazardSummary:
    open: int = strawberry.field(description="Hazards open")
    open_by_severity: JSON = strawberry.field(description="Hazards open, by severity (low, medium, high, critical)")
    escalated_open: int = strawberry.field(description="Hazards open and escalated to an outside authority")
    escalated_total: int = strawberry.field(description="Hazards ever escalated")
    closed: int = strawberry.field(description="Hazards closed")
    breaching_sla: int = strawberry.field(description="Hazards open longer than their severity allows")
    oldest_open_days: float | None = strawberry.field(
        description="Days the oldest open hazard has been open (null: none open)"
    )


@strawberry.type(description="The drills held on a campus in one month")
class DrillCoverage:
    month: dt.date = strawberry.field(description="The first day of the month")
    by_kind: JSON = strawberry.field(description="Drills held that month, by kind")
    total: int = strawberry.field(description="Drills held that month")


@strawberry.type(description="How far the signing of one responsibility agreement campaign got")
class AgreementRate:
    campaign_id: strawberry.ID
    title: str
    term_id: strawberry.ID = strawberry.field(description="The term the agreements are for")
    issued: int = strawberry.field(description="Agreements handed out")
    signed: int = strawberry.field(description="Agreements signed")
    refused: int = strawberry.field(description="Agreements refused")
    signing_rate: float | None = strawberry.field(
        description="Signed over issued, from 0 to 1 (null before any is issued)"
    )


@strawberry.type(description="The inspection status of a campus")
class CampusSafety:
    campus_id: strawberry.ID
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str
    inspections: list[KindStatus] = strawberry.field(description="Each kind of inspection: when last done and when due")
    hazards: HazardSummary = strawberry.field(description="The campus's hazards in numbers")
    drills: DrillCoverage = strawberry.field(description="The drills of the month")
    agreements: list[AgreementRate] = strawberry.field(
        description="The responsibility agreement campaigns of the campus and their signing"
    )


@strawberry.type(
    description="A safety hazard (安全隐患) of a campus: reported, assigned, rectified, verified and closed"
)
class Hazard(Node):
    hazard_id: strawberry.ID
    campus_id: strawberry.ID
    area: str
    description: str = strawberry.field(description="What is wrong")
    severity: Severity
    status: HazardStatus = strawberry.field(description="Where the hazard stands")
    photo_ref: str | None = strawberry.field(description="The reference of a photo of it")
    reported_by: str = strawberry.field(description="Who reported it")
    reported_at: dt.datetime = strawberry.field(description="When it was reported")
    inspection_id: strawberry.ID | None = strawberry.field(
        description="The inspection whose finding raised it (null: reported on its own)"
    )
    assignee_id: str | None = strawberry.field(description="Who of the campus rectifies it")
    escalated: bool = strawberry.field(description="Escalated to an outside authority")
    authority: str | None = strawberry.field(description="The outside authority it was escalated to")
    escalated_at: dt.datetime | None = strawberry.field(description="When it was escalated")
    rectified_by: str | None = strawberry.field(description="Who rectified it")
    rectified_at: dt.datetime | None = strawberry.field(description="When it was rectified")
    closed_at: dt.datetime | None = strawberry.field(description="When it was verified and closed")
    verified_by: str | None = strawberry.field(description="Who verified the rectification")
    reopened: int = strawberry.field(description="How many times a failed verification reported it again")
    age_days: float = strawberry.field(
        description="Days it was open by the end of the day asked (asOf), or until it closed"
    )
    breaches_sla: bool = strawberry.field(
        description="Open longer than its severity allows (critical 1 day, high 3, medium 7, low 30)"
    )
    open: bool = strawberry.field(description="Reported and not closed by the end of the day asked (asOf)")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"hazard-{self.hazard_id}", first)


@strawberry.type(description="A safety inspection of a campus: its checklist, findings and sign-offs")
class Inspection(Node):
    inspection_id: strawberry.ID
    campus_id: strawberry.ID
    kind: InspectionKind = strawberry.field(description="The kind of inspection")
    inspector_id: str = strawberry.field(description="Who inspects")
    started_at: dt.datetime = strawberry.field(description="When it started")
    areas: list[str] = strawberry.field(description="The areas it covers")
    checklist: list[str] = strawberry.field(description="The checklist items")
    findings: int = strawberry.field(description="Findings recorded")
    problems: int = strawberry.field(description="Findings that failed (each raised a hazard)")
    sign_offs: list[str] = strawberry.field(description="The directors who signed it off")
    completed_at: dt.datetime | None = strawberry.field(description="When it was completed")
    summary: str | None = strawberry.field(description="The inspection's summary, once completed")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"inspection-{self.inspection_id}", first)


@strawberry.type(description="An emergency drill (应急演练) of a campus: planned, conducted, summarised")
class Drill(Node):
    drill_id: strawberry.ID
    campus_id: strawberry.ID
    kind: DrillKind = strawberry.field(description="The kind of drill")
    title: str
    planned_on: dt.date = strawberry.field(description="The day it is planned for")
    conducted_on: dt.date | None = strawberry.field(description="The day it was held")
    participants: int | None = strawberry.field(description="How many took part")
    evacuation_seconds: int | None = strawberry.field(description="How long the evacuation took, in seconds")
    summarised: bool = strawberry.field(description="Its summary is filed")
    status: DrillStatus = strawberry.field(description="Planned, conducted or summarised")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"drill-{self.drill_id}", first)


@strawberry.type(description="A student injury (学生受伤事故) and how it was followed up")
class Incident(Node):
    injury_id: strawberry.ID
    campus_id: strawberry.ID
    student_id: strawberry.ID
    class_id: strawberry.ID
    setting: InjurySetting
    occurred_at: dt.datetime = strawberry.field(description="When the injury happened")
    injury: str | None = strawberry.field(description="Null for those who may not read the details")
    first_aid: str | None = strawberry.field(
        description="The first aid given (null for those who may not read the details)"
    )
    reported_by: str = strawberry.field(description="Who reported it")
    status: str = strawberry.field(description="Where its follow-up stands (reported, parents notified, closed)")
    parent_notified_at: dt.datetime | None = strawberry.field(description="When the parents were told")
    follow_ups: int | None = strawberry.field(
        description="Follow-ups recorded (null for those who may not read the details)"
    )
    closed_on: dt.date | None = strawberry.field(description="The day it was closed")
    cause: str | None = strawberry.field(
        description="What caused the injury (null for those who may not read the details)"
    )
    measures: str | None = strawberry.field(
        description="What was done so it does not happen again (null for those who may not read the details)"
    )
    building: str | None = strawberry.field(
        default=None, description="The building it happened in, if the report names it"
    )
    floor: int | None = strawberry.field(default=None, description="The floor it happened on, if the report names it")
    break_period: str | None = strawberry.field(
        default=None,
        description="The break or activity time it happened at (morning_break, lunch_break, afternoon_break, "
        "activity_time), whose floor duty was on watch there",
    )
    camera_area_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The camera area the report places it in; an injury without one is counted as not placed in "
        "the campus's incident coverage",
    )
    details_withheld: bool = strawberry.field(
        default=False,
        description="What happened and the first aid, notes, cause and measures are for the campus's safety "
        "managers, the vice principals, the medical room, the class's teachers and the reporter",
    )

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"injury-{self.injury_id}", first)


@strawberry.type(description="A school bus's file (一车一档): the six fixed items and its compliance")
class Bus(Node):
    bus_id: strawberry.ID
    campus_id: strawberry.ID
    vehicle: str = strawberry.field(description="The vehicle: plate and model")
    driver: str = strawberry.field(description="The driver and their licence")
    route: str = strawberry.field(description="The route")
    stops: list[str] = strawberry.field(description="The stops, in order")
    times: str = strawberry.field(description="The times it runs")
    escort: str = strawberry.field(description="The escort teacher on board")
    registered_on: dt.date = strawberry.field(description="The day the bus was registered")
    compliance: JSON = strawberry.field(
        description="Its compliance as the service works it out: route checks, open violations, and why not"
    )

    @strawberry.field(description="Whether the bus is compliant now")
    def compliant(self) -> bool:
        return bool(self.compliance.get("compliant")) if isinstance(self.compliance, dict) else False

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"bus-{self.bus_id}", first)


@strawberry.type(description="A responsibility agreement campaign (安全责任书) and how far its signing got")
class AgreementCampaign:
    campaign_id: strawberry.ID
    campus_id: strawberry.ID
    term_id: strawberry.ID = strawberry.field(description="The term the agreements are for")
    title: str
    issued: int = strawberry.field(description="Agreements handed out")
    signed: int = strawberry.field(description="Agreements signed")
    refused: int = strawberry.field(description="Agreements refused")
    signing_rate: float | None = strawberry.field(
        description="Signed over issued, from 0 to 1 (null before any is issued)"
    )

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"agreement-campaign-{self.campaign_id}", first)


@strawberry.type(description="A student's health record (一人一档): the medical room and the class's teachers only")
class HealthRecord(Node):
    student_id: strawberry.ID
    student_name: str | None = strawberry.field(description="The student's name, from the directory")
    class_id: strawberry.ID
    campus_id: strawberry.ID
    admission: Admission
    opened_on: dt.date = strawberry.field(description="The day the record was opened")
    reviews: int | None = strawberry.field(description="How many times it was reviewed")
    reviewed_by: str | None = strawberry.field(description="Who reviewed it last")
    reviewed_on: dt.date | None = strawberry.field(description="The day of its last review")
    special_conditions: int = strawberry.field(description="Special conditions on file (allergies, asthma...)")

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"health-record-{self.student_id}", first)


@strawberry.type(description="A Friday safety session of a class: planned, delivered, checked")
class SafetySession(Node):
    session_id: strawberry.ID
    class_id: strawberry.ID
    campus_id: strawberry.ID
    week_of: dt.date = strawberry.field(description="The Monday of its week")
    theme: str
    teacher_id: str = strawberry.field(description="The teacher who holds it")
    status: SessionStatus = strawberry.field(description="Planned, delivered or checked")
    delivered_on: dt.date | None = strawberry.field(description="The day it was delivered")
    checked_by: str | None = strawberry.field(description="Who checked it")
    result: SessionResult | None = strawberry.field(description="What the check found")

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "safety", f"safety-session-{self.session_id}", first)
