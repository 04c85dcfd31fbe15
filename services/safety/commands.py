"""Every command of the safety service: which aggregate it goes to, where it belongs, who
may send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row."""

from __future__ import annotations

from services.campus.mirror import staff_member
from services.campus.scoped import CampusCommands, campus_command_table
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext
from services.eventkit.errors import InvalidInput
from services.safety.common import FIXERS, MANAGERS, STAFF_ON_CAMPUS
from services.safety.hazards import AssignHazard, EscalateHazard, Hazard, RectifyHazard, ReportHazard, VerifyHazard

COMMANDS = campus_command_table("safety")


# -- hazards ---------------------------------------------------------------------------------


async def assignee_on_campus(safety: CampusCommands, cmd: AssignHazard, ctx: CommandContext, at: Target) -> Facts:
    """Whoever fixes a hazard in-house works on its campus."""
    assignee = await staff_member(safety.pool, cmd.assignee_id, field="assignee_id")
    if at.tenant.campus_id not in assignee["campus_ids"]:
        raise InvalidInput(f"{assignee['name']} does not work on this campus", field="assignee_id")
    return {}


COMMANDS.new(
    "hazards",
    "/hazards",
    "Report a hazard (any staff member of the campus)",
    ReportHazard,
    Hazard,
    id="hazard_id",
    roles=STAFF_ON_CAMPUS,
)
COMMANDS.existing(
    "hazards",
    "/hazards/{hazard_id}/assign",
    "Assign a hazard in-house: asks the inventory for a repair",
    AssignHazard,
    Hazard,
    what="hazard",
    roles=MANAGERS,
    lookup=assignee_on_campus,
)
COMMANDS.existing(
    "hazards",
    "/hazards/{hazard_id}/escalate",
    "Escalate a hazard to an outside authority",
    EscalateHazard,
    Hazard,
    what="hazard",
    roles=MANAGERS,
)
COMMANDS.existing(
    "hazards",
    "/hazards/{hazard_id}/rectify",
    "Record that a hazard was fixed (by the caller)",
    RectifyHazard,
    Hazard,
    what="hazard",
    roles=FIXERS,
)
COMMANDS.existing(
    "hazards",
    "/hazards/{hazard_id}/verify",
    "Verify a fix: closes the hazard, or reopens it",
    VerifyHazard,
    Hazard,
    what="hazard",
    roles=MANAGERS,
)
