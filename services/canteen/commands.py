"""Every command of the canteen: which aggregate it goes to, where it belongs, who may send
it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

One section per area, in the order of the service's tags."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.campus.scoped import CampusCommands, campus_command_table
from services.canteen.common import DISTRICT, KITCHEN
from services.canteen.rules import CanteenRules, Rules, RulesState, SetCanteenRules, rules_fact
from services.canteen.self_inspection import RecordSelfInspection, SelfInspection, self_inspection_id
from services.eventkit.command_table import Facts
from services.canteen.deliveries import (
    MAY_OVERRIDE,
    AcceptDeliveryLine,
    Delivery,
    DeliveryState,
    InspectDeliveryLine,
    ReceiveDelivery,
    RecordPesticideTest,
    RejectDeliveryLine,
    SignDeliveryAcceptance,
)
from services.canteen.rules import CanteenRules, Rules, RulesState, SetCanteenRules, rules_fact
from services.eventkit.auth import Role
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext
from services.eventkit.days import local_day, school_today
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


# -- self-inspections: the daily control, the weekly sweep, the monthly review -------------------


def _self_inspection_of(cmd: RecordSelfInspection) -> str:
    """The inspection's id: its campus, cadence and the period its act falls in (today if undated)."""
    return self_inspection_id(cmd.campus_id, cmd.cadence, local_day(cmd.at) if cmd.at else school_today())


COMMANDS.new(
    "self-inspections",
    "/self-inspections",
    "Record a self-inspection (daily control, weekly sweep, monthly review); its hazards go to safety",
    RecordSelfInspection,
    SelfInspection,
    id=_self_inspection_of,
# -- deliveries 进货查验 and pesticide quick tests 农残快检 ------------------------------------


async def inspector_on_campus(commands: CampusCommands, cmd: Any, ctx: CommandContext, at: Target) -> Facts:
    """Whoever weighs a line is a member of staff working on the delivery's campus."""
    staff = await commands.pool.fetchrow(
        "SELECT campus_ids FROM directory_staff WHERE staff_id = $1 AND active", ctx.principal.subject
    )
    if staff is None or at.tenant.campus_id not in staff["campus_ids"]:
        raise Forbidden(f"{ctx.principal.subject} is not on the staff of campus {at.tenant.campus_id}")
    return {}


async def acceptance_facts(commands: CampusCommands, cmd: Any, ctx: CommandContext, at: Target) -> Facts:
    """The district's rules in force on the delivery's day (its weight tolerance), and whether the
    sender may accept a line by override (a logistics manager of the campus)."""
    state: DeliveryState
    state, _ = await commands.bus.load(Delivery, Delivery.stream_id(at.entity_id))
    day = local_day(state.received_at) if state.received_at is not None else school_today()
    facts = await rules_facts(commands, at.tenant, day)
    may_override = ctx.principal.holds(at.tenant, Role.LOGISTICS_MANAGER)
    return facts | {MAY_OVERRIDE: "true" if may_override else "false"}


COMMANDS.new(
    "deliveries",
    "/deliveries",
    "Receive a supplier's delivery, with its certificates and lines",
    ReceiveDelivery,
    Delivery,
    id="delivery_id",
    roles=KITCHEN,
)
COMMANDS.existing(
    "deliveries",
    "/deliveries/{delivery_id}/inspections",
    "Weigh a line of a delivery (and take its temperature if chilled)",
    InspectDeliveryLine,
    Delivery,
    what="delivery",
    roles=KITCHEN,
    lookup=inspector_on_campus,
)
COMMANDS.existing(
    "deliveries",
    "/deliveries/{delivery_id}/pesticide-tests",
    "Record a pesticide quick test of a leafy vegetable or beans line (a failed lot is rejected)",
    RecordPesticideTest,
    Delivery,
    what="delivery",
    roles=KITCHEN,
)
COMMANDS.existing(
    "deliveries",
    "/deliveries/{delivery_id}/accept",
    "Accept a weighed line (by override, a logistics manager, despite expired certificates or a short weight)",
    AcceptDeliveryLine,
    Delivery,
    what="delivery",
    roles=KITCHEN,
    lookup=acceptance_facts,
)
COMMANDS.existing(
    "deliveries",
    "/deliveries/{delivery_id}/reject",
    "Reject a line of a delivery, saying why",
    RejectDeliveryLine,
    Delivery,
    what="delivery",
    roles=KITCHEN,
)
COMMANDS.existing(
    "deliveries",
    "/deliveries/{delivery_id}/sign",
    "Sign a delivery's acceptance (every line decided, weighed by two different staff)",
    SignDeliveryAcceptance,
    Delivery,
    what="delivery",
    roles=KITCHEN,
)
