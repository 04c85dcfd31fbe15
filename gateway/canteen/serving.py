"""The canteen's weekly menu, serving audits and violations in GraphQL: their types, their service
calls, and their part of ``Campus`` (composed in ``gateway.campus``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from gateway.common.enums import Meal
from gateway.common.pages import Connection, day, one, page
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


# -- types ---------------------------------------------------------------------------------------


@strawberry.type(description="One meal of a week's menu and its dishes")
class WeekMenuMeal:
    served_on: dt.date = strawberry.field(description="The day of the meal")
    meal: Meal = strawberry.field(description="Breakfast, lunch or dinner")
    dishes: list[str] = strawberry.field(description="The dishes served")


@strawberry.type(description="A campus's menu (菜谱) of a week, as last planned")
class WeekMenu:
    menu_id: strawberry.ID = strawberry.field(description="The menu's id: <campus>-<Monday of the week>")
    campus_id: strawberry.ID = strawberry.field(description="The campus (a directory id)")
    week_of: dt.date = strawberry.field(description="The Monday of the week")
    meals: list[WeekMenuMeal] = strawberry.field(description="The week's meals, in order")
    dishes: int = strawberry.field(description="How many dishes the week's meals serve in all")
    planned_by: str = strawberry.field(description="Who planned it last")
    planned_at: dt.datetime = strawberry.field(description="When it was planned last")
    plans: int = strawberry.field(description="How many times the week was planned (each plan replaces the last)")
    published: bool = strawberry.field(description="Whether the plan as it stands is published")
    published_by: str | None = strawberry.field(description="Who published it (null: not published)")
    published_at: dt.datetime | None = strawberry.field(description="When it was published (null: not published)")


@strawberry.type(description="The portions one server dished, weighed")
class ServerPortionWeights:
    server_id: strawberry.ID = strawberry.field(description="The canteen worker serving (a staff id)")
    grams: list[int] = strawberry.field(description="Each portion weighed, in grams")


@strawberry.type(description="How even one server's portions were")
class ServerSpread:
    server_id: strawberry.ID = strawberry.field(description="The canteen worker serving (a staff id)")
    mean_grams: int = strawberry.field(description="The mean portion, in grams")
    spread_permille: int = strawberry.field(
        description="Heaviest less lightest portion, over the target, per mille (50 is 5 %)"
    )
    within_tolerance: bool = strawberry.field(description="Whether the spread is within the district's tolerance")


@strawberry.type(description="A serving audit (打菜均匀): portions of one dish weighed per server")
class ServingAudit:
    audit_id: strawberry.ID = strawberry.field(description="The audit's id")
    campus_id: strawberry.ID = strawberry.field(description="The campus (a directory id)")
    served_on: dt.date = strawberry.field(description="The day of the meal audited")
    meal: Meal = strawberry.field(description="Breakfast, lunch or dinner")
    dish: str = strawberry.field(description="The dish whose portions were weighed")
    target_grams: int = strawberry.field(description="The portion each pupil is due, in grams")
    tolerance_permille: int = strawberry.field(description="The district's serving tolerance that day, per mille")
    portions: list[ServerPortionWeights] = strawberry.field(description="The portions weighed, per server")
    results: list[ServerSpread] = strawberry.field(description="Each server's mean and spread")
    servers_beyond: list[str] = strawberry.field(
        description="The servers beyond tolerance (each proposed for a deduction in their appraisal)"
    )
    auditor_id: str = strawberry.field(description="Who audited (a staff id)")
    audited_at: dt.datetime = strawberry.field(description="When the portions were weighed")


@strawberry.type(description="A canteen worker's violation, proposed as a deduction in their appraisal")
class CanteenViolation:
    violation_id: strawberry.ID = strawberry.field(description="The violation's id")
    campus_id: strawberry.ID = strawberry.field(description="The campus (a directory id)")
    staff_id: strawberry.ID = strawberry.field(description="The canteen worker (a staff id)")
    rule_code: str = strawberry.field(description="The appraisal rule book's code it is proposed under")
    description: str | None = strawberry.field(
        description="What was seen (null: shown only to the campus's leaders, the district and the worker)"
    )
    place: str = strawberry.field(description="Where it was seen")
    evidence_refs: list[str] | None = strawberry.field(
        description="References to photos or footage (null: shown only to the campus's leaders, the district and "
        "the worker)"
    )
    observed_by: str = strawberry.field(description="Who recorded it (a staff id)")
    observed_at: dt.datetime = strawberry.field(description="When it was seen")
    withdrawn: bool = strawberry.field(description="Whether it was withdrawn as recorded by mistake")
    withdrawn_reason: str | None = strawberry.field(description="Why it was withdrawn")
    withdrawn_by: str | None = strawberry.field(description="Who withdrew it")
    withdrawn_at: dt.datetime | None = strawberry.field(description="When it was withdrawn")


# -- service calls ---------------------------------------------------------------------------------


def monday_of(value: dt.date) -> dt.date:
    return value - dt.timedelta(days=value.weekday())


async def week_menu(info: Ctx, campus_id: str, week_of: dt.date) -> WeekMenu | None:
    menu_id = f"{campus_id}-{monday_of(week_of).isoformat()}"
    return await one(info.context, "canteen", f"/menus/{menu_id}", WeekMenu)


async def serving_audits_page(
    info: Ctx, campus_id: str | None, served_on: dt.date | None, beyond: bool | None, first: int, after: str | None
) -> Connection[ServingAudit] | None:
    return await page(
        info, "canteen", "/serving-audits", ServingAudit, "audit_id", first, after,
        campus_id=campus_id, served_on=day(served_on), beyond=beyond,
    )  # fmt: skip


async def canteen_violations_page(
    info: Ctx, campus_id: str | None, staff_id: str | None, withdrawn: bool | None, first: int, after: str | None
) -> Connection[CanteenViolation] | None:
    return await page(
        info, "canteen", "/canteen-violations", CanteenViolation, "violation_id", first, after,
        campus_id=campus_id, staff_id=staff_id, withdrawn=withdrawn,
    )  # fmt: skip


# -- the campus's part ------------------------------------------------------------------------------


@strawberry.type
class ServingOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="The campus's menu of a week (null: not planned, or not published for a parent)")
    async def menu(
        self,
        info: Ctx,
        week_of: Annotated[dt.date, strawberry.argument(description="A day of the week (YYYY-MM-DD)")],
    ) -> WeekMenu | None:
        return await week_menu(info, str(self.campus_id), week_of)

    @strawberry.field(description="The campus's serving audits, with each server's spread")
    async def serving_audits(
        self,
        info: Ctx,
        served_on: Annotated[dt.date | None, strawberry.argument(description="Only the audits of this day")] = None,
        beyond: Annotated[
            bool | None,
            strawberry.argument(description="Only those with a server beyond tolerance (true), or with none (false)"),
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[ServingAudit] | None:
        return await serving_audits_page(info, str(self.campus_id), served_on, beyond, first, after)

    @strawberry.field(description="The campus's canteen workers' violations (a worker: their own)")
    async def canteen_violations(
        self,
        info: Ctx,
        staff_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this worker's")] = None,
        withdrawn: Annotated[
            bool | None, strawberry.argument(description="Only the withdrawn (true) or standing (false)")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[CanteenViolation] | None:
        return await canteen_violations_page(info, str(self.campus_id), staff_id, withdrawn, first, after)
