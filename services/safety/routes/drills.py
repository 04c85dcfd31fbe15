"""Drill routes: the commands of the table (plan, conduct, summarise), and the reads (the
drills of a campus, one drill, their monthly coverage by kind)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.events import DrillKind
from services.safety.queries.drills import coverage, drill, drill_list
from services.safety.queries.models import Drill, DrillCoverage

router = COMMANDS.router("drills")
Month = Annotated[date | None, Param(description="Any day of the month: drills conducted (or else planned) in it")]


@page_route(router, "/drills", Drill, summary="Drills in the caller's scope")
async def list_drills(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    kind: DrillKind | None = None,
    month: Month = None,
    conducted: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await drill_list(principal, campus_id, kind, month, conducted).page(safety.pool, after, limit)


@router.get("/drills/coverage", summary="Drills conducted on a campus per month and kind, over a range (a term)")
async def drill_coverage(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str,
    from_: Annotated[date, Param(alias="from", description="First day of the range")],
    to: Annotated[date, Param(description="Last day of the range")],
    as_of: AsOf = None,
) -> DrillCoverage:
    principal.require_role(*STAFF_ON_CAMPUS)
    principal.require_scope(await safety.campus(campus_id))
    return DrillCoverage.model_validate(await coverage(safety.pool, campus_id, from_, to, as_of))


@router.get("/drills/{drill_id}", summary="One drill")
async def get_drill(drill_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal) -> Drill:
    principal.require_role(*STAFF_ON_CAMPUS)
    return Drill.model_validate(await drill(safety.pool, principal, drill_id))
