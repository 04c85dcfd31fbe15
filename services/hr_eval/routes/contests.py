"""Contests, awards and honours: the commands of the table (announce, score, rank, grant, record)
and the reads (contests, one contest with its sheets and ranking, awards, honours). Any member of
staff of the school reads them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.hr_eval.commands import COMMANDS
from services.hr_eval.common import STAFF
from services.hr_eval.events import ContestKind, Level
from services.hr_eval.queries.contests import award_list, contest, contest_list, honour_list
from services.hr_eval.queries.models import Award, Contest, ContestFile, Honour

router = COMMANDS.router("contests")

From = Annotated[date | None, Param(alias="from", description="Awarded on or after")]
To = Annotated[date | None, Param(description="Awarded on or before")]


@page_route(router, "/contests", Contest, summary="Contests of the schools in scope, with their rankings")
async def list_contests(
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    campus_id: str | None = None,
    kind: ContestKind | None = None,
    level: Level | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await contest_list(principal, school_id, campus_id, kind, level).page(hr_eval.pool, after, limit)


@router.get("/contests/{contest_id}", summary="One contest: rounds, criteria, entrants, every sheet, the ranking")
async def get_contest(contest_id: str, hr_eval: CampusCommandsDep, principal: CurrentPrincipal) -> ContestFile:
    principal.require_role(*STAFF)
    return ContestFile.model_validate(await contest(hr_eval.pool, principal, contest_id))


@page_route(router, "/awards", Award, summary="Awards granted at the schools in scope")
async def list_awards(
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    staff_id: str | None = None,
    level: Level | None = None,
    from_: From = None,
    to: To = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await award_list(principal, school_id, staff_id, level, from_, to).page(hr_eval.pool, after, limit)


@page_route(router, "/honours", Honour, summary="Honours of the schools in scope")
async def list_honours(
    hr_eval: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    from_: From = None,
    to: To = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await honour_list(principal, school_id, from_, to).page(hr_eval.pool, after, limit)
