"""Camera coverage routes: the commands of the table (map an area, install, remove, out of order,
repaired), and the reads (areas with their coverage on a day, one area's changes, the injuries
and hazards of a campus and period in covered and uncovered areas)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.days import school_today
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.queries.cameras import area_file, area_page, incident_coverage
from services.safety.queries.models import CameraArea, CameraAreaFile, IncidentCoverage

router = COMMANDS.router("camera coverage")


@page_route(
    router, "/camera-areas", CameraArea, summary="Camera areas in the caller's scope, with their coverage on a day"
)
async def list_camera_areas(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    covered: Annotated[bool | None, Param(description="true: only areas covered that day; false: uncovered")] = None,
    as_of: AsOf = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await area_page(safety.pool, principal, campus_id, covered, as_of or school_today(), after, limit)


@router.get(
    "/camera-areas/incidents",
    summary="A campus's injuries and hazards over a range, in covered and uncovered camera areas",
    description="An incident is placed in the area its report named (camera_area_id), else (a hazard) in the "
    "area whose place, or building and place, its place text is; it counts as covered or uncovered by the "
    "area's coverage on the day it happened, or as unplaced.",
)
async def camera_area_incidents(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str,
    from_: Annotated[date | None, Param(alias="from", description="Happened on or after")] = None,
    to: Annotated[date | None, Param(description="Happened on or before")] = None,
) -> IncidentCoverage:
    principal.require_role(*STAFF_ON_CAMPUS)
    tenant = await safety.campus(campus_id)
    principal.require(tenant, *STAFF_ON_CAMPUS)
    return IncidentCoverage.model_validate(await incident_coverage(safety.pool, principal, campus_id, from_, to))


@router.get("/camera-areas/{area_id}", summary="One camera area: its coverage on a day and every camera change")
async def get_camera_area(
    area_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal, as_of: AsOf = None
) -> CameraAreaFile:
    principal.require_role(*STAFF_ON_CAMPUS)
    return CameraAreaFile.model_validate(await area_file(safety.pool, principal, area_id, as_of or school_today()))
