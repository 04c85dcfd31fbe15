"""Campus safety in GraphQL: inspection status, inspections and hazards (and, as the
safety service grows, drills, incidents, buses, agreements and health records)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.types.common import Connection, get, one, page, row
from gateway.types.directory import Campus, load_campus, with_campuses

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
class Hazard:
    hazard_id: strawberry.ID
    campus_id: strawberry.ID
    area: str
    description: str
    severity: str
    status: str
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

    @strawberry.field
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type
class Inspection:
    inspection_id: strawberry.ID
    campus_id: strawberry.ID
    kind: str
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
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


def campus_safety_loader(context: GatewayContext) -> DataLoader[str, CampusSafety | None]:
    """The inspection status of every campus a query names, in one call to the safety service."""

    async def load(ids: list[str]) -> list[CampusSafety | None]:
        body = await get(context, "safety", "/inspection-status", ids=",".join(sorted(set(ids))), limit=500)
        found = {item["campus_id"]: row(CampusSafety, _status(item)) for item in body["items"]}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _status(item: dict[str, Any]) -> dict[str, Any]:
    return item | {
        "inspections": [row(KindStatus, k) for k in item["inspections"]],
        "hazards": row(HazardSummary, item["hazards"]),
        "drills": row(DrillCoverage, item["drills"]),
        "agreements": [row(AgreementRate, a) for a in item["agreements"]],
    }


@strawberry.type
class SafetyQuery:
    @strawberry.field(description="Inspection status of the campuses in the caller's scope")
    async def inspection_status(
        self,
        info: Ctx,
        school_id: strawberry.ID | None = None,
        month: dt.date | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[CampusSafety] | None:
        info.context.require()
        body = await get(
            info.context,
            "safety",
            "/inspection-status",
            school_id=school_id,
            month=month.isoformat() if month else None,
            limit=max(1, min(first, 500)),
            after=after,
        )
        from gateway.types.common import Edge, PageInfo

        edges = [Edge(cursor=i["campus_id"], node=row(CampusSafety, _status(i))) for i in body["items"]]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=body["next_cursor"] is not None, end_cursor=body["next_cursor"]),
        )

    @strawberry.field
    async def hazards(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        status: str | None = None,
        severity: str | None = None,
        open_only: bool = False,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Hazard] | None:
        return await page(
            info.context,
            "safety",
            "/hazards",
            Hazard,
            "hazard_id",
            first,
            after,
            campus_id=campus_id,
            status=status,
            severity=severity,
            open_only=open_only or None,
            then=with_campuses(info),
        )

    @strawberry.field
    async def hazard(self, info: Ctx, hazard_id: strawberry.ID) -> Hazard | None:
        return await one(info.context, "safety", f"/hazards/{hazard_id}", Hazard)

    @strawberry.field
    async def inspections(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        kind: str | None = None,
        completed: bool | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Inspection] | None:
        return await page(
            info.context,
            "safety",
            "/inspections",
            Inspection,
            "inspection_id",
            first,
            after,
            campus_id=campus_id,
            kind=kind,
            completed=completed,
            then=with_campuses(info),
        )


@strawberry.type
class Drill:
    drill_id: strawberry.ID
    campus_id: strawberry.ID
    kind: str
    title: str
    planned_on: dt.date
    conducted_on: dt.date | None
    participants: int | None
    evacuation_seconds: int | None
    summarised: bool
    status: str

    @strawberry.field
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type(description="A student injury (学生受伤事故) and how it was followed up")
class Incident:
    injury_id: strawberry.ID
    campus_id: strawberry.ID
    student_id: strawberry.ID
    class_id: strawberry.ID
    setting: str
    occurred_at: dt.datetime
    injury: str
    first_aid: str
    reported_by: str
    status: str
    parent_notified_at: dt.datetime | None
    follow_ups: int | None
    closed_on: dt.date | None
    cause: str | None
    measures: str | None

    @strawberry.field
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


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


@strawberry.type(description="A student's health record (一人一档): the medical room and the class's teachers only")
class HealthRecord:
    student_id: strawberry.ID
    student_name: str | None
    class_id: strawberry.ID
    campus_id: strawberry.ID
    admission: str
    opened_on: dt.date
    reviews: int | None
    reviewed_by: str | None
    reviewed_on: dt.date | None
    special_conditions: int


@strawberry.type(description="A Friday safety session of a class: planned, delivered, checked")
class SafetySession:
    session_id: strawberry.ID
    class_id: strawberry.ID
    campus_id: strawberry.ID
    week_of: dt.date
    theme: str
    teacher_id: str
    status: str
    delivered_on: dt.date | None
    checked_by: str | None
    result: str | None


@strawberry.type
class SafetyLists:
    @strawberry.field
    async def drills(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        kind: str | None = None,
        month: dt.date | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Drill] | None:
        return await page(
            info.context,
            "safety",
            "/drills",
            Drill,
            "drill_id",
            first,
            after,
            campus_id=campus_id,
            kind=kind,
            month=month.isoformat() if month else None,
            then=with_campuses(info),
        )

    @strawberry.field(description="Student injuries")
    async def incidents(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        setting: str | None = None,
        open: bool | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Incident] | None:
        return await page(
            info.context,
            "safety",
            "/injuries",
            Incident,
            "injury_id",
            first,
            after,
            campus_id=campus_id,
            setting=setting,
            open=open,
            then=with_campuses(info),
        )

    @strawberry.field
    async def buses(
        self, info: Ctx, campus_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[Bus] | None:
        return await page(info.context, "safety", "/buses", Bus, "bus_id", first, after, campus_id=campus_id)

    @strawberry.field
    async def agreement_campaigns(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        term_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[AgreementCampaign] | None:
        return await page(
            info.context,
            "safety",
            "/agreement-campaigns",
            AgreementCampaign,
            "campaign_id",
            first,
            after,
            campus_id=campus_id,
            term_id=term_id,
        )

    @strawberry.field(description="Health records: the medical room, and teachers for their own classes")
    async def health_records(
        self, info: Ctx, class_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[HealthRecord] | None:
        return await page(
            info.context, "safety", "/health-records", HealthRecord, "student_id", first, after, class_id=class_id
        )

    @strawberry.field
    async def safety_sessions(
        self, info: Ctx, class_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[SafetySession] | None:
        return await page(
            info.context, "safety", "/safety-sessions", SafetySession, "session_id", first, after, class_id=class_id
        )
