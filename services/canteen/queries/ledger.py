"""The campus's food-safety ledger (食安台账) of a day or a week, read from the
``food_safety_ledger`` facts and the directory's mirror (the canteen workers on the staff).

Counts are of the day's acts; what stands (workers stood down, corrective actions open,
samples in the fridge) is as of the day's end, or now for today
(:func:`services.eventkit.days.as_of_instant`): an out-of-limit reading without a corrective
action carries over, day after day, until one is taken.

Who reads it: the campus's READERS (the canteen's staff and overseers) whole; a parent reads
the ledger of their own child's campus, its figures without any worker's name (nor the
visiting parent's); anyone else, or a parent of another campus's child, is refused (403).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from services.canteen.common import PARENT, READERS, monday_of
from services.canteen.projections.ledger import FOOD_SAFETY_LEDGER
from services.canteen.queries.ledger_models import (
    ExpiringCertificate,
    FridgeSample,
    LedgerDay,
    LedgerFigures,
    LedgerTotals,
    LedgerVisit,
    LedgerWeek,
    OpenCorrectiveAction,
    WorkerCheck,
)
from services.canteen.queries.visits import campuses_of_parent
from services.canteen.rules import DEFAULT_RULES
from services.eventkit.auth import Principal
from services.eventkit.days import as_of_instant, school_today
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, NotFound

S = FOOD_SAFETY_LEDGER.schema

ON_STAFF = (
    "'canteen_worker' = ANY(st.roles) AND $1 = ANY(st.campus_ids) "
    "AND (st.joined_on IS NULL OR st.joined_on <= {day}) AND (st.left_on IS NULL OR st.left_on >= {day}) "
    "AND (st.active OR st.left_on IS NOT NULL)"
)
"""A canteen worker of campus ``$1`` on the staff on ``{day}`` (the directory's mirror)."""

OPEN_AT = (
    "NOT r.within_limits AND r.read_at < {at} AND NOT EXISTS (SELECT 1 FROM "
    + S
    + ".corrective_actions c WHERE c.reading_id = r.reading_id AND c.taken_at < {at})"
)
"""An out-of-limit reading ``r`` without a corrective action before ``{at}``."""

IN_FRIDGE_AT = (
    "s.retained_at < {at} AND NOT EXISTS (SELECT 1 FROM "
    + S
    + ".sample_disposals x WHERE x.campus_id = s.campus_id AND x.sample_id = s.sample_id AND x.at < {at})"
)
"""A sample ``s`` retained and not disposed of before ``{at}``."""

FIGURES_SQL = f"""
WITH days AS (
    SELECT d AS day, least(((d + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'), $2::timestamptz) AS at
    FROM unnest($3::date[]) d)
SELECT days.day AS "on",
    (SELECT count(*) FROM directory_staff st WHERE {ON_STAFF.format(day="days.day")}) AS canteen_workers,
    mc.workers_checked, mc.checks, mc.checks_failed,
    (SELECT count(*) FROM (SELECT DISTINCT ON (staff_id) down FROM {S}.stand_downs
        WHERE campus_id = $1 AND at < days.at ORDER BY staff_id, at DESC) sd WHERE sd.down) AS stood_down,
    ml.meals_served, ml.dishes_served,
    (SELECT count(*) FROM {S}.samples WHERE campus_id = $1 AND served_on = days.day) AS samples_retained,
    (SELECT count(*) FROM {S}.unsampled WHERE campus_id = $1 AND served_on = days.day) AS dishes_without_sample,
    dr.deliveries_received, dr.delivery_lines,
    (SELECT count(*) FROM {S}.deliveries WHERE campus_id = $1 AND signed_on = days.day) AS deliveries_signed,
    (SELECT count(*) FROM {S}.rejected_lines WHERE campus_id = $1 AND rejected_on = days.day) AS lines_rejected,
    pt.pesticide_tests, pt.pesticide_failures,
    rd.temperature_readings, rd.temperatures_out_of_limit,
    (SELECT count(*) FROM {S}.corrective_actions WHERE campus_id = $1 AND taken_on = days.day)
        AS corrective_actions_taken,
    (SELECT count(*) FROM {S}.readings r WHERE r.campus_id = $1 AND {OPEN_AT.format(at="days.at")})
        AS corrective_actions_open,
    am.leader_meals, am.teacher_meals, am.parent_meals,
    (SELECT count(*) FROM {S}.samples s WHERE s.campus_id = $1 AND {IN_FRIDGE_AT.format(at="days.at")})
        AS samples_in_fridge
FROM days
CROSS JOIN LATERAL (SELECT count(DISTINCT staff_id) AS workers_checked, count(*) AS checks,
        count(*) FILTER (WHERE NOT passed) AS checks_failed
    FROM {S}.morning_checks WHERE campus_id = $1 AND checked_on = days.day) mc
CROSS JOIN LATERAL (SELECT count(*) AS meals_served, coalesce(sum(cardinality(dishes)), 0)::bigint AS dishes_served
    FROM {S}.meals WHERE campus_id = $1 AND served_on = days.day) ml
CROSS JOIN LATERAL (SELECT count(*) AS deliveries_received, coalesce(sum(lines), 0)::bigint AS delivery_lines
    FROM {S}.deliveries WHERE campus_id = $1 AND received_on = days.day) dr
CROSS JOIN LATERAL (SELECT count(*) AS pesticide_tests, count(*) FILTER (WHERE failed) AS pesticide_failures
    FROM {S}.pesticide_tests WHERE campus_id = $1 AND tested_on = days.day) pt
CROSS JOIN LATERAL (SELECT count(*) AS temperature_readings,
        count(*) FILTER (WHERE NOT within_limits) AS temperatures_out_of_limit
    FROM {S}.readings WHERE campus_id = $1 AND read_on = days.day) rd
CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE diner_kind = 'leader') AS leader_meals,
        count(*) FILTER (WHERE diner_kind = 'teacher') AS teacher_meals,
        count(*) FILTER (WHERE diner_kind = 'parent') AS parent_meals
    FROM {S}.accompanied_meals WHERE campus_id = $1 AND served_on = days.day) am
ORDER BY days.day
"""

FRIDGE_SQL = f"""
SELECT s.sample_id, s.served_on, s.meal, s.dish, s.grams, s.unit_id, s.retained_at, s.release_after,
    coalesce(h.held, false) AS held,
    NOT coalesce(h.held, false) AND s.release_after <= $2 AS releasable
FROM {S}.samples s
LEFT JOIN LATERAL (SELECT held FROM {S}.sample_holds WHERE sample_id = s.sample_id AND at < $2
    ORDER BY at DESC LIMIT 1) h ON true
WHERE s.campus_id = $1 AND {IN_FRIDGE_AT.format(at="$2")}
ORDER BY s.release_after, s.sample_id
"""

OPEN_ACTIONS_SQL = f"""
SELECT r.reading_id, r.unit_id, u.name AS unit_name, u.kind AS unit_kind, r.c10, u.min_c10, u.max_c10, r.read_at,
    ($3::date - r.read_on) AS days_open
FROM {S}.readings r LEFT JOIN {S}.units u USING (unit_id)
WHERE r.campus_id = $1 AND {OPEN_AT.format(at="$2")}
ORDER BY r.read_at, r.reading_id
"""

WARNING_DAYS_SQL = f"""
SELECT r.warning_days FROM directory_campuses c JOIN {S}.rules r USING (district_id)
WHERE c.campus_id = $1 AND r.effective_on <= $2 ORDER BY r.effective_on DESC LIMIT 1
"""

CERTIFICATES_SQL = f"""
SELECT * FROM (
    SELECT 'health' AS kind, h.number, h.expires_on, (h.expires_on - $2::date) AS days_left, h.staff_id,
        st.name AS staff_name, NULL::text AS supplier_name, NULL::text AS item, NULL::text AS delivery_id
    FROM (SELECT DISTINCT ON (staff_id) * FROM {S}.health_certificates
          WHERE campus_id = $1 AND recorded_on <= $2 ORDER BY staff_id, expires_on DESC) h
    LEFT JOIN directory_staff st USING (staff_id)
    WHERE h.expires_on <= $2::date + $3::int
    UNION ALL
    SELECT d.kind, d.number, d.expires_on, (d.expires_on - $2::date), NULL, NULL, d.supplier_name, d.item,
        d.delivery_id
    FROM (SELECT DISTINCT ON (kind, number) * FROM {S}.delivery_certificates
          WHERE campus_id = $1 AND received_on <= $2 ORDER BY kind, number, received_on DESC, delivery_id) d
    WHERE d.expires_on >= $2 AND d.expires_on <= $2::date + $3::int
) c ORDER BY c.expires_on, c.kind, c.number
"""

VISIT_SQL = f"""
SELECT visit_id, week_of, visit_on, parent_name,
    coalesce(cancelled_at < $3, false) AS cancelled,
    coalesce(deliveries_inspected_at < $3, false) AS deliveries_inspected,
    coalesce(lunch_on <= $4::date, false) AS done,
    coalesce(reflection_submitted_at < $3, false) AS reflection_submitted,
    coalesce(published_at < $3, false) AS reflection_published,
    CASE WHEN published_at < $3 THEN published_at END AS published_at,
    CASE WHEN published_at < $3 THEN channel END AS channel
FROM {S}.visits WHERE campus_id = $1 AND week_of = $2
ORDER BY cancelled_at IS NOT NULL AND cancelled_at < $3, visit_on DESC NULLS LAST, visit_id LIMIT 1
"""

WORKERS_SQL = f"""
WITH w AS (
    SELECT st.staff_id, st.name FROM directory_staff st WHERE {ON_STAFF.format(day="$2::date")}
    UNION
    SELECT m.staff_id, coalesce(st.name, m.staff_id) FROM {S}.morning_checks m
    LEFT JOIN directory_staff st USING (staff_id) WHERE m.campus_id = $1 AND m.checked_on = $2)
SELECT w.staff_id, w.name,
    (SELECT count(*) FROM {S}.morning_checks m WHERE m.campus_id = $1 AND m.checked_on = $2
        AND m.staff_id = w.staff_id) AS checks,
    (SELECT bool_and(passed) FROM {S}.morning_checks m WHERE m.campus_id = $1 AND m.checked_on = $2
        AND m.staff_id = w.staff_id) AS passed,
    coalesce((SELECT down FROM {S}.stand_downs d WHERE d.campus_id = $1 AND d.staff_id = w.staff_id AND d.at < $3
        ORDER BY d.at DESC LIMIT 1), false) AS stood_down
FROM w ORDER BY w.staff_id
"""


async def reader_view(pool: asyncpg.Pool, principal: Principal, campus_id: str) -> bool:
    """Whether the principal reads the campus's ledger as staff (True) or as a parent of one of
    its pupils (False); refused (403) otherwise, 404 for a campus the mirror does not know."""
    row = await pool.fetchrow("SELECT school_id, district_id FROM directory_campuses WHERE campus_id = $1", campus_id)
    if row is None:
        raise NotFound(f"campus {campus_id} does not exist")
    tenant = TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=campus_id)
    if principal.holds(tenant, *READERS):
        return True
    if principal.has_role(*PARENT):
        if campus_id in await campuses_of_parent(pool, principal.subject):
            return False
        raise Forbidden(f"{principal.subject} has no child on campus {campus_id}")
    raise Forbidden(f"{principal.subject} does not read the food-safety ledger of {campus_id}")


class _Standing:
    """What stands as of an instant (the last day's): visit, certificates, fridge, open actions."""

    def __init__(
        self,
        warning_days: int,
        visit: LedgerVisit | None,
        certificates: list[ExpiringCertificate],
        fridge: list[FridgeSample],
        open_actions: list[OpenCorrectiveAction],
    ) -> None:
        self.warning_days = warning_days
        self.visit = visit
        self.certificates = certificates
        self.fridge = fridge
        self.open_actions = open_actions


async def _figures(conn: Any, campus_id: str, first: date, last: date, now: datetime) -> list[LedgerFigures]:
    # The days as an array, not generate_series: its estimate (1,000 rows) made the plan costly
    # enough for PostgreSQL to compile it (JIT), a second for a week of seven rows.
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rows = await conn.fetch(FIGURES_SQL, campus_id, now, days)
    return [LedgerFigures.model_validate(dict(r)) for r in rows]


async def _standing(conn: Any, campus_id: str, day: date, at: datetime, staff: bool) -> _Standing:
    warning_days = await conn.fetchval(WARNING_DAYS_SQL, campus_id, day)
    warning = int(warning_days) if warning_days is not None else DEFAULT_RULES.certificate_warning_days
    visit_row = await conn.fetchrow(VISIT_SQL, campus_id, monday_of(day), at, day)
    visit = LedgerVisit.model_validate(dict(visit_row)) if visit_row is not None else None
    if visit is not None and not staff:
        visit.parent_name = None
    certificates = [
        ExpiringCertificate.model_validate(dict(r)) for r in await conn.fetch(CERTIFICATES_SQL, campus_id, day, warning)
    ]
    if not staff:
        for c in certificates:
            c.staff_id = c.staff_name = None
    fridge = [FridgeSample.model_validate(dict(r)) for r in await conn.fetch(FRIDGE_SQL, campus_id, at)]
    actions = [
        OpenCorrectiveAction.model_validate(dict(r)) for r in await conn.fetch(OPEN_ACTIONS_SQL, campus_id, at, day)
    ]
    return _Standing(warning, visit, certificates, fridge, actions)


async def ledger_day(
    pool: asyncpg.Pool, principal: Principal, campus_id: str, day: date, now: datetime | None = None
) -> LedgerDay:
    """The ledger of ``campus_id`` on ``day``."""
    staff = await reader_view(pool, principal, campus_id)
    now = now or datetime.now(UTC)
    at = as_of_instant(day, now)
    async with pool.acquire() as conn:
        (figures,) = await _figures(conn, campus_id, day, day, now)
        standing = await _standing(conn, campus_id, day, at, staff)
        workers = (
            [WorkerCheck.model_validate(dict(r)) for r in await conn.fetch(WORKERS_SQL, campus_id, day, at)]
            if staff
            else None
        )
    return LedgerDay(
        **figures.model_dump(),
        campus_id=campus_id,
        week_of=monday_of(day),
        as_of=at,
        warning_days=standing.warning_days,
        visit=standing.visit,
        certificates=standing.certificates,
        fridge=standing.fridge,
        open_actions=standing.open_actions,
        workers=workers,
    )


STANDING_AT_END = ("canteen_workers", "stood_down", "corrective_actions_open", "samples_in_fridge")
"""Figures of the week taken from its last day (what stands), not summed."""


def week_totals(days: list[LedgerFigures]) -> LedgerTotals:
    """The days' counts summed; what stands from the last day."""
    counts = [name for name in LedgerFigures.model_fields if name != "on"]
    totals: dict[str, int] = {
        name: getattr(days[-1], name) if name in STANDING_AT_END else sum(getattr(d, name) for d in days)
        for name in counts
    }
    totals["days_served"] = sum(1 for d in days if d.meals_served > 0)
    totals["days_with_leader_meal"] = sum(1 for d in days if d.leader_meals > 0)
    return LedgerTotals.model_validate(totals)


async def ledger_week(
    pool: asyncpg.Pool, principal: Principal, campus_id: str, monday: date, now: datetime | None = None
) -> LedgerWeek:
    """The ledger of ``campus_id`` for the week of ``monday`` (Monday to Sunday)."""
    staff = await reader_view(pool, principal, campus_id)
    now = now or datetime.now(UTC)
    sunday = monday + timedelta(days=6)
    at = as_of_instant(sunday, now)
    last = max(monday, min(sunday, school_today(now)))  # the week's end, or today during it
    async with pool.acquire() as conn:
        days = await _figures(conn, campus_id, monday, sunday, now)
        standing = await _standing(conn, campus_id, last, at, staff)
    return LedgerWeek(
        campus_id=campus_id,
        week_of=monday,
        as_of=at,
        warning_days=standing.warning_days,
        days=days,
        totals=week_totals(days),
        visit=standing.visit,
        certificates=standing.certificates,
        fridge=standing.fridge,
        open_actions=standing.open_actions,
    )
