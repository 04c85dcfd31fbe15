"""Hazard routes: the commands of the table (report, assign in-house, escalate, rectify,
verify), and the reads (list, one)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.events import Severity
from services.safety.queries.hazards import hazard, hazard_list
from services.safety.queries.models import Hazard

router = COMMANDS.router("hazards")


@page_route(router, "/hazards", Hazard, summary="Hazards reported by a day in the caller's scope, open or not then")
async def list_hazards(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: str | None = None,
    severity: Severity | None = None,
    open_only: bool = False,
    after: After = None,
    limit: Limit = 100,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = hazard_list(principal, campus_id, status, severity, open_only, as_of)
    return await q.page(safety.pool, after, limit)


@router.get("/hazards/{hazard_id}", summary="One hazard")
async def get_hazard(
    hazard_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal, as_of: AsOf = None
) -> Hazard:
    principal.require_role(*STAFF_ON_CAMPUS)
    return Hazard.model_validate(await hazard(safety.pool, principal, hazard_id, as_of))
