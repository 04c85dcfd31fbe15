"""Reads of the rule books (a school's versions, one version, the version in force on a day) and
of who acknowledged a version, from the rule books projection and the directory's mirror.

A school's rule book is read by whoever covers the school or one of its campuses: to anyone
else the school does not exist (404), as for a school nobody knows."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.campus.scoped import CampusCommands
from services.eventkit.auth import Principal, Role
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Query
from services.hr_eval.common import WORKER_ROLES
from services.hr_eval.projections.rule_books import RULE_BOOKS

S = RULE_BOOKS.schema


async def readable_school(
    hr_eval: CampusCommands, principal: Principal, school_id: str, roles: tuple[Role, ...]
) -> TenantPath:
    """The school, if the caller covers it (else a 404, the same as for an unknown school) and
    holds one of ``roles`` there (else a 403)."""
    try:
        tenant = await hr_eval.school(school_id)
    except InvalidInput:
        raise NotFound(f"school {school_id} not found") from None
    if not await hr_eval.covers(principal, tenant):
        raise NotFound(f"school {school_id} not found")
    await hr_eval.authorise(principal, tenant, roles)
    return tenant


# Every version of one school ($1), with the day the next one took over. ``key`` orders the
# newest first (a page's cursor is text: the version counted down from INT4_MAX, zero-padded).
_VERSIONS = (
    "SELECT v.school_id, v.version, v.title, v.effective_on, "
    "lead(v.effective_on) OVER (ORDER BY v.version) AS superseded_on, v.studied_on, v.base_score, "
    "jsonb_array_length(v.categories)::bigint AS category_count, jsonb_array_length(v.items)::bigint AS rule_count, "
    "v.published_by, v.published_at, v.categories, v.items, "
    "lpad((2147483647 - v.version)::text, 10, '0') AS key "
    f"FROM {S}.versions v WHERE v.school_id = $1"
)
_SUMMARY = (
    "school_id, version, title, effective_on, superseded_on, studied_on, base_score, category_count, rule_count, "
    "published_by, published_at"
)


def version_list(school_id: str) -> Query:
    """The versions of a school's rule book, newest first."""
    q = Query("", "x.key")
    q.param(school_id)
    q.select_from = f"SELECT {_SUMMARY}, key FROM ({_VERSIONS}) x"
    return q


async def version(pool: asyncpg.Pool, school_id: str, number: int) -> dict[str, Any]:
    """One version with its categories and rules, or a 404."""
    row = await pool.fetchrow(
        f"SELECT {_SUMMARY}, categories, items FROM ({_VERSIONS}) x WHERE version = $2", school_id, number
    )
    if row is None:
        raise NotFound(f"version {number} of the rule book of {school_id} not found")
    return dict(row)


async def in_force(pool: asyncpg.Pool, school_id: str, day: date) -> dict[str, Any]:
    """The version in force on ``day`` (the latest that took effect on or before it), or a 404."""
    row = await pool.fetchrow(
        f"SELECT {_SUMMARY}, categories, items FROM ({_VERSIONS}) x WHERE effective_on <= $2 "
        "ORDER BY effective_on DESC LIMIT 1",
        school_id,
        day,
    )
    if row is None:
        raise NotFound(f"no version of the rule book of {school_id} is in force on {day.isoformat()}")
    return dict(row)


_ACKNOWLEDGED = (
    "SELECT a.staff_id, s.name, coalesce(s.roles, '{}') AS roles, coalesce(s.campus_ids, '{}') AS campus_ids, "
    f"a.acknowledged_at FROM {S}.acknowledgements a LEFT JOIN directory_staff s USING (staff_id) "
    "WHERE a.school_id = $1 AND a.version = $2 AND ($3::text IS NULL OR $3 = ANY(s.campus_ids)) "
    "ORDER BY a.acknowledged_at, a.staff_id"
)
_PENDING = (
    "SELECT s.staff_id, s.name, s.roles, s.campus_ids, NULL::timestamptz AS acknowledged_at FROM directory_staff s "
    "WHERE s.school_id = $1 AND s.active AND s.roles && $4::text[] AND ($3::text IS NULL OR $3 = ANY(s.campus_ids)) "
    f"AND NOT EXISTS (SELECT 1 FROM {S}.acknowledgements a WHERE a.school_id = $1 AND a.version = $2 "
    "AND a.staff_id = s.staff_id) ORDER BY s.staff_id"
)


async def acknowledgements(pool: asyncpg.Pool, school_id: str, number: int, campus_id: str | None) -> dict[str, Any]:
    """Who acknowledged version ``number`` when (first first), and the school's active logistics
    workers who have not (by id); with ``campus_id``, those who work on that campus of the school."""
    book = await version(pool, school_id, number)
    if campus_id is not None:
        known = await pool.fetchval(
            "SELECT true FROM directory_campuses WHERE campus_id = $1 AND school_id = $2", campus_id, school_id
        )
        if not known:
            raise InvalidInput(f"campus {campus_id} is not a campus of {school_id}", field="campus_id")
    acknowledged = await pool.fetch(_ACKNOWLEDGED, school_id, number, campus_id)
    pending = await pool.fetch(_PENDING, school_id, number, campus_id, [r.value for r in WORKER_ROLES])
    return {
        "school_id": school_id,
        "version": number,
        "title": book["title"],
        "effective_on": book["effective_on"],
        "campus_id": campus_id,
        "acknowledged_count": len(acknowledged),
        "pending_count": len(pending),
        "acknowledged": [dict(r) for r in acknowledged],
        "pending": [dict(r) for r in pending],
    }
