"""Reads of school buses (一车一档) with their compliance, from the safety records projection;
a day's compliance judges the six items in force that day (the coverage and outreach projection
keeps each bus's items as registered and every change with the day it took effect)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.days import school_today
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.safety.buses import ROUTE_CHECK_VALID_DAYS, items_in_force
from services.safety.events import BusItem
from services.safety.projections.coverage_outreach import COVERAGE_OUTREACH
from services.safety.projections.safety_records import SAFETY_RECORDS

S = SAFETY_RECORDS.schema
C = COVERAGE_OUTREACH.schema

BUS_COLUMNS = (
    "bus_id, district_id, school_id, campus_id, vehicle, driver, route, stops, times, escort, registered_on, changes"
)


def _frozen(value: Any) -> str | tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else str(value)


async def items_on(pool: asyncpg.Pool, ids: list[str], as_of: date) -> dict[str, dict[str, Any]]:
    """Each bus's six items in force on ``as_of`` (a bus the projection has not seen yet: absent)."""
    files = {
        r["bus_id"]: r["file"]
        for r in await pool.fetch(f"SELECT bus_id, file FROM {C}.bus_files WHERE bus_id = ANY($1::text[])", ids)
    }
    changes: dict[str, list[tuple[date, BusItem, str | tuple[str, ...]]]] = {}
    for r in await pool.fetch(
        f"SELECT bus_id, item, value, effective_on FROM {C}.bus_changes WHERE bus_id = ANY($1::text[]) "
        "ORDER BY bus_id, version",
        ids,
    ):
        changes.setdefault(r["bus_id"], []).append((r["effective_on"], BusItem(r["item"]), _frozen(r["value"])))
    in_force: dict[str, dict[str, Any]] = {}
    for bus_id, file in files.items():
        registered = {item: _frozen(file[item.value]) for item in BusItem}
        items = items_in_force(registered, changes.get(bus_id, []), as_of)
        in_force[bus_id] = {item.value: list(v) if isinstance(v, tuple) else v for item, v in items.items()}
    return in_force


async def with_compliance(pool: asyncpg.Pool, buses: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """Each bus with its compliance on ``as_of``, judged with the items in force that day: grouped
    queries, whatever the page size."""
    ids = [b["bus_id"] for b in buses]
    in_force = await items_on(pool, ids, as_of)
    checks = {
        r["bus_id"]: dict(r)
        for r in await pool.fetch(
            f"SELECT DISTINCT ON (bus_id) bus_id, check_id, checked_on, checked_by, all_ok, failed "
            f"FROM {S}.bus_route_checks WHERE bus_id = ANY($1::text[]) AND checked_on <= $2 "
            "ORDER BY bus_id, checked_on DESC, check_id DESC",
            ids,
            as_of,
        )
    }
    violations: dict[str, list[dict[str, Any]]] = {}
    for r in await pool.fetch(
        f"SELECT bus_id, violation_id, occurred_on, description FROM {S}.bus_violations "
        "WHERE bus_id = ANY($1::text[]) AND occurred_on <= $2 AND (rectified_on IS NULL OR rectified_on > $2) "
        "ORDER BY bus_id, occurred_on, violation_id",
        ids,
        as_of,
    ):
        item = dict(r)
        violations.setdefault(item.pop("bus_id"), []).append(item)
    for bus in buses:
        bus_id = bus["bus_id"]
        reasons: list[str] = []
        if as_of < bus["registered_on"]:
            reasons.append(f"not registered yet on {as_of.isoformat()} (registered {bus['registered_on'].isoformat()})")
        items = in_force.get(bus_id) or {item.value: bus[item.value] for item in BusItem}
        missing = [item.value for item in BusItem if not items[item.value]]
        if missing:
            reasons.append(f"missing items: {', '.join(missing)}")
        check = checks.get(bus_id)
        if check is None:
            reasons.append("no route check on record")
        else:
            check.pop("bus_id")
            if (as_of - check["checked_on"]).days > ROUTE_CHECK_VALID_DAYS:
                reasons.append(
                    f"the last route check ({check['checked_on'].isoformat()}) is more than "
                    f"{ROUTE_CHECK_VALID_DAYS} days old"
                )
            if not check["all_ok"]:
                reasons.append(f"the last route check found problems: {', '.join(check['failed'])}")
        open_violations = violations.get(bus_id, [])
        reasons.extend(f"open violation {v['violation_id']}: {v['description']}" for v in open_violations)
        bus["compliance"] = {
            "as_of": as_of.isoformat(),
            "compliant": not reasons,
            "reasons": reasons,
            "missing_items": missing,
            "items_in_force": items,
            "last_route_check": check,
            "open_violations": open_violations,
        }
    return buses


def _day(as_of: date | None) -> date:
    return as_of or school_today()


async def bus_page(
    pool: asyncpg.Pool, principal: Principal, campus_id: str | None, as_of: date | None, after: str | None, limit: int
) -> Page:
    """A page of the buses in the caller's scope, each with its compliance on ``as_of`` (default: today)."""
    q = Query(f"SELECT {BUS_COLUMNS} FROM {S}.buses", "bus_id").scoped(principal)
    q.filter("campus_id = {}", campus_id)
    page = await q.page(pool, after, limit)
    page.items = await with_compliance(pool, page.items, _day(as_of))
    return page


async def bus_file(pool: asyncpg.Pool, principal: Principal, bus_id: str, as_of: date | None) -> dict[str, Any]:
    """One bus's file in the caller's scope (items, changes, route checks, violations, compliance), or a 404."""
    q = Query(f"SELECT {BUS_COLUMNS} FROM {S}.buses", "bus_id").scoped(principal)
    row = await q.filter("bus_id = {}", bus_id).one(pool)
    if row is None:
        raise NotFound(f"bus {bus_id} not found")
    (bus,) = await with_compliance(pool, [row], _day(as_of))
    bus["item_changes"] = [
        dict(r)
        for r in await pool.fetch(
            f"SELECT item, value, reason, effective_on FROM {S}.bus_item_changes WHERE bus_id = $1 ORDER BY version",
            bus_id,
        )
    ]
    bus["route_checks"] = [
        dict(r)
        for r in await pool.fetch(
            f"SELECT check_id, checked_on, checked_by, all_ok, failed, results FROM {S}.bus_route_checks "
            "WHERE bus_id = $1 ORDER BY checked_on, check_id",
            bus_id,
        )
    ]
    bus["violations"] = [
        dict(r)
        for r in await pool.fetch(
            f"SELECT violation_id, occurred_on, description, rectified_on, measures FROM {S}.bus_violations "
            "WHERE bus_id = $1 ORDER BY occurred_on, violation_id",
            bus_id,
        )
    ]
    return bus
