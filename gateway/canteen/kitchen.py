"""The kitchen's part of ``Campus`` (composed in ``gateway.campus``): its food samples, its
canteen workers' morning checks on a day, and its temperature units with their readings and
open corrective actions. The canteen's readers only (never parents)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from gateway.common.enums import Meal, UnitKind
from gateway.common.pages import Connection, day, one, page
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]

SHOWN = "Null unless the caller reads health data (managers, the principal, the school doctor, the district)"


@strawberry.type(description="A food sample (留样) of a dish of a meal: where it is kept and when it may be released")
class FoodSample:
    sample_id: strawberry.ID = strawberry.field(description="The sample's label")
    campus_id: strawberry.ID
    served_on: dt.date = strawberry.field(description="The day of the meal")
    meal: Meal
    dish: str = strawberry.field(description="The dish sampled")
    grams: int = strawberry.field(description="What the sample weighs, in grams")
    unit_id: strawberry.ID | None = strawberry.field(description="The sample fridge it is kept in")
    retained_by: str = strawberry.field(description="Who took the sample")
    retained_at: dt.datetime = strawberry.field(description="When the sample was taken")
    release_after: dt.datetime = strawberry.field(description="The earliest it may be disposed of")
    status: str = strawberry.field(description="kept (in the fridge) or disposed")
    held: bool = strawberry.field(description="Held for an investigation: kept past its time")
    hold_reason: str | None = strawberry.field(description="The investigation it is held for")
    disposed_at: dt.datetime | None = strawberry.field(description="When it was disposed of")
    releasable: bool = strawberry.field(description="In the fridge, past its time and not held: it may go now")


@strawberry.type(description="A canteen worker's check before a shift (晨检)")
class MorningCheck:
    check_id: strawberry.ID = strawberry.field(description="The check: <day>/<staff id>/<shift>")
    campus_id: strawberry.ID
    staff_id: strawberry.ID = strawberry.field(description="The canteen worker checked")
    checked_on: dt.date = strawberry.field(description="The day of the check")
    shift: Meal = strawberry.field(description="The shift (meal) the check came before")
    passed: bool = strawberry.field(description="Passed; a failed check stood the worker down")
    dress_ok: bool = strawberry.field(description="Hat, mask, clean clothes, nails and no jewellery in order")
    fever: bool | None = strawberry.field(description=f"A fever. {SHOWN}")
    gastro: bool | None = strawberry.field(description=f"Diarrhoea or vomiting. {SHOWN}")
    hand_wound: bool | None = strawberry.field(description=f"A wound or infection on the hands. {SHOWN}")
    respiratory: bool | None = strawberry.field(description=f"A cough or sore throat. {SHOWN}")
    note: str | None = strawberry.field(description=f"The checker's note. {SHOWN}")
    checked_by: str = strawberry.field(description="Who checked")
    checked_at: dt.datetime = strawberry.field(description="When the check was recorded as done")
    symptoms_shown: bool = strawberry.field(description="Whether the symptoms are shown to the caller")


@strawberry.type(description="A campus's morning checks on a day: x checked of y canteen workers, who was stood down")
class MorningCheckDay:
    campus_id: strawberry.ID
    on: dt.date = strawberry.field(description="The day")
    workers: int = strawberry.field(description="The campus's canteen workers")
    checked: int = strawberry.field(description="Of them, those checked in that day")
    passed: int = strawberry.field(description="Checks passed that day")
    failed: int = strawberry.field(description="Checks failed that day")
    stood_down: list[str] = strawberry.field(description="Workers whose check failed that day (staff ids)")
    not_checked: list[str] = strawberry.field(description="Canteen workers of the campus not checked that day")
    still_stood_down: list[str] = strawberry.field(description="Workers stood down and not cleared, as of now")

    @strawberry.field(description="The day's checks, one per worker and shift")
    async def checks(self, info: Ctx, first: int = 100, after: str | None = None) -> Connection[MorningCheck] | None:
        return await page(
            info, "canteen", "/morning-checks", MorningCheck, "check_id", first, after,
            campus_id=str(self.campus_id), on=day(self.on),
        )  # fmt: skip


@strawberry.type(description="A temperature reading of a unit, and its corrective action if it was out of limits")
class TemperatureReading:
    reading_key: strawberry.ID = strawberry.field(description="The reading: <unit id>/<reading id>")
    unit_id: strawberry.ID
    reading_id: strawberry.ID = strawberry.field(description="The reading's id within its unit")
    c10: int = strawberry.field(description="The temperature read, in tenths of a degree Celsius")
    within_limits: bool = strawberry.field(description="Within the unit's limits")
    read_by: str = strawberry.field(description="Who read it")
    read_at: dt.datetime = strawberry.field(description="When it was read")
    action: str | None = strawberry.field(description="The corrective action taken (out of limits only)")
    action_by: str | None = strawberry.field(description="Who took the corrective action")
    action_at: dt.datetime | None = strawberry.field(description="When the corrective action was taken")
    action_open: bool = strawberry.field(description="Out of limits and no corrective action yet")


@strawberry.type(description="A fridge, freezer, hot holding, sample fridge or dish-washer whose temperature is logged")
class TemperatureUnit:
    unit_id: strawberry.ID
    campus_id: strawberry.ID
    name: str = strawberry.field(description="What the kitchen calls it (留样冰箱, 2号冷藏柜)")
    kind: UnitKind = strawberry.field(description="What kind of unit it is")
    min_c10: int = strawberry.field(description="The lowest temperature within limits, in tenths of a degree Celsius")
    max_c10: int = strawberry.field(description="The highest temperature within limits, in tenths of a degree Celsius")
    readings: int = strawberry.field(description="How many readings were recorded")
    out_of_limits: int = strawberry.field(description="How many readings were out of limits")
    open_actions: int = strawberry.field(description="Readings out of limits without a corrective action yet")
    last_c10: int | None = strawberry.field(description="The latest reading, in tenths of a degree Celsius")
    last_within_limits: bool | None = strawberry.field(description="Whether the latest reading was within limits")
    last_read_at: dt.datetime | None = strawberry.field(description="When the latest reading was taken")

    @strawberry.field(description="The unit's readings (actionOpen: true, the open corrective actions)")
    async def reading_log(
        self,
        info: Ctx,
        action_open: Annotated[
            bool | None, strawberry.argument(description="true: only readings out of limits with no action yet")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[TemperatureReading] | None:
        return await page(
            info, "canteen", "/temperature-readings", TemperatureReading, "reading_key", first, after,
            unit_id=str(self.unit_id), action_open=action_open,
        )  # fmt: skip


@strawberry.type
class KitchenOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="The campus's food samples (留样), with when each may be released")
    async def food_samples(
        self,
        info: Ctx,
        served_on: Annotated[dt.date | None, strawberry.argument(description="Only those of this day's meals")] = None,
        meal: Annotated[Meal | None, strawberry.argument(description="Only those of this meal")] = None,
        in_fridge: Annotated[
            bool | None, strawberry.argument(description="true: still kept; false: disposed of")
        ] = None,
        held: Annotated[bool | None, strawberry.argument(description="true: held for an investigation")] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[FoodSample] | None:
        return await page(
            info, "canteen", "/food-samples", FoodSample, "sample_id", first, after,
            campus_id=str(self.campus_id), served_on=day(served_on), meal=meal.value if meal else None,
            in_fridge=in_fridge, held=held,
        )  # fmt: skip

    @strawberry.field(description="The campus's morning checks (晨检) on a day: x checked of y canteen workers")
    async def morning_checks(
        self,
        info: Ctx,
        date: Annotated[dt.date | None, strawberry.argument(description="The day (default: today)")] = None,
    ) -> MorningCheckDay | None:
        return await one(
            info.context, "canteen", "/morning-checks/day", MorningCheckDay, campus_id=str(self.campus_id), on=day(date)
        )

    @strawberry.field(description="The campus's temperature units, with their open corrective actions")
    async def temperature_units(
        self,
        info: Ctx,
        kind: Annotated[UnitKind | None, strawberry.argument(description="Only units of this kind")] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[TemperatureUnit] | None:
        return await page(
            info, "canteen", "/temperature-units", TemperatureUnit, "unit_id", first, after,
            campus_id=str(self.campus_id), kind=kind.value if kind else None,
        )  # fmt: skip
