"""Reads of stock-takes (all, one with its counts and variances), from the assets projection; and
the stock-take open on a campus (from the store, for starting another)."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.db import Connection
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.projections.assets import ASSETS
from services.inventory.stocktake import StockTakeStatus

S = ASSETS.schema

OPEN_ON_CAMPUS = (
    "SELECT s.data->>'stocktake_id' FROM events s WHERE s.type = 'inventory.StockTakeStarted' AND s.campus_id = $1 "
    "AND NOT EXISTS (SELECT 1 FROM events c WHERE c.stream_id = s.stream_id AND c.type = 'inventory.StockTakeClosed') "
    "ORDER BY s.position LIMIT 1"
)


async def open_stocktake(conn: Connection, campus_id: str) -> str | None:
    """The stock-take open on a campus now (from the store: no projection lag), if any."""
    open_one: str | None = await conn.fetchval(OPEN_ON_CAMPUS, campus_id)
    return open_one


STOCKTAKE_COLUMNS = (
    "stocktake_id, district_id, school_id, campus_id, period, started_on, started_by, status, closed_on, closed_by, "
    "items, variances"
)


# A stock-take with its counts (each with the book at its count and the difference from it, and its
# variance once closed) and its variance lines.
STOCKTAKE = (
    f"SELECT {STOCKTAKE_COLUMNS}, "
    "coalesce((SELECT json_agg(json_build_object('item_id', c.item_id, 'counted', c.counted, "
    "'counted_by', c.counted_by, 'counted_at', c.counted_at, 'book_at_count', c.book_at_count, "
    "'difference', c.counted - c.book_at_count, 'book', v.book, 'delta', v.delta) ORDER BY c.item_id) "
    f"FROM {S}.stocktake_counts c LEFT JOIN {S}.stocktake_variances v USING (stocktake_id, item_id) "
    "WHERE c.stocktake_id = t.stocktake_id), '[]') AS counts, "
    "coalesce((SELECT json_agg(json_build_object('item_id', v.item_id, 'book', v.book, 'counted', v.counted, "
    "'delta', v.delta, 'counted_by', v.counted_by, 'adjusted_at', v.adjusted_at) ORDER BY v.item_id) "
    f"FROM {S}.stocktake_variances v WHERE v.stocktake_id = t.stocktake_id), '[]') AS variance_lines "
    f"FROM {S}.stocktakes t"
)


def stocktake_list(principal: Principal, campus_id: str | None, status: StockTakeStatus | None) -> Query:
    """The stock-takes a list asks for, in the caller's scope, each with its counts and variances."""
    q = Query(STOCKTAKE, "stocktake_id").scoped(principal)
    return q.filter("campus_id = {}", campus_id).filter("status = {}", status.value if status else None)


async def stocktake(pool: asyncpg.Pool, principal: Principal, stocktake_id: str) -> dict[str, Any]:
    """One stock-take in the caller's scope, with its counts and variances, or a 404."""
    row = await Query(STOCKTAKE, "stocktake_id").scoped(principal).filter("stocktake_id = {}", stocktake_id).one(pool)
    if row is None:
        raise NotFound(f"stock-take {stocktake_id} not found")
    return row
