"""The campus's food-safety ledger (食安台账), of a day and of a week. Reads only: no command is
tagged "ledger", so the router is a plain one."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.canteen.queries.ledger import ledger_day, ledger_week
from services.canteen.queries.ledger_models import LedgerDay, LedgerWeek
from services.eventkit.app import CurrentPrincipal
from services.eventkit.days import school_today
from services.eventkit.errors import InvalidInput

router = APIRouter(tags=["ledger"])

REFUSALS: dict[int | str, dict[str, str]] = {
    403: {"description": "Not a reader of the campus, nor a parent of one of its pupils"},
    404: {"description": "No such campus"},
}


@router.get(
    "/ledger/{campus_id}",
    summary="The campus's food-safety ledger of a day: checks, samples, deliveries, tests, temperatures, "
    "accompanied meals, the week's parent visit, certificates expiring, the fridge",
    responses=REFUSALS,
)
async def get_ledger_day(
    campus_id: str,
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    on: Annotated[
        date | None, Param(description="The day (YYYY-MM-DD); default: today at the school", examples=["2020-10-12"])
    ] = None,
) -> LedgerDay:
    """The campus's readers read it whole; a parent of one of its pupils reads its figures (no
    worker's name)."""
    return await ledger_day(canteen.pool, principal, campus_id, on or school_today())


@router.get(
    "/ledger/{campus_id}/weeks/{monday}",
    summary="The campus's food-safety ledger of a week: each day's figures and the week's totals",
    responses=REFUSALS,
)
async def get_ledger_week(
    campus_id: str,
    monday: Annotated[date, PathParam(description="The week's Monday (YYYY-MM-DD)", examples=["2020-10-12"])],
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
) -> LedgerWeek:
    """Monday to Sunday; what stands (stood down, open actions, the fridge) as of the week's end."""
    if monday.weekday() != 0:
        raise InvalidInput(f"{monday} is not a Monday: a week is named by its Monday", field="path.monday")
    return await ledger_week(canteen.pool, principal, campus_id, monday)
