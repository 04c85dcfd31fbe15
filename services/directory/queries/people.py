"""Reads of classes (with their teachers and headcount), staff, students and parents."""

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


# A parent with their children (each child's class as it was linked); never the phone number.
PARENTS = (
    "SELECT p.parent_id, p.district_id, p.school_id, p.name, "
    "coalesce((SELECT json_agg(json_build_object('student_id', k.student_id, 'class_id', k.class_id, "
    f"'relation', k.relation) ORDER BY k.student_id) FROM {S}.parent_students k WHERE k.parent_id = p.parent_id), "
    f"'[]') AS children FROM {S}.parents p"
)


async def parents(
    db: asyncpg.Pool,
    principal: Principal,
    school_id: str | None,
    student_id: str | None,
    after: str | None,
    limit: int,
    ids: list[str] | None = None,
) -> Page:
    """Parents of the schools in the caller's scope (a parent is a school's, as their history is)."""
    staff_only(principal)
    q = Query(PARENTS, "p.parent_id").scoped(principal, "p.")
    q.filter("p.school_id = {}", school_id).filter("p.parent_id = ANY({}::text[])", ids)
    q.filter(f"p.parent_id IN (SELECT parent_id FROM {S}.parent_students WHERE student_id = {{}})", student_id)
    return await q.page(db, after, limit)


async def parent(db: asyncpg.Pool, principal: Principal, parent_id: str) -> dict[str, Any]:
    staff_only(principal)
    row = await Query(PARENTS, "p.parent_id").scoped(principal, "p.").filter("p.parent_id = {}", parent_id).one(db)
    if row is None:
        raise NotFound(f"parent {parent_id} not found")
    return row
