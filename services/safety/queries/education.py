"""Reads of safety education (Friday sessions per class, monthly flag ceremonies, campaigns),
from the safety records projection."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.safety.projections.safety_records import SAFETY_RECORDS

S = SAFETY_RECORDS.schema

SESSION_COLUMNS = (
    "session_id, district_id, school_id, campus_id, class_id, week_of, theme, teacher_id, lesson_prep_ref, status, "
    "delivered_on, delivered_by, checked_by, result, note"
)
CEREMONY_COLUMNS = (
    "ceremony_id, district_id, school_id, campus_id, held_on, to_char(held_on, 'YYYY-MM') AS month, "
    "theme, speaker, held_by"
)
CAMPAIGN_COLUMNS = (
    "c.campaign_id, c.district_id, c.school_id, c.campus_id, c.title, c.starts_on, c.activities, c.done, "
    "c.summary, c.summary IS NOT NULL AS summarised, "
    "(SELECT coalesce(json_agg(json_build_object('activity', a.activity, 'done_on', a.done_on, 'note', a.note) "
    f"ORDER BY a.seq), '[]'::json) FROM {S}.campaign_activities a WHERE a.campaign_id = c.campaign_id) "
    "AS activity_list"
)


def session_list(
    principal: Principal, campus_id: str | None, class_id: str | None, week: date | None, status: str | None
) -> Query:
    """The sessions a list asks for, in the caller's scope; ``week``: that week's Friday session."""
    q = Query(f"SELECT {SESSION_COLUMNS} FROM {S}.sessions", "session_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id).filter("status = {}", status)
    q.filter("date_trunc('week', week_of) = date_trunc('week', {}::date)", week)
    return q


async def session(pool: asyncpg.Pool, principal: Principal, session_id: str) -> dict[str, Any]:
    """One safety session in the caller's scope, or a 404."""
    q = Query(f"SELECT {SESSION_COLUMNS} FROM {S}.sessions", "session_id").scoped(principal)
    row = await q.filter("session_id = {}", session_id).one(pool)
    if row is None:
        raise NotFound(f"safety session {session_id} not found")
    return row


def ceremony_list(principal: Principal, campus_id: str | None, from_: date | None, to: date | None) -> Query:
    """The flag ceremonies held in a range, in the caller's scope."""
    q = Query(f"SELECT {CEREMONY_COLUMNS} FROM {S}.flag_ceremonies", "ceremony_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("held_on >= {}", from_).filter("held_on <= {}", to)
    return q


def campaign_list(principal: Principal, campus_id: str | None) -> Query:
    """The safety campaigns in the caller's scope, each with its activities."""
    q = Query(f"SELECT {CAMPAIGN_COLUMNS} FROM {S}.campaigns c", "c.campaign_id").scoped(principal, "c.")
    q.filter("c.campus_id = {}", campus_id)
    return q


async def campaign(pool: asyncpg.Pool, principal: Principal, campaign_id: str) -> dict[str, Any]:
    """One safety campaign and its activities, in the caller's scope, or a 404."""
    q = Query(f"SELECT {CAMPAIGN_COLUMNS} FROM {S}.campaigns c", "c.campaign_id").scoped(principal, "c.")
    row = await q.filter("c.campaign_id = {}", campaign_id).one(pool)
    if row is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return row
