"""Every command of the canteen: which aggregate it goes to, where it belongs, who may send
it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

One section per area, in the order of the service's tags."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.campus.mirror import staff_member
from services.campus.scoped import CampusCommands, CampusCommandsDep, campus_command_table
from services.canteen.common import DISTRICT, KITCHEN, MANAGERS, monday_of
from services.canteen.queries.visits import delivery_on_campus, parent_on_campus, visit_in_week
from services.canteen.rules import CanteenRules, Rules, RulesState, SetCanteenRules, rules_fact
from services.canteen.visits import (
    PARENT_NAME,
    WEEK_TAKEN_BY,
    AccompanyVisitLunch,
    AnswerSuggestion,
    CancelParentVisit,
    InspectVisitDeliveries,
    KeepReflectionInternal,
    ParentVisit,
    PublishReflection,
    RescheduleParentVisit,
    ScheduleParentVisit,
    SubmitReflection,
    VisitState,
)
from services.eventkit.app import Context
from services.eventkit.auth import STAFF_ROLES, Principal, Role
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext, CommandResult
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput

COMMANDS = campus_command_table("canteen")


# -- the district's canteen rules --------------------------------------------------------------


async def district_in_body(commands: CampusCommands, command: Any) -> TenantPath:
    """``tenant=`` of the district's own rules: a district the directory's mirror knows."""
    known = await commands.pool.fetchval(
        "SELECT true FROM directory_campuses WHERE district_id = $1 LIMIT 1", command.district_id
    )
    if not known:
        raise InvalidInput(f"district {command.district_id} has no campus the canteen knows", field="district_id")
    return TenantPath(district_id=command.district_id)


async def rules_in_force(commands: CampusCommands, district_id: str, day: date) -> Rules:
    """The district's canteen rules in force on ``day`` (the defaults until it sets its own)."""
    state: RulesState
    state, _ = await commands.bus.load(CanteenRules, CanteenRules.stream_id(district_id))
    return state.in_force(day)


async def rules_facts(commands: CampusCommands, tenant: TenantPath, day: date) -> Facts:
    """The rules in force on ``day`` where ``tenant`` is, as a decider's fact (:func:`rules_from`)."""
    assert tenant.district_id is not None
    return rules_fact(await rules_in_force(commands, tenant.district_id, day))


COMMANDS.new(
    "rules",
    "/canteen-rules",
    "Set the district's canteen rules from a day on",
    SetCanteenRules,
    CanteenRules,
    id="district_id",
    roles=DISTRICT,
    tenant=district_in_body,
)


# -- parent visits --------------------------------------------------------------------------------


async def wait_for_week(conn: Connection, campus_id: str, day: date) -> date:
    """Schedules into one campus's week wait for each other (until the transaction ends): the
    second sees the first. The week's Monday."""
    week_of = monday_of(day)
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))", f"houqin.canteen.parent-visit.{campus_id}.{week_of}"
    )
    return week_of


@COMMANDS.custom(
    "parent visits", "/parent-visits", "Schedule a parent's visit to a campus (one parent visit a week per campus)"
)
async def schedule_parent_visit(cmd: ScheduleParentVisit, ctx: Context, canteen: CampusCommandsDep) -> CommandResult:
    # Custom: the week's standing visit is looked up and the visit scheduled in one transaction.
    tenant = await canteen.campus(cmd.campus_id)
    await canteen.authorise(ctx.principal, tenant, MANAGERS)
    facts = {PARENT_NAME: await parent_on_campus(canteen.pool, cmd.parent_id, cmd.campus_id, "parent_id")}
    async with canteen.pool.acquire() as conn, conn.transaction():
        week_of = await wait_for_week(conn, cmd.campus_id, cmd.visit_on)
        facts[WEEK_TAKEN_BY] = await visit_in_week(conn, cmd.campus_id, week_of, cmd.visit_id) or ""
        attempt = canteen.run(ParentVisit, cmd.visit_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)
        return await canteen.starting(ctx.principal, ParentVisit, cmd.visit_id, "visit_id", attempt)


@COMMANDS.custom(
    "parent visits", "/parent-visits/{visit_id}/reschedule", "Move a parent visit to another day (a free week)"
)
async def reschedule_parent_visit(
    visit_id: str, cmd: RescheduleParentVisit, ctx: Context, canteen: CampusCommandsDep
) -> CommandResult:
    # Custom: the new week's standing visit is looked up and the visit moved in one transaction.
    tenant = await canteen.tenant_of(ParentVisit, visit_id, "parent visit", principal=ctx.principal)
    await canteen.authorise(ctx.principal, tenant, MANAGERS)
    campus_id = tenant.campus_id or ""
    async with canteen.pool.acquire() as conn, conn.transaction():
        week_of = await wait_for_week(conn, campus_id, cmd.visit_on)
        facts = {WEEK_TAKEN_BY: await visit_in_week(conn, campus_id, week_of, visit_id) or ""}
        return await canteen.run(ParentVisit, visit_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)


COMMANDS.existing(
    "parent visits",
    "/parent-visits/{visit_id}/cancel",
    "Cancel a parent visit before it begins, saying why",
    CancelParentVisit,
    ParentVisit,
    what="parent visit",
    roles=MANAGERS,
)


async def staff_and_deliveries_of_campus(
    canteen: CampusCommands, cmd: InspectVisitDeliveries, ctx: CommandContext, at: Target
) -> Facts:
    """Whoever inspected with the parent works on the visit's campus; the deliveries were received there."""
    campus_id = at.tenant.campus_id or ""
    for i, staff_id in enumerate(cmd.with_staff):
        member = await staff_member(canteen.pool, staff_id, field=f"with_staff.{i}")
        if campus_id not in member["campus_ids"]:
            raise InvalidInput(f"{member['name']} does not work on campus {campus_id}", field=f"with_staff.{i}")
    for i, delivery_id in enumerate(cmd.delivery_ids):
        await delivery_on_campus(canteen.pool, delivery_id, campus_id, f"delivery_ids.{i}")
    return {}


COMMANDS.existing(
    "parent visits",
    "/parent-visits/{visit_id}/deliveries",
    "Record the morning's deliveries weighed and inspected by the parent with the staff",
    InspectVisitDeliveries,
    ParentVisit,
    what="parent visit",
    roles=KITCHEN,
    lookup=staff_and_deliveries_of_campus,
)
COMMANDS.existing(
    "parent visits",
    "/parent-visits/{visit_id}/lunch",
    "Record the parent's lunch with the pupils: each dish rated, the issues found",
    AccompanyVisitLunch,
    ParentVisit,
    what="parent visit",
    roles=KITCHEN,
)


def as_parent(principal: Principal, tenant: TenantPath | None) -> bool:
    """The caller acts as a parent: a parent who holds no staff role over the visit's campus."""
    if not principal.has_role(Role.PARENT):
        return False
    return tenant is None or not principal.holds(tenant, *STAFF_ROLES)


@COMMANDS.custom(
    "parent visits",
    "/parent-visits/{visit_id}/reflection",
    "Submit one's reflection on one's visit (the visiting parent themselves), and whether it may be published",
)
async def submit_reflection(
    visit_id: str, cmd: SubmitReflection, ctx: Context, canteen: CampusCommandsDep
) -> CommandResult:
    # Custom: the visiting parent is the one who may, read from the visit's state; a parent is
    # not scoped to a campus. Another parent is refused alike whether the visit exists or not.
    principal = ctx.principal
    tenant = await canteen.first_tenant(ParentVisit, visit_id)
    state: VisitState
    state, _ = await canteen.bus.load(ParentVisit, ParentVisit.stream_id(visit_id))
    if tenant is None or state.parent_id != principal.subject:
        if as_parent(principal, tenant):
            raise Forbidden("a parent submits the reflection of their own visit only")
        await canteen.tenant_of(ParentVisit, visit_id, "parent visit", principal=principal)  # else a 404
        raise Forbidden("the reflection is submitted by the visiting parent themselves")
    return await canteen.bus.execute(ParentVisit, visit_id, Resolved(cmd, tenant, visit_id), ctx, tenant)


async def review(
    visit_id: str, cmd: PublishReflection | KeepReflectionInternal, ctx: Context, canteen: CampusCommands
) -> CommandResult:
    """A manager of the visit's campus reviews its reflection; a parent never does (403, whichever
    the visit, and whether it exists or not)."""
    if as_parent(ctx.principal, await canteen.first_tenant(ParentVisit, visit_id)):
        raise Forbidden("a manager of the campus reviews a reflection: a parent does not publish one")
    tenant = await canteen.tenant_of(ParentVisit, visit_id, "parent visit", principal=ctx.principal)
    return await canteen.run(ParentVisit, visit_id, cmd, ctx, tenant, MANAGERS)


@COMMANDS.custom(
    "parent visits",
    "/parent-visits/{visit_id}/publish",
    "Publish a reflection to the parents (only with its parent's consent), e.g. in the parents' WeChat group",
)
async def publish_reflection(
    visit_id: str, cmd: PublishReflection, ctx: Context, canteen: CampusCommandsDep
) -> CommandResult:
    # Custom: a parent is refused as a parent (403), not as an outsider of the campus (404).
    return await review(visit_id, cmd, ctx, canteen)


@COMMANDS.custom("parent visits", "/parent-visits/{visit_id}/keep-internal", "Keep a reflection internal, saying why")
async def keep_reflection_internal(
    visit_id: str, cmd: KeepReflectionInternal, ctx: Context, canteen: CampusCommandsDep
) -> CommandResult:
    # Custom: as publishing.
    return await review(visit_id, cmd, ctx, canteen)


COMMANDS.existing(
    "parent visits",
    "/parent-visits/{visit_id}/answers",
    "Record the school's answer to one of the reflection's suggestions (once each)",
    AnswerSuggestion,
    ParentVisit,
    what="parent visit",
    roles=MANAGERS,
)
