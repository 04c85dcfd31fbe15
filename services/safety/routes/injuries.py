"""Injury routes: the commands of the table (report, tell the parents, follow up, close), and
the reads (the injuries in scope, their counts by setting, one injury)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS, withhold_injury
from services.safety.events import InjurySetting
from services.safety.queries.injuries import injury, injury_list, summary_by_setting
from services.safety.queries.models import Injury, InjuryFile, InjurySummary

router = COMMANDS.router("injuries")
From = Annotated[date | None, Param(alias="from", description="Happened on or after")]
To = Annotated[date | None, Param(description="Happened on or before")]


@page_route(
    router,
    "/injuries",
    Injury,
    summary="Student injuries in the caller's scope",
    description="What happened, the first aid, the notes, cause and measures are for the campus's safety "
    "managers, the vice principals, the medical room, the class's teachers and the reporter; for others "
    "they are null and details_withheld is true.",
)
async def list_injuries(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    student_id: str | None = None,
    setting: InjurySetting | None = None,
    open: Annotated[bool | None, Param(description="true: not closed yet; false: closed")] = None,
    from_: From = None,
    to: To = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = injury_list(principal, campus_id, class_id, student_id, setting, open, from_, to)
    page = await q.page(safety.pool, after, limit)
    page.items = [withhold_injury(row, principal) for row in page.items]
    return page


@router.get("/injuries/summary", summary="Injuries counted by setting (PE, breaks, activities) over a range")
async def injury_summary(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: From = None,
    to: To = None,
) -> InjurySummary:
    principal.require_role(*STAFF_ON_CAMPUS)
    return InjurySummary.model_validate(await summary_by_setting(safety.pool, principal, campus_id, from_, to))


@router.get("/injuries/{injury_id}", summary="One injury and its follow-ups")
async def get_injury(injury_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal) -> InjuryFile:
    principal.require_role(*STAFF_ON_CAMPUS)
    return InjuryFile.model_validate(withhold_injury(await injury(safety.pool, principal, injury_id), principal))
