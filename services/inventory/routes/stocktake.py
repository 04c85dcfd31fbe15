"""Stock-taking routes (盘库): start one on a campus, record counts, close it (the counts become the book)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Role
from services.eventkit.commands import CommandResult
from services.eventkit.errors import ConcurrencyConflict, InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.inventory.common import APPROVERS, MANAGERS, STAFF
from services.inventory.projections.assets import ASSETS
from services.inventory.queries.stock import catalogued_item as _item
from services.inventory.stock import Stock, stock_id
from services.inventory.stocktake import (
    CloseStockTake,
    RecordCount,
    StartStockTake,
    StockTake,
    StockTakeState,
    StockTakeStatus,
    adjustments,
)

router = APIRouter(tags=["stock-taking"])
S = ASSETS.schema

# Whoever the campus asks to count the shelves.
COUNTERS = (*APPROVERS, Role.ACCEPTANCE_MEMBER, Role.TECHNICIAN, Role.CLEANER, Role.GUARD)

OPEN_ON_CAMPUS = (
    "SELECT s.data->>'stocktake_id' FROM events s WHERE s.type = 'inventory.StockTakeStarted' AND s.campus_id = $1 "
    "AND NOT EXISTS (SELECT 1 FROM events c WHERE c.stream_id = s.stream_id AND c.type = 'inventory.StockTakeClosed') "
    "ORDER BY s.position LIMIT 1"
)


@command_route(router, "/stocktakes", "Start a stock-take on a campus (one open at a time)")
async def start_stocktake(cmd: StartStockTake, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    async with commands.pool.acquire() as conn, conn.transaction():
        # Starts on one campus wait for each other: the second sees the first.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"houqin.inventory.stocktake.{cmd.campus_id}")
        open_one = await conn.fetchval(OPEN_ON_CAMPUS, cmd.campus_id)
        facts = {"open_stocktake": open_one or ""}
        return await commands.run(StockTake, cmd.stocktake_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)


@command_route(router, "/stocktakes/{stocktake_id}/counts", "Record the count of an item (a recount replaces it)")
async def record_count(stocktake_id: str, cmd: RecordCount, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(StockTake, stocktake_id, "stock-take")
    ctx.principal.require(tenant, *COUNTERS)
    item = await _item(commands.bus, cmd.item_id, tenant.school_id, "item_id")
    if not item.consumable:
        raise InvalidInput(f"{cmd.item_id} is an asset, not stock: assets are audited by room", field="item_id")
    return await commands.run(StockTake, stocktake_id, cmd, ctx, tenant, COUNTERS)


@command_route(
    router,
    "/stocktakes/{stocktake_id}/close",
    "Close a stock-take: every count becomes the book, with an adjustment where it differs",
)
async def close_stocktake(
    stocktake_id: str, cmd: CloseStockTake, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(StockTake, stocktake_id, "stock-take")
    ctx.principal.require(tenant, *MANAGERS)
    async with commands.pool.acquire() as conn, conn.transaction():
        if ctx.command_id is not None and await commands.bus.store.command_result(ctx.command_id, conn=conn):
            # A retry: the first result, and no adjustment again.
            return await commands.run(StockTake, stocktake_id, cmd, ctx, tenant, MANAGERS, conn=conn)
        state: StockTakeState
        state, version = await commands.bus.load(StockTake, StockTake.stream_id(stocktake_id), conn=conn)
        expected = cmd.expected_version if cmd.expected_version is not None else ctx.expected_version
        if expected is not None and expected != version:
            raise ConcurrencyConflict(StockTake.stream_id(stocktake_id), expected, version)
        variances = 0
        if state.status is StockTakeStatus.OPEN:  # otherwise the stock-take refuses, below
            inner = replace(ctx, command_id=None, expected_version=None)
            for adjust in adjustments(state, stocktake_id):
                sid = stock_id(adjust.campus_id, adjust.item_id)
                adjusted = await commands.run(Stock, sid, adjust, inner, tenant, MANAGERS, conn=conn)
                variances += len(adjusted.events)
        # Closed on the state the adjustments came from: a count recorded meanwhile is a 409.
        pinned = replace(ctx, expected_version=version)
        facts = {"variances": str(variances)}
        return await commands.run(StockTake, stocktake_id, cmd, pinned, tenant, MANAGERS, facts=facts, conn=conn)


# -- queries -------------------------------------------------------------------------------

STOCKTAKE_COLUMNS = (
    "stocktake_id, district_id, school_id, campus_id, period, started_on, started_by, status, closed_on, closed_by, "
    "items, variances"
)


@router.get("/stocktakes", response_model=Page, summary="Stock-takes, open and closed")
async def list_stocktakes(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: StockTakeStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {STOCKTAKE_COLUMNS} FROM {S}.stocktakes", "stocktake_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("status = {}", status.value if status else None)
    return await q.page(commands.pool, after, limit)


@router.get("/stocktakes/{stocktake_id}", summary="One stock-take: its counts and variances")
async def get_stocktake(stocktake_id: str, commands: CampusCommandsDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {STOCKTAKE_COLUMNS} FROM {S}.stocktakes", "stocktake_id").scoped(principal)
    row = await q.filter("stocktake_id = {}", stocktake_id).one(commands.pool)
    if row is None:
        raise NotFound(f"stock-take {stocktake_id} not found")
    counts = await commands.pool.fetch(
        f"SELECT c.item_id, c.counted, c.counted_by, v.book, v.delta FROM {S}.stocktake_counts c "
        f"LEFT JOIN {S}.stocktake_variances v USING (stocktake_id, item_id) WHERE c.stocktake_id = $1 "
        "ORDER BY c.item_id",
        stocktake_id,
    )
    variances = await commands.pool.fetch(
        f"SELECT item_id, book, counted, delta, counted_by, adjusted_at FROM {S}.stocktake_variances "
        "WHERE stocktake_id = $1 ORDER BY item_id",
        stocktake_id,
    )
    return row | {"counts": [dict(r) for r in counts], "variance_lines": [dict(r) for r in variances]}
