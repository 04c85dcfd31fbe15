"""Safety education routes: the commands of the table (Friday sessions per class, monthly
flag ceremonies, campaigns), and their reads."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.queries.education import campaign, campaign_list, ceremony_list, session, session_list
from services.safety.queries.models import FlagCeremony, SafetyCampaign, SafetySession

router = COMMANDS.router("safety education")
Week = Annotated[date | None, Param(description="Any day of the week: the session of that week's Friday")]


@page_route(router, "/safety-sessions", SafetySession, summary="Friday safety sessions in the caller's scope")
async def list_safety_sessions(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    week: Week = None,
    status: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await session_list(principal, campus_id, class_id, week, status).page(safety.pool, after, limit)


@router.get("/safety-sessions/{session_id}", summary="One safety session")
async def get_safety_session(session_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal) -> SafetySession:
    principal.require_role(*STAFF_ON_CAMPUS)
    return SafetySession.model_validate(await session(safety.pool, principal, session_id))


@page_route(router, "/flag-ceremonies", FlagCeremony, summary="Safety flag ceremonies in the caller's scope")
async def list_flag_ceremonies(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: Annotated[date | None, Param(alias="from", description="Held on or after")] = None,
    to: Annotated[date | None, Param(description="Held on or before")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await ceremony_list(principal, campus_id, from_, to).page(safety.pool, after, limit)


@page_route(router, "/safety-campaigns", SafetyCampaign, summary="Safety campaigns in the caller's scope")
async def list_safety_campaigns(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await campaign_list(principal, campus_id).page(safety.pool, after, limit)


@router.get("/safety-campaigns/{campaign_id}", summary="One safety campaign and its activities")
async def get_safety_campaign(
    campaign_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal
) -> SafetyCampaign:
    principal.require_role(*STAFF_ON_CAMPUS)
    return SafetyCampaign.model_validate(await campaign(safety.pool, principal, campaign_id))
