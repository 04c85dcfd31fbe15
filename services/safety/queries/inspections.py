"""Reads of inspections, from the inspection status projection."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.safety.events import InspectionKind
from services.safety.projections.inspection_status import INSPECTION_STATUS

S = INSPECTION_STATUS.schema

INSPECTION_COLUMNS = (
    "inspection_id, district_id, school_id, campus_id, kind, inspector_id, started_at, areas, checklist, findings, "
    "problems, sign_offs, completed_at, summary"
)


def inspection_list(
    principal: Principal, campus_id: str | None, kind: InspectionKind | None, completed: bool | None
) -> Query:
    """The inspections a list asks for, in the caller's scope (a page of a campus reads its index in order)."""
    q = Query(f"SELECT {INSPECTION_COLUMNS} FROM {S}.inspections", "inspection_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("kind = {}", kind.value if kind else None)
    if completed is not None:
        q.where.append("completed_at IS NOT NULL" if completed else "completed_at IS NULL")
    return q


async def inspection(pool: asyncpg.Pool, principal: Principal, inspection_id: str) -> dict[str, Any]:
    """One inspection in the caller's scope, or a 404."""
    q = Query(f"SELECT {INSPECTION_COLUMNS} FROM {S}.inspections", "inspection_id").scoped(principal)
    row = await q.filter("inspection_id = {}", inspection_id).one(pool)
    if row is None:
        raise NotFound(f"inspection {inspection_id} not found")
    return row
