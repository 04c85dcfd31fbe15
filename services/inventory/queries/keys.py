"""Reads of keys (all, outstanding, overdue, one with its loans), from the keys and repairs projection.

Outstanding and overdue are as of a day (default: today at the school), from the loans: a key
is outstanding then if a loan of it began on or before that day and had not ended (returned or
reported lost) by it; overdue if its due day had passed, by that many days."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.days import school_today
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.keys import KeyStatus
from services.inventory.projections.keys_repairs import KEYS_REPAIRS

S = KEYS_REPAIRS.schema

KEY_COLUMNS = (
    "key_id, district_id, school_id, campus_id, door, state, holder_id, issued_on, due_on, issued_by, "
    "returned_on, received_by, lost_on, lock_changed, note, loans"
)


def key_list(
    principal: Principal, campus_id: str | None, holder_id: str | None, state: KeyStatus | None = None
) -> Query:
    """The keys a list asks for, in the caller's scope."""
    q = Query(f"SELECT {KEY_COLUMNS} FROM {S}.keys", "key_id")
    q.scoped(principal).filter("campus_id = {}", campus_id).filter("holder_id = {}", holder_id)
    return q.filter("state = {}", state.value if state else None)


def _out_on(principal: Principal, as_of: date | None, campus_id: str | None, holder_id: str | None) -> Query:
    """The keys out on a day (default: today) in the caller's scope, each as its loan then was."""
    q = Query("", "key_id")
    day = f"{q.param(as_of or school_today())}::date"
    q.select_from = (
        "SELECT * FROM (SELECT l.key_id, k.district_id, k.school_id, l.campus_id, l.door, 'issued' AS state, "
        "l.holder_id, l.issued_on, l.due_on, l.issued_by, NULL::date AS returned_on, NULL::text AS received_by, "
        f"NULL::date AS lost_on, NULL::boolean AS lock_changed, '' AS note, l.loan AS loans, {day} AS as_of, "
        f"{day} - l.due_on AS days_overdue FROM {S}.key_loans l JOIN {S}.keys k USING (key_id) "
        f"WHERE l.issued_on <= {day} AND (l.ended_on IS NULL OR l.ended_on > {day})) o"
    )
    return q.scoped(principal).filter("campus_id = {}", campus_id).filter("holder_id = {}", holder_id)


def outstanding_key_list(
    principal: Principal, campus_id: str | None, holder_id: str | None, as_of: date | None = None
) -> Query:
    """Keys issued and not returned (nor lost) on ``as_of`` (default: today), in the caller's scope."""
    return _out_on(principal, as_of, campus_id, holder_id)


def overdue_key_list(principal: Principal, as_of: date | None, campus_id: str | None, holder_id: str | None) -> Query:
    """Outstanding keys past their due date on ``as_of`` (default: today at the school), and by how
    many days, in the caller's scope."""
    q = _out_on(principal, as_of, campus_id, holder_id)
    q.where.append("days_overdue > 0")
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
