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
import orjson

from services.campus.mirror import CampusCache
from services.eventkit.auth import Principal
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, NotFound
from services.hr_eval.common import READERS_OF_ALL, WORKER_ROLES
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS

S = APPRAISAL_TOTALS.schema

COUNTING_ITEMS = "i.status <> 'withdrawn' AND i.points <> 0"


def _statement(whole: bool, by_role: bool) -> str:
    """The one statement that answers the totals as JSON (PostgreSQL builds it: one round trip,
    no row decoded in Python). ``whole``: the appraisers' and overseers' view; otherwise a
    worker's (the published appraisals only, no rules, appraisers or pending work)."""
    where = "campus_id = $1 AND month = $2 AND state <> 'closed'"
    if by_role:
        where += " AND role = $4"
    if not whole:
        where += " AND state = 'published'"
    counting = (
        "SELECT i.rule_code, i.rule_text, i.category, i.points, i.proposed_by, i.appraisal_id, a.total "
        f"FROM {S}.items i JOIN a USING (appraisal_id) WHERE i.campus_id = $1 AND i.month = $2 AND {COUNTING_ITEMS}"
    )
    by_rule = (
        "(SELECT coalesce(json_agg(r ORDER BY r.items DESC, r.points, r.rule_code), '[]') FROM ("
        "SELECT rule_code, max(rule_text) AS rule_text, category, count(*) AS items, sum(points)::bigint AS points "
        "FROM c GROUP BY rule_code, category) r)"
        if whole
        else "'[]'::json"
    )
    appraisers = (
        "(SELECT coalesce(json_agg(p ORDER BY p.appraiser_id), '[]') FROM ("
        "SELECT proposed_by AS appraiser_id, sum(n)::bigint AS items, sum(given)::bigint AS points_given, "
        "round(avg(total), 1)::float8 AS mean_total_of_appraised FROM (SELECT proposed_by, appraisal_id, "
        "count(*) AS n, sum(points) AS given, total FROM c GROUP BY proposed_by, appraisal_id, total) per "
        "GROUP BY proposed_by) p)"
        if whole
        else "'[]'::json"
    )
    pending = (
        "json_build_object('uncommunicated', coalesce(sum(uncommunicated), 0)::bigint, "
        "'disputed', coalesce(sum(disputed), 0)::bigint, "
        "'not_finalised', count(*) FILTER (WHERE state = 'opened'), "
        "'not_published', count(*) FILTER (WHERE state <> 'published'))"
        if whole
        else "NULL::json"
    )
    return (
        f"WITH a AS MATERIALIZED (SELECT * FROM {S}.appraisals WHERE {where}), "
        f"c AS ({counting}) "
        "SELECT json_build_object("
        "'campus_id', $1::text, 'month', $2::text, 'role', " + ("$4::text" if by_role else "NULL::text") + ", "
        "'threshold', $3::int, "
        "'appraised', count(*), 'published', count(*) FILTER (WHERE state = 'published'), "
        "'finalised', count(*) FILTER (WHERE state IN ('finalised', 'published')), "
        "'mean', round(avg(total), 1)::float8, 'min', min(total), 'max', max(total), "
        "'spread', max(total) - min(total), 'stddev', round(stddev_pop(total), 1)::float8, "
        "'below_threshold', count(*) FILTER (WHERE total < $3::int), "
        f"'by_rule', {by_rule}, "
        "'workers', (SELECT coalesce(json_agg(w ORDER BY w.total DESC, w.name, w.staff_id), '[]') FROM ("
        "SELECT appraisal_id, staff_id, staff_name AS name, role, base, deductions, bonuses, total, state, "
        "state = 'published' AS published, corrected, part_month FROM a) w), "
        f"'appraisers', {appraisers}, "
        f"'pending', {pending}"
        ")::text FROM a"
    )


_STATEMENTS = {(whole, by_role): _statement(whole, by_role) for whole in (True, False) for by_role in (True, False)}


async def campus_tenant(campuses: CampusCache, pool: asyncpg.Pool, campus_id: str) -> TenantPath | None:
    """The campus's tenant (from the service's campus cache; a closed campus from the mirror)."""
    try:
        return await campuses.tenant(pool, campus_id)
    except InvalidInput:  # unknown, or closed: a closed campus's months are still read
        row = await pool.fetchrow(
            "SELECT district_id, school_id, campus_id FROM directory_campuses WHERE campus_id = $1", campus_id
        )
        return TenantPath(**dict(row)) if row is not None else None


async def totals_json(
    pool: asyncpg.Pool,
    campuses: CampusCache,
    principal: Principal,
    campus_id: str,
    month: str,
    role: str | None,
    threshold: int,
) -> str:
    """The totals of a campus's month for the caller (see the module) as JSON text, or a 404."""
    tenant = await campus_tenant(campuses, pool, campus_id)
    whole = tenant is not None and principal.holds(tenant, *READERS_OF_ALL)
    if tenant is None or not (whole or principal.holds(tenant, *WORKER_ROLES)):
        raise NotFound(f"campus {campus_id} not found")
    params: list[Any] = [campus_id, month, threshold]
    if role is not None:
        params.append(role)
    answer: str = await pool.fetchval(_STATEMENTS[(whole, role is not None)], *params)
    return answer


async def totals(
    pool: asyncpg.Pool, principal: Principal, campus_id: str, month: str, role: str | None, threshold: int
) -> dict[str, Any]:
    """The same answer, decoded (for callers in process)."""
    answer: dict[str, Any] = orjson.loads(
        await totals_json(pool, CampusCache(0), principal, campus_id, month, role, threshold)
    )
    return answer
