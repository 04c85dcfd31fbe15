"""Reads of hazards, from the inspection status projection."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.safety.events import HAZARD_SLA_DAYS, Severity
from services.safety.projections.inspection_status import INSPECTION_STATUS

S = INSPECTION_STATUS.schema

# The time each severity may stay open, as SQL: ``CASE severity {SLA_INTERVAL} END``.
SLA_INTERVAL = " ".join(f"WHEN '{s.value}' THEN interval '{d} days'" for s, d in HAZARD_SLA_DAYS.items())
HAZARD_COLUMNS = (
    "hazard_id, district_id, school_id, campus_id, area, description, severity, status, photo_ref, reported_by, "
    "reported_at, inspection_id, assignee_id, escalated, authority, escalated_at, rectified_by, rectified_at, "
    "closed_at, verified_by, reopened, "
    "extract(epoch FROM (coalesce(closed_at, now()) - reported_at)) / 86400 AS age_days, "
    f"(coalesce(closed_at, now()) - reported_at) > (CASE severity {SLA_INTERVAL} END) AS breaches_sla"
)


def hazard_list(
    principal: Principal, campus_id: str | None, status: str | None, severity: Severity | None, open_only: bool
) -> Query:
    """The hazards a list asks for, in the caller's scope (a page of a campus reads its index in order)."""
    q = Query(f"SELECT {HAZARD_COLUMNS} FROM {S}.hazards", "hazard_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("status = {}", status)
    q.filter("severity = {}", severity.value if severity else None)
    if open_only:
        q.where.append("status <> 'closed'")
    return q


async def hazard(pool: asyncpg.Pool, principal: Principal, hazard_id: str) -> dict[str, Any]:
    """One hazard in the caller's scope, or a 404."""
    q = Query(f"SELECT {HAZARD_COLUMNS} FROM {S}.hazards", "hazard_id").scoped(principal)
    row = await q.filter("hazard_id = {}", hazard_id).one(pool)
    if row is None:
        raise NotFound(f"hazard {hazard_id} not found")
    return row
