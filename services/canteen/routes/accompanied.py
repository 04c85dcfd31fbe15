"""Accompanied meals (陪餐): the leaders' record (the table's custom command), the list of a
campus's accompanied meals (leaders' and parents'), and its coverage per week."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.canteen.commands import COMMANDS
from services.canteen.common import READERS
from services.canteen.events import DinerKind
from services.canteen.queries.committee import accompanied_list, meal_coverage
from services.canteen.queries.committee_models import AccompaniedMealRow, MealCoverage
from services.eventkit.app import CurrentPrincipal
from services.eventkit.days import school_today
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, NotFound
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit

router = COMMANDS.router("accompanied-meals")

From = Annotated[date | None, Param(alias="from", description="Served on or after")]
To = Annotated[date | None, Param(description="Served on or before")]


@page_route(
    router, "/accompanied-meals", AccompaniedMealRow, summary="Accompanied meals (leaders' and parents'), by day"
)
async def list_accompanied_meals(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: From = None,
    to: To = None,
    diner_id: str | None = None,
    diner_kind: DinerKind | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*READERS)
    kind = diner_kind.value if diner_kind else None
    return await accompanied_list(principal, campus_id, from_, to, diner_id, kind).page(canteen.pool, after, limit)


@router.get(
    "/campuses/{campus_id}/meal-coverage",
    summary="A week's coverage: school days with a leader's accompanied lunch, and leaders' and parents' meals",
)
async def get_meal_coverage(
    campus_id: str,
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    week_of: Annotated[
        date | None, Param(description="A day of the week (its Monday names it); default: today at the school")
    ] = None,
) -> MealCoverage:
    principal.require_role(*READERS)
    row = await canteen.pool.fetchrow(
        "SELECT school_id, district_id FROM directory_campuses WHERE campus_id = $1", campus_id
    )
    if row is None:
        raise NotFound(f"campus {campus_id} not found")
    tenant = TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=campus_id)
    if not principal.holds(tenant, *READERS):
        raise Forbidden(f"{principal.subject} does not read campus {campus_id}")
    found = await meal_coverage(canteen.pool, campus_id, row["school_id"], week_of or school_today())
    return MealCoverage.model_validate(found)
