"""Reads of repairs (all, the open ones and their age, one), from the keys and repairs projection."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.events import RepairSource
from services.inventory.projections.keys_repairs import KEYS_REPAIRS
from services.inventory.repairs import RepairStatus

S = KEYS_REPAIRS.schema

REPAIR_COLUMNS = (
    "repair_id, district_id, school_id, campus_id, place, description, source, hazard_id, state, reported_by, "
    "reported_at, assignee_id, assigned_by, assigned_at, done_by, done_at, note, verified_by, verified_at, "
    "turnaround_hours"
)
AGE = "extract(epoch FROM now() - reported_at)"


def _repairs(principal: Principal, campus_id: str | None, assignee_id: str | None, select: str) -> Query:
    q = Query(select, "repair_id").scoped(principal)
    return q.filter("campus_id = {}", campus_id).filter("assignee_id = {}", assignee_id)


def repair_list(
    principal: Principal,
    campus_id: str | None,
    state: RepairStatus | None,
    source: RepairSource | None,
    hazard_id: str | None,
    assignee_id: str | None,
) -> Query:
    """The repairs a list asks for, with their turnaround once done, in the caller's scope."""
    q = _repairs(principal, campus_id, assignee_id, f"SELECT {REPAIR_COLUMNS} FROM {S}.repairs")
    q.filter("state = {}", state.value if state else None).filter("source = {}", source.value if source else None)
    return q.filter("hazard_id = {}", hazard_id)


def open_repair_list(principal: Principal, campus_id: str | None, assignee_id: str | None) -> Query:
    """Repairs not yet verified, and how long they have waited, in the caller's scope."""
    select = (
        f"SELECT {REPAIR_COLUMNS}, round(({AGE} / 3600)::numeric, 1)::float8 AS age_hours, "
        f"floor({AGE} / 86400)::int AS age_days FROM {S}.repairs"
    )
    q = _repairs(principal, campus_id, assignee_id, select)
    q.where.append("state <> 'verified'")
    return q


async def repair(pool: asyncpg.Pool, principal: Principal, repair_id: str) -> dict[str, Any]:
    """One repair in the caller's scope, or a 404."""
    q = _repairs(principal, None, None, f"SELECT {REPAIR_COLUMNS} FROM {S}.repairs")
    row = await q.filter("repair_id = {}", repair_id).one(pool)
    if row is None:
        raise NotFound(f"repair {repair_id} not found")
    return row
