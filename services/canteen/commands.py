"""Every command of the canteen: which aggregate it goes to, where it belongs, who may send
it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

One section per area, in the order of the service's tags."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.campus.scoped import CampusCommands, campus_command_table
from services.canteen.common import DISTRICT
from services.canteen.rules import CanteenRules, Rules, RulesState, SetCanteenRules, rules_fact
from services.eventkit.command_table import Facts
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput

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


# -- the weekly menu, serving audits and violations, the serving-skill contest -----------------

import json  # noqa: E402

from services.campus.mirror import staff_member  # noqa: E402
from services.canteen.audits import RecordServingAudit, ServingAudit  # noqa: E402
from services.canteen.common import MANAGERS, monday_of  # noqa: E402
from services.canteen.contest import (  # noqa: E402
    NAMES_FACT,
    AnnounceServingContest,
    ConcludeServingContest,
    ContestState,
    ScoreServingContest,
    ServingContest,
)
from services.canteen.menu import Menu, PlanMenu, PublishMenu, menu_id_of  # noqa: E402
from services.canteen.violations import ObserveViolation, Violation, WithdrawViolation  # noqa: E402
from services.eventkit.auth import Role  # noqa: E402
from services.eventkit.command_table import Target  # noqa: E402
from services.eventkit.commands import CommandContext  # noqa: E402
from services.eventkit.days import local_day, school_today  # noqa: E402


async def canteen_worker_of(
    commands: CampusCommands, staff_id: str, field: str, *, campus_id: str | None = None, school_id: str | None = None
) -> str:
    """A canteen worker of the campus (or of the school): their name, or a 422 naming the field."""
    member = await staff_member(commands.pool, staff_id, field=field)
    if Role.CANTEEN_WORKER.value not in (member["roles"] or []):
        raise InvalidInput(f"{member['name']} is not a canteen worker", field=field)
    if campus_id is not None and campus_id not in (member["campus_ids"] or []):
        raise InvalidInput(f"{member['name']} does not work on this campus", field=field)
    if school_id is not None and member["school_id"] != school_id:
        raise InvalidInput(f"{member['name']} does not work at this school", field=field)
    return str(member["name"])


async def menu_rules(commands: CampusCommands, cmd: PlanMenu, ctx: CommandContext, at: Target) -> Facts:
    """The district's rules in force on the week's Monday (the dishes it does not allow)."""
    return await rules_facts(commands, at.tenant, monday_of(cmd.week_of))


COMMANDS.new(
    "serving",
    "/menus",
    "Plan a campus's menu of a week (replacing the week's plan whole); a banned dish is refused",
    PlanMenu,
    Menu,
    id=lambda cmd: menu_id_of(cmd.campus_id, cmd.week_of),
    roles=MANAGERS,
    lookup=menu_rules,
)
COMMANDS.existing(
    "serving",
    "/menus/{menu_id}/publish",
    "Publish a week's menu as planned",
    PublishMenu,
    Menu,
    what="menu",
    roles=MANAGERS,
)


async def servers_and_tolerance(
    commands: CampusCommands, cmd: RecordServingAudit, ctx: CommandContext, at: Target
) -> Facts:
    """Each server is a canteen worker of the campus; the serving tolerance in force on the audit's day."""
    for i, line in enumerate(cmd.portions):
        await canteen_worker_of(commands, line.server_id, f"portions.{i}.server_id", campus_id=at.tenant.campus_id)
    day = local_day(cmd.at) if cmd.at is not None else school_today()
    return await rules_facts(commands, at.tenant, day)


COMMANDS.new(
    "serving",
    "/serving-audits",
    "Record a serving audit: portions weighed per server; a server beyond tolerance is proposed for a deduction",
    RecordServingAudit,
    ServingAudit,
    id="audit_id",
    roles=MANAGERS,
    lookup=servers_and_tolerance,
)


async def worker_on_campus(commands: CampusCommands, cmd: ObserveViolation, ctx: CommandContext, at: Target) -> Facts:
    """The violation's worker is a canteen worker of the campus."""
    await canteen_worker_of(commands, cmd.staff_id, "staff_id", campus_id=at.tenant.campus_id)
    return {}


COMMANDS.new(
    "serving",
    "/canteen-violations",
    "Record a canteen worker's violation, proposed as a deduction in their appraisal",
    ObserveViolation,
    Violation,
    id="violation_id",
    roles=MANAGERS,
    lookup=worker_on_campus,
)
COMMANDS.existing(
    "serving",
    "/canteen-violations/{violation_id}/withdraw",
    "Withdraw a violation recorded by mistake",
    WithdrawViolation,
    Violation,
    what="violation",
    roles=MANAGERS,
)


async def contest_people(
    commands: CampusCommands, cmd: AnnounceServingContest, ctx: CommandContext, at: Target
) -> Facts:
    """The campus is the school's; the judges are staff of the school, the entrants its canteen workers."""
    if at.tenant.school_id != cmd.school_id:
        raise InvalidInput(f"campus {cmd.campus_id} is not a campus of {cmd.school_id}", field="campus_id")
    for i, judge in enumerate(cmd.judges):
        member = await staff_member(commands.pool, judge, field=f"judges.{i}")
        if member["school_id"] != cmd.school_id:
            raise InvalidInput(f"{member['name']} does not work at this school", field=f"judges.{i}")
    for i, entrant in enumerate(cmd.entrants):
        await canteen_worker_of(commands, entrant, f"entrants.{i}", school_id=cmd.school_id)
    return {}


async def entrant_names(
    commands: CampusCommands, cmd: ConcludeServingContest, ctx: CommandContext, at: Target
) -> Facts:
    """The entrants' names, for the results the staff appraisal keeps."""
    state: ContestState
    state, _ = await commands.bus.load(ServingContest, ServingContest.stream_id(at.entity_id))
    rows = await commands.pool.fetch(
        "SELECT staff_id, name FROM directory_staff WHERE staff_id = ANY($1::text[])", list(state.entrants)
    )
    return {NAMES_FACT: json.dumps({r["staff_id"]: r["name"] for r in rows}, ensure_ascii=False)}


COMMANDS.new(
    "serving",
    "/serving-contests",
    "Announce a serving-skill contest: its criteria, judges and entrants",
    AnnounceServingContest,
    ServingContest,
    id="contest_id",
    roles=MANAGERS,
    lookup=contest_people,
)
COMMANDS.existing(
    "serving",
    "/serving-contests/{contest_id}/scores",
    "Record a judge's sheet of an entrant (again: it replaces it)",
    ScoreServingContest,
    ServingContest,
    what="contest",
    roles=MANAGERS,
)
COMMANDS.existing(
    "serving",
    "/serving-contests/{contest_id}/conclude",
    "Conclude a serving-skill contest: the ranking from the sheets, and its prizes, for the staff appraisal",
    ConcludeServingContest,
    ServingContest,
    what="contest",
    roles=MANAGERS,
    lookup=entrant_names,
)
