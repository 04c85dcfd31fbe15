"""The inventory's part of ``Campus`` (composed in ``gateway.campus``): its stock."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from gateway.common.pages import AsOf, Connection
from gateway.context import GatewayContext
from gateway.inventory.loaders import stock_page
from gateway.inventory.types import StockLine

Ctx = Info[GatewayContext, None]


@strawberry.type
class InventoryOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="Stock per item on this campus (the inventory counts)")
    async def stock(
        self,
        info: Ctx,
        first: int = 100,
        after: str | None = None,
        below_reorder_point: bool = False,
        as_of: AsOf = None,
    ) -> Connection[StockLine] | None:
        return await stock_page(info.context, str(self.campus_id), below_reorder_point, first, after, as_of)
