"""Inspection routes: start, record findings (a problem raises a hazard), sign off, complete."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import uuid4

from fastapi import APIRouter

from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import CommandResult
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.common import DIRECTORS, MANAGERS, STAFF_ON_CAMPUS, SafetyDep
from services.safety.events import InspectionKind
from services.safety.hazards import Hazard, ReportHazard
from services.safety.inspections import (
    CompleteInspection,
    Inspection,
    InspectionSchedule,
    RecordFinding,
    SetInspectionSchedule,
    SignOffInspection,
    StartInspection,
)
from services.safety.projections.inspection_status import INSPECTION_STATUS

router = APIRouter(tags=["inspections"])
S = INSPECTION_STATUS.schema
INSPECTORS = (*MANAGERS, Role.VICE_PRINCIPAL)


@command_route(router, "/inspections", "Start an inspection of a campus (patrol, monthly, special, fire)")
async def start_inspection(cmd: StartInspection, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    return await safety.run(Inspection, cmd.inspection_id, cmd, ctx, tenant, INSPECTORS)


@command_route(
    router, "/inspections/{inspection_id}/findings", "Record a checklist finding; a problem raises a hazard at once"
)
async def record_finding(inspection_id: str, cmd: RecordFinding, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Inspection, inspection_id, "inspection")
    hazard_id = cmd.hazard_id or f"hz-{uuid4().hex[:12]}"
    async with safety.pool.acquire() as conn, conn.transaction():
        result = await safety.run(
            Inspection, inspection_id, cmd, ctx, tenant, INSPECTORS, facts={"hazard_id": hazard_id}, conn=conn
        )
        if not cmd.ok and not result.duplicate:
            hazard = ReportHazard(
                hazard_id=hazard_id,
                campus_id=tenant.campus_id or "",
                area=cmd.area,
                description=f"{cmd.item}: {cmd.note}" if cmd.note else cmd.item,
                severity=cmd.severity,  # type: ignore[arg-type]  # the decider required it
                reported_at=ctx.occurred_at,
            )
            # the same transaction: the finding and its hazard commit together
            await safety.run(
                Hazard,
                hazard_id,
                hazard,
                replace(ctx, command_id=None, expected_version=None),
                tenant,
                INSPECTORS,
                facts={"inspection_id": inspection_id},
                conn=conn,
            )
    return result


@command_route(router, "/inspections/{inspection_id}/sign-off", "A director signs the inspection off")
async def sign_off_inspection(
    inspection_id: str, cmd: SignOffInspection, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant = await safety.tenant_of(Inspection, inspection_id, "inspection")
    return await safety.run(Inspection, inspection_id, cmd, ctx, tenant, DIRECTORS)


@command_route(router, "/inspections/{inspection_id}/complete", "Complete an inspection")
async def complete_inspection(
    inspection_id: str, cmd: CompleteInspection, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant = await safety.tenant_of(Inspection, inspection_id, "inspection")
    return await safety.run(Inspection, inspection_id, cmd, ctx, tenant, INSPECTORS)


@command_route(router, "/campuses/{campus_id}/inspection-schedule", "Set how often a kind of inspection is due")
async def set_inspection_schedule(
    campus_id: str, cmd: SetInspectionSchedule, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant = await safety.campus(campus_id)
    return await safety.run(InspectionSchedule, campus_id, cmd, ctx, tenant, MANAGERS)


COLUMNS = (
    "inspection_id, district_id, school_id, campus_id, kind, inspector_id, started_at, areas, checklist, findings, "
    "problems, sign_offs, completed_at, summary"
)


@router.get("/inspections", response_model=Page, summary="Inspections in the caller's scope")
async def list_inspections(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    kind: InspectionKind | None = None,
    completed: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await inspection_list(principal, campus_id, kind, completed).page(safety.pool, after, limit)


def inspection_list(
    principal: Principal, campus_id: str | None, kind: InspectionKind | None, completed: bool | None
) -> Query:
    """The inspections a list asks for, in the caller's scope (a page of a campus reads its index in order)."""
    q = Query(f"SELECT {COLUMNS} FROM {S}.inspections", "inspection_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("kind = {}", kind.value if kind else None)
    if completed is not None:
        q.where.append("completed_at IS NOT NULL" if completed else "completed_at IS NULL")
    return q


@router.get("/inspections/{inspection_id}", summary="One inspection")
async def get_inspection(inspection_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {COLUMNS} FROM {S}.inspections", "inspection_id").scoped(principal)
    row = await q.filter("inspection_id = {}", inspection_id).one(safety.pool)
    if row is None:
        raise NotFound(f"inspection {inspection_id} not found")
    return row
