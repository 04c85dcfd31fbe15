"""Reads of repairs (all, the open ones and their age, one), from the keys and repairs projection;
the lists as of a day (default: today at the school)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.days import as_of_instant, end_of_day, school_today
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.events import RepairSource
from services.inventory.projections.keys_repairs import KEYS_REPAIRS
from services.inventory.repairs import RepairStatus

S = KEYS_REPAIRS.schema

REPAIR_COLUMNS = (
    "repair_id, district_id, school_id, campus_id, place, description, source, hazard_id, state, reported_by, "
    "reported_at, assignee_id, assigned_by, assigned_at, done_by, done_at, note, verified_by, verified_at, "
    "failed_verifications, failed_by, failed_at, failed_reason"
)


def _repairs(
    principal: Principal, campus_id: str | None, assignee_id: str | None, as_of: date | None, aged: bool = False
) -> tuple[Query, str]:
    """Repairs reported by the end of ``as_of`` (default: today) in the caller's scope, with their
    turnaround then (report to verification, or to the work done while it waits for verification;
    none before) and, ``aged``, how long they had waited then (to now, for today); also the
    placeholder of the day's end."""
    day = as_of or school_today()
    q = Query("", "repair_id")
    end = f"{q.param(end_of_day(day))}::timestamptz"
    until = f"CASE WHEN verified_at < {end} THEN verified_at WHEN done_at < {end} THEN done_at END"
    columns = (
        f"{REPAIR_COLUMNS}, {q.param(day)}::date AS as_of, "
        f"round((extract(epoch FROM ({until}) - reported_at) / 3600)::numeric, 2)::float8 AS turnaround_hours"
    )
    if aged:
        age = f"extract(epoch FROM {q.param(as_of_instant(day))}::timestamptz - reported_at)"
        columns += f", round(({age} / 3600)::numeric, 1)::float8 AS age_hours, floor({age} / 86400)::int AS age_days"
    q.select_from = f"SELECT {columns} FROM {S}.repairs"
    q.scoped(principal).filter("campus_id = {}", campus_id).filter("assignee_id = {}", assignee_id)
    q.where.append(f"reported_at < {end}")
    return q, end


def repair_list(
    principal: Principal,
    campus_id: str | None,
    state: RepairStatus | None,
    source: RepairSource | None,
    hazard_id: str | None,
    assignee_id: str | None,
    as_of: date | None = None,
) -> Query:
    """The repairs a list asks for, reported by ``as_of`` (default: today), with their turnaround
    then once done, in the caller's scope."""
    q, _ = _repairs(principal, campus_id, assignee_id, as_of)
    q.filter("state = {}", state.value if state else None).filter("source = {}", source.value if source else None)
    return q.filter("hazard_id = {}", hazard_id)


def open_repair_list(
    principal: Principal, campus_id: str | None, assignee_id: str | None, as_of: date | None = None
) -> Query:
    """Repairs not verified by the end of ``as_of`` (default: today), and how long they had waited
    then (to now, for today), in the caller's scope."""
    q, end = _repairs(principal, campus_id, assignee_id, as_of, aged=True)
    q.where.append(f"(verified_at IS NULL OR verified_at >= {end})")
    return q


async def repair(pool: asyncpg.Pool, principal: Principal, repair_id: str) -> dict[str, Any]:
    """One repair in the caller's scope, or a 404."""
    q = Query(f"SELECT {REPAIR_COLUMNS}, turnaround_hours FROM {S}.repairs", "repair_id").scoped(principal)
    row = await q.filter("repair_id = {}", repair_id).one(pool)
    if row is None:
        raise NotFound(f"repair {repair_id} not found")
    return row
