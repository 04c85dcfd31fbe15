"""Reads of keys (all, outstanding, overdue, one with its loans), from the keys and repairs projection."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.keys import KeyStatus
from services.inventory.projections.keys_repairs import KEYS_REPAIRS

S = KEYS_REPAIRS.schema

KEY_COLUMNS = (
    "key_id, district_id, school_id, campus_id, door, state, holder_id, issued_on, due_on, issued_by, "
    "returned_on, received_by, lost_on, lock_changed, note, loans"
)
TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"


def key_list(
    principal: Principal, campus_id: str | None, holder_id: str | None, state: KeyStatus | None = None
) -> Query:
    """The keys a list asks for, in the caller's scope."""
    q = Query(f"SELECT {KEY_COLUMNS} FROM {S}.keys", "key_id")
    q.scoped(principal).filter("campus_id = {}", campus_id).filter("holder_id = {}", holder_id)
    return q.filter("state = {}", state.value if state else None)


def outstanding_key_list(principal: Principal, campus_id: str | None, holder_id: str | None) -> Query:
    """Keys issued and not returned, in the caller's scope."""
    q = key_list(principal, campus_id, holder_id)
    q.where.append("state = 'issued'")
    return q


def overdue_key_list(principal: Principal, as_of: date | None, campus_id: str | None, holder_id: str | None) -> Query:
    """Outstanding keys past their due date on ``as_of`` (today in China Standard Time by default),
    and by how many days, in the caller's scope."""
    q = Query("", "key_id")
    day = f"coalesce({q.param(as_of)}::date, {TODAY})"
    q.select_from = f"SELECT {KEY_COLUMNS}, {day} AS as_of, {day} - due_on AS days_overdue FROM {S}.keys"
    q.scoped(principal).filter("campus_id = {}", campus_id).filter("holder_id = {}", holder_id)
    q.where += ["state = 'issued'", f"due_on < {day}"]
    return q


async def key(pool: asyncpg.Pool, principal: Principal, key_id: str) -> dict[str, Any]:
    """One key in the caller's scope, with every time it was issued, or a 404."""
    row = await key_list(principal, None, None).filter("key_id = {}", key_id).one(pool)
    if row is None:
        raise NotFound(f"key {key_id} not found")
    loans = await pool.fetch(
        f"SELECT loan, holder_id, door, issued_on, due_on, issued_by, ended, ended_on FROM {S}.key_loans "
        "WHERE key_id = $1 ORDER BY loan",
        key_id,
    )
    return row | {"history": [dict(r) for r in loans]}
