"""Parent communication routes: the commands of the table (record a letter, talk or post; count
its reach again), and the reads (the list, one communication, a campus's term by theme and kind)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.events import CommunicationKind, SafetyTheme
from services.safety.queries.models import CommunicationSummary, ParentCommunication
from services.safety.queries.outreach import communication, communication_list, communication_summary

router = COMMANDS.router("parent communications")


@page_route(
    router,
    "/parent-communications",
    ParentCommunication,
    summary="Letters to parents, expert talks and WeChat posts on safety, in the caller's scope",
)
async def list_parent_communications(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    term_id: str | None = None,
    kind: CommunicationKind | None = None,
    theme: SafetyTheme | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await communication_list(principal, campus_id, term_id, kind, theme).page(safety.pool, after, limit)


@router.get(
    "/parent-communications/summary",
    summary="A campus's parent communications of a term by theme and by kind, with the families reached",
)
async def parent_communication_summary(
    safety: CampusCommandsDep, principal: CurrentPrincipal, campus_id: str, term_id: str
) -> CommunicationSummary:
    principal.require_role(*STAFF_ON_CAMPUS)
    tenant = await safety.campus(campus_id)
    principal.require(tenant, *STAFF_ON_CAMPUS)
    return CommunicationSummary.model_validate(await communication_summary(safety.pool, principal, campus_id, term_id))


@router.get("/parent-communications/{communication_id}", summary="One parent communication")
async def get_parent_communication(
    communication_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal
) -> ParentCommunication:
    principal.require_role(*STAFF_ON_CAMPUS)
    return ParentCommunication.model_validate(await communication(safety.pool, principal, communication_id))
