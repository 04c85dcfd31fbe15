"""Every command of the safety service: which aggregate it goes to, where it belongs, who
may send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

The rows are grouped by area, in the order of the routers in ``services.safety.service``;
an endpoint that needs more than a row says is a function registered with
``@COMMANDS.custom``, in its place among the rows."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from services.campus.mirror import staff_member
from services.campus.scoped import CampusCommands, CampusCommandsDep, campus_command_table
from services.eventkit.app import Context
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext, CommandResult
from services.eventkit.errors import InvalidInput
from services.safety.common import DIRECTORS, FIXERS, INSPECTORS, MANAGERS, STAFF_ON_CAMPUS
from services.safety.hazards import AssignHazard, EscalateHazard, Hazard, RectifyHazard, ReportHazard, VerifyHazard
from services.safety.inspections import (
    CompleteInspection,
    Inspection,
    InspectionSchedule,
    RecordFinding,
    SetInspectionSchedule,
    SignOffInspection,
    StartInspection,
)

COMMANDS = campus_command_table("safety")


# -- inspections -----------------------------------------------------------------------------

COMMANDS.new(
    "inspections",
    "/inspections",
    "Start an inspection of a campus (patrol, monthly, special, fire)",
    StartInspection,
    Inspection,
    id="inspection_id",
    roles=INSPECTORS,
)


# Custom: a problem found is also a hazard reported, two commands in one transaction.
# (No docstrings on custom endpoints: FastAPI would publish them as OpenAPI descriptions.)
@COMMANDS.custom(
    "inspections",
    "/inspections/{inspection_id}/findings",
    "Record a checklist finding; a problem raises a hazard at once",
)
async def record_finding(
    inspection_id: str, cmd: RecordFinding, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    tenant = await safety.tenant_of(Inspection, inspection_id, "inspection")
    hazard_id = cmd.hazard_id or f"hz-{uuid4().hex[:12]}"
    async with safety.pool.acquire() as conn, conn.transaction():
        result = await safety.run(
            Inspection, inspection_id, cmd, ctx, tenant, INSPECTORS, facts={"hazard_id": hazard_id}, conn=conn
        )
        if not cmd.ok and not result.duplicate:
            hazard = ReportHazard(
                hazard_id=hazard_id,
                campus_id=tenant.campus_id or "",
                area=cmd.area,
                description=f"{cmd.item}: {cmd.note}" if cmd.note else cmd.item,
                severity=cmd.severity,  # type: ignore[arg-type]  # the decider required it
                reported_at=ctx.occurred_at,
            )
            # the same transaction: the finding and its hazard commit together
            await safety.run(
                Hazard,
                hazard_id,
                hazard,
                replace(ctx, command_id=None, expected_version=None),
                tenant,
                INSPECTORS,
                facts={"inspection_id": inspection_id},
                conn=conn,
            )
    return result


COMMANDS.existing(
    "inspections",
    "/inspections/{inspection_id}/sign-off",
    "A director signs the inspection off",
    SignOffInspection,
    Inspection,
    what="inspection",
    roles=DIRECTORS,
)
COMMANDS.existing(
    "inspections",
    "/inspections/{inspection_id}/complete",
    "Complete an inspection",
    CompleteInspection,
    Inspection,
    what="inspection",
    roles=INSPECTORS,
)


# Custom: the campus in the path is both where the schedule belongs (422 if the directory does
# not know it) and the schedule's id; a row's new entity belongs to a campus named in its body.
@COMMANDS.custom(
    "inspections", "/campuses/{campus_id}/inspection-schedule", "Set how often a kind of inspection is due"
)
async def set_inspection_schedule(
    campus_id: str, cmd: SetInspectionSchedule, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    tenant = await safety.campus(campus_id)
    return await safety.run(InspectionSchedule, campus_id, cmd, ctx, tenant, MANAGERS)


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
