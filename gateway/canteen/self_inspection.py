"""The canteen's self-inspections (日管控、周排查、月调度) in GraphQL: a campus's inspections, each
with its failed items and the hazards it raised in safety (``Campus.canteenSelfInspections``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.common.enums import Cadence, Severity
from gateway.common.pages import Connection, page
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


@strawberry.type(description="An item a self-inspection found failed, where, and the hazard it raised in safety")
class SelfInspectionFailure:
    item: str = strawberry.field(description="The checklist item (e.g. 防蝇防鼠设施)")
    area: str = strawberry.field(description="Where it was checked (e.g. 粗加工间)")
    note: str = strawberry.field(description="What was found")
    hazard: bool = strawberry.field(description="Whether it is a hazard, reported to safety")
    severity: Severity | None = strawberry.field(description="How severe the hazard is (a hazard only)")
    hazard_id: strawberry.ID | None = strawberry.field(
        description="The hazard safety keeps for it (null: not a hazard, or not yet reported)"
    )


@strawberry.type(
    description="A canteen self-inspection (食堂自查): the daily control, weekly sweep or monthly review of a "
    "campus, its failed items and the hazards it raised in safety"
)
class CanteenSelfInspection:
    inspection_id: strawberry.ID = strawberry.field(
        description="<campus>-daily-<day>, <campus>-weekly-<Monday> or <campus>-monthly-<YYYY-MM>"
    )
    campus_id: strawberry.ID = strawberry.field(description="The campus (a directory id)")
    cadence: Cadence = strawberry.field(description="Daily control, weekly sweep or monthly review")
    period_start: dt.date = strawberry.field(
        description="The first day of the period it covers: the day, the Monday of the week, the first of the month"
    )
    inspected_at: dt.datetime = strawberry.field(description="When it was done")
    inspected_by: str = strawberry.field(description="Who did it (a directory id)")
    items: int = strawberry.field(description="Results recorded (items checked, per area)")
    failed: int = strawberry.field(description="Results that failed")
    failed_items: list[SelfInspectionFailure] = strawberry.field(description="The failed items, in checklist order")
    hazard_ids: list[strawberry.ID] = strawberry.field(description="The hazards it raised in safety")
    uncovered: list[str] = strawberry.field(
        description="Items of the cadence's standard checklist it did not check (a daily control covers them all)"
    )


async def self_inspections_page(
    info: Ctx,
    campus_id: str,
    cadence: Cadence | None,
    from_: dt.date | None,
    to: dt.date | None,
    first: int,
    after: str | None,
) -> Connection[CanteenSelfInspection] | None:
    days: dict[str, Any] = {"from": from_.isoformat() if from_ else None, "to": to.isoformat() if to else None}
    return await page(
        info, "canteen", "/self-inspections", CanteenSelfInspection, "inspection_id", first, after,
        campus_id=campus_id, cadence=cadence.value if cadence else None, **days,
    )  # fmt: skip


@strawberry.type
class SelfInspectionOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(
        description="The canteen's self-inspections of this campus (日管控、周排查、月调度), with their failed "
        "items and the hazards they raised in safety"
    )
    async def canteen_self_inspections(
        self,
        info: Ctx,
        cadence: Annotated[Cadence | None, strawberry.argument(description="Only this cadence")] = None,
        from_: Annotated[
            dt.date | None, strawberry.argument(name="from", description="Only those done on or after this day")
        ] = None,
        to: Annotated[dt.date | None, strawberry.argument(description="Only those done on or before this day")] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[CanteenSelfInspection] | None:
        return await self_inspections_page(info, str(self.campus_id), cadence, from_, to, first, after)
