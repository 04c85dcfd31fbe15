"""The canteen's part of the term report (``GET /term-figures``): the meal committee, parent
visits, accompanied meals, the kitchen's samples and morning checks, serving audits and the
serving-skill contest, from the canteen's read models as of the term's last day.

Every count is of the campuses in scope and of acts on the term's days (the act's own day: a
meal's, a visit's, an audit's, a meeting's), never of when they were recorded. The meal
committee is the school's (no campus of its own): whoever reads one of its campuses reads it.

Days of service are the days the canteen knows it served on a campus — a day of a menu's meal,
a delivery received or a meal served — counted once however many campuses served; a day is
covered when every campus in scope that served that day kept the record (a food sample of that
day's meals, a worker's morning check), so a campus's missing day is not hidden by another's.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from services.campus.term_report import (
    CanteenFigures,
    CommitteeFigures,
    ContestFigures,
    CoverageFigures,
    ParentVisitFigures,
    ServingFigures,
    TermScope,
)
from services.canteen.common import monday_of
from services.canteen.projections.committee import COMMITTEE_MEALS
from services.canteen.projections.ledger import FOOD_SAFETY_LEDGER
from services.canteen.projections.serving import SERVING
from services.canteen.projections.visits import PARENT_VISITS
from services.eventkit.days import end_of_day
from services.eventkit.db import Connection

C, V, L, SV = COMMITTEE_MEALS.schema, PARENT_VISITS.schema, FOOD_SAFETY_LEDGER.schema, SERVING.schema

# $1 school, $2 term, $3 first day, $4 last day. The school's meal committee (not the oversight
# committee) of the term, or else the one in place at the term's end.
COMMITTEE_SQL = f"""
SELECT k.committee_id, k.term_id, k.formed_on,
    (SELECT count(*) FROM {C}.committee_members m WHERE m.committee_id = k.committee_id
        AND m.joined_on <= $4 AND (m.left_on IS NULL OR m.left_on > $4)) AS members,
    (SELECT count(*) FROM {C}.committee_meetings g WHERE g.committee_id = k.committee_id
        AND g.held_on BETWEEN $3 AND $4) AS meetings,
    (SELECT min(g.held_on) FROM {C}.committee_meetings g WHERE g.committee_id = k.committee_id
        AND g.held_on <= $4) AS first_meeting_on
FROM {C}.committees k
WHERE k.school_id = $1 AND NOT k.oversight AND (k.term_id = $2 OR k.formed_on <= $4)
ORDER BY k.term_id = $2 DESC, k.formed_on DESC, k.committee_id LIMIT 1
"""

# $1 campuses, $2 first day, $3 last day, $4 the term's end (instant). A visit that took place:
# not cancelled, and its deliveries inspected, its lunch eaten or its reflection written.
VISITS_SQL = f"""
SELECT count(*) AS visits, count(DISTINCT week_of) AS weeks_with_visit,
    count(*) FILTER (WHERE published AND reviewed_at < $4) AS reflections_published
FROM {V}.visits
WHERE campus_id = ANY($1::text[]) AND visit_on BETWEEN $2 AND $3 AND status <> 'cancelled'
    AND coalesce(inspected_at, lunch_at, submitted_at) IS NOT NULL
"""

ACCOMPANIED_SQL = f"""
SELECT count(*) FROM {C}.accompanied_meals WHERE campus_id = ANY($1::text[]) AND served_on BETWEEN $2 AND $3
"""

# Each day of service, and whether every campus that served on it kept its samples and its
# morning checks.
COVERAGE_SQL = f"""
WITH served AS (
    SELECT campus_id, (m ->> 'served_on')::date AS day
    FROM {SV}.menus, jsonb_array_elements(meals) m WHERE campus_id = ANY($1::text[])
    UNION
    SELECT campus_id, received_on FROM {L}.deliveries WHERE campus_id = ANY($1::text[]) AND received_on IS NOT NULL
    UNION
    SELECT campus_id, served_on FROM {L}.meals WHERE campus_id = ANY($1::text[])),
days AS (SELECT campus_id, day FROM served WHERE day BETWEEN $2 AND $3)
SELECT d.day,
    bool_and(EXISTS (SELECT 1 FROM {L}.samples s WHERE s.campus_id = d.campus_id AND s.served_on = d.day))
        AS sampled,
    bool_and(EXISTS (SELECT 1 FROM {L}.morning_checks c WHERE c.campus_id = d.campus_id AND c.checked_on = d.day))
        AS checked
FROM days d GROUP BY d.day ORDER BY d.day
"""

SERVING_SQL = f"""
SELECT count(*) AS audits, count(*) FILTER (WHERE cardinality(servers_beyond) > 0) AS uneven
FROM {SV}.serving_audits WHERE campus_id = ANY($1::text[]) AND served_on BETWEEN $2 AND $3
"""

# $1 school, $2 campuses, $3 first day, $4 last day, $5 the term's end (instant). The winners:
# the prizes' holders, in the prizes' order, once concluded by the term's end.
CONTESTS_SQL = f"""
SELECT k.contest_id, k.name, k.held_on, jsonb_array_length(k.entrants) AS entrants,
    CASE WHEN k.concluded AND k.concluded_at < $5 THEN
        coalesce((SELECT array_agg(coalesce(st.name, p.prize ->> 'entrant') ORDER BY p.n)
            FROM jsonb_array_elements(coalesce(k.prizes, '[]'::jsonb)) WITH ORDINALITY p(prize, n)
            LEFT JOIN directory_staff st ON st.staff_id = p.prize ->> 'entrant'), '{{}}')
    ELSE '{{}}' END AS winners
FROM {SV}.serving_contests k
WHERE k.school_id = $1 AND k.campus_id = ANY($2::text[]) AND k.held_on BETWEEN $3 AND $4
ORDER BY k.held_on, k.contest_id
"""


def school_weeks(first: date, last: date) -> int:
    """The Monday-weeks overlapping ``first``..``last``."""
    return (monday_of(last) - monday_of(first)).days // 7 + 1 if first <= last else 0


async def canteen_term_figures(db: asyncpg.Pool | Connection, scope: TermScope) -> CanteenFigures:
    """The canteen's figures of ``scope``'s term over its campuses."""
    campuses, first, last = list(scope.campus_ids), scope.starts_on, scope.ends_on
    end = end_of_day(last)

    committee = CommitteeFigures()
    row = await db.fetchrow(COMMITTEE_SQL, scope.school_id, scope.term_id, first, last)
    if row is not None:
        committee = CommitteeFigures(
            members=row["members"],
            meetings=row["meetings"],
            first_meeting_on=row["first_meeting_on"],
            new_this_term=row["term_id"] == scope.term_id or first <= row["formed_on"] <= last,
        )

    visits = await db.fetchrow(VISITS_SQL, campuses, first, last, end)
    assert visits is not None
    parent_visits = ParentVisitFigures(
        visits=visits["visits"],
        weeks_with_visit=visits["weeks_with_visit"],
        school_weeks=school_weeks(first, last),
        reflections_published=visits["reflections_published"],
    )

    accompanied = await db.fetchval(ACCOMPANIED_SQL, campuses, first, last)

    days = await db.fetch(COVERAGE_SQL, campuses, first, last)
    samples = CoverageFigures(days=len(days), days_covered=sum(1 for d in days if d["sampled"]))
    checks = CoverageFigures(days=len(days), days_covered=sum(1 for d in days if d["checked"]))

    audits = await db.fetchrow(SERVING_SQL, campuses, first, last)
    assert audits is not None
    serving = ServingFigures(audits=audits["audits"], uneven=audits["uneven"])

    contests = tuple(
        ContestFigures(
            name=r["name"], held_on=r["held_on"], entrants=r["entrants"], winners=tuple(r["winners"]), level="school"
        )
        for r in await db.fetch(CONTESTS_SQL, scope.school_id, campuses, first, last, end)
    )

    return CanteenFigures(
        committee=committee,
        parent_visits=parent_visits,
        accompanied_meals=int(accompanied or 0),
        samples=samples,
        morning_checks=checks,
        serving=serving,
        contests=contests,
    )
