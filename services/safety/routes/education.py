"""Safety education routes: Friday sessions per class, monthly flag ceremonies, campaigns."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.mirror import class_tenant, teachers_of_class
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import CommandResult
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.common import MANAGERS, STAFF_ON_CAMPUS, Safety, SafetyDep
from services.safety.education import (
    CheckSession,
    DeliverSession,
    FlagCeremony,
    HoldFlagCeremony,
    LaunchCampaign,
    MarkActivityDone,
    PlanSession,
    SafetyCampaign,
    SafetySession,
    SummariseCampaign,
    ceremony_id,
)
from services.safety.projections.safety_records import SAFETY_RECORDS

router = APIRouter(tags=["safety education"])
S = SAFETY_RECORDS.schema
TEACHERS = (Role.TEACHER, Role.CLASS_TEACHER)
SESSION_STAFF = (*MANAGERS, *TEACHERS)


async def require_teacher_or_manager(safety: Safety, principal: Principal, tenant: TenantPath, class_id: str) -> None:
    """A manager of the campus, or a teacher of the class (403 otherwise)."""
    principal.require(tenant, *SESSION_STAFF)
    if principal.has_role(*MANAGERS):
        return
    if principal.subject not in await teachers_of_class(safety.pool, class_id):
        raise Forbidden(f"{principal.subject} does not teach class {class_id}")


@command_route(router, "/safety-sessions", "Plan a class's Friday safety session, with its lesson prep")
async def plan_safety_session(cmd: PlanSession, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await class_tenant(safety.pool, cmd.class_id)
    await require_teacher_or_manager(safety, ctx.principal, tenant, cmd.class_id)
    if cmd.teacher_id is not None and cmd.teacher_id not in await teachers_of_class(safety.pool, cmd.class_id):
        raise InvalidInput(f"{cmd.teacher_id} does not teach class {cmd.class_id}", field="teacher_id")
    return await safety.run(SafetySession, cmd.session_id, cmd, ctx, tenant, SESSION_STAFF)


@command_route(router, "/safety-sessions/{session_id}/deliver", "Record that a session was given (its class's teacher)")
async def deliver_safety_session(
    session_id: str, cmd: DeliverSession, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant = await safety.tenant_of(SafetySession, session_id, "safety session")
    state, _ = await safety.bus.load(SafetySession, SafetySession.stream_id(session_id))
    await require_teacher_or_manager(safety, ctx.principal, tenant, state.class_id)
    return await safety.run(SafetySession, session_id, cmd, ctx, tenant, SESSION_STAFF)


@command_route(router, "/safety-sessions/{session_id}/check", "A manager checks a delivered session")
async def check_safety_session(session_id: str, cmd: CheckSession, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(SafetySession, session_id, "safety session")
    delivered_by = await safety.pool.fetchval(
        "SELECT actor FROM events WHERE stream_id = $1 AND type = 'safety.SafetySessionDelivered' "
        "ORDER BY version LIMIT 1",
        SafetySession.stream_id(session_id),
    )
    facts = {"delivered_by": delivered_by} if delivered_by else {}
    return await safety.run(SafetySession, session_id, cmd, ctx, tenant, MANAGERS, facts=facts)


@command_route(router, "/flag-ceremonies", "Record the campus's safety flag ceremony of the month (one a month)")
async def hold_flag_ceremony(cmd: HoldFlagCeremony, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    return await safety.run(FlagCeremony, ceremony_id(cmd.campus_id, cmd.held_on), cmd, ctx, tenant, MANAGERS)


@command_route(router, "/safety-campaigns", "Launch a safety campaign with its activities (e.g. 六个一)")
async def launch_safety_campaign(cmd: LaunchCampaign, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    return await safety.run(SafetyCampaign, cmd.campaign_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/safety-campaigns/{campaign_id}/activities", "Mark one of a campaign's activities done")
async def mark_campaign_activity_done(
    campaign_id: str, cmd: MarkActivityDone, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant = await safety.tenant_of(SafetyCampaign, campaign_id, "campaign")
    return await safety.run(SafetyCampaign, campaign_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/safety-campaigns/{campaign_id}/summarise", "Summarise a campaign whose activities are done")
async def summarise_safety_campaign(
    campaign_id: str, cmd: SummariseCampaign, ctx: Context, safety: SafetyDep
) -> CommandResult:
    tenant = await safety.tenant_of(SafetyCampaign, campaign_id, "campaign")
    return await safety.run(SafetyCampaign, campaign_id, cmd, ctx, tenant, MANAGERS)


# -- queries -----------------------------------------------------------------------------

SESSION_COLUMNS = (
    "session_id, district_id, school_id, campus_id, class_id, week_of, theme, teacher_id, lesson_prep_ref, status, "
    "delivered_on, delivered_by, checked_by, result, note"
)
Week = Annotated[date | None, Param(description="Any day of the week: the session of that week's Friday")]


@router.get("/safety-sessions", response_model=Page, summary="Friday safety sessions in the caller's scope")
async def list_safety_sessions(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    class_id: str | None = None,
    week: Week = None,
    status: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {SESSION_COLUMNS} FROM {S}.sessions", "session_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id).filter("status = {}", status)
    q.filter("date_trunc('week', week_of) = date_trunc('week', {}::date)", week)
    return await q.page(safety.pool, after, limit)


@router.get("/safety-sessions/{session_id}", summary="One safety session")
async def get_safety_session(session_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {SESSION_COLUMNS} FROM {S}.sessions", "session_id").scoped(principal)
    row = await q.filter("session_id = {}", session_id).one(safety.pool)
    if row is None:
        raise NotFound(f"safety session {session_id} not found")
    return row


@router.get("/flag-ceremonies", response_model=Page, summary="Safety flag ceremonies in the caller's scope")
async def list_flag_ceremonies(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_: Annotated[date | None, Param(alias="from", description="Held on or after")] = None,
    to: Annotated[date | None, Param(description="Held on or before")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(
        "SELECT ceremony_id, district_id, school_id, campus_id, held_on, to_char(held_on, 'YYYY-MM') AS month, "
        f"theme, speaker, held_by FROM {S}.flag_ceremonies",
        "ceremony_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("held_on >= {}", from_).filter("held_on <= {}", to)
    return await q.page(safety.pool, after, limit)


CAMPAIGN_COLUMNS = (
    "c.campaign_id, c.district_id, c.school_id, c.campus_id, c.title, c.starts_on, c.activities, c.done, "
    "c.summary, c.summary IS NOT NULL AS summarised, "
    "(SELECT coalesce(json_agg(json_build_object('activity', a.activity, 'done_on', a.done_on, 'note', a.note) "
    f"ORDER BY a.seq), '[]'::json) FROM {S}.campaign_activities a WHERE a.campaign_id = c.campaign_id) "
    "AS activity_list"
)


@router.get("/safety-campaigns", response_model=Page, summary="Safety campaigns in the caller's scope")
async def list_safety_campaigns(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {CAMPAIGN_COLUMNS} FROM {S}.campaigns c", "c.campaign_id").scoped(principal, "c.")
    q.filter("c.campus_id = {}", campus_id)
    return await q.page(safety.pool, after, limit)


@router.get("/safety-campaigns/{campaign_id}", summary="One safety campaign and its activities")
async def get_safety_campaign(campaign_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(f"SELECT {CAMPAIGN_COLUMNS} FROM {S}.campaigns c", "c.campaign_id").scoped(principal, "c.")
    row = await q.filter("c.campaign_id = {}", campaign_id).one(safety.pool)
    if row is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return row
