"""The canteen's food-safety ledger (食安台账) on ``Campus``: its types, its loader, and the
``LedgerOnCampus`` part of the campus (composed in ``gateway.campus``) with
``canteen(date: ..., weekOf: ...)``: a day's ledger or a week's, exactly one of them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from gateway.clients import ServiceError, ServiceUnavailable, service_path
from gateway.common.pages import graphql_error, row
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


@strawberry.type(
    description="A campus's food-safety figures of one day: counts of the day's acts; stood down, open "
    "corrective actions and samples in the fridge as of the day's end (or now, for today)"
)
class CanteenLedgerDay:
    on: dt.date = strawberry.field(description="The day")
    canteen_workers: int = strawberry.field(description="Canteen workers on the campus's staff that day")
    workers_checked: int = strawberry.field(description="Workers given a morning check (晨检) that day")
    checks: int = strawberry.field(description="Morning checks recorded (one per worker and shift)")
    checks_failed: int = strawberry.field(description="Morning checks failed")
    stood_down: int = strawberry.field(description="Workers stood down and not yet cleared")
    meals_served: int = strawberry.field(description="Meals served")
    dishes_served: int = strawberry.field(description="Dishes of the meals served")
    samples_retained: int = strawberry.field(description="Samples retained (留样) of the day's dishes")
    dishes_without_sample: int = strawberry.field(description="Dishes found served without a sample")
    deliveries_received: int = strawberry.field(description="Deliveries received")
    deliveries_signed: int = strawberry.field(description="Deliveries whose two-person acceptance was signed")
    delivery_lines: int = strawberry.field(description="Lines of the deliveries received")
    lines_rejected: int = strawberry.field(description="Delivery lines rejected")
    pesticide_tests: int = strawberry.field(description="Pesticide quick tests (农残快检)")
    pesticide_failures: int = strawberry.field(description="Pesticide quick tests failed")
    temperature_readings: int = strawberry.field(description="Temperature readings")
    temperatures_out_of_limit: int = strawberry.field(description="Readings out of their unit's limits")
    corrective_actions_taken: int = strawberry.field(description="Corrective actions taken")
    corrective_actions_open: int = strawberry.field(
        description="Out-of-limit readings (that day or before) without a corrective action yet"
    )
    leader_meals: int = strawberry.field(description="Meals a school leader ate with the pupils (陪餐)")
    teacher_meals: int = strawberry.field(description="Meals a teacher ate with the pupils")
    parent_meals: int = strawberry.field(description="Meals a parent ate with the pupils (a parent visit's lunch)")
    samples_in_fridge: int = strawberry.field(description="Samples in the fridge (retained, not disposed of)")


@strawberry.type(
    description="A week's food-safety figures: the days' counts summed; canteen workers, stood down, open "
    "corrective actions and samples in the fridge as of the week's end"
)
class CanteenLedgerTotals:
    canteen_workers: int = strawberry.field(description="Canteen workers on the staff at the week's end")
    workers_checked: int = strawberry.field(description="Workers checked, summed over the days")
    checks: int = strawberry.field(description="Morning checks recorded")
    checks_failed: int = strawberry.field(description="Morning checks failed")
    stood_down: int = strawberry.field(description="Workers stood down at the week's end")
    meals_served: int = strawberry.field(description="Meals served")
    dishes_served: int = strawberry.field(description="Dishes served")
    samples_retained: int = strawberry.field(description="Samples retained")
    dishes_without_sample: int = strawberry.field(description="Dishes found served without a sample")
    deliveries_received: int = strawberry.field(description="Deliveries received")
    deliveries_signed: int = strawberry.field(description="Deliveries whose acceptance was signed")
    delivery_lines: int = strawberry.field(description="Lines of the deliveries received")
    lines_rejected: int = strawberry.field(description="Delivery lines rejected")
    pesticide_tests: int = strawberry.field(description="Pesticide quick tests")
    pesticide_failures: int = strawberry.field(description="Pesticide quick tests failed")
    temperature_readings: int = strawberry.field(description="Temperature readings")
    temperatures_out_of_limit: int = strawberry.field(description="Readings out of limits")
    corrective_actions_taken: int = strawberry.field(description="Corrective actions taken")
    corrective_actions_open: int = strawberry.field(description="Corrective actions open at the week's end")
    leader_meals: int = strawberry.field(description="Meals a school leader ate with the pupils")
    teacher_meals: int = strawberry.field(description="Meals a teacher ate with the pupils")
    parent_meals: int = strawberry.field(description="Meals a parent ate with the pupils")
    samples_in_fridge: int = strawberry.field(description="Samples in the fridge at the week's end")
    days_served: int = strawberry.field(description="Days on which a meal was served")
    days_with_leader_meal: int = strawberry.field(
        description="Days on which a school leader ate with the pupils (the week's coverage)"
    )


@strawberry.type(description="The week's parent visit (家长进校园), as it stood")
class CanteenLedgerVisit:
    visit_id: strawberry.ID = strawberry.field(description="The visit")
    week_of: dt.date | None = strawberry.field(description="The Monday of the visit's week")
    visit_on: dt.date | None = strawberry.field(description="The day of the visit")
    parent_name: str | None = strawberry.field(description="The visiting parent (null for a parent reading it)")
    cancelled: bool = strawberry.field(description="The visit was cancelled")
    deliveries_inspected: bool = strawberry.field(description="The parent weighed and inspected the deliveries")
    done: bool = strawberry.field(description="The parent ate lunch with the pupils: the visit took place")
    reflection_submitted: bool = strawberry.field(description="The parent submitted a reflection")
    reflection_published: bool = strawberry.field(description="The reflection was published to the parents")
    published_at: dt.datetime | None = strawberry.field(description="When the reflection was published")
    channel: str | None = strawberry.field(description="Where the reflection was published")


@strawberry.type(description="A certificate expiring within the district's warning days (or a worker's expired)")
class LedgerCertificate:
    kind: str = strawberry.field(
        description="health (a worker's 健康证), or a delivery's: supplier_licence, quarantine, inspection_report"
    )
    number: str = strawberry.field(description="The certificate's number")
    expires_on: dt.date = strawberry.field(description="Its expiry")
    days_left: int = strawberry.field(description="Days from the ledger's day to the expiry (negative: expired)")
    staff_id: strawberry.ID | None = strawberry.field(description="The worker, for a health certificate")
    staff_name: str | None = strawberry.field(description="The worker's name (null for a parent)")
    supplier_name: str | None = strawberry.field(description="The supplier, for a delivery's certificate")
    item: str | None = strawberry.field(description="The delivery line's item, for a line's certificate")
    delivery_id: strawberry.ID | None = strawberry.field(description="The delivery it came with")


@strawberry.type(description="A food sample in the fridge (留样), and when it may be released")
class LedgerFridgeSample:
    sample_id: strawberry.ID = strawberry.field(description="The sample")
    served_on: dt.date = strawberry.field(description="The day of its meal")
    meal: str = strawberry.field(description="breakfast, lunch or dinner")
    dish: str = strawberry.field(description="The dish sampled")
    grams: int = strawberry.field(description="Its weight in grams")
    unit_id: str | None = strawberry.field(description="The sample fridge")
    retained_at: dt.datetime = strawberry.field(description="When it was retained")
    release_after: dt.datetime = strawberry.field(description="The earliest it may be disposed of")
    held: bool = strawberry.field(description="Held for an investigation")
    releasable: bool = strawberry.field(description="Its time has come and it is not held")


@strawberry.type(description="An out-of-limit temperature reading without a corrective action yet")
class LedgerOpenAction:
    reading_id: strawberry.ID = strawberry.field(description="The reading")
    unit_id: str = strawberry.field(description="The fridge, freezer or hot holding unit")
    unit_name: str | None = strawberry.field(description="The unit's name")
    unit_kind: str | None = strawberry.field(description="fridge, freezer, hot_holding, sample_fridge, dishwasher")
    c10: int = strawberry.field(description="The reading, in tenths of a degree Celsius")
    min_c10: int | None = strawberry.field(description="The unit's lower limit")
    max_c10: int | None = strawberry.field(description="The unit's upper limit")
    read_at: dt.datetime = strawberry.field(description="When it was read")
    days_open: int = strawberry.field(description="Days since the reading")


@strawberry.type(description="A canteen worker's morning checks of the day")
class LedgerWorkerCheck:
    staff_id: strawberry.ID = strawberry.field(description="The worker")
    name: str = strawberry.field(description="The worker's name")
    checks: int = strawberry.field(description="Checks recorded that day")
    passed: bool | None = strawberry.field(description="Every check of the day passed (null: not checked)")
    stood_down: bool = strawberry.field(description="Stood down and not yet cleared")


@strawberry.type(
    description="A campus's food-safety ledger (食安台账) of a day or a week: each day's figures (and a week's "
    "totals), the week's parent visit, certificates expiring, the samples in the fridge and the open "
    "corrective actions. A parent of one of the campus's pupils reads it without any name."
)
class CanteenLedger:
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    on: dt.date | None = strawberry.field(description="The day, for a day's ledger (null for a week's)")
    week_of: dt.date = strawberry.field(description="The Monday of the week")
    as_of: dt.datetime = strawberry.field(description="The instant what stands is of: the end, or now")
    warning_days: int = strawberry.field(description="The district's certificate warning days")
    days: list[CanteenLedgerDay] = strawberry.field(description="The day's figures, or each day of the week")
    totals: CanteenLedgerTotals | None = strawberry.field(description="The week's totals (null for a day)")
    visit: CanteenLedgerVisit | None = strawberry.field(description="The week's parent visit")
    certificates: list[LedgerCertificate] = strawberry.field(description="Certificates expiring")
    fridge: list[LedgerFridgeSample] = strawberry.field(description="The samples in the fridge, earliest release first")
    open_actions: list[LedgerOpenAction] = strawberry.field(description="Corrective actions still open")
    workers: list[LedgerWorkerCheck] | None = strawberry.field(
        description="Each canteen worker's checks, for a day (null for a week, or for a parent)"
    )


async def _ledger_json(info: Ctx, path: str, **params: Any) -> dict[str, Any] | None:
    info.context.require()
    try:
        found: dict[str, Any] = await info.context.caller.get("canteen", path, **params)
    except ServiceError as exc:
        if exc.status == 404:
            return None
        raise graphql_error(exc) from None
    except ServiceUnavailable as exc:
        raise graphql_error(exc) from None
    return found


async def canteen_ledger(
    info: Ctx, campus_id: str, date: dt.date | None, week_of: dt.date | None
) -> CanteenLedger | None:
    """A day's ledger (``date``) or a week's (``week_of``, a Monday): null for an unknown campus."""
    if (date is None) == (week_of is None):
        raise GraphQLError(
            "canteen takes exactly one of date (a day's ledger) and weekOf (a week's, by its Monday)",
            extensions={"code": "BAD_USER_INPUT", "field": "date" if date is None else "weekOf"},
        )
    if date is not None:
        data = await _ledger_json(info, service_path("/ledger/{campus_id}", campus_id=campus_id), on=date.isoformat())
        if data is None:
            return None
        return row(CanteenLedger, data | {"days": [data], "totals": None})
    assert week_of is not None
    path = service_path("/ledger/{campus_id}/weeks/{monday}", campus_id=campus_id, monday=week_of.isoformat())
    data = await _ledger_json(info, path)
    if data is None:
        return None
    return row(CanteenLedger, data | {"on": None, "workers": None})


@strawberry.type
class LedgerOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(
        description="The campus's food-safety ledger (食安台账) of a day (date) or a week (weekOf, its Monday): "
        "exactly one of them"
    )
    async def canteen(
        self,
        info: Ctx,
        date: Annotated[dt.date | None, strawberry.argument(description="The day (a day's ledger)")] = None,
        week_of: Annotated[
            dt.date | None, strawberry.argument(description="The week's Monday (a week's ledger)")
        ] = None,
    ) -> CanteenLedger | None:
        return await canteen_ledger(info, str(self.campus_id), date, week_of)


@strawberry.type
class LedgerQuery:
    @strawberry.field(
        description="A campus's food-safety ledger (食安台账) of a day (date) or a week (weekOf, its Monday), exactly "
        "one of them: the same as Campus.canteen, for a parent too (who reads their child's campus, not the "
        "directory's campus)"
    )
    async def canteen_ledger(
        self,
        info: Ctx,
        campus_id: Annotated[strawberry.ID, strawberry.argument(description="The campus")],
        date: Annotated[dt.date | None, strawberry.argument(description="The day (a day's ledger)")] = None,
        week_of: Annotated[
            dt.date | None, strawberry.argument(description="The week's Monday (a week's ledger)")
        ] = None,
    ) -> CanteenLedger | None:
        return await canteen_ledger(info, str(campus_id), date, week_of)
