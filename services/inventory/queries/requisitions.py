"""Reads of requisition lists (领用清单) as issued, from the inventory counts' projection: a list
by campus, department, term and recipient (or by ids, for batch lookups), and one list; each in
the caller's scope (the campus's district and school from the directory mirror)."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS

S = INVENTORY_COUNTS.schema

REQUISITION = (
    "SELECT * FROM (SELECT r.requisition_id, c.district_id, c.school_id, r.campus_id, r.department_id, "
    "r.recipient_kind, r.recipient_id, r.term_id, r.lines, r.issued_by, r.issued_at "
    f"FROM {S}.requisitions r JOIN directory_campuses c USING (campus_id)) x"
)


def requisition_list(
    principal: Principal,
    campus_id: str | None,
    department_id: str | None = None,
    term_id: str | None = None,
    recipient_id: str | None = None,
    ids: list[str] | None = None,
) -> Query:
    """The requisition lists a list asks for, in the caller's scope, in the order of their ids."""
    q = Query(REQUISITION, "x.requisition_id").scoped(principal, "x.")
    q.filter("x.campus_id = {}", campus_id).filter("x.department_id = {}", department_id)
    q.filter("x.term_id = {}", term_id).filter("x.recipient_id = {}", recipient_id)
    return q.filter("x.requisition_id = ANY({}::text[])", ids)


async def requisition_row(pool: asyncpg.Pool, principal: Principal, requisition_id: str) -> dict[str, Any]:
    """One requisition list in the caller's scope, or a 404."""
    row = await requisition_list(principal, None, ids=[requisition_id]).one(pool)
    if row is None:
        raise NotFound(f"requisition {requisition_id} not found")
    return row
