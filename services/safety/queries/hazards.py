"""Reads of hazards, from the inspection status projection.

A hazard's figures are computed as of a day (default: today at the school): it is open
then if it was reported on or before that day and not closed by its end; its age runs
from its report to its closing, or to the end of that day (now, for today); it breaches
its SLA if that age is longer than its severity allows."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.days import as_of_instant, end_of_day, school_today
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
    "closed_at, verified_by, reopened"
)


class AsOf:
    """The SQL of a hazard's figures as of a day; ``end`` and ``at`` are the placeholders of the
    day's end and of the instant ages run to (:func:`services.eventkit.days.as_of_instant`)."""

    def __init__(self, end: str, at: str) -> None:
        self.reported = f"(reported_at < {end}::timestamptz)"
        self.closed = f"(closed_at IS NOT NULL AND closed_at < {end}::timestamptz)"
        self.open = f"({self.reported} AND NOT {self.closed})"
        until = f"(CASE WHEN {self.closed} THEN closed_at ELSE {at}::timestamptz END)"
        self.age_days = f"greatest(0, extract(epoch FROM ({until} - reported_at)) / 86400)::float8"
        self.breaches_sla = f"({self.reported} AND ({until} - reported_at) > (CASE severity {SLA_INTERVAL} END))"

    @staticmethod
    def params(day: date) -> tuple[Any, Any]:
        return end_of_day(day), as_of_instant(day)


def _select(day: date) -> tuple[Query, AsOf]:
    """A query of hazards with their figures as of ``day`` (its first parameters are the day's)."""
    q = Query("", "hazard_id")
    end, at = (q.param(v) for v in AsOf.params(day))
    f = AsOf(end, at)
    q.select_from = (
        f"SELECT {HAZARD_COLUMNS}, {q.param(day)}::date AS as_of, {f.open} AS open, {f.age_days} AS age_days, "
        f"{f.breaches_sla} AS breaches_sla FROM {S}.hazards"
    )
    return q, f


def hazard_list(
    principal: Principal,
    campus_id: str | None,
    status: str | None,
    severity: Severity | None,
    open_only: bool,
    as_of: date | None = None,
) -> Query:
    """The hazards reported by ``as_of`` (default: today) a list asks for, in the caller's scope, with
    their figures as of that day (``open_only``: open then); a page of a campus reads its index in order."""
    q, f = _select(as_of or school_today())
    q.scoped(principal).filter("campus_id = {}", campus_id).filter("status = {}", status)
    q.filter("severity = {}", severity.value if severity else None)
    q.where.append(f.reported)
    if open_only:
        q.where.append(f.open)
    return q


async def hazard(pool: asyncpg.Pool, principal: Principal, hazard_id: str, as_of: date | None = None) -> dict[str, Any]:
    """One hazard in the caller's scope with its figures as of ``as_of`` (default: today), or a 404;
    as of a day before its report it is not open, aged 0."""
    q, _ = _select(as_of or school_today())
    row = await q.scoped(principal).filter("hazard_id = {}", hazard_id).one(pool)
    if row is None:
        raise NotFound(f"hazard {hazard_id} not found")
    return row
