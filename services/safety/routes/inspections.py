"""Inspection routes: the commands of the table (start, record findings: a problem raises a
hazard, sign off, complete, set the schedule), and the reads (list, one)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.events import InspectionKind
from services.safety.queries.inspections import inspection, inspection_list
from services.safety.queries.models import Inspection

router = COMMANDS.router("inspections")


@page_route(router, "/inspections", Inspection, summary="Inspections in the caller's scope")
async def list_inspections(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    kind: InspectionKind | None = None,
    completed: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await inspection_list(principal, campus_id, kind, completed).page(safety.pool, after, limit)


@router.get("/inspections/{inspection_id}", summary="One inspection")
async def get_inspection(inspection_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal) -> Inspection:
    principal.require_role(*STAFF_ON_CAMPUS)
    return Inspection.model_validate(await inspection(safety.pool, principal, inspection_id))
