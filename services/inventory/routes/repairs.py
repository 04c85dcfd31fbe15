"""Repairs: the commands of the table (report, assign, record done, verify), and the reads (all
repairs, the open ones and their age, one)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.events import RepairSource
from services.inventory.queries.models import OpenRepair, Repair, RepairOnDay
from services.inventory.queries.repairs import open_repair_list, repair, repair_list
from services.inventory.repairs import RepairStatus

router = COMMANDS.router("repairs")


@page_route(router, "/repairs", RepairOnDay, summary="Repairs, with their turnaround once done")
async def list_repairs(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    state: RepairStatus | None = None,
    source: RepairSource | None = None,
    hazard_id: str | None = None,
    assignee_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF)
    q = repair_list(principal, campus_id, state, source, hazard_id, assignee_id, as_of)
    return await q.page(inventory.pool, after, limit)


@page_route(router, "/repairs/open", OpenRepair, summary="Repairs not yet verified, and how long they have waited")
async def open_repairs(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    assignee_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF)
    return await open_repair_list(principal, campus_id, assignee_id, as_of).page(inventory.pool, after, limit)


@router.get("/repairs/{repair_id}", summary="One repair")
async def get_repair(repair_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal) -> Repair:
    principal.require_role(*STAFF)
    return Repair.model_validate(await repair(inventory.pool, principal, repair_id))
