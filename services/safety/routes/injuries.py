"""Injury routes: report, tell the parents, follow up, close; the injuries in scope and their counts by setting."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.mirror import student_tenant
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Role
from services.eventkit.commands import CommandResult
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.common import MANAGERS, STAFF_ON_CAMPUS, SafetyDep
from services.safety.events import InjurySetting
from services.safety.injuries import CloseInjury, FollowUp, Injury, NotifyParent, ReportInjury
from services.safety.projections.safety_records import SAFETY_RECORDS

router = APIRouter(tags=["injuries"])
S = SAFETY_RECORDS.schema
REPORTERS = (*MANAGERS, Role.TEACHER, Role.CLASS_TEACHER, Role.MEDICAL)


@command_route(router, "/injuries", "Report a student's injury (teachers, managers, the school doctor)")
async def report_injury(cmd: ReportInjury, ctx: Context, safety: SafetyDep) -> CommandResult:
    student, tenant = await student_tenant(safety.pool, cmd.student_id)
    facts = {"class_id": student["class_id"]}
    return await safety.run(Injury, cmd.injury_id, cmd, ctx, tenant, REPORTERS, facts=facts)


@command_route(router, "/injuries/{injury_id}/notify-parent", "Record that the student's parents were told")
async def notify_parent_of_injury(injury_id: str, cmd: NotifyParent, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Injury, injury_id, "injury")
    return await safety.run(Injury, injury_id, cmd, ctx, tenant, REPORTERS)


@command_route(router, "/injuries/{injury_id}/follow-ups", "Record a follow-up of an injury")
async def follow_up_injury(injury_id: str, cmd: FollowUp, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Injury, injury_id, "injury")
    return await safety.run(Injury, injury_id, cmd, ctx, tenant, REPORTERS)


@command_route(router, "/injuries/{injury_id}/close", "Close an injury with its cause and the measures taken")
async def close_injury(injury_id: str, cmd: CloseInjury, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(Injury, injury_id, "injury")
    return await safety.run(Injury, injury_id, cmd, ctx, tenant, MANAGERS)


# -- queries -----------------------------------------------------------------------------

INJURY_COLUMNS = (
    "injury_id, district_id, school_id, campus_id, student_id, class_id, setting, occurred_at, occurred_on, injury, "
    "first_aid, reported_by, status, parent_notified_at, notified_how, notified_by, follow_ups, last_follow_up_on, "
    "closed_on, cause, measures"
)
From = Annotated[date | None, Param(alias="from", description="Happened on or after")]
To = Annotated[date | None, Param(description="Happened on or before")]


def _range(from_: date | None, to: date | None) -> None:
    if from_ is not None and to is not None and to < from_:
        raise InvalidInput("the range ends before it starts", field="to")


@router.get("/injuries", response_model=Page, summary="Student injuries in the caller's scope")
async def list_injuries(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    student_id: str | None = None,
    setting: InjurySetting | None = None,
    open: Annotated[bool | None, Param(description="true: not closed yet; false: closed")] = None,
    from_: From = None,
    to: To = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    _range(from_, to)
    q = Query(f"SELECT {INJURY_COLUMNS} FROM {S}.injuries", "injury_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id).filter("student_id = {}", student_id)
    q.filter("setting = {}", setting.value if setting else None)
    q.filter("occurred_on >= {}", from_).filter("occurred_on <= {}", to)
    if open is not None:
        q.where.append("status <> 'closed'" if open else "status = 'closed'")
    return await q.page(safety.pool, after, limit)


@router.get("/injuries/summary", summary="Injuries counted by setting (PE, breaks, activities) over a range")
async def injury_summary(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: From = None,
    to: To = None,
) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    _range(from_, to)
    q = Query(
        "SELECT setting, count(*) AS n, count(*) FILTER (WHERE status <> 'closed') AS open, "
        "count(*) FILTER (WHERE parent_notified_at IS NULL) AS parent_not_told "
        f"FROM {S}.injuries",
        "setting",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("occurred_on >= {}", from_).filter("occurred_on <= {}", to)
    rows = await safety.pool.fetch(f"{q.select_from} WHERE {' AND '.join(q.where)} GROUP BY setting", *q.params)
    by_setting = {s.value: 0 for s in InjurySetting} | {r["setting"]: r["n"] for r in rows}
    total = sum(by_setting.values())
    return {
        "campus_id": campus_id,
        "from": from_.isoformat() if from_ else None,
        "to": to.isoformat() if to else None,
        "total": total,
        "by_setting": by_setting,
        "in_pe": by_setting[InjurySetting.PE.value],
        "at_breaks_or_activities": by_setting[InjurySetting.BREAK.value] + by_setting[InjurySetting.ACTIVITY.value],
        "open": sum(r["open"] for r in rows),
        "closed": total - sum(r["open"] for r in rows),
        "parent_not_told": sum(r["parent_not_told"] for r in rows),
    }


@router.get("/injuries/{injury_id}", summary="One injury and its follow-ups")
async def get_injury(injury_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {INJURY_COLUMNS} FROM {S}.injuries", "injury_id").scoped(principal)
    row = await q.filter("injury_id = {}", injury_id).one(safety.pool)
    if row is None:
        raise NotFound(f"injury {injury_id} not found")
    row["follow_up_notes"] = [
        dict(r)
        for r in await safety.pool.fetch(
            f"SELECT on_date AS on, note, noted_by AS by FROM {S}.injury_follow_ups WHERE injury_id = $1 "
            "ORDER BY version",
            injury_id,
        )
    ]
    return row
