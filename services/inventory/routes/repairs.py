"""Repairs: report, assign, record done, verify; all repairs, one, the open ones and their age."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.campus.mirror import staff_member
from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Principal
from services.eventkit.commands import CommandResult
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.inventory.common import MANAGERS, REPORTERS, STAFF
from services.inventory.events import RepairSource
from services.inventory.projections.keys_repairs import KEYS_REPAIRS
from services.inventory.repairs import (
    AssignRepair,
    CompleteRepair,
    Repair,
    RepairState,
    RepairStatus,
    ReportRepair,
    VerifyRepair,
)

router = APIRouter(tags=["repairs"])
S = KEYS_REPAIRS.schema


@command_route(router, "/repairs", "Report something that needs repairing (cleaners, guards, technicians, managers)")
async def report_repair(cmd: ReportRepair, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    return await commands.run(Repair, cmd.repair_id, cmd, ctx, tenant, REPORTERS)


@command_route(router, "/repairs/{repair_id}/assign", "Assign a repair to a staff member of its campus")
async def assign_repair(repair_id: str, cmd: AssignRepair, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Repair, repair_id, "repair")
    ctx.principal.require(tenant, *MANAGERS)
    assignee = await staff_member(commands.pool, cmd.assignee_id, field="assignee_id")
    if tenant.campus_id not in assignee["campus_ids"]:
        raise InvalidInput(f"{assignee['name']} does not work on this campus", field="assignee_id")
    return await commands.run(Repair, repair_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/repairs/{repair_id}/done", "Record a repair done (its assignee, or a manager)")
async def complete_repair(
    repair_id: str, cmd: CompleteRepair, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Repair, repair_id, "repair")
    state: RepairState
    state, _ = await commands.bus.load(Repair, Repair.stream_id(repair_id))
    roles = STAFF if state.assignee_id == ctx.principal.subject else MANAGERS
    return await commands.run(Repair, repair_id, cmd, ctx, tenant, roles)


@command_route(router, "/repairs/{repair_id}/verify", "Verify a repair (a manager other than whoever did it)")
async def verify_repair(repair_id: str, cmd: VerifyRepair, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Repair, repair_id, "repair")
    return await commands.run(Repair, repair_id, cmd, ctx, tenant, MANAGERS)


# -- queries -------------------------------------------------------------------------------

COLUMNS = (
    "repair_id, district_id, school_id, campus_id, place, description, source, hazard_id, state, reported_by, "
    "reported_at, assignee_id, assigned_by, assigned_at, done_by, done_at, note, verified_by, verified_at, "
    "turnaround_hours"
)
AGE = "extract(epoch FROM now() - reported_at)"


def _repairs(principal: Principal, campus_id: str | None, assignee_id: str | None, select: str) -> Query:
    principal.require_role(*STAFF)
    q = Query(select, "repair_id").scoped(principal)
    return q.filter("campus_id = {}", campus_id).filter("assignee_id = {}", assignee_id)


@router.get("/repairs", response_model=Page, summary="Repairs, with their turnaround once done")
async def list_repairs(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    state: RepairStatus | None = None,
    source: RepairSource | None = None,
    hazard_id: str | None = None,
    assignee_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    q = _repairs(principal, campus_id, assignee_id, f"SELECT {COLUMNS} FROM {S}.repairs")
    q.filter("state = {}", state.value if state else None).filter("source = {}", source.value if source else None)
    q.filter("hazard_id = {}", hazard_id)
    return await q.page(commands.pool, after, limit)


@router.get("/repairs/open", response_model=Page, summary="Repairs not yet verified, and how long they have waited")
async def open_repairs(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    assignee_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    select = (
        f"SELECT {COLUMNS}, round(({AGE} / 3600)::numeric, 1)::float8 AS age_hours, "
        f"floor({AGE} / 86400)::int AS age_days FROM {S}.repairs"
    )
    q = _repairs(principal, campus_id, assignee_id, select)
    q.where.append("state <> 'verified'")
    return await q.page(commands.pool, after, limit)


@router.get("/repairs/{repair_id}", summary="One repair")
async def get_repair(repair_id: str, commands: CampusCommandsDep, principal: CurrentPrincipal) -> dict[str, Any]:
    q = _repairs(principal, None, None, f"SELECT {COLUMNS} FROM {S}.repairs")
    row = await q.filter("repair_id = {}", repair_id).one(commands.pool)
    if row is None:
        raise NotFound(f"repair {repair_id} not found")
    return row
