"""The inventory's part of ``Campus`` (composed in ``gateway.campus``): its stock, its school's
catalogue, its assets, compensation charges and stock-takes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from gateway.common.enums import AssetStatus, ChargeStatus, StockTakeStatus
from gateway.common.pages import AsOf, Connection
from gateway.context import GatewayContext
from gateway.inventory.loaders import assets_page, catalogue_page, compensations_page, stock_page, stocktakes_page
from gateway.inventory.types import Asset, CatalogueItem, CompensationCharge, StockLine, StockTake

Ctx = Info[GatewayContext, None]


@strawberry.type
class InventoryOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has them
        school_id: strawberry.ID

    @strawberry.field(description="Stock per item on this campus (the inventory counts)")
    async def stock(
        self,
        info: Ctx,
        first: int = 100,
        after: str | None = None,
        below_reorder_point: bool = False,
        as_of: AsOf = None,
    ) -> Connection[StockLine] | None:
        return await stock_page(info, str(self.campus_id), below_reorder_point, first, after, as_of)

    @strawberry.field(
        description="The inventory counts of this campus: per item, on hand, issued this month, quota used, "
        "below the reorder point (the same lines as stock)"
    )
    async def inventory_counts(
        self,
        info: Ctx,
        first: int = 100,
        after: str | None = None,
        below_reorder_point: bool = False,
        as_of: AsOf = None,
    ) -> Connection[StockLine] | None:
        return await stock_page(info, str(self.campus_id), below_reorder_point, first, after, as_of)

    @strawberry.field(description="The catalogue of the campus's school")
    async def catalogue(
        self, info: Ctx, first: int = 100, after: str | None = None
    ) -> Connection[CatalogueItem] | None:
        return await catalogue_page(info, str(self.school_id), first, after)

    @strawberry.field(description="The room assets of this campus, by room and status")
    async def assets(
        self,
        info: Ctx,
        room: str | None = None,
        status: AssetStatus | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Asset] | None:
        return await assets_page(info, str(self.campus_id), room, status, first, after)

    @strawberry.field(description="The compensation charges of this campus")
    async def compensations(
        self,
        info: Ctx,
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
        return await compensations_page(info, str(self.campus_id), status, against_id, asset_id, first, after, class_id)

    @strawberry.field(description="The stock-takes of this campus")
    async def stock_takes(
        self, info: Ctx, status: StockTakeStatus | None = None, first: int = 100, after: str | None = None
    ) -> Connection[StockTake] | None:
        return await stocktakes_page(info, str(self.campus_id), status, first, after)
