"""The meal committee: the commands of the table (form, members join and leave, meetings), and
the reads (committees with their members and meetings; a school's committees of a term, and
whether the district asks for an oversight committee)."""

from __future__ import annotations

from datetime import date

from services.campus.mirror import term_in_calendar
from services.campus.scoped import CampusCommandsDep
from services.canteen.commands import COMMANDS, rules_in_force
from services.canteen.common import READERS
from services.canteen.queries.committee import committee, committee_list, committees_of_term
from services.canteen.queries.committee_models import Committee, CommitteesOfTerm
from services.eventkit.app import CurrentPrincipal
from services.eventkit.days import school_today
from services.eventkit.errors import Forbidden, NotFound
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit

router = COMMANDS.router("committee")


@page_route(router, "/meal-committees", Committee, summary="Meal committees with their members and meetings")
async def list_committees(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    term_id: str | None = None,
    oversight: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*READERS)
    return await committee_list(principal, school_id, term_id, oversight).page(canteen.pool, after, limit)


@router.get(
    "/schools/{school_id}/meal-committees/{term_id}",
    summary="A school's meal committee and oversight committee of a term, and whether the district requires the latter",
)
async def get_committees_of_term(
    school_id: str, term_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal
) -> CommitteesOfTerm:
    principal.require_role(*READERS)
    tenant = await canteen.school(school_id)
    if not await canteen.covers(principal, tenant, *READERS):
        raise Forbidden(f"{principal.subject} reads no campus of school {school_id}")
    term = await term_in_calendar(canteen.pool, school_id, term_id)
    if term is None:
        raise NotFound(f"term {term_id} is not in the calendar of school {school_id}")
    day: date = min(max(school_today(), term["starts_on"]), term["ends_on"])  # the rules of the term
    assert tenant.district_id is not None
    rules = await rules_in_force(canteen, tenant.district_id, day)
    found = await committees_of_term(canteen.pool, principal, school_id, term_id, rules.oversight_committee_required)
    return CommitteesOfTerm.model_validate(found)


@router.get("/meal-committees/{committee_id}", summary="One committee with its members and meetings")
async def get_committee(committee_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal) -> Committee:
    principal.require_role(*READERS)
    return Committee.model_validate(await committee(canteen.pool, principal, committee_id))
