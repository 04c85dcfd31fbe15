"""The weekly menu, serving audits, violations and the serving-skill contest: the commands of the
table, and their reads (see :mod:`services.canteen.queries.serving` for who reads what)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.canteen.commands import COMMANDS
from services.canteen.common import monday_of
from services.canteen.queries.serving import (
    CanteenViolation,
    ServingAuditRow,
    ServingContestRow,
    WeekMenu,
    audit,
    audit_list,
    contest,
    contest_list,
    menu,
    menu_list,
    violation,
    violation_list,
)
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit

router = COMMANDS.router("serving")

Campus = Annotated[str | None, Param(description="Only this campus")]


@page_route(router, "/menus", WeekMenu, summary="Weekly menus (a parent: the published ones of their child's campus)")
async def list_menus(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: Campus = None,
    week_of: Annotated[date | None, Param(description="Only the week of this day")] = None,
    published: Annotated[bool | None, Param(description="Only the published (true) or unpublished (false)")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    week = monday_of(week_of) if week_of else None
    return await menu_list(principal, campus_id, week, published).page(canteen.pool, after, limit)


@router.get("/menus/{menu_id}", summary="One weekly menu")
async def get_menu(menu_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal) -> WeekMenu:
    return WeekMenu.model_validate(await menu(canteen.pool, principal, menu_id))


@page_route(router, "/serving-audits", ServingAuditRow, summary="Serving audits with their results per server")
async def list_serving_audits(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: Campus = None,
    served_on: Annotated[date | None, Param(description="Only the audits of this day")] = None,
    server_id: Annotated[str | None, Param(description="Only the audits weighing this server's portions")] = None,
    beyond: Annotated[
        bool | None, Param(description="Only those with a server beyond tolerance (true), or with none (false)")
    ] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await audit_list(principal, campus_id, served_on, server_id, beyond).page(canteen.pool, after, limit)


@router.get("/serving-audits/{audit_id}", summary="One serving audit")
async def get_serving_audit(audit_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal) -> ServingAuditRow:
    return ServingAuditRow.model_validate(await audit(canteen.pool, principal, audit_id))


@page_route(router, "/canteen-violations", CanteenViolation, summary="Canteen workers' violations")
async def list_canteen_violations(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: Campus = None,
    staff_id: Annotated[str | None, Param(description="Only this worker's")] = None,
    withdrawn: Annotated[bool | None, Param(description="Only the withdrawn (true) or standing (false)")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await violation_list(principal, campus_id, staff_id, withdrawn).page(canteen.pool, after, limit)


@router.get("/canteen-violations/{violation_id}", summary="One canteen worker's violation")
async def get_canteen_violation(
    violation_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal
) -> CanteenViolation:
    return CanteenViolation.model_validate(await violation(canteen.pool, principal, violation_id))


@page_route(router, "/serving-contests", ServingContestRow, summary="Serving-skill contests, with their ranking")
async def list_serving_contests(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: Campus = None,
    concluded: Annotated[bool | None, Param(description="Only the concluded (true) or open (false)")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await contest_list(principal, campus_id, concluded).page(canteen.pool, after, limit)


@router.get("/serving-contests/{contest_id}", summary="One serving-skill contest, with its sheets and ranking")
async def get_serving_contest(
    contest_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal
) -> ServingContestRow:
    return ServingContestRow.model_validate(await contest(canteen.pool, principal, contest_id))
