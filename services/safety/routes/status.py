"""The inspection status of campuses: due and overdue inspections, open hazards, drills, agreements.

Reads only: no command is tagged "inspection status", so the router is a plain one."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.queries.models import CampusStatus
from services.safety.queries.status import one_status, status_page

router = APIRouter(tags=["inspection status"])
Month = Annotated[
    date | None, Param(description="Any day of the month for drill coverage (default: the month of as_of)")
]


@page_route(router, "/inspection-status", CampusStatus, summary="Inspection status of the campuses in scope")
async def inspection_status(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    ids: Annotated[str | None, Param(description="Only these campuses, comma-separated")] = None,
    month: Month = None,
    after: After = None,
    limit: Limit = 50,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await status_page(safety.pool, principal, school_id, ids, month, after, limit, as_of)


@router.get("/inspection-status/{campus_id}", summary="Inspection status of one campus")
async def one_campus_status(
    campus_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal, month: Month = None, as_of: AsOf = None
) -> CampusStatus:
    principal.require_role(*STAFF_ON_CAMPUS)
    return CampusStatus.model_validate(await one_status(safety.pool, principal, campus_id, month, as_of))
