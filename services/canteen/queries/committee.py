"""Reads of the meal committees, accompanied meals (and their weekly coverage) and satisfaction
surveys, from the committee projection. The canteen's staff readers read them in their scope;
a school's committees and surveys are read by whoever reads one of its campuses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg

from services.canteen.committee import committee_id
from services.canteen.common import READERS, monday_of
from services.canteen.projections.committee import COMMITTEE_MEALS
from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query

S = COMMITTEE_MEALS.schema


def school_scoped(q: Query, principal: Principal, alias: str) -> Query:
    """Keeps the rows of schools one of whose campuses the caller reads (as one of the READERS)."""
    clause, values = principal.scope_sql(len(q.params) + 1, "dc.", READERS)
    q.params.extend(values)
    q.where.append(f"EXISTS (SELECT 1 FROM directory_campuses dc WHERE dc.school_id = {alias}.school_id AND {clause})")
    return q


COMMITTEE_SELECT = (
    "SELECT * FROM (SELECT k.*, "
    "coalesce((SELECT jsonb_agg(jsonb_build_object('member_id', m.member_id, 'name', m.name, 'kind', m.kind, "
    "'duty', m.duty, 'staff_id', m.staff_id, 'parent_id', m.parent_id, 'joined_on', m.joined_on, "
    "'left_on', m.left_on, 'left_reason', m.left_reason) ORDER BY m.member_id) "
    f"FROM {S}.committee_members m WHERE m.committee_id = k.committee_id), '[]'::jsonb) AS roster, "
    "coalesce((SELECT jsonb_agg(jsonb_build_object('meeting_id', g.meeting_id, 'held_on', g.held_on, "
    "'attendees', g.attendees, 'minutes', g.minutes, 'decisions', g.decisions, 'recorded_by', g.recorded_by) "
    "ORDER BY g.held_on, g.meeting_id) "
    f"FROM {S}.committee_meetings g WHERE g.committee_id = k.committee_id), '[]'::jsonb) AS meeting_records "
    f"FROM {S}.committees k) c"
)


def committee_list(
    principal: Principal, school_id: str | None, term_id: str | None, oversight: bool | None = None
) -> Query:
    """Committees in the caller's scope, with their members and meetings."""
    q = Query(COMMITTEE_SELECT, "committee_id")
    q.filter("school_id = {}", school_id).filter("term_id = {}", term_id).filter("oversight = {}", oversight)
    return school_scoped(q, principal, "c")


async def committee(pool: asyncpg.Pool, principal: Principal, committee_id: str) -> dict[str, Any]:
    """One committee in the caller's scope, or a 404."""
    row = await committee_list(principal, None, None).filter("committee_id = {}", committee_id).one(pool)
    if row is None:
        raise NotFound(f"meal committee {committee_id} not found")
    return row


async def committees_of_term(
    pool: asyncpg.Pool, principal: Principal, school_id: str, term_id: str, oversight_required: bool
) -> dict[str, Any]:
    """The school's meal committee and oversight committee of the term (each none until formed)."""
    found: dict[bool, dict[str, Any] | None] = {}
    for oversight in (False, True):
        cid = committee_id(school_id, term_id, oversight)
        found[oversight] = await committee_list(principal, None, None).filter("committee_id = {}", cid).one(pool)
    return {
        "school_id": school_id,
        "term_id": term_id,
        "meal_committee": found[False],
        "oversight_committee": found[True],
        "oversight_required": oversight_required,
        "oversight_missing": oversight_required and found[True] is None,
    }


ACCOMPANIED_SELECT = (
    "SELECT * FROM (SELECT record_id, district_id, school_id, campus_id, served_on, meal, diner_id, diner_name, "
    "diner_kind, place, ratings, issues, visit_id, recorded_by, "
    "to_char(served_on, 'YYYY-MM-DD') || ' ' || CASE meal WHEN 'breakfast' THEN '1' WHEN 'lunch' THEN '2' ELSE '3' "
    f"END || ' ' || record_id AS sort_key FROM {S}.accompanied_meals) a"
)


def accompanied_list(
    principal: Principal,
    campus_id: str | None,
    from_day: date | None,
    to_day: date | None,
    diner_id: str | None,
    diner_kind: str | None = None,
) -> Query:
    """Accompanied meals in the caller's scope, by day and meal."""
    q = Query(ACCOMPANIED_SELECT, "sort_key").scoped(principal, roles=READERS)
    q.filter("campus_id = {}", campus_id).filter("served_on >= {}", from_day).filter("served_on <= {}", to_day)
    return q.filter("diner_id = {}", diner_id).filter("diner_kind = {}", diner_kind)


async def meal_coverage(pool: asyncpg.Pool, campus_id: str, school_id: str, day: date) -> dict[str, Any]:
    """The coverage of ``day``'s week on the campus: school days (weekdays in a term of the
    school) with a leader's accompanied lunch, and the leaders' and parents' accompanied meals."""
    week_of = monday_of(day)
    week = [week_of + timedelta(days=i) for i in range(5)]
    terms = await pool.fetch(
        "SELECT starts_on, ends_on FROM directory_terms WHERE school_id = $1 AND starts_on <= $3 AND ends_on >= $2",
        school_id,
        week[0],
        week[-1],
    )
    school_days = [d for d in week if any(t["starts_on"] <= d <= t["ends_on"] for t in terms)]
    rows = await pool.fetch(
        f"SELECT served_on, meal, diner_kind FROM {S}.accompanied_meals "
        "WHERE campus_id = $1 AND served_on >= $2 AND served_on <= $3",
        campus_id,
        week_of,
        week_of + timedelta(days=6),
    )
    led_lunches = {r["served_on"] for r in rows if r["diner_kind"] == "leader" and r["meal"] == "lunch"}
    covered = [d for d in school_days if d in led_lunches]
    return {
        "campus_id": campus_id,
        "week_of": week_of,
        "school_days": len(school_days),
        "days_covered": len(covered),
        "coverage_permille": (len(covered) * 1000 // len(school_days)) if school_days else None,
        "uncovered_days": [d for d in school_days if d not in led_lunches],
        "leader_meals": sum(1 for r in rows if r["diner_kind"] == "leader"),
        "parent_meals": sum(1 for r in rows if r["diner_kind"] == "parent"),
    }


SURVEY_COLUMNS = (
    "survey_id, district_id, school_id, campus_id, term_id, audience, title, questions, status, respondents, "
    "batches, counts, satisfaction_permille, summary, opened_by, closed_by"
)


def survey_list(
    principal: Principal,
    school_id: str | None,
    term_id: str | None,
    audience: str | None = None,
    status: str | None = None,
) -> Query:
    """Surveys in the caller's scope, with their counts and results."""
    q = Query(f"SELECT {SURVEY_COLUMNS} FROM {S}.surveys s", "survey_id")
    q.filter("school_id = {}", school_id).filter("term_id = {}", term_id)
    q.filter("audience = {}", audience).filter("status = {}", status)
    return school_scoped(q, principal, "s")


async def survey(pool: asyncpg.Pool, principal: Principal, survey_id: str) -> dict[str, Any]:
    """One survey in the caller's scope, or a 404."""
    row = await survey_list(principal, None, None).filter("survey_id = {}", survey_id).one(pool)
    if row is None:
        raise NotFound(f"survey {survey_id} not found")
    return row
