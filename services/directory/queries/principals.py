"""Who signs in: the principal of a staff member or a parent, read from the roster."""

from __future__ import annotations

import asyncpg

from services.directory.projections.roster import ROSTER
from services.eventkit.auth import Principal, Role
from services.eventkit.db import Connection
from services.eventkit.errors import NotFound

S = ROSTER.schema


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
