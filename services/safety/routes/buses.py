"""School bus routes: register, change an item, route checks, violations; files with their compliance."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Query as Param

from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.commands import CommandResult
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.buses import (
    ROUTE_CHECK_VALID_DAYS,
    ChangeBusItem,
    RecordRouteCheck,
    RecordViolation,
    RectifyViolation,
    RegisterBus,
    SchoolBus,
)
from services.safety.common import MANAGERS, STAFF_ON_CAMPUS, SafetyDep
from services.safety.events import BusItem
from services.safety.projections.safety_records import SAFETY_RECORDS

router = APIRouter(tags=["school buses"])
S = SAFETY_RECORDS.schema


@command_route(router, "/buses", "Register a school bus with its six fixed items (一车一档)")
async def register_bus(cmd: RegisterBus, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    return await safety.run(SchoolBus, cmd.bus_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/buses/{bus_id}/items", "Change one of a bus's six fixed items, with the reason")
async def change_bus_item(bus_id: str, cmd: ChangeBusItem, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(SchoolBus, bus_id, "bus")
    return await safety.run(SchoolBus, bus_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/buses/{bus_id}/route-checks", "Record a check of the route's signs, boards, guardrails, humps")
async def record_bus_route_check(bus_id: str, cmd: RecordRouteCheck, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(SchoolBus, bus_id, "bus")
    return await safety.run(SchoolBus, bus_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/buses/{bus_id}/violations", "Record a traffic violation of the bus")
async def record_bus_violation(bus_id: str, cmd: RecordViolation, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(SchoolBus, bus_id, "bus")
    return await safety.run(SchoolBus, bus_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/buses/{bus_id}/violations/rectify", "Record how an open violation was rectified")
async def rectify_bus_violation(bus_id: str, cmd: RectifyViolation, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(SchoolBus, bus_id, "bus")
    return await safety.run(SchoolBus, bus_id, cmd, ctx, tenant, MANAGERS)


# -- queries -----------------------------------------------------------------------------

BUS_COLUMNS = (
    "bus_id, district_id, school_id, campus_id, vehicle, driver, route, stops, times, escort, registered_on, changes"
)
AsOf = Annotated[date | None, Param(description="The day compliance is judged on (default: today)")]


async def with_compliance(safety: Any, buses: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """Each bus with its compliance on ``as_of``: two grouped queries, whatever the page size."""
    ids = [b["bus_id"] for b in buses]
    checks = {
        r["bus_id"]: dict(r)
        for r in await safety.pool.fetch(
            f"SELECT DISTINCT ON (bus_id) bus_id, check_id, checked_on, checked_by, all_ok, failed "
            f"FROM {S}.bus_route_checks WHERE bus_id = ANY($1::text[]) AND checked_on <= $2 "
            "ORDER BY bus_id, checked_on DESC, check_id DESC",
            ids,
            as_of,
        )
    }
    violations: dict[str, list[dict[str, Any]]] = {}
    for r in await safety.pool.fetch(
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
        missing = [item.value for item in BusItem if not bus[item.value]]
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
            "last_route_check": check,
            "open_violations": open_violations,
        }
    return buses


@router.get("/buses", response_model=Page, summary="School buses in the caller's scope, with their compliance")
async def list_buses(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    as_of: AsOf = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {BUS_COLUMNS} FROM {S}.buses", "bus_id").scoped(principal)
    q.filter("campus_id = {}", campus_id)
    page = await q.page(safety.pool, after, limit)
    page.items = await with_compliance(safety, page.items, as_of or datetime.now(UTC).date())
    return page


@router.get("/buses/{bus_id}", summary="One bus's file: items, changes, route checks, violations, compliance")
async def get_bus(bus_id: str, safety: SafetyDep, principal: CurrentPrincipal, as_of: AsOf = None) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {BUS_COLUMNS} FROM {S}.buses", "bus_id").scoped(principal)
    row = await q.filter("bus_id = {}", bus_id).one(safety.pool)
    if row is None:
        raise NotFound(f"bus {bus_id} not found")
    (bus,) = await with_compliance(safety, [row], as_of or datetime.now(UTC).date())
    pool = safety.pool
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
