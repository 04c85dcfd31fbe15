"""The kitchen's daily records: the commands of the table (samples, meals, certificates, morning
checks, temperatures) and their reads, for the canteen's readers (never parents)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommands, CampusCommandsDep
from services.canteen.commands import COMMANDS, rules_in_force
from services.canteen.common import READERS
from services.canteen.events import Meal, UnitKind
from services.canteen.queries.kitchen import (
    check_day,
    check_list,
    checks_page,
    expiring_list,
    meal_list,
    reading_list,
    sample,
    sample_list,
    unit_list,
    worker_list,
    workers_page,
)
from services.canteen.queries.kitchen_models import (
    CanteenWorkerRow,
    ExpiringCertificate,
    FoodSample,
    MealServedRow,
    MorningCheck,
    MorningCheckDay,
    TemperatureReading,
    TemperatureUnitRow,
)
from services.eventkit.app import CurrentPrincipal
from services.eventkit.auth import Principal
from services.eventkit.days import school_today
from services.eventkit.envelope import TenantPath
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit

samples_router = COMMANDS.router("samples")
staff_health_router = COMMANDS.router("staff-health")
temperatures_router = COMMANDS.router("temperatures")

Day = Annotated[date | None, Param(description="The day (YYYY-MM-DD)")]


async def reader_of(canteen: CampusCommands, principal: Principal, campus_id: str | None) -> TenantPath | None:
    """A reader of the canteen (403), of the campus asked for if one is (403 outside their scope)."""
    principal.require_role(*READERS)
    if campus_id is None:
        return None
    tenant = await canteen.campus(campus_id)
    principal.require(tenant, *READERS)
    return tenant


# -- samples and meals -----------------------------------------------------------------------


@page_route(samples_router, "/food-samples", FoodSample, summary="Food samples, with when each may be released")
async def list_food_samples(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    served_on: Day = None,
    meal: Meal | None = None,
    in_fridge: Annotated[bool | None, Param(description="true: still kept; false: disposed of")] = None,
    held: Annotated[bool | None, Param(description="true: held for an investigation")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await reader_of(canteen, principal, campus_id)
    query = sample_list(principal, campus_id, served_on, meal.value if meal else None, in_fridge, held)
    return await query.page(canteen.pool, after, limit)


@samples_router.get("/food-samples/{sample_id}", summary="One food sample")
async def get_food_sample(sample_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal) -> FoodSample:
    principal.require_role(*READERS)
    return FoodSample.model_validate(await sample(canteen.pool, principal, sample_id))


@page_route(samples_router, "/meals", MealServedRow, summary="Meals served, each dish sampled or not")
async def list_meals(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    served_on: Day = None,
    meal: Meal | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await reader_of(canteen, principal, campus_id)
    return await meal_list(principal, campus_id, served_on, meal.value if meal else None).page(
        canteen.pool, after, limit
    )


# -- canteen staff: certificates and morning checks ----------------------------------------------


@page_route(
    staff_health_router,
    "/morning-checks",
    MorningCheck,
    summary="Morning checks (the symptoms only for those who read health data)",
)
async def list_morning_checks(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    on: Day = None,
    staff_id: str | None = None,
    passed: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await reader_of(canteen, principal, campus_id)
    query = check_list(principal, campus_id, on, staff_id, passed)
    return await checks_page(principal, canteen.pool, query, after, limit)


@staff_health_router.get(
    "/morning-checks/day", summary="A campus's morning checks on a day: x checked of y canteen workers, stood down"
)
async def morning_check_day(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str,
    on: Day = None,
) -> MorningCheckDay:
    await reader_of(canteen, principal, campus_id)
    return MorningCheckDay.model_validate(await check_day(canteen.pool, campus_id, on or school_today()))


@page_route(
    staff_health_router,
    "/canteen-workers",
    CanteenWorkerRow,
    summary="Canteen workers: their health certificate, and whether they are stood down",
)
async def list_canteen_workers(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    stood_down: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await reader_of(canteen, principal, campus_id)
    return await workers_page(principal, canteen.pool, worker_list(principal, campus_id, stood_down), after, limit)


@page_route(
    staff_health_router,
    "/health-certificates/expiring",
    ExpiringCertificate,
    summary="A campus's health certificates expiring within the district's warning days (or expired)",
)
async def list_expiring_certificates(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str,
    as_of: AsOf = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    tenant = await reader_of(canteen, principal, campus_id)
    assert tenant is not None and tenant.district_id is not None
    day = as_of or school_today()
    rules = await rules_in_force(canteen, tenant.district_id, day)
    query = expiring_list(principal, campus_id, day, rules.certificate_warning_days)
    return await query.page(canteen.pool, after, limit)


# -- temperatures --------------------------------------------------------------------------------


@page_route(
    temperatures_router,
    "/temperature-units",
    TemperatureUnitRow,
    summary="Temperature units, their limits, last reading and open corrective actions",
)
async def list_temperature_units(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    kind: UnitKind | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await reader_of(canteen, principal, campus_id)
    return await unit_list(principal, campus_id, kind.value if kind else None).page(canteen.pool, after, limit)


@page_route(
    temperatures_router,
    "/temperature-readings",
    TemperatureReading,
    summary="Temperature readings; action_open=true: the open corrective actions (count=true counts them)",
)
async def list_temperature_readings(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    unit_id: str | None = None,
    within_limits: bool | None = None,
    action_open: Annotated[
        bool | None, Param(description="true: out of limits and no corrective action yet (an open one)")
    ] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await reader_of(canteen, principal, campus_id)
    query = reading_list(principal, campus_id, unit_id, within_limits, action_open)
    return await query.page(canteen.pool, after, limit)
