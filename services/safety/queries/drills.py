"""Reads of drills and their monthly coverage by kind, from the inspection status projection
(which keeps the drills for its monthly counts)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.days import school_today
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Query
from services.safety.events import DrillKind
from services.safety.projections.inspection_status import INSPECTION_STATUS

S = INSPECTION_STATUS.schema
MAX_COVERAGE_MONTHS = 36

DRILL_COLUMNS = (
    "drill_id, district_id, school_id, campus_id, kind, title, planned_on, conducted_on, participants, "
    "evacuation_seconds, summarised, "
    "CASE WHEN summarised THEN 'summarised' WHEN conducted_on IS NOT NULL THEN 'conducted' ELSE 'planned' END "
    "AS status"
)


def drill_list(
    principal: Principal,
    campus_id: str | None,
    kind: DrillKind | None,
    month: date | None,
    conducted: bool | None,
) -> Query:
    """The drills a list asks for, in the caller's scope; ``month``: conducted (or else planned) in it."""
    q = Query(f"SELECT {DRILL_COLUMNS} FROM {S}.drills", "drill_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("kind = {}", kind.value if kind else None)
    q.filter("date_trunc('month', coalesce(conducted_on, planned_on)) = date_trunc('month', {}::date)", month)
    if conducted is not None:
        q.where.append("conducted_on IS NOT NULL" if conducted else "conducted_on IS NULL")
    return q


async def drill(pool: asyncpg.Pool, principal: Principal, drill_id: str) -> dict[str, Any]:
    """One drill in the caller's scope, or a 404."""
    q = Query(f"SELECT {DRILL_COLUMNS} FROM {S}.drills", "drill_id").scoped(principal)
    row = await q.filter("drill_id = {}", drill_id).one(pool)
    if row is None:
        raise NotFound(f"drill {drill_id} not found")
    return row


def _months(first: date, last: date) -> list[date]:
    months: list[date] = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


async def coverage(
    pool: asyncpg.Pool, campus_id: str, from_: date, to: date, as_of: date | None = None
) -> dict[str, Any]:
    """Drills conducted on a campus per month and kind over a range (422 if it is backwards or too long),
    as of ``as_of`` (default: today): a drill counts once conducted on or before it."""
    if to < from_:
        raise InvalidInput("the range ends before it starts", field="to")
    months = _months(from_, to)
    day = as_of or school_today()
    if len(months) > MAX_COVERAGE_MONTHS:
        raise InvalidInput(f"a range covers at most {MAX_COVERAGE_MONTHS} months", field="to")
    counts: dict[tuple[date, str], int] = {
        (r["month"], r["kind"]): r["n"]
        for r in await pool.fetch(
            f"SELECT date_trunc('month', conducted_on)::date AS month, kind, count(*) AS n FROM {S}.drills "
            "WHERE campus_id = $1 AND conducted_on BETWEEN $2 AND $3 AND conducted_on <= $4 GROUP BY 1, 2",
            campus_id,
            from_,
            to,
            day,
        )
    }
    per_month: list[dict[str, Any]] = []
    for month in months:
        by_kind = {k.value: counts.get((month, k.value), 0) for k in DrillKind}
        per_month.append(
            {
                "month": f"{month:%Y-%m}",
                "by_kind": by_kind,
                "kinds": [k for k, n in by_kind.items() if n],
                "total": sum(by_kind.values()),
            }
        )
    totals = {k.value: sum(n for (_, kind), n in counts.items() if kind == k.value) for k in DrillKind}
    return {
        "campus_id": campus_id,
        "from": from_.isoformat(),
        "to": to.isoformat(),
        "as_of": day.isoformat(),
        "months": per_month,
        "by_kind": totals,
        "total": sum(totals.values()),
        "kinds_covered": [k for k, n in totals.items() if n],
        "kinds_missing": [k.value for k in DrillKind if k is not DrillKind.OTHER and not totals[k.value]],
        "months_without_drill": [m["month"] for m in per_month if not m["total"]],
    }
