"""Campus safety's fields of the root Query."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import with_campuses
from gateway.common.enums import DrillKind, HazardStatus, InjurySetting, InspectionKind, Severity
from gateway.common.pages import AsOf, Connection, day, one, page
from gateway.context import GatewayContext
from gateway.safety.loaders import inspection_status_page
from gateway.safety.types import (
    AgreementCampaign,
    Bus,
    CampusSafety,
    Drill,
    Hazard,
    HealthRecord,
    Incident,
    Inspection,
    SafetySession,
)

Ctx = Info[GatewayContext, None]


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
        as_of: AsOf = None,
    ) -> Connection[CampusSafety] | None:
        return await inspection_status_page(info, school_id, month, first, after, as_of)

    @strawberry.field(description="Hazards reported by the day asked, in the caller's scope, open or not then")
    async def hazards(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        status: HazardStatus | None = None,
        severity: Severity | None = None,
        open_only: bool = False,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[Hazard] | None:
        return await page(
            info,
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
            as_of=day(as_of),
            then=with_campuses(info),
        )

    @strawberry.field(description="A hazard (null: unknown or outside the caller's scope)")
    async def hazard(self, info: Ctx, hazard_id: strawberry.ID, as_of: AsOf = None) -> Hazard | None:
        return await one(
            info.context, "safety", service_path("/hazards/{hazard_id}", hazard_id=hazard_id), Hazard, as_of=day(as_of)
        )

    @strawberry.field(description="Safety inspections in the caller's scope")
    async def inspections(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        kind: InspectionKind | None = None,
        completed: bool | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Inspection] | None:
        return await page(
            info,
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

    @strawberry.field(description="Emergency drills in the caller's scope")
    async def drills(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        kind: DrillKind | None = None,
        month: dt.date | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Drill] | None:
        return await page(
            info,
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
        setting: InjurySetting | None = None,
        open: bool | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Incident] | None:
        return await page(
            info,
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

    @strawberry.field(description="School buses in the caller's scope, with their compliance")
    async def buses(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[Bus] | None:
        return await page(info, "safety", "/buses", Bus, "bus_id", first, after, campus_id=campus_id, as_of=day(as_of))

    @strawberry.field(description="Responsibility agreement campaigns in the caller's scope, with their signing")
    async def agreement_campaigns(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        term_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[AgreementCampaign] | None:
        return await page(
            info,
            "safety",
            "/agreement-campaigns",
            AgreementCampaign,
            "campaign_id",
            first,
            after,
            campus_id=campus_id,
            term_id=term_id,
            as_of=day(as_of),
        )

    @strawberry.field(description="Health records: the medical room, and teachers for their own classes")
    async def health_records(
        self, info: Ctx, class_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[HealthRecord] | None:
        return await page(
            info, "safety", "/health-records", HealthRecord, "student_id", first, after, class_id=class_id
        )

    @strawberry.field(description="Friday safety sessions in the caller's scope (teachers: their classes')")
    async def safety_sessions(
        self, info: Ctx, class_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[SafetySession] | None:
        return await page(
            info, "safety", "/safety-sessions", SafetySession, "session_id", first, after, class_id=class_id
        )
