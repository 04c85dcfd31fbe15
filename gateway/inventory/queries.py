"""The inventory's fields of the root Query."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import with_campuses
from gateway.common.enums import (
    AssetStatus,
    ChargeStatus,
    PurchaseCategory,
    PurchaseStatus,
    RepairStatus,
    StockTakeStatus,
)
from gateway.common.pages import AsOf, Connection, day, one, page
from gateway.context import GatewayContext
from gateway.inventory.loaders import (
    assets_page,
    catalogue_page,
    compensations_page,
    pipeline_steps,
    stock_page,
    stocktakes_page,
)
from gateway.inventory.types import (
    Asset,
    CatalogueItem,
    CompensationCharge,
    Key,
    PipelineStep,
    Purchase,
    Repair,
    StockLine,
    StockTake,
)

Ctx = Info[GatewayContext, None]


@strawberry.type
class InventoryQuery:
    @strawberry.field(description="Inventory counts per campus and item")
    async def inventory_counts(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        below_reorder_point: bool = False,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[StockLine] | None:
        return await stock_page(info, campus_id, below_reorder_point, first, after, as_of)

    @strawberry.field(description="Purchases in the caller's scope (the procurement pipeline)")
    async def purchases(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        status: PurchaseStatus | None = None,
        category: PurchaseCategory | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Purchase] | None:
        return await page(
            info,
            "inventory",
            "/purchases",
            Purchase,
            "purchase_id",
            first,
            after,
            campus_id=campus_id,
            status=status,
            category=category,
            then=with_campuses(info),
        )

    @strawberry.field(description="A purchase (null: unknown or outside the caller's scope)")
    async def purchase(self, info: Ctx, purchase_id: strawberry.ID) -> Purchase | None:
        return await one(
            info.context, "inventory", service_path("/purchases/{purchase_id}", purchase_id=purchase_id), Purchase
        )

    @strawberry.field(description="How many purchases wait at each step, per campus")
    async def procurement_pipeline(
        self, info: Ctx, campus_id: strawberry.ID | None = None
    ) -> list[PipelineStep] | None:
        return await pipeline_steps(info.context, campus_id)

    @strawberry.field(description="Repairs in the caller's scope, with their turnaround once done")
    async def repairs(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        state: RepairStatus | None = None,
        hazard_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[Repair] | None:
        return await page(
            info,
            "inventory",
            "/repairs",
            Repair,
            "repair_id",
            first,
            after,
            campus_id=campus_id,
            state=state,
            hazard_id=hazard_id,
            as_of=day(as_of),
            then=with_campuses(info),
        )

    @strawberry.field(description="Keys issued and not returned on a day; overdue ones carry daysOverdue")
    async def keys_outstanding(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        overdue_only: bool = False,
        first: int = 100,
        after: str | None = None,
        as_of: AsOf = None,
    ) -> Connection[Key] | None:
        path = "/keys/overdue" if overdue_only else "/keys/outstanding"
        return await page(info, "inventory", path, Key, "key_id", first, after, campus_id=campus_id, as_of=day(as_of))

    @strawberry.field(description="A school's catalogue")
    async def catalogue(
        self, info: Ctx, school_id: strawberry.ID, first: int = 100, after: str | None = None
    ) -> Connection[CatalogueItem] | None:
        return await catalogue_page(info, str(school_id), first, after)

    @strawberry.field(description="An item of a catalogue")
    async def catalogue_item(self, info: Ctx, item_id: strawberry.ID) -> CatalogueItem | None:
        return await one(info.context, "inventory", service_path("/items/{item_id}", item_id=item_id), CatalogueItem)

    @strawberry.field(description="Room assets, by campus, room and status")
    async def assets(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        room: str | None = None,
        status: AssetStatus | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Asset] | None:
        return await assets_page(info, campus_id, room, status, first, after)

    @strawberry.field(
        description="A room asset with its damages and charges (null: unknown or outside the caller's scope)"
    )
    async def asset(self, info: Ctx, asset_id: strawberry.ID) -> Asset | None:
        return await one(info.context, "inventory", service_path("/assets/{asset_id}", asset_id=asset_id), Asset)

    @strawberry.field(description="Compensation charges, by campus, status, who is charged and asset")
    async def compensations(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        status: ChargeStatus | None = None,
        against_id: strawberry.ID | None = None,
        asset_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
        class_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only those against this class or against a pupil in it now"),
        ] = None,
    ) -> Connection[CompensationCharge] | None:
        return await compensations_page(info, campus_id, status, against_id, asset_id, first, after, class_id)

    @strawberry.field(description="A compensation charge (null: unknown or outside the caller's scope)")
    async def compensation(self, info: Ctx, charge_id: strawberry.ID) -> CompensationCharge | None:
        return await one(
            info.context,
            "inventory",
            service_path("/compensations/{charge_id}", charge_id=charge_id),
            CompensationCharge,
        )

    @strawberry.field(description="Stock-takes, open and closed")
    async def stock_takes(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        status: StockTakeStatus | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[StockTake] | None:
        return await stocktakes_page(info, campus_id, status, first, after)

    @strawberry.field(description="A stock-take with its counts (null: unknown or outside the caller's scope)")
    async def stock_take(self, info: Ctx, stocktake_id: strawberry.ID) -> StockTake | None:
        return await one(
            info.context, "inventory", service_path("/stocktakes/{stocktake_id}", stocktake_id=stocktake_id), StockTake
        )
