"""Reads of contests (a page, one with its score sheets and ranking), awards and honours, from the
contests projection. They are the school's: whoever covers the school, or any of its campuses
(the directory mirror's), reads them all, a campus's contest included."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.hr_eval.events import ContestKind, Level
from services.hr_eval.projections.contests import CONTESTS

S = CONTESTS.schema

CONTEST_COLUMNS = (
    "contest_id, district_id, school_id, campus_id, name, kind, level, organiser, held_on, rounds, criteria, "
    "judges, entrants, announced_by, announced_at, sheets, ranked, ranking, ranked_by, ranked_at"
)
AWARD_COLUMNS = (
    "award_id, district_id, school_id, campus_id, contest_id, title, prize, level, awarded_on, entrant_id, "
    "recipient_name, staff_ids, bonus_rule_code, granted_by, granted_at"
)
HONOUR_COLUMNS = (
    "honour_id, district_id, school_id, campus_id, title, level, awarded_by, awarded_on, recorded_by, recorded_at"
)


def of_schools_in_scope(q: Query, principal: Principal) -> Query:
    """Keeps the rows (aliased ``x``) of a school the caller covers, or one of whose campuses they cover."""
    clause, values = principal.scope_sql(len(q.params) + 1, "c.")
    q.params.extend(values)
    q.where.append(f"EXISTS (SELECT 1 FROM directory_campuses c WHERE c.school_id = x.school_id AND {clause})")
    return q


def contest_list(
    principal: Principal,
    school_id: str | None,
    campus_id: str | None,
    kind: ContestKind | None,
    level: Level | None,
) -> Query:
    q = Query(f"SELECT {CONTEST_COLUMNS} FROM {S}.contests x", "contest_id")
    of_schools_in_scope(q, principal).filter("school_id = {}", school_id).filter("campus_id = {}", campus_id)
    q.filter("kind = {}", kind.value if kind else None)
    return q.filter("level = {}", level.value if level else None)


async def contest(pool: asyncpg.Pool, principal: Principal, contest_id: str) -> dict[str, Any]:
    """One contest in the caller's scope with every score sheet, or a 404."""
    row = await contest_list(principal, None, None, None, None).filter("contest_id = {}", contest_id).one(pool)
    if row is None:
        raise NotFound(f"contest {contest_id} not found")
    sheets = await pool.fetch(
        f"SELECT round_id, entrant_id, judge, scores, total, recorded_by, recorded_at FROM {S}.contest_scores "
        "WHERE contest_id = $1 ORDER BY round_id, entrant_id, judge",
        contest_id,
    )
    return row | {"scores": [dict(r) for r in sheets]}


def award_list(
    principal: Principal,
    school_id: str | None,
    staff_id: str | None,
    level: Level | None,
    from_: date | None,
    to: date | None,
) -> Query:
    q = Query(f"SELECT {AWARD_COLUMNS} FROM {S}.awards x", "award_id")
    of_schools_in_scope(q, principal).filter("school_id = {}", school_id).filter("{} = ANY(staff_ids)", staff_id)
    q.filter("level = {}", level.value if level else None)
    return q.filter("awarded_on >= {}", from_).filter("awarded_on <= {}", to)


def honour_list(principal: Principal, school_id: str | None, from_: date | None, to: date | None) -> Query:
    q = Query(f"SELECT {HONOUR_COLUMNS} FROM {S}.honours x", "honour_id")
    of_schools_in_scope(q, principal).filter("school_id = {}", school_id)
    return q.filter("awarded_on >= {}", from_).filter("awarded_on <= {}", to)
