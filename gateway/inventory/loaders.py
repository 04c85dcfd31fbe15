"""The inventory's service calls: stock pages (of a campus, or all in scope) and the pipeline."""

from __future__ import annotations

import datetime as dt

import strawberry

from gateway.common.pages import Connection, day, get, page
from gateway.context import GatewayContext
from gateway.inventory.types import PipelineStep, StockLine


async def stock_page(
    context: GatewayContext,
    campus_id: str | None,
    below_reorder_point: bool,
    first: int,
    after: str | None,
    as_of: dt.date | None = None,
) -> Connection[StockLine] | None:
    return await page(
        context,
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
