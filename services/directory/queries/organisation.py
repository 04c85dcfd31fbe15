"""Reads of the tenant tree: districts, schools and their calendar, campuses."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.directory.common import staff_only
from services.directory.projections.roster import ROSTER
from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query

S = ROSTER.schema

CAMPUSES = f"SELECT campus_id, school_id, district_id, name, address, closed, students FROM {S}.campuses"


async def districts(db: asyncpg.Pool, principal: Principal, after: str | None, limit: int) -> Page:
    staff_only(principal)
    q = Query(f"SELECT district_id, name FROM {S}.districts", "district_id").scoped(principal)
    return await q.page(db, after, limit)


async def schools(
    db: asyncpg.Pool, principal: Principal, district_id: str | None, after: str | None, limit: int
) -> Page:
    staff_only(principal)
    q = Query(f"SELECT school_id, district_id, name FROM {S}.schools", "school_id")
    # Schools rows carry no campus: campus-scoped staff see the school of their campuses.
    clause, values = principal.scope_sql(1)
    q.params.extend(values)
    q.where.append(f"({clause} OR school_id IN (SELECT school_id FROM {S}.campuses WHERE campus_id = ANY($3::text[])))")
    q.filter("district_id = {}", district_id)
    return await q.page(db, after, limit)


async def terms(
    db: asyncpg.Pool, principal: Principal, school_id: str, on: date | None, after: str | None, limit: int
) -> Page:
    staff_only(principal)
    q = Query(
        f"SELECT t.term_id, t.school_id, t.name, t.starts_on, t.ends_on FROM {S}.terms t "
        f"JOIN {S}.schools s USING (school_id)",
        "t.term_id",
    )
    clause, values = principal.scope_sql(1, "s.")
    q.params.extend(values)
    campus_clause = f"s.school_id IN (SELECT school_id FROM {S}.campuses WHERE campus_id = ANY($3::text[]))"
    q.where.append(f"({clause} OR {campus_clause})")
    q.filter("t.school_id = {}", school_id)
    q.filter("t.starts_on <= {0} AND {0} <= t.ends_on", on)
    return await q.page(db, after, limit)


async def campuses(
    db: asyncpg.Pool,
    principal: Principal,
    school_id: str | None,
    after: str | None,
    limit: int,
    ids: list[str] | None = None,
) -> Page:
    staff_only(principal)
    q = Query(CAMPUSES, "campus_id").scoped(principal)
    q.filter("school_id = {}", school_id).filter("campus_id = ANY({}::text[])", ids)
    return await q.page(db, after, limit)


async def campus(db: asyncpg.Pool, principal: Principal, campus_id: str) -> dict[str, Any]:
    staff_only(principal)
    q = Query(CAMPUSES, "campus_id").scoped(principal)
    row = await q.filter("campus_id = {}", campus_id).one(db)
    if row is None:
        raise NotFound(f"campus {campus_id} not found")
    return row
