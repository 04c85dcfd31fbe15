"""The inventory's service calls: stock pages (of a campus, or all in scope), the pipeline, and the
pages of a school's catalogue and of assets, compensation charges and stock-takes (of a campus, or
all in scope), with their campuses when the query asks for them."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from gateway.common.campuses import with_campuses
from gateway.common.enums import AssetStatus, ChargeStatus, StockTakeStatus
from gateway.common.pages import Connection, day, get, page
from gateway.context import GatewayContext
from gateway.inventory.types import Asset, CatalogueItem, CompensationCharge, PipelineStep, StockLine, StockTake

Ctx = Info[GatewayContext, None]


async def stock_page(
    info: Ctx,
    campus_id: str | None,
    below_reorder_point: bool,
    first: int,
    after: str | None,
    as_of: dt.date | None = None,
) -> Connection[StockLine] | None:
    return await page(
        info,
        "inventory",
        "/stock",
        StockLine,
        lambda i: f"{i['campus_id']}/{i['item_id']}",
        first,
        after,
        campus_id=campus_id,
        below_reorder_point=below_reorder_point or None,
        as_of=day(as_of),
    )


async def pipeline_steps(context: GatewayContext, campus_id: strawberry.ID | None) -> list[PipelineStep]:
    context.require()
    rows = await get(context, "inventory", "/purchases/pipeline", campus_id=campus_id)
    return [PipelineStep(**r) for r in rows]


async def catalogue_page(info: Ctx, school_id: str, first: int, after: str | None) -> Connection[CatalogueItem] | None:
    return await page(
        info, "inventory", "/items", CatalogueItem, "item_id", first, after, school_id=school_id
    )  # fmt: skip


async def assets_page(
    info: Ctx, campus_id: str | None, room: str | None, status: AssetStatus | None, first: int, after: str | None
) -> Connection[Asset] | None:
    return await page(
        info, "inventory", "/assets", Asset, "asset_id", first, after,
        campus_id=campus_id, room=room, status=status, then=with_campuses(info),
    )  # fmt: skip


async def compensations_page(
    info: Ctx,
    campus_id: str | None,
    status: ChargeStatus | None,
    against_id: str | None,
    asset_id: str | None,
    first: int,
    after: str | None,
    class_id: str | None = None,
) -> Connection[CompensationCharge] | None:
    return await page(
        info, "inventory", "/compensations", CompensationCharge, "charge_id", first, after,
        campus_id=campus_id, status=status, against_id=against_id, asset_id=asset_id, class_id=class_id,
        then=with_campuses(info),
    )  # fmt: skip


async def stocktakes_page(
    info: Ctx, campus_id: str | None, status: StockTakeStatus | None, first: int, after: str | None
) -> Connection[StockTake] | None:
    return await page(
        info, "inventory", "/stocktakes", StockTake, "stocktake_id", first, after,
        campus_id=campus_id, status=status, then=with_campuses(info),
    )  # fmt: skip
