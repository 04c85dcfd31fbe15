"""Drill routes: plan, conduct, summarise; the drills of a campus and their monthly coverage by kind.

The drills are read from the inspection status (which keeps them for its monthly counts).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Query as Param

from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.commands import CommandResult
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.common import MANAGERS, STAFF_ON_CAMPUS, SafetyDep
from services.safety.drills import ConductDrill, Drill, PlanDrill, SummariseDrill
from services.safety.events import DrillKind
from services.safety.projections.inspection_status import INSPECTION_STATUS

router = APIRouter(tags=["drills"])
S = INSPECTION_STATUS.schema
MAX_COVERAGE_MONTHS = 36


@command_route(router, "/drills", "Plan a drill, with its plan document (方案)")
async def plan_drill(cmd: PlanDrill, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    return await safety.run(Drill, cmd.drill_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/drills/{drill_id}/conduct", "Record that a planned drill took place")
async def conduct_drill(drill_id: str, cmd: ConductDrill, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Drill, drill_id, "drill")
    return await safety.run(Drill, drill_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/drills/{drill_id}/summarise", "Summarise a conducted drill, with its write-up")
async def summarise_drill(drill_id: str, cmd: SummariseDrill, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Drill, drill_id, "drill")
    return await safety.run(Drill, drill_id, cmd, ctx, tenant, MANAGERS)


# -- queries -----------------------------------------------------------------------------

DRILL_COLUMNS = (
    "drill_id, district_id, school_id, campus_id, kind, title, planned_on, conducted_on, participants, "
    "evacuation_seconds, summarised, "
    "CASE WHEN summarised THEN 'summarised' WHEN conducted_on IS NOT NULL THEN 'conducted' ELSE 'planned' END "
    "AS status"
)
Month = Annotated[date | None, Param(description="Any day of the month: drills conducted (or else planned) in it")]


@router.get("/drills", response_model=Page, summary="Drills in the caller's scope")
async def list_drills(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    kind: DrillKind | None = None,
    month: Month = None,
    conducted: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {DRILL_COLUMNS} FROM {S}.drills", "drill_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("kind = {}", kind.value if kind else None)
    q.filter("date_trunc('month', coalesce(conducted_on, planned_on)) = date_trunc('month', {}::date)", month)
    if conducted is not None:
        q.where.append("conducted_on IS NOT NULL" if conducted else "conducted_on IS NULL")
    return await q.page(safety.pool, after, limit)


def _months(first: date, last: date) -> list[date]:
    months: list[date] = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


@router.get("/drills/coverage", summary="Drills conducted on a campus per month and kind, over a range (a term)")
async def drill_coverage(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str,
    from_: Annotated[date, Param(alias="from", description="First day of the range")],
    to: Annotated[date, Param(description="Last day of the range")],
) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    tenant = await safety.campus(campus_id)
    principal.require_scope(tenant)
    if to < from_:
        raise InvalidInput("the range ends before it starts", field="to")
    months = _months(from_, to)
    if len(months) > MAX_COVERAGE_MONTHS:
        raise InvalidInput(f"a range covers at most {MAX_COVERAGE_MONTHS} months", field="to")
    counts: dict[tuple[date, str], int] = {
        (r["month"], r["kind"]): r["n"]
        for r in await safety.pool.fetch(
            f"SELECT date_trunc('month', conducted_on)::date AS month, kind, count(*) AS n FROM {S}.drills "
            "WHERE campus_id = $1 AND conducted_on BETWEEN $2 AND $3 GROUP BY 1, 2",
            campus_id,
            from_,
            to,
        )
    }
    per_month: list[dict[str, Any]] = []
    for month in months:
        by_kind = {k.value: counts.get((month, k.value), 0) for k in DrillKind}
        per_month.append(
            {
                "month": f"{month:%Y-%m}",
                "by_kind": by_kind,
                "kinds": [k for k, n in by_kind.items() if n],
                "total": sum(by_kind.values()),
            }
        )
    totals = {k.value: sum(n for (_, kind), n in counts.items() if kind == k.value) for k in DrillKind}
    return {
        "campus_id": campus_id,
        "from": from_.isoformat(),
        "to": to.isoformat(),
        "months": per_month,
        "by_kind": totals,
        "total": sum(totals.values()),
        "kinds_covered": [k for k, n in totals.items() if n],
        "kinds_missing": [k.value for k in DrillKind if k is not DrillKind.OTHER and not totals[k.value]],
        "months_without_drill": [m["month"] for m in per_month if not m["total"]],
    }


@router.get("/drills/{drill_id}", summary="One drill")
async def get_drill(drill_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {DRILL_COLUMNS} FROM {S}.drills", "drill_id").scoped(principal)
    row = await q.filter("drill_id = {}", drill_id).one(safety.pool)
    if row is None:
        raise NotFound(f"drill {drill_id} not found")
    return row
