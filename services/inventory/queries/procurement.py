"""Reads of purchases (the procurement pipeline), from the inventory counts projection."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.events import PurchaseCategory
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS

S = INVENTORY_COUNTS.schema

PURCHASE_COLUMNS = (
    "purchase_id, district_id, school_id, campus_id, category, status, reason, requested_by, requested_at, "
    "estimated_fen, lines, decided_by, supplier, total_fen, signers, accepted_at, invoice_ref, settled_fen, settled_on"
)


def purchase_list(
    principal: Principal, campus_id: str | None, status: str | None, category: PurchaseCategory | None
) -> Query:
    """The purchases a list asks for, in the caller's scope."""
    q = Query(f"SELECT {PURCHASE_COLUMNS} FROM {S}.purchases", "purchase_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("status = {}", status)
    q.filter("category = {}", category.value if category else None)
    return q


async def purchases_per_step(pool: asyncpg.Pool, principal: Principal, campus_id: str | None) -> list[dict[str, Any]]:
    """How many purchases are at each step, and for how much, per campus in the caller's scope.

    The amount is a sum of bigint totals: summed as a ``numeric`` (which cannot overflow), read back
    as a Python ``int`` (exact at any size)."""
    q = Query(
        f"SELECT campus_id, status, count(*) AS purchases, sum(coalesce(total_fen, estimated_fen)) AS amount_fen "
        f"FROM {S}.purchases",
        "campus_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id)
    sql = q.select_from + " WHERE " + " AND ".join(q.where) + " GROUP BY campus_id, status ORDER BY campus_id, status"
    rows = [dict(r) for r in await pool.fetch(sql, *q.params)]
    for row in rows:
        if row["amount_fen"] is not None:
            row["amount_fen"] = int(row["amount_fen"])
    return rows


async def purchase(pool: asyncpg.Pool, principal: Principal, purchase_id: str) -> dict[str, Any]:
    """One purchase in the caller's scope, or a 404."""
    q = Query(f"SELECT {PURCHASE_COLUMNS} FROM {S}.purchases", "purchase_id").scoped(principal)
    row = await q.filter("purchase_id = {}", purchase_id).one(pool)
    if row is None:
        raise NotFound(f"purchase {purchase_id} not found")
    return row
