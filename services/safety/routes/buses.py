"""School bus routes: the commands of the table (register, change an item, route checks,
violations), and the reads (buses, one bus's file, with their compliance)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.queries.buses import bus_file, bus_page
from services.safety.queries.models import Bus, BusFile

router = COMMANDS.router("school buses")


@page_route(router, "/buses", Bus, summary="School buses in the caller's scope, with their compliance")
async def list_buses(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    as_of: AsOf = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await bus_page(safety.pool, principal, campus_id, as_of, after, limit)


@router.get("/buses/{bus_id}", summary="One bus's file: items, changes, route checks, violations, compliance")
async def get_bus(bus_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal, as_of: AsOf = None) -> BusFile:
    principal.require_role(*STAFF_ON_CAMPUS)
    return BusFile.model_validate(await bus_file(safety.pool, principal, bus_id, as_of))
