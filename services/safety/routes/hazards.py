"""Hazard routes: report, assign in-house, escalate, rectify, verify; list and read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.campus.mirror import staff_member
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Principal
from services.eventkit.commands import CommandResult
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.common import FIXERS, MANAGERS, STAFF_ON_CAMPUS, SafetyDep
from services.safety.events import HAZARD_SLA_DAYS, Severity
from services.safety.hazards import AssignHazard, EscalateHazard, Hazard, RectifyHazard, ReportHazard, VerifyHazard
from services.safety.projections.inspection_status import INSPECTION_STATUS

router = APIRouter(tags=["hazards"])
S = INSPECTION_STATUS.schema


@command_route(router, "/hazards", "Report a hazard (any staff member of the campus)")
async def report_hazard(cmd: ReportHazard, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    return await safety.run(Hazard, cmd.hazard_id, cmd, ctx, tenant, STAFF_ON_CAMPUS)


@command_route(router, "/hazards/{hazard_id}/assign", "Assign a hazard in-house: asks the inventory for a repair")
async def assign_hazard(hazard_id: str, cmd: AssignHazard, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Hazard, hazard_id, "hazard")
    ctx.principal.require(tenant, *MANAGERS)
    assignee = await staff_member(safety.pool, cmd.assignee_id, field="assignee_id")
    if tenant.campus_id not in assignee["campus_ids"]:
        raise InvalidInput(f"{assignee['name']} does not work on this campus", field="assignee_id")
    return await safety.run(Hazard, hazard_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/hazards/{hazard_id}/escalate", "Escalate a hazard to an outside authority")
async def escalate_hazard(hazard_id: str, cmd: EscalateHazard, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Hazard, hazard_id, "hazard")
    return await safety.run(Hazard, hazard_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/hazards/{hazard_id}/rectify", "Record that a hazard was fixed (by the caller)")
async def rectify_hazard(hazard_id: str, cmd: RectifyHazard, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Hazard, hazard_id, "hazard")
    return await safety.run(Hazard, hazard_id, cmd, ctx, tenant, FIXERS)


@command_route(router, "/hazards/{hazard_id}/verify", "Verify a fix: closes the hazard, or reopens it")
async def verify_hazard(hazard_id: str, cmd: VerifyHazard, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Hazard, hazard_id, "hazard")
    return await safety.run(Hazard, hazard_id, cmd, ctx, tenant, MANAGERS)


_SLA = " ".join(f"WHEN '{s.value}' THEN interval '{d} days'" for s, d in HAZARD_SLA_DAYS.items())
HAZARD_COLUMNS = (
    "hazard_id, district_id, school_id, campus_id, area, description, severity, status, photo_ref, reported_by, "
    "reported_at, inspection_id, assignee_id, escalated, authority, escalated_at, rectified_by, rectified_at, "
    "closed_at, verified_by, reopened, "
    "extract(epoch FROM (coalesce(closed_at, now()) - reported_at)) / 86400 AS age_days, "
    f"(coalesce(closed_at, now()) - reported_at) > (CASE severity {_SLA} END) AS breaches_sla"
)


@router.get("/hazards", response_model=Page, summary="Hazards in the caller's scope")
async def list_hazards(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: str | None = None,
    severity: Severity | None = None,
    open_only: bool = False,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await hazard_list(principal, campus_id, status, severity, open_only).page(safety.pool, after, limit)


def hazard_list(
    principal: Principal, campus_id: str | None, status: str | None, severity: Severity | None, open_only: bool
) -> Query:
    """The hazards a list asks for, in the caller's scope (a page of a campus reads its index in order)."""
    q = Query(f"SELECT {HAZARD_COLUMNS} FROM {S}.hazards", "hazard_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("status = {}", status)
    q.filter("severity = {}", severity.value if severity else None)
    if open_only:
        q.where.append("status <> 'closed'")
    return q


@router.get("/hazards/{hazard_id}", summary="One hazard")
async def get_hazard(hazard_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {HAZARD_COLUMNS} FROM {S}.hazards", "hazard_id").scoped(principal)
    row = await q.filter("hazard_id = {}", hazard_id).one(safety.pool)
    if row is None:
        raise NotFound(f"hazard {hazard_id} not found")
    return row
