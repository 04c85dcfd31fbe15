"""Reads of classes (with their teachers and headcount), staff and students."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.directory.common import staff_only
from services.directory.projections.roster import ROSTER
from services.eventkit.auth import Principal, Role
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query

S = ROSTER.schema

# A class with its teachers (staff and subject) and headcount.
CLASSES = (
    "SELECT c.class_id, c.campus_id, c.school_id, c.district_id, c.name, c.grade, c.class_teacher_id, c.students, "
    "coalesce((SELECT json_agg(json_build_object('staff_id', t.staff_id, 'subject', t.subject) "
    f"ORDER BY t.staff_id, t.subject) FROM {S}.class_teachers t WHERE t.class_id = c.class_id), '[]') AS teachers "
    f"FROM {S}.classes c"
)


async def classes(
    db: asyncpg.Pool,
    principal: Principal,
    campus_id: str | None,
    after: str | None,
    limit: int,
    ids: list[str] | None = None,
) -> Page:
    staff_only(principal)
    q = Query(CLASSES, "c.class_id").scoped(principal, "c.")
    q.filter("c.campus_id = {}", campus_id).filter("c.class_id = ANY({}::text[])", ids)
    return await q.page(db, after, limit)


async def one_class(db: asyncpg.Pool, principal: Principal, class_id: str) -> dict[str, Any]:
    staff_only(principal)
    q = Query(CLASSES, "c.class_id").scoped(principal, "c.")
    q.filter("c.class_id = {}", class_id)
    row = await q.one(db)
    if row is None:
        raise NotFound(f"class {class_id} not found")
    return row


async def staff(
    db: asyncpg.Pool,
    principal: Principal,
    campus_id: str | None,
    role: Role | None,
    after: str | None,
    limit: int,
    ids: list[str] | None = None,
) -> Page:
    staff_only(principal)
    q = Query(f"SELECT staff_id, district_id, school_id, name, roles, campus_ids, active FROM {S}.staff", "staff_id")
    clause, values = principal.scope_sql(1)
    q.params.extend(values)
    q.where.append(f"({clause} OR campus_ids && $3::text[])")
    q.filter("{} = ANY(campus_ids)", campus_id)
    q.filter("{} = ANY(roles)", role.value if role else None).filter("staff_id = ANY({}::text[])", ids)
    return await q.page(db, after, limit)


async def students(db: asyncpg.Pool, principal: Principal, class_id: str | None, after: str | None, limit: int) -> Page:
    staff_only(principal)
    q = Query(
        f"SELECT student_id, class_id, campus_id, school_id, district_id, name, admission, enrolled_on, active "
        f"FROM {S}.students",
        "student_id",
    )
    clause, values = principal.scope_sql(1)
    q.params.extend(values)
    q.where.append(f"({clause} OR class_id = ANY({q.param(sorted(principal.classes))}::text[]))")
    q.filter("class_id = {}", class_id)
    return await q.page(db, after, limit)
