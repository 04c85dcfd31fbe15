"""Reads of the kitchen's daily records, from the kitchen projection, in the caller's scope as a
reader of the canteen: food samples, meals served (dishes sampled or not), canteen workers and
their morning checks (symptoms only for those who read health data), certificates expiring,
temperature units and readings (the open corrective actions)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg

from services.canteen.common import READERS
from services.canteen.events import HEALTH_READERS
from services.canteen.projections.kitchen import KITCHEN_RECORDS
from services.eventkit.auth import Principal
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query

S = KITCHEN_RECORDS.schema

SYMPTOMS = ("fever", "gastro", "hand_wound", "respiratory", "note")


def reads_health(principal: Principal, row: dict[str, Any]) -> bool:
    """Whether the caller reads the health data of the row's campus."""
    tenant = TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])
    return principal.holds(tenant, *HEALTH_READERS)


def sample_list(
    principal: Principal,
    campus_id: str | None,
    served_on: date | None,
    meal: str | None,
    in_fridge: bool | None,
    held: bool | None,
) -> Query:
    """Food samples in the caller's scope; ``in_fridge``: kept (not disposed of)."""
    q = Query(
        "SELECT * FROM (SELECT s.*, (s.status = 'kept' AND NOT s.held AND s.release_after <= now()) AS releasable "
        f"FROM {S}.samples s) x",
        "sample_id",
    )
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id).filter("served_on = {}", served_on)
    q.filter("meal = {}", meal).filter("held = {}", held)
    if in_fridge is not None:
        q.where.append("status = 'kept'" if in_fridge else "status <> 'kept'")
    return q


async def sample(pool: asyncpg.Pool, principal: Principal, sample_id: str) -> dict[str, Any]:
    row = await sample_list(principal, None, None, None, None, None).filter("sample_id = {}", sample_id).one(pool)
    if row is None:
        raise NotFound(f"sample {sample_id} does not exist")
    return row


def meal_list(principal: Principal, campus_id: str | None, served_on: date | None, meal: str | None) -> Query:
    """Meals served in the caller's scope, each dish sampled or not."""
    q = Query(
        "SELECT * FROM (SELECT m.*, ARRAY(SELECT d FROM unnest(m.dishes) d WHERE EXISTS (SELECT 1 FROM "
        f"{S}.samples s WHERE s.campus_id = m.campus_id AND s.served_on = m.served_on AND s.meal = m.meal "
        "AND s.dish = d)) AS sampled, ARRAY(SELECT d FROM unnest(m.dishes) d WHERE NOT EXISTS (SELECT 1 FROM "
        f"{S}.samples s WHERE s.campus_id = m.campus_id AND s.served_on = m.served_on AND s.meal = m.meal "
        f"AND s.dish = d)) AS not_sampled FROM {S}.meals m) x",
        "meal_id",
    )
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id).filter("served_on = {}", served_on)
    return q.filter("meal = {}", meal)


def check_list(
    principal: Principal, campus_id: str | None, on: date | None, staff_id: str | None, passed: bool | None
) -> Query:
    q = Query(f"SELECT * FROM {S}.morning_checks", "check_id")
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id).filter("checked_on = {}", on)
    return q.filter("staff_id = {}", staff_id).filter("passed = {}", passed)


async def checks_page(principal: Principal, pool: asyncpg.Pool, query: Query, after: str | None, limit: int) -> Page:
    """A page of checks, the symptoms withheld where the caller does not read health data."""
    page = await query.page(pool, after, limit)
    for item in page.items:
        shown = reads_health(principal, item)
        item["symptoms_shown"] = shown
        if not shown:
            for name in SYMPTOMS:
                item[name] = None
    return page


async def campus_workers(pool: asyncpg.Pool, campus_id: str) -> list[str]:
    """The active canteen workers of a campus (the directory's)."""
    rows = await pool.fetch(
        "SELECT staff_id FROM directory_staff WHERE active AND 'canteen_worker' = ANY(roles) "
        "AND $1 = ANY(campus_ids) ORDER BY staff_id",
        campus_id,
    )
    return [r["staff_id"] for r in rows]


async def check_day(pool: asyncpg.Pool, campus_id: str, on: date) -> dict[str, Any]:
    """The campus's checks on a day: x checked of y canteen workers, who was stood down."""
    workers = await campus_workers(pool, campus_id)
    checks = await pool.fetch(
        f"SELECT staff_id, passed FROM {S}.morning_checks WHERE campus_id = $1 AND checked_on = $2", campus_id, on
    )
    checked = {r["staff_id"] for r in checks}
    stood_down = sorted({r["staff_id"] for r in checks if not r["passed"]})
    still = await pool.fetch(
        f"SELECT staff_id FROM {S}.workers WHERE campus_id = $1 AND stood_down ORDER BY staff_id", campus_id
    )
    return {
        "campus_id": campus_id,
        "on": on,
        "workers": len(workers),
        "checked": len(checked & set(workers)),
        "passed": sum(1 for r in checks if r["passed"]),
        "failed": sum(1 for r in checks if not r["passed"]),
        "stood_down": stood_down,
        "not_checked": [w for w in workers if w not in checked],
        "still_stood_down": [r["staff_id"] for r in still],
    }


def worker_list(principal: Principal, campus_id: str | None, stood_down: bool | None) -> Query:
    q = Query(f"SELECT * FROM {S}.workers", "staff_id")
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id)
    return q.filter("stood_down = {}", stood_down)


async def workers_page(principal: Principal, pool: asyncpg.Pool, query: Query, after: str | None, limit: int) -> Page:
    page = await query.page(pool, after, limit)
    for item in page.items:
        if not reads_health(principal, item):
            item["reasons"] = None
    return page


def expiring_list(principal: Principal, campus_id: str, as_of: date, warning_days: int) -> Query:
    """The campus's certificates whose last valid day is within ``warning_days`` of ``as_of`` (or past)."""
    q = Query("", "staff_id")
    day = f"{q.param(as_of)}::date"
    days = f"{q.param(warning_days)}::integer"
    q.select_from = (
        f"SELECT * FROM (SELECT w.*, {day} AS as_of, w.expires_on - {day} AS days_left, {days} AS warning_days "
        f"FROM {S}.workers w) x"
    )
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id)
    q.filter("expires_on <= {}", as_of + timedelta(days=warning_days))
    return q


def unit_list(principal: Principal, campus_id: str | None, kind: str | None) -> Query:
    q = Query(f"SELECT * FROM {S}.temperature_units", "unit_id")
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id)
    return q.filter("kind = {}", kind)


def reading_list(
    principal: Principal,
    campus_id: str | None,
    unit_id: str | None,
    within_limits: bool | None,
    action_open: bool | None,
) -> Query:
    """Readings in the caller's scope; ``action_open``: out of limits without a corrective action."""
    q = Query(
        "SELECT * FROM (SELECT r.*, (NOT r.within_limits AND r.action IS NULL) AS action_open "
        f"FROM {S}.temperature_readings r) x",
        "reading_key",
    )
    q.scoped(principal, roles=READERS).filter("campus_id = {}", campus_id).filter("unit_id = {}", unit_id)
    return q.filter("within_limits = {}", within_limits).filter("action_open = {}", action_open)
