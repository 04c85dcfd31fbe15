"""The staff appraisal's part of the term report (``GET /term-figures``): the monthly
appraisals of the term's months, their deductions (told before publishing, by rule), disputes,
and the contests, awards and honours of the term, from the service's read models as of the
term's last day.

The term's months are those its days fall in (YYYY-MM). A month of a campus is listed once an
appraisal of it was opened: its workers (appraisals not closed), their mean total as it stands
(one decimal, as the totals read it), and whether the month was published by the term's end.
A deduction is an item of those months worth fewer than 0 points as it stands (not withdrawn; a
dispute that withdrew it leaves it at 0); it was told before publishing when communicated before
its appraisal was published (or, still unpublished, communicated at all).

Contests, awards and honours are the school's: those of a campus in scope or of none (the
school's own), held, awarded or conferred on the term's days. A contest's winners are the
recipients of its awards by the term's end, best prize first.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from services.campus.term_report import (
    AppraisalFigures,
    AppraisalMonthFigures,
    AwardFigures,
    ContestFigures,
    HonourFigures,
    RuleFigures,
    TermScope,
)
from services.eventkit.days import end_of_day
from services.eventkit.db import Connection
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS
from services.hr_eval.projections.contests import CONTESTS

A, K = APPRAISAL_TOTALS.schema, CONTESTS.schema

# $1 campuses, $2 months, $3 the term's end (instant)
MONTHS_SQL = f"""
SELECT a.month, a.campus_id, count(*) FILTER (WHERE a.state <> 'closed') AS workers,
    round(avg(a.total) FILTER (WHERE a.state <> 'closed'), 1)::float8 AS average,
    coalesce(bool_or(m.published_at < $3), false) AS published
FROM {A}.appraisals a
LEFT JOIN {A}.published_months m ON m.campus_id = a.campus_id AND m.month = a.month
WHERE a.campus_id = ANY($1::text[]) AND a.month = ANY($2::text[])
GROUP BY a.month, a.campus_id ORDER BY a.month, a.campus_id
"""

DEDUCTIONS = f"""
FROM {A}.items i JOIN {A}.appraisals a USING (appraisal_id)
WHERE i.campus_id = ANY($1::text[]) AND i.month = ANY($2::text[]) AND a.state <> 'closed'
    AND i.status <> 'withdrawn' AND i.points < 0
"""

DEDUCTION_SQL = f"""
SELECT count(*) AS deductions,
    count(*) FILTER (WHERE i.communicated_at IS NOT NULL
        AND (a.published_at IS NULL OR i.communicated_at <= a.published_at)) AS told_before
{DEDUCTIONS}
"""

BY_RULE_SQL = f"""
SELECT i.rule_code AS code, max(i.rule_text) AS text, count(*) AS count, sum(i.points)::float8 AS points
{DEDUCTIONS}
GROUP BY i.rule_code ORDER BY count(*) DESC, sum(i.points), i.rule_code
"""

DISPUTES_SQL = f"""
SELECT count(*) FILTER (WHERE i.disputed_at IS NOT NULL) AS disputes,
    count(*) FILTER (WHERE i.disputed_at IS NOT NULL AND i.resolved_at IS NOT NULL) AS resolved
FROM {A}.items i JOIN {A}.appraisals a USING (appraisal_id)
WHERE i.campus_id = ANY($1::text[]) AND i.month = ANY($2::text[]) AND a.state <> 'closed'
"""

PRIZE_ORDER = "array_position(ARRAY['special', 'first', 'second', 'third', 'excellence'], w.prize)"

# $1 school, $2 campuses, $3 first day, $4 last day
CONTESTS_SQL = f"""
SELECT c.contest_id, c.name, c.held_on, c.level, jsonb_array_length(c.entrants) AS entrants,
    coalesce((SELECT array_agg(w.recipient_name ORDER BY {PRIZE_ORDER}, w.award_id) FROM {K}.awards w
        WHERE w.contest_id = c.contest_id AND w.awarded_on <= $4), '{{}}') AS winners
FROM {K}.contests c
WHERE c.school_id = $1 AND (c.campus_id IS NULL OR c.campus_id = ANY($2::text[])) AND c.held_on BETWEEN $3 AND $4
ORDER BY c.held_on, c.contest_id
"""

AWARDS_SQL = f"""
SELECT w.title, w.level, w.prize, w.recipient_name FROM {K}.awards w
WHERE w.school_id = $1 AND (w.campus_id IS NULL OR w.campus_id = ANY($2::text[])) AND w.awarded_on BETWEEN $3 AND $4
ORDER BY w.awarded_on, {PRIZE_ORDER}, w.award_id
"""

HONOURS_SQL = f"""
SELECT h.title, h.level, h.awarded_on FROM {K}.honours h
WHERE h.school_id = $1 AND (h.campus_id IS NULL OR h.campus_id = ANY($2::text[])) AND h.awarded_on BETWEEN $3 AND $4
ORDER BY h.awarded_on, h.honour_id
"""


def term_months(first: date, last: date) -> list[str]:
    """The months (YYYY-MM) the days ``first``..``last`` fall in."""
    months: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


async def hr_eval_term_figures(db: asyncpg.Pool | Connection, scope: TermScope) -> AppraisalFigures:
    """The staff appraisal's figures of ``scope``'s term over its campuses."""
    campuses, first, last = list(scope.campus_ids), scope.starts_on, scope.ends_on
    months, end = term_months(first, last), end_of_day(last)

    month_rows = await db.fetch(MONTHS_SQL, campuses, months, end)
    deductions = await db.fetchrow(DEDUCTION_SQL, campuses, months)
    by_rule = await db.fetch(BY_RULE_SQL, campuses, months)
    disputes = await db.fetchrow(DISPUTES_SQL, campuses, months)
    assert deductions is not None and disputes is not None
    school = (scope.school_id, campuses, first, last)
    contests = await db.fetch(CONTESTS_SQL, *school)
    awards = await db.fetch(AWARDS_SQL, *school)
    honours = await db.fetch(HONOURS_SQL, *school)

    return AppraisalFigures(
        months=tuple(
            AppraisalMonthFigures(
                month=r["month"],
                campus_id=r["campus_id"],
                workers=r["workers"],
                average=r["average"],
                published=r["published"],
            )
            for r in month_rows
        ),
        deductions=deductions["deductions"],
        deductions_told_before=deductions["told_before"],
        deductions_by_rule=tuple(
            RuleFigures(code=r["code"], text=r["text"] or "", count=r["count"], points=r["points"]) for r in by_rule
        ),
        disputes=disputes["disputes"],
        disputes_resolved=disputes["resolved"],
        contests=tuple(
            ContestFigures(
                name=r["name"],
                held_on=r["held_on"],
                entrants=r["entrants"],
                winners=tuple(r["winners"]),
                level=r["level"],
            )
            for r in contests
        ),
        awards=tuple(
            AwardFigures(title=r["title"], level=r["level"], prize=r["prize"], recipient=r["recipient_name"])
            for r in awards
        ),
        honours=tuple(HonourFigures(title=r["title"], level=r["level"], awarded_on=r["awarded_on"]) for r in honours),
    )
