"""The directory's read side: scoped, paginated reads of the roster, and principals for tokens."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.directory.projections import ROSTER
from services.eventkit.auth import Principal, Role
from services.eventkit.db import Connection
from services.eventkit.errors import Forbidden, NotFound
from services.eventkit.queries import Page, Query

S = ROSTER.schema


def _staff_only(principal: Principal) -> None:
    if principal.roles <= {Role.PARENT}:
        raise Forbidden("the directory is for staff")


async def districts(db: asyncpg.Pool, principal: Principal, after: str | None, limit: int) -> Page:
    _staff_only(principal)
    q = Query(f"SELECT district_id, name FROM {S}.districts", "district_id").scoped(principal)
    return await q.page(db, after, limit)


async def schools(
    db: asyncpg.Pool, principal: Principal, district_id: str | None, after: str | None, limit: int
) -> Page:
    _staff_only(principal)
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
    _staff_only(principal)
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
    _staff_only(principal)
    q = Query(
        f"SELECT campus_id, school_id, district_id, name, address, closed, students FROM {S}.campuses", "campus_id"
    ).scoped(principal)
    q.filter("school_id = {}", school_id).filter("campus_id = ANY({}::text[])", ids)
    return await q.page(db, after, limit)


async def campus(db: asyncpg.Pool, principal: Principal, campus_id: str) -> dict[str, Any]:
    _staff_only(principal)
    q = Query(
        f"SELECT campus_id, school_id, district_id, name, address, closed, students FROM {S}.campuses", "campus_id"
    ).scoped(principal)
    row = await q.filter("campus_id = {}", campus_id).one(db)
    if row is None:
        raise NotFound(f"campus {campus_id} not found")
    return row


async def classes(
    db: asyncpg.Pool,
    principal: Principal,
    campus_id: str | None,
    after: str | None,
    limit: int,
    ids: list[str] | None = None,
) -> Page:
    _staff_only(principal)
    q = Query(
        f"SELECT c.class_id, c.campus_id, c.school_id, c.district_id, c.name, c.grade, c.class_teacher_id, c.students, "
        f"coalesce((SELECT json_agg(json_build_object('staff_id', t.staff_id, 'subject', t.subject) "
        f"ORDER BY t.staff_id, t.subject) FROM {S}.class_teachers t WHERE t.class_id = c.class_id), '[]') AS teachers "
        f"FROM {S}.classes c",
        "c.class_id",
    ).scoped(principal, "c.")
    q.filter("c.campus_id = {}", campus_id).filter("c.class_id = ANY({}::text[])", ids)
    return await q.page(db, after, limit)


async def one_class(db: asyncpg.Pool, principal: Principal, class_id: str) -> dict[str, Any]:
    _staff_only(principal)
    q = Query(
        f"SELECT c.class_id, c.campus_id, c.school_id, c.district_id, c.name, c.grade, c.class_teacher_id, c.students, "
        f"coalesce((SELECT json_agg(json_build_object('staff_id', t.staff_id, 'subject', t.subject) "
        f"ORDER BY t.staff_id, t.subject) FROM {S}.class_teachers t WHERE t.class_id = c.class_id), '[]') AS teachers "
        f"FROM {S}.classes c",
        "c.class_id",
    ).scoped(principal, "c.")
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
) -> Page:
    _staff_only(principal)
    q = Query(f"SELECT staff_id, district_id, school_id, name, roles, campus_ids, active FROM {S}.staff", "staff_id")
    clause, values = principal.scope_sql(1)
    q.params.extend(values)
    q.where.append(f"({clause} OR campus_ids && $3::text[])")
    q.filter("{} = ANY(campus_ids)", campus_id)
    q.filter("{} = ANY(roles)", role.value if role else None)
    return await q.page(db, after, limit)


async def students(db: asyncpg.Pool, principal: Principal, class_id: str | None, after: str | None, limit: int) -> Page:
    _staff_only(principal)
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


async def principal_for(db: asyncpg.Pool | Connection, user_id: str) -> Principal:
    """The principal a staff member or parent signs in as: roles, scopes and classes."""
    row = await db.fetchrow(
        f"SELECT staff_id, district_id, school_id, name, roles, campus_ids FROM {S}.staff "
        "WHERE staff_id = $1 AND active",
        user_id,
    )
    if row is not None:
        roles = frozenset(Role(r) for r in row["roles"])
        classes = await db.fetch(f"SELECT DISTINCT class_id FROM {S}.class_teachers WHERE staff_id = $1", user_id)
        district_wide = Role.DISTRICT_ADMIN in roles
        return Principal(
            subject=user_id,
            name=row["name"],
            roles=roles,
            districts=frozenset([row["district_id"]]) if district_wide else frozenset(),
            campuses=frozenset(row["campus_ids"]),
            classes=frozenset(r["class_id"] for r in classes),
        )
    parent = await db.fetchrow(f"SELECT parent_id, name FROM {S}.parents WHERE parent_id = $1", user_id)
    if parent is not None:
        # The child's current class (it moves with the child), else the one at the time of the link.
        children = await db.fetch(
            f"SELECT coalesce(s.class_id, p.class_id) AS class_id FROM {S}.parent_students p "
            f"LEFT JOIN {S}.students s USING (student_id) WHERE p.parent_id = $1",
            user_id,
        )
        return Principal(
            subject=user_id,
            name=parent["name"],
            roles=frozenset([Role.PARENT]),
            classes=frozenset(r["class_id"] for r in children),
        )
    raise NotFound(f"no staff member or parent {user_id} in the directory")
