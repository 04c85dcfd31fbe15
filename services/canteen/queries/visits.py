"""Reads of parent visits (a campus's, a parent's own, one with its steps, the published
reflections), from the parent visits projection; and what scheduling looks up: the visit
standing in a campus's week (from the store: no projection lag), and a parent of the campus."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.canteen.common import READERS
from services.canteen.projections.visits import PARENT_VISITS
from services.canteen.visits import VisitStatus
from services.eventkit.auth import Principal
from services.eventkit.db import Connection
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Query

S = PARENT_VISITS.schema

# The visit of a campus whose (latest) day falls in a week, not cancelled, other than one visit.
VISIT_IN_WEEK = (
    "SELECT s.data->>'visit_id' FROM events s WHERE s.type = 'canteen.ParentVisitScheduled' AND s.campus_id = $1 "
    "AND s.data->>'visit_id' <> $3 "
    "AND NOT EXISTS (SELECT 1 FROM events c WHERE c.stream_id = s.stream_id "
    "AND c.type = 'canteen.ParentVisitCancelled') "
    "AND date_trunc('week', coalesce((SELECT r.data->>'visit_on' FROM events r WHERE r.stream_id = s.stream_id "
    "AND r.type = 'canteen.ParentVisitRescheduled' ORDER BY r.version DESC LIMIT 1), s.data->>'visit_on')::date)::date "
    "= $2 ORDER BY s.position LIMIT 1"
)


async def visit_in_week(conn: Connection, campus_id: str, week_of: date, other_than: str) -> str | None:
    """The parent visit standing in the campus's week (none cancelled), other than ``other_than``."""
    found: str | None = await conn.fetchval(VISIT_IN_WEEK, campus_id, week_of, other_than)
    return found


async def parent_on_campus(db: asyncpg.Pool | Connection, parent_id: str, campus_id: str, field: str) -> str:
    """The name of a parent of a pupil of the campus, or a 422 naming the field."""
    row = await db.fetchrow(
        "SELECT ps.parent_id, coalesce(p.name, '') AS name FROM directory_parent_students ps "
        "JOIN directory_students s USING (student_id) LEFT JOIN directory_parents p USING (parent_id) "
        "WHERE ps.parent_id = $1 AND s.campus_id = $2 AND s.active LIMIT 1",
        parent_id,
        campus_id,
    )
    if row is None:
        raise InvalidInput(f"{parent_id} is not a parent of a pupil of campus {campus_id}", field=field)
    return str(row["name"])


async def campuses_of_parent(db: asyncpg.Pool | Connection, parent_id: str) -> set[str]:
    """The campuses where the parent's children are pupils now."""
    rows = await db.fetch(
        "SELECT DISTINCT s.campus_id FROM directory_parent_students ps JOIN directory_students s USING (student_id) "
        "WHERE ps.parent_id = $1 AND s.active",
        parent_id,
    )
    return {r["campus_id"] for r in rows}


async def delivery_on_campus(db: asyncpg.Pool | Connection, delivery_id: str, campus_id: str, field: str) -> None:
    """A delivery received on the campus (from the store), or a 422 naming the field."""
    found = await db.fetchval(
        "SELECT true FROM events WHERE type = 'canteen.DeliveryReceived' AND campus_id = $2 "
        "AND data->>'delivery_id' = $1 LIMIT 1",
        delivery_id,
        campus_id,
    )
    if not found:
        raise InvalidInput(f"delivery {delivery_id} was not received on campus {campus_id}", field=field)


SUGGESTIONS = (
    "coalesce((SELECT json_agg(json_build_object('suggestion', (t.i - 1)::int, 'text', t.s, 'answer', a.answer, "
    "'answered_by', a.answered_by, 'answered_at', a.answered_at) ORDER BY t.i) "
    "FROM jsonb_array_elements_text(coalesce(v.suggestions, '[]'::jsonb)) WITH ORDINALITY t(s, i) "
    f"LEFT JOIN {S}.visit_answers a ON a.visit_id = v.visit_id AND a.suggestion = t.i - 1), '[]') AS suggestions"
)

VISIT_COLUMNS = (
    "v.visit_id, v.district_id, v.school_id, v.campus_id, v.week_of, v.visit_on, v.parent_id, v.parent_name, "
    "v.status, v.scheduled_by, v.scheduled_at, v.cancel_reason, v.delivery_ids, v.with_staff, v.delivery_note, "
    "v.inspected_at, v.ratings, v.issues, v.lunch_at, v.title, v.text, v.consent_to_publish, v.submitted_at, "
    "v.published, v.channel, v.internal_reason, v.reviewed_by, v.reviewed_at"
)

# Listed by day, then id: list_key is the cursor.
VISITS = (
    f"SELECT * FROM (SELECT {VISIT_COLUMNS}, {SUGGESTIONS}, "
    f"(SELECT count(*)::int FROM {S}.visit_answers a WHERE a.visit_id = v.visit_id) AS answered, "
    f"v.visit_on::text || '/' || v.visit_id AS list_key FROM {S}.visits v) l"
)

PUBLISHED = (
    "SELECT * FROM (SELECT v.visit_id, v.district_id, v.school_id, v.campus_id, v.week_of, v.visit_on, "
    f"v.parent_name, v.title, v.text, v.channel, v.reviewed_at AS published_at, {SUGGESTIONS}, "
    f"v.visit_on::text || '/' || v.visit_id AS list_key FROM {S}.visits v WHERE v.published) l"
)


def _readable(q: Query, principal: Principal, parent_clause: str) -> Query:
    """Keeps what the caller reads: staff readers their campuses, and ``parent_clause`` (a condition
    with ``{}`` for a parameter filled in with what the parent may read as a parent)."""
    clause, values = principal.scope_sql(len(q.params) + 1, roles=READERS)
    q.params.extend(values)
    q.where.append(f"({clause} OR {parent_clause})")
    return q


def visit_list(
    principal: Principal,
    campus_id: str | None,
    from_: date | None,
    to: date | None,
    status: VisitStatus | None,
    parent_id: str | None,
) -> Query:
    """The visits a list asks for: a staff reader's of their campuses, a parent's own."""
    q = Query(VISITS, "list_key")
    _readable(q, principal, f"parent_id = {q.param(principal.subject)}")
    q.filter("campus_id = {}", campus_id).filter("visit_on >= {}", from_).filter("visit_on <= {}", to)
    return q.filter("status = {}", status.value if status else None).filter("parent_id = {}", parent_id)


async def visit(pool: asyncpg.Pool, principal: Principal, visit_id: str) -> dict[str, Any]:
    """One visit the caller reads (a staff reader's campus, or the parent's own), with its steps, or a 404."""
    row = await visit_list(principal, None, None, None, None, None).filter("visit_id = {}", visit_id).one(pool)
    if row is None:
        raise NotFound(f"parent visit {visit_id} does not exist")
    steps = await pool.fetch(
        f"SELECT step, at, by, detail FROM {S}.visit_steps WHERE visit_id = $1 ORDER BY version", visit_id
    )
    return row | {"steps": [dict(r) for r in steps]}


def published_list(
    principal: Principal, parent_campuses: set[str], campus_id: str | None, from_: date | None, to: date | None
) -> Query:
    """The published reflections the caller reads: a staff reader's campuses, and those of the
    campuses of a parent's children."""
    q = Query(PUBLISHED, "list_key")
    _readable(q, principal, f"campus_id = ANY({q.param(sorted(parent_campuses))}::text[])")
    q.filter("campus_id = {}", campus_id).filter("visit_on >= {}", from_)
    return q.filter("visit_on <= {}", to)
