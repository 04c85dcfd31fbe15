"""Self-inspections: recording one (the command table's), the standard checklists, a campus's
inspections, one, and whether today's, this week's and this month's are done."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.canteen.commands import COMMANDS
from services.canteen.common import READERS
from services.canteen.events import Cadence
from services.canteen.queries.self_inspection import periods_done, self_inspection, self_inspection_list
from services.canteen.queries.self_inspection_models import (
    ChecklistEntry,
    SelfInspectionDone,
    SelfInspectionRow,
    StandardChecklist,
)
from services.canteen.self_inspection import STANDARD_CHECKLISTS
from services.eventkit.app import CurrentPrincipal
from services.eventkit.days import school_today
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit

router = COMMANDS.router("self-inspections")


@router.get("/self-inspection-checklists", summary="The standard checklist of each cadence")
async def standard_checklists(principal: CurrentPrincipal) -> list[StandardChecklist]:
    """A daily control covers every item of the daily list; the weekly and monthly lists are guidance."""
    principal.require_role(*READERS)
    return [
        StandardChecklist(
            cadence=cadence.value,
            required=cadence is Cadence.DAILY,
            items=[ChecklistEntry(item=c.item, checks=c.checks) for c in items],
        )
        for cadence, items in STANDARD_CHECKLISTS.items()
    ]


@page_route(router, "/self-inspections", SelfInspectionRow, summary="Self-inspections, with failed items and hazards")
async def list_self_inspections(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    cadence: Cadence | None = None,
    from_: Annotated[date | None, Param(alias="from", description="Done on or after this day")] = None,
    to: Annotated[date | None, Param(description="Done on or before this day")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*READERS)
    if campus_id is not None:
        principal.require(await canteen.campus(campus_id), *READERS)
    return await self_inspection_list(principal, campus_id, cadence, from_, to).page(canteen.pool, after, limit)


@router.get("/self-inspections/done", summary="Whether the day's, the week's and the month's self-inspections are done")
async def self_inspections_done(
    campus_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal, as_of: AsOf = None
) -> list[SelfInspectionDone]:
    """Per cadence: the daily control of the day, the weekly sweep of its week, the monthly review of its month."""
    principal.require(await canteen.campus(campus_id), *READERS)
    rows = await periods_done(canteen.pool, campus_id, as_of or school_today())
    return [SelfInspectionDone.model_validate(row) for row in rows]


@router.get("/self-inspections/{inspection_id}", summary="One self-inspection")
async def get_self_inspection(
    inspection_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal
) -> SelfInspectionRow:
    principal.require_role(*READERS)
    return SelfInspectionRow.model_validate(await self_inspection(canteen.pool, principal, inspection_id))
