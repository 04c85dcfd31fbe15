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
from gateway.types.directory import Campus, load_campus

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
    async def campus(self, info: Ctx) -> Campus | None:
        return await load_campus(info, str(self.campus_id))


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
    async def campus(self, info: Ctx) -> Campus | None:
        return await load_campus(info, str(self.campus_id))


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
        )
