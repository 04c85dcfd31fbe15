"""The monthly appraisal totals of a campus (the projection the gateway combines with the
inventory counts and the inspection status): per role or for all, how many appraised,
finalised and published, the mean, min, max, spread and standard deviation of the totals, how
many fall below a threshold; items by rule (most frequent first); a line per worker; per
appraiser what they gave and the mean total of those they appraised; the pending work.

Closed appraisals are not counted. Items that count are those not withdrawn and worth points
(a dispute that withdrew an item leaves it at 0).

Who reads it: the campus's appraisers and overseers read it whole; a worker of the campus reads
the published appraisals' totals alone (the figures are computed over them only), without the
rules, the appraisers or the pending work, which would tell what is not yet published. Anyone
else, and a campus outside the caller's scope, is answered as a campus that does not exist."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import NotFound
from services.hr_eval.common import READERS_OF_ALL, WORKER_ROLES
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS

S = APPRAISAL_TOTALS.schema

COUNTING_ITEMS = "i.status <> 'withdrawn' AND i.points <> 0"


async def totals(
    pool: asyncpg.Pool, principal: Principal, campus_id: str, month: str, role: str | None, threshold: int
) -> dict[str, Any]:
    """The totals of a campus's month for the caller (see the module), or a 404."""
    campus = await pool.fetchrow(
        "SELECT district_id, school_id, campus_id FROM directory_campuses WHERE campus_id = $1", campus_id
    )
    tenant = TenantPath(**dict(campus)) if campus is not None else None
    whole = tenant is not None and principal.holds(tenant, *READERS_OF_ALL)
    if tenant is None or not (whole or principal.holds(tenant, *WORKER_ROLES)):
        raise NotFound(f"campus {campus_id} not found")

    params: list[Any] = [campus_id, month, threshold]
    where = "campus_id = $1 AND month = $2 AND state <> 'closed'"
    if role is not None:
        params.append(role)
        where += " AND role = $4"
    if not whole:
        where += " AND state = 'published'"
    appraised = f"SELECT * FROM {S}.appraisals WHERE {where}"
    async with pool.acquire() as conn:
        stats = await conn.fetchrow(
            "SELECT count(*) AS appraised, count(*) FILTER (WHERE state = 'published') AS published, "
            "count(*) FILTER (WHERE state IN ('finalised', 'published')) AS finalised, "
            "round(avg(total), 1)::float8 AS mean, min(total) AS min, max(total) AS max, "
            "max(total) - min(total) AS spread, round(stddev_pop(total), 1)::float8 AS stddev, "
            "count(*) FILTER (WHERE total < $3) AS below_threshold, "
            "coalesce(sum(uncommunicated), 0)::bigint AS uncommunicated, "
            "coalesce(sum(disputed), 0)::bigint AS disputed, "
            "count(*) FILTER (WHERE state = 'opened') AS not_finalised, "
            "count(*) FILTER (WHERE state <> 'published') AS not_published "
            f"FROM ({appraised}) a",
            *params,
        )
        assert stats is not None  # an aggregate answers one row
        workers = await conn.fetch(
            "SELECT appraisal_id, staff_id, staff_name AS name, role, base, deductions, bonuses, total, state, "
            "state = 'published' AS published, corrected, part_month "
            f"FROM ({appraised}) a WHERE $3::int IS NOT NULL ORDER BY total DESC, staff_name, staff_id",
            *params,
        )
        by_rule: list[asyncpg.Record] = []
        appraisers: list[asyncpg.Record] = []
        if whole:
            counting = (
                f"SELECT i.*, a.total FROM {S}.items i JOIN ({appraised}) a USING (appraisal_id) "
                f"WHERE i.campus_id = $1 AND i.month = $2 AND {COUNTING_ITEMS} AND $3::int IS NOT NULL"
            )
            by_rule = await conn.fetch(
                "SELECT rule_code, max(rule_text) AS rule_text, category, count(*) AS items, "
                f"sum(points)::bigint AS points FROM ({counting}) c GROUP BY rule_code, category "
                "ORDER BY count(*) DESC, sum(points), rule_code",
                *params,
            )
            appraisers = await conn.fetch(
                "SELECT proposed_by AS appraiser_id, sum(n)::bigint AS items, sum(given)::bigint AS points_given, "
                "round(avg(total), 1)::float8 AS mean_total_of_appraised FROM (SELECT proposed_by, appraisal_id, "
                f"count(*) AS n, sum(points) AS given, total FROM ({counting}) c "
                "GROUP BY proposed_by, appraisal_id, total) per GROUP BY proposed_by ORDER BY proposed_by",
                *params,
            )
    pending = {k: stats[k] for k in ("uncommunicated", "disputed", "not_finalised", "not_published")} if whole else None
    return {
        "campus_id": campus_id,
        "month": month,
        "role": role,
        "threshold": threshold,
        **{
            k: stats[k]
            for k in (
                "appraised",
                "published",
                "finalised",
                "mean",
                "min",
                "max",
                "spread",
                "stddev",
                "below_threshold",
            )
        },
        "by_rule": [dict(r) for r in by_rule],
        "workers": [dict(r) for r in workers],
        "appraisers": [dict(r) for r in appraisers],
        "pending": pending,
    }
