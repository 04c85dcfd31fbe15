"""Parent visits: the commands of the table (schedule, reschedule, cancel, the deliveries and the
lunch, the parent's reflection, its review, the answers to its suggestions), and the reads: a
campus's visits (staff readers) or one's own (a parent), one visit with its steps, and the
published reflections (the parents of the campus read them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommands, CampusCommandsDep
from services.canteen.commands import COMMANDS
from services.canteen.common import PARENT, READERS
from services.canteen.queries.visit_models import ParentVisit, ParentVisitFile, PublishedReflection
from services.canteen.queries.visits import campuses_of_parent, published_list, visit, visit_list
from services.canteen.visits import VisitStatus
from services.eventkit.app import CurrentPrincipal
from services.eventkit.auth import Principal, Role
from services.eventkit.errors import Forbidden
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit

router = COMMANDS.router("parent visits")

From = Annotated[date | None, Param(alias="from", description="Visits on or after this day (e.g. the term's first)")]
To = Annotated[date | None, Param(description="Visits on or before this day (e.g. the term's last)")]


async def campus_readable(canteen: CampusCommands, principal: Principal, campus_id: str | None) -> set[str]:
    """The campuses of the caller's children (a parent), once the campus asked for, if any, is one
    they read: as a reader of its canteen, or as a parent of one of its pupils (else 403)."""
    mine = await campuses_of_parent(canteen.pool, principal.subject) if principal.has_role(Role.PARENT) else set()
    if campus_id is not None and campus_id not in mine:
        tenant = await canteen.campus(campus_id)
        if not principal.holds(tenant, *READERS):
            raise Forbidden(
                f"{principal.subject} reads neither the canteen of {campus_id} nor its parents' reflections"
            )
    return mine


@page_route(
    router,
    "/parent-visits",
    ParentVisit,
    summary="Parent visits, by day: a campus's (staff readers), or one's own (a parent)",
)
async def list_parent_visits(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: From = None,
    to: To = None,
    status: VisitStatus | None = None,
    parent_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    """A campus the caller reads neither as staff nor as a parent of one of its pupils: 403."""
    principal.require_role(*READERS, *PARENT)
    await campus_readable(canteen, principal, campus_id)
    q = visit_list(principal, campus_id, from_, to, status, parent_id)
    return await q.page(canteen.pool, after, limit)


@page_route(
    router,
    "/parent-visits/published",
    PublishedReflection,
    summary="Published reflections: of a campus of one's child (a parent), or of one's campuses (staff readers)",
)
async def list_published_reflections(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: From = None,
    to: To = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    """A parent reads those of the campuses of their children (another campus: 403); nothing
    unpublished is ever listed."""
    principal.require_role(*READERS, *PARENT)
    mine = await campus_readable(canteen, principal, campus_id)
    return await published_list(principal, mine, campus_id, from_, to).page(canteen.pool, after, limit)


@router.get("/parent-visits/{visit_id}", summary="One parent visit, with its steps, reflection and answers")
async def get_parent_visit(visit_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal) -> ParentVisitFile:
    """A staff reader of its campus, or the visiting parent; anyone else: a 404."""
    principal.require_role(*READERS, *PARENT)
    return ParentVisitFile.model_validate(await visit(canteen.pool, principal, visit_id))
