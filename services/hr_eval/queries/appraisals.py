"""Reads of appraisals (a list, one with its items, a worker's trend), from the appraisal totals
projection.

Who reads what (the same rule for every read, the history included): the appraisers of a campus
and those who oversee it (:data:`READERS_OF_ALL`) read every appraisal in their scope, item by
item with its evidence; a worker reads their own appraisals only, with their evidence. Another's
appraisal is, to a worker, as one that does not exist (404), and so is one outside the caller's
scope. Nobody else reads an appraisal: after publication other workers see only the totals
(:mod:`services.hr_eval.queries.totals`)."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.hr_eval.common import READERS_OF_ALL, WORKER_ROLES
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS

S = APPRAISAL_TOTALS.schema

APPRAISAL_COLUMNS = (
    "appraisal_id, district_id, school_id, campus_id, staff_id, staff_name, role, month, rule_book_version, "
    "base, deductions, bonuses, total, state, state = 'published' AS published, published_total, corrected, "
    "corrections, part_month, joined_on, left_on, item_count, uncommunicated, disputed, opened_at, "
    "finalised_at, published_at, closed_at"
)

ITEM_COLUMNS = (
    "item_id, rule_code, rule_text, category, points, proposed_points, status, source, source_ref, proposal_id, "
    "proposed_by, proposed_at, occurred_at, place, note, evidence_refs, communicated_by, communicated_at, channel, "
    "respond_by, acknowledged_at, disputed_at, resolved_by, resolved_at, outcome, withdrawn_at, corrected_at"
)


def readable(q: Query, principal: Principal, prefix: str = "") -> Query:
    """Keeps the appraisals the caller reads: those in the scope where they appraise or oversee,
    and, for a worker, their own."""
    clause, values = principal.scope_sql(len(q.params) + 1, prefix, READERS_OF_ALL)
    q.params.extend(values)
    if principal.has_role(*WORKER_ROLES):
        clause = f"({clause} OR {prefix}staff_id = {q.param(principal.subject)})"
    q.where.append(clause)
    return q


def appraisal_list(
    principal: Principal,
    campus_id: str | None = None,
    month: str | None = None,
    staff_id: str | None = None,
    role: str | None = None,
    state: str | None = None,
) -> Query:
    """The appraisals a list asks for, of those the caller reads."""
    q = readable(Query(f"SELECT {APPRAISAL_COLUMNS} FROM {S}.appraisals", "appraisal_id"), principal)
    q.filter("campus_id = {}", campus_id).filter("month = {}", month).filter("staff_id = {}", staff_id)
    return q.filter("role = {}", role).filter("state = {}", state)


async def appraisal(pool: asyncpg.Pool, principal: Principal, appraisal_id: str) -> dict[str, Any]:
    """One appraisal the caller reads, with its items in the order they were proposed, or a 404.
    Whoever reads it reads its evidence: an appraiser or overseer of its campus, or its worker."""
    row = await appraisal_list(principal).filter("appraisal_id = {}", appraisal_id).one(pool)
    if row is None:
        raise NotFound(f"appraisal {appraisal_id} not found")
    items = await pool.fetch(
        f"SELECT {ITEM_COLUMNS} FROM {S}.items WHERE appraisal_id = $1 ORDER BY proposed_at, item_id", appraisal_id
    )
    return row | {"items": [dict(r) for r in items]}


async def appraisal_stream(pool: asyncpg.Pool, principal: Principal, appraisal_id: str) -> str:
    """The stream of an appraisal the caller reads (its history), or a 404."""
    q = readable(Query(f"SELECT stream_id FROM {S}.appraisals", "appraisal_id"), principal)
    row = await q.filter("appraisal_id = {}", appraisal_id).one(pool)
    if row is None:
        raise NotFound(f"appraisal {appraisal_id} not found")
    return str(row["stream_id"])


async def trend(
    pool: asyncpg.Pool, principal: Principal, staff_id: str, from_month: str, to_month: str
) -> dict[str, Any]:
    """A worker's appraisals month by month from ``from_month`` to ``to_month`` (closed ones left
    out), of those the caller reads. A worker asking for another's trend gets a 404."""
    if principal.subject != staff_id and not principal.has_role(*READERS_OF_ALL):
        raise NotFound(f"worker {staff_id} not found")
    q = readable(
        Query(
            "SELECT month, appraisal_id, campus_id, total, state, state = 'published' AS published, "
            f"published_total, corrected FROM {S}.appraisals",
            "month",
        ),
        principal,
    )
    q.filter("staff_id = {}", staff_id).filter("month >= {}", from_month).filter("month <= {}", to_month)
    q.where.append("state <> 'closed'")
    sql = q.select_from + " WHERE " + " AND ".join(q.where) + " ORDER BY month"
    rows = await pool.fetch(sql, *q.params)
    return {"staff_id": staff_id, "from_month": from_month, "to_month": to_month, "months": [dict(r) for r in rows]}
