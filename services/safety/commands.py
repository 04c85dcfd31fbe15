"""Every command of the safety service: which aggregate it goes to, where it belongs, who
may send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

The rows are grouped by area, in the order of the routers in ``services.safety.service``.
An endpoint that needs more than a row can say is a function registered with
``@COMMANDS.custom`` in its place among the rows, a comment above it saying why; it has no
docstring, as FastAPI would publish one as the operation's OpenAPI description."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import uuid4

import asyncpg

from services.campus.mirror import (
    class_tenant,
    staff_member,
    student_tenant,
    teachers_of_class,
    term_in_calendar,
    term_near,
)
from services.campus.scoped import CampusCommands, CampusCommandsDep, assignee_on_campus, campus_command_table
from services.eventkit.acts import act_instant
from services.eventkit.app import Context
from services.eventkit.auth import Principal, Role
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext, CommandResult
from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput, NotFound
from services.safety.agreements import (
    AgreementCampaign,
    CampaignState,
    IssueAgreements,
    IssueAgreementsTo,
    LaunchCampaign,
    RefuseAgreement,
    SignAgreement,
)
from services.safety.buses import (
    ChangeBusItem,
    RecordRouteCheck,
    RecordViolation,
    RectifyViolation,
    RegisterBus,
    SchoolBus,
)
from services.safety.cameras import (
    CameraArea,
    InstallCamera,
    MapCameraArea,
    RemoveCamera,
    RepairCamera,
    ReportCameraFault,
)
from services.safety.common import (
    DIRECTORS,
    FIXERS,
    INSPECTORS,
    MANAGERS,
    MEDICAL,
    REPORTERS,
    SESSION_STAFF,
    STAFF_ON_CAMPUS,
    TEACHERS_OF_CLASS,
    require_health_reader,
    term_facts,
)
from services.safety.drills import ConductDrill, Drill, PlanDrill, SummariseDrill
from services.safety.education import (
    CheckSession,
    DeliverSession,
    FlagCeremony,
    HoldFlagCeremony,
    MarkActivityDone,
    PlanSession,
    SafetyCampaign,
    SafetySession,
    SessionState,
    SummariseCampaign,
    ceremony_id,
)
from services.safety.education import LaunchCampaign as LaunchSafetyCampaign
from services.safety.events import IssuedAgreement, PartyKind
from services.safety.floor_duty import (
    MAY_RECORD_ANY,
    ON_DUTY,
    DutyTurn,
    FloorDutyRoster,
    RecordDutyCheckIn,
    RosterState,
    SetFloorDutyRoster,
    on_duty,
    roster_id,
    turn_id,
)
from services.safety.hazards import AssignHazard, EscalateHazard, Hazard, RectifyHazard, ReportHazard, VerifyHazard
from services.safety.health import (
    ADMISSION,
    CLASS_ID,
    TEACHERS,
    AcknowledgeSpecialCondition,
    HealthRecord,
    OpenHealthRecord,
    RecordSpecialCondition,
    ReviewHealthRecord,
)
from services.safety.injuries import CloseInjury, FollowUp, Injury, NotifyParent, ReportInjury
from services.safety.inspections import (
    CompleteInspection,
    Inspection,
    InspectionSchedule,
    RecordFinding,
    SetInspectionSchedule,
    SignOffInspection,
    StartInspection,
)
from services.safety.outreach import CountReach, ParentCommunication, RecordParentCommunication
from services.safety.student_watch import CLASS_ID as WATCH_CLASS_ID
from services.safety.student_watch import (
    CloseStudentWatch,
    NoteStudentWatch,
    OpenStudentWatch,
    ReviewStudentWatch,
    SetStudentWatchPlan,
    StudentWatch,
    StudentWatchState,
)

COMMANDS = campus_command_table("safety")


# -- the term of an act ----------------------------------------------------------------------


def _facts_of(term: asyncpg.Record | None) -> Facts:
    return {} if term is None else term_facts(term["term_id"], term["starts_on"], term["ends_on"])


async def term_around(safety: CampusCommands, school_id: str | None, day: date) -> Facts:
    """The term ``day`` falls in (else the nearest: the decider refuses the day by it)."""
    return _facts_of(await term_near(safety.pool, school_id or "", day))


def act_day(cmd: Any, ctx: CommandContext) -> date:
    """The school day of the act ``cmd`` records, as the command bus will date it."""
    return local_day(act_instant(cmd, ctx.occurred_at, ctx.acted_at))


async def term_of_act(safety: CampusCommands, cmd: Any, ctx: CommandContext, at: Target) -> Facts:
    """The term of the act's day: a drill held, a ceremony, a campaign's activity."""
    return await term_around(safety, at.tenant.school_id, act_day(cmd, ctx))


async def term_of_plan(
    safety: CampusCommands, cmd: PlanDrill | LaunchSafetyCampaign, ctx: CommandContext, at: Target
) -> Facts:
    """The term of the day something is planned for (a drill's day, a campaign's start)."""
    day = cmd.planned_on if isinstance(cmd, PlanDrill) else cmd.starts_on
    return await term_around(safety, at.tenant.school_id, day)


async def camera_area_named(safety: CampusCommands, area_id: str | None, tenant: TenantPath) -> Facts:
    """The camera area an injury or a hazard names is one mapped on its campus (422 if not)."""
    if area_id is not None:
        campus_id = await safety.pool.fetchval(
            "SELECT data->>'campus_id' FROM events WHERE stream_id = $1 AND version = 1", CameraArea.stream_id(area_id)
        )
        if campus_id is None or campus_id != tenant.campus_id:
            raise InvalidInput(f"camera area {area_id} is not mapped on this campus", field="camera_area_id")
    return {}


async def hazard_camera_area(safety: CampusCommands, cmd: ReportHazard, ctx: CommandContext, at: Target) -> Facts:
    """The camera area a hazard names is one of its campus's."""
    return await camera_area_named(safety, cmd.camera_area_id, at.tenant)


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


async def responsible_on_campus(safety: CampusCommands, staff_id: str, tenant: TenantPath) -> None:
    """The worker a finding is put down to works on the inspection's campus (422 if not)."""
    worker = await staff_member(safety.pool, staff_id, field="responsible_staff_id")
    if tenant.campus_id not in worker["campus_ids"]:
        raise InvalidInput(f"{worker['name']} does not work on this campus", field="responsible_staff_id")


# Custom: a problem found is also a hazard reported, two commands in one transaction.
@COMMANDS.custom(
    "inspections",
    "/inspections/{inspection_id}/findings",
    "Record a checklist finding; a problem raises a hazard at once",
)
async def record_finding(
    inspection_id: str, cmd: RecordFinding, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    tenant = await safety.tenant_of(Inspection, inspection_id, "inspection", principal=ctx.principal)
    if cmd.responsible_staff_id is not None:  # who may record it, then whether the worker is the campus's
        await safety.authorise(ctx.principal, tenant, INSPECTORS)
        await responsible_on_campus(safety, cmd.responsible_staff_id, tenant)
    hazard_id = cmd.hazard_id or f"hz-{uuid4().hex[:12]}"
    if cmd.ok:  # the finding alone (most of a walk): appended as any command is, in its own transaction
        return await safety.run(Inspection, inspection_id, cmd, ctx, tenant, INSPECTORS, facts={"hazard_id": hazard_id})
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
                at=act_instant(cmd, ctx.occurred_at, ctx.acted_at),  # when the problem was found
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


COMMANDS.new(
    "hazards",
    "/hazards",
    "Report a hazard (any staff member of the campus)",
    ReportHazard,
    Hazard,
    id="hazard_id",
    roles=STAFF_ON_CAMPUS,
    lookup=hazard_camera_area,
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


# -- agreements ------------------------------------------------------------------------------


async def term_of_campaign(safety: CampusCommands, cmd: LaunchCampaign, ctx: CommandContext, at: Target) -> Facts:
    """A campaign is for a term of the calendar of its campus's school: its acts fall in it."""
    term = await term_in_calendar(safety.pool, at.tenant.school_id or "", cmd.term_id)
    if term is None:
        raise InvalidInput(f"term {cmd.term_id} is not in the calendar of the campus's school", field="term_id")
    return _facts_of(term)


async def campaign_term(safety: CampusCommands, campaign_id: str, tenant: TenantPath) -> Facts:
    """The term of a launched campaign (the term its first event names)."""
    term_id = await safety.pool.fetchval(
        "SELECT data->>'term_id' FROM events WHERE stream_id = $1 AND version = 1",
        AgreementCampaign.stream_id(campaign_id),
    )
    if term_id is None:
        return {}
    return _facts_of(await term_in_calendar(safety.pool, tenant.school_id or "", term_id))


COMMANDS.new(
    "agreements",
    "/agreement-campaigns",
    "Launch a campaign of safety agreements for a campus and term",
    LaunchCampaign,
    AgreementCampaign,
    id="campaign_id",
    roles=MANAGERS,
    lookup=term_of_campaign,
)


async def parties_on_campus(safety: CampusCommands, campus_id: str, kinds: set[PartyKind]) -> list[IssuedAgreement]:
    """Who the directory lists on the campus now: its active staff, and the parents of its active students."""
    parties: list[IssuedAgreement] = []
    if PartyKind.STAFF in kinds:
        rows = await safety.pool.fetch(
            "SELECT staff_id, name FROM directory_staff WHERE active AND $1 = ANY(campus_ids) ORDER BY staff_id",
            campus_id,
        )
        parties += [IssuedAgreement(party_kind=PartyKind.STAFF, party_id=r["staff_id"], name=r["name"]) for r in rows]
    if PartyKind.PARENT in kinds:
        rows = await safety.pool.fetch(
            "SELECT ps.parent_id, coalesce(min(p.name), '') AS name, min(s.class_id) AS class_id "
            "FROM directory_parent_students ps JOIN directory_students s USING (student_id) "
            "LEFT JOIN directory_parents p USING (parent_id) "
            "WHERE s.active AND s.campus_id = $1 GROUP BY ps.parent_id ORDER BY ps.parent_id",
            campus_id,
        )
        parties += [
            IssuedAgreement(
                party_kind=PartyKind.PARENT, party_id=r["parent_id"], name=r["name"], class_id=r["class_id"]
            )
            for r in rows
        ]
    return parties


# Custom: the decider is handed another command (IssueAgreementsTo) carrying the parties the
# directory lists, a list that the facts of a row (strings) cannot carry.
@COMMANDS.custom(
    "agreements",
    "/agreement-campaigns/{campaign_id}/issue",
    "Issue the agreement to every staff member and parent of the campus who has none yet",
)
async def issue_agreements(
    campaign_id: str, cmd: IssueAgreements, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    tenant = await safety.tenant_of(AgreementCampaign, campaign_id, "agreement campaign", principal=ctx.principal)
    ctx.principal.require(tenant, *MANAGERS)
    kinds = set(cmd.parties) if cmd.parties is not None else set(PartyKind)
    candidates = await parties_on_campus(safety, tenant.campus_id or "", kinds)
    resolved = IssueAgreementsTo(
        expected_version=cmd.expected_version, parties=cmd.parties, candidates=candidates, at=cmd.at
    )
    facts = await campaign_term(safety, campaign_id, tenant)
    return await safety.run(AgreementCampaign, campaign_id, resolved, ctx, tenant, MANAGERS, facts=facts)


async def for_party(
    safety: CampusCommands,
    ctx: CommandContext,
    tenant: TenantPath,
    campaign_id: str,
    party_id: str,
    *,
    on_paper: bool,
) -> None:
    """A party acts for themselves; a manager of the campus records for anyone from a paper copy.

    A parent is not scoped to a campus: being an issued party of the campaign is their scope.
    """
    principal = ctx.principal
    if not await safety.covers(principal, tenant):  # outside the scope, only an issued party sees it
        state: CampaignState
        state, _ = await safety.bus.load(AgreementCampaign, AgreementCampaign.stream_id(campaign_id))
        if principal.subject not in state.issued:  # a campaign of another campus: as if there were none
            raise NotFound(f"agreement campaign {campaign_id} does not exist")
    if principal.subject == party_id:
        return
    principal.require(tenant, *MANAGERS)
    if not on_paper:
        raise Forbidden("only the party signs their own agreement; a manager records a paper copy with on_paper")


# Custom (sign and refuse): who may act depends on the party named and on the campaign's
# state (the party themselves, a parent being one only by an issued agreement), not on roles.
@COMMANDS.custom(
    "agreements", "/agreement-campaigns/{campaign_id}/sign", "Sign one's own agreement (or record a paper one)"
)
async def sign_agreement(
    campaign_id: str, cmd: SignAgreement, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    tenant = await safety.tenant_of(AgreementCampaign, campaign_id, "agreement campaign")
    await for_party(safety, ctx, tenant, campaign_id, cmd.party_id, on_paper=cmd.on_paper)
    rc = Resolved(cmd, tenant, campaign_id, await campaign_term(safety, campaign_id, tenant))
    return await safety.bus.execute(AgreementCampaign, campaign_id, rc, ctx, tenant)


@COMMANDS.custom("agreements", "/agreement-campaigns/{campaign_id}/refuse", "Refuse one's agreement, saying why")
async def refuse_agreement(
    campaign_id: str, cmd: RefuseAgreement, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    tenant = await safety.tenant_of(AgreementCampaign, campaign_id, "agreement campaign")
    await for_party(safety, ctx, tenant, campaign_id, cmd.party_id, on_paper=True)
    rc = Resolved(cmd, tenant, campaign_id, await campaign_term(safety, campaign_id, tenant))
    return await safety.bus.execute(AgreementCampaign, campaign_id, rc, ctx, tenant)


# -- health records --------------------------------------------------------------------------
# Every command here is custom: a record follows its student, so it belongs where the student
# is now (the directory's mirror), not where its stream began, and the record is opened where
# the student is, with facts (class, admission) from the same row of the mirror.


@COMMANDS.custom("health records", "/health-records", "Open a student's health record (the medical room)")
async def open_health_record(cmd: OpenHealthRecord, ctx: Context, safety: CampusCommandsDep) -> CommandResult:
    student, tenant = await student_tenant(safety.pool, cmd.student_id)
    facts = {CLASS_ID: student["class_id"], ADMISSION: student["admission"]}
    return await safety.run(HealthRecord, cmd.student_id, cmd, ctx, tenant, MEDICAL, facts=facts)


async def record_of(safety: CampusCommands, student_id: str, principal: Principal) -> tuple[TenantPath, str | None]:
    """Where a student's record belongs now (the student's current campus) and their class, or a 404
    (also outside the principal's scope)."""
    what = "health record of student"
    tenant = await safety.tenant_of(HealthRecord, student_id, what)
    row = await safety.pool.fetchrow(
        "SELECT class_id, campus_id, school_id, district_id FROM directory_students WHERE student_id = $1",
        student_id,
    )
    now = tenant
    if row is not None:
        now = TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])
    if not await safety.covers(principal, now):
        raise NotFound(f"{what} {student_id} does not exist")
    return now, None if row is None else row["class_id"]


@COMMANDS.custom(
    "health records", "/health-records/{student_id}/review", "Review a health record's form (the medical room)"
)
async def review_health_record(
    student_id: str, cmd: ReviewHealthRecord, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    ctx.principal.require_role(*MEDICAL)  # before any record is read
    tenant, _ = await record_of(safety, student_id, ctx.principal)
    return await safety.run(HealthRecord, student_id, cmd, ctx, tenant, MEDICAL)


@COMMANDS.custom(
    "health records",
    "/health-records/{student_id}/special-conditions",
    "File a special condition (特殊体质): the teachers of the student's class are told at once",
)
async def record_special_condition(
    student_id: str, cmd: RecordSpecialCondition, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    ctx.principal.require_role(*MEDICAL)  # before any record is read
    tenant, class_id = await record_of(safety, student_id, ctx.principal)
    facts: dict[str, str] = {}
    if class_id is not None:
        facts = {CLASS_ID: class_id, TEACHERS: ",".join(await teachers_of_class(safety.pool, class_id))}
    return await safety.run(HealthRecord, student_id, cmd, ctx, tenant, MEDICAL, facts=facts)


@COMMANDS.custom(
    "health records",
    "/health-records/{student_id}/acknowledge",
    "A teacher of the class acknowledges a special condition",
)
async def acknowledge_special_condition(
    student_id: str, cmd: AcknowledgeSpecialCondition, ctx: Context, safety: CampusCommandsDep
) -> CommandResult:
    ctx.principal.require_role(*TEACHERS_OF_CLASS)
    await require_health_reader(safety.pool, ctx.principal, student_id)  # before the record is read
    tenant, _ = await record_of(safety, student_id, ctx.principal)
    return await safety.run(HealthRecord, student_id, cmd, ctx, tenant, TEACHERS_OF_CLASS)


# -- school buses ----------------------------------------------------------------------------

COMMANDS.new(
    "school buses",
    "/buses",
    "Register a school bus with its six fixed items (一车一档)",
    RegisterBus,
    SchoolBus,
    id="bus_id",
    roles=MANAGERS,
)
COMMANDS.existing(
    "school buses",
    "/buses/{bus_id}/items",
    "Change one of a bus's six fixed items, with the reason",
    ChangeBusItem,
    SchoolBus,
    what="bus",
    roles=MANAGERS,
)
COMMANDS.existing(
    "school buses",
    "/buses/{bus_id}/route-checks",
    "Record a check of the route's signs, boards, guardrails, humps",
    RecordRouteCheck,
    SchoolBus,
    what="bus",
    roles=MANAGERS,
    name="record_bus_route_check",
)
COMMANDS.existing(
    "school buses",
    "/buses/{bus_id}/violations",
    "Record a traffic violation of the bus",
    RecordViolation,
    SchoolBus,
    what="bus",
    roles=MANAGERS,
    name="record_bus_violation",
)
COMMANDS.existing(
    "school buses",
    "/buses/{bus_id}/violations/rectify",
    "Record how an open violation was rectified",
    RectifyViolation,
    SchoolBus,
    what="bus",
    roles=MANAGERS,
    name="rectify_bus_violation",
)


# -- drills ----------------------------------------------------------------------------------

COMMANDS.new(
    "drills",
    "/drills",
    "Plan a drill, with its plan document (方案)",
    PlanDrill,
    Drill,
    id="drill_id",
    roles=MANAGERS,
    lookup=term_of_plan,
)
COMMANDS.existing(
    "drills",
    "/drills/{drill_id}/conduct",
    "Record that a planned drill took place",
    ConductDrill,
    Drill,
    what="drill",
    roles=MANAGERS,
    lookup=term_of_act,
)
COMMANDS.existing(
    "drills",
    "/drills/{drill_id}/summarise",
    "Summarise a conducted drill, with its write-up",
    SummariseDrill,
    Drill,
    what="drill",
    roles=MANAGERS,
)


# -- safety education ------------------------------------------------------------------------


async def class_of_session(safety: CampusCommands, cmd: PlanSession) -> TenantPath:
    """A session belongs to the campus of its class (422 if the directory does not know the class)."""
    return await class_tenant(safety.pool, cmd.class_id)


async def teacher_of_class(safety: CampusCommands, principal: Principal, tenant: TenantPath, class_id: str) -> None:
    """A manager of the campus, or a teacher of the class (403 otherwise); the roles are checked already."""
    if principal.holds(tenant, *MANAGERS):
        return
    if principal.subject not in await teachers_of_class(safety.pool, class_id):
        raise Forbidden(f"{principal.subject} does not teach class {class_id}")


async def planner_and_teacher(safety: CampusCommands, cmd: PlanSession, ctx: CommandContext, at: Target) -> Facts:
    """Whoever plans a session teaches its class (or manages the campus), and so does the teacher
    named; the facts are the term of its Friday."""
    await teacher_of_class(safety, ctx.principal, at.tenant, cmd.class_id)
    if cmd.teacher_id is not None and cmd.teacher_id not in await teachers_of_class(safety.pool, cmd.class_id):
        raise InvalidInput(f"{cmd.teacher_id} does not teach class {cmd.class_id}", field="teacher_id")
    return await term_around(safety, at.tenant.school_id, cmd.week_of)


async def deliverer(safety: CampusCommands, cmd: DeliverSession, ctx: CommandContext, at: Target) -> Facts:
    """Whoever records a session given teaches its class (or manages the campus); the facts are
    the term of the day it was given."""
    state: SessionState
    state, _ = await safety.bus.load(SafetySession, SafetySession.stream_id(at.entity_id))
    await teacher_of_class(safety, ctx.principal, at.tenant, state.class_id)
    return await term_of_act(safety, cmd, ctx, at)


async def delivered_by(safety: CampusCommands, cmd: CheckSession, ctx: CommandContext, at: Target) -> Facts:
    """Who delivered the session (a manager does not check their own)."""
    actor = await safety.pool.fetchval(
        "SELECT actor FROM events WHERE stream_id = $1 AND type = 'safety.SafetySessionDelivered' "
        "ORDER BY version LIMIT 1",
        SafetySession.stream_id(at.entity_id),
    )
    return {"delivered_by": actor} if actor else {}


def ceremony_of(cmd: HoldFlagCeremony) -> str:
    """A campus holds one flag ceremony a month: the month is in its id."""
    return ceremony_id(cmd.campus_id, cmd.on)


COMMANDS.new(
    "safety education",
    "/safety-sessions",
    "Plan a class's Friday safety session, with its lesson prep",
    PlanSession,
    SafetySession,
    id="session_id",
    roles=SESSION_STAFF,
    tenant=class_of_session,
    lookup=planner_and_teacher,
    name="plan_safety_session",
)
COMMANDS.existing(
    "safety education",
    "/safety-sessions/{session_id}/deliver",
    "Record that a session was given (its class's teacher)",
    DeliverSession,
    SafetySession,
    what="safety session",
    roles=SESSION_STAFF,
    lookup=deliverer,
    name="deliver_safety_session",
)
COMMANDS.existing(
    "safety education",
    "/safety-sessions/{session_id}/check",
    "A manager checks a delivered session",
    CheckSession,
    SafetySession,
    what="safety session",
    roles=MANAGERS,
    lookup=delivered_by,
    name="check_safety_session",
)
COMMANDS.new(
    "safety education",
    "/flag-ceremonies",
    "Record the campus's safety flag ceremony of the month (one a month)",
    HoldFlagCeremony,
    FlagCeremony,
    id=ceremony_of,
    roles=MANAGERS,
    lookup=term_of_act,
)
COMMANDS.new(
    "safety education",
    "/safety-campaigns",
    "Launch a safety campaign with its activities (e.g. 六个一)",
    LaunchSafetyCampaign,
    SafetyCampaign,
    id="campaign_id",
    roles=MANAGERS,
    lookup=term_of_plan,
    name="launch_safety_campaign",
)
COMMANDS.existing(
    "safety education",
    "/safety-campaigns/{campaign_id}/activities",
    "Mark one of a campaign's activities done",
    MarkActivityDone,
    SafetyCampaign,
    what="campaign",
    roles=MANAGERS,
    lookup=term_of_act,
    name="mark_campaign_activity_done",
)
COMMANDS.existing(
    "safety education",
    "/safety-campaigns/{campaign_id}/summarise",
    "Summarise a campaign whose activities are done",
    SummariseCampaign,
    SafetyCampaign,
    what="campaign",
    roles=MANAGERS,
    name="summarise_safety_campaign",
)


# -- injuries --------------------------------------------------------------------------------


# Custom: an injury belongs where its student is (422 if not enrolled), with the class from the
# same row of the mirror as a fact; a row would read the student twice.
@COMMANDS.custom("injuries", "/injuries", "Report a student's injury (teachers, managers, the school doctor)")
async def report_injury(cmd: ReportInjury, ctx: Context, safety: CampusCommandsDep) -> CommandResult:
    student, tenant = await student_tenant(safety.pool, cmd.student_id)
    facts = {"class_id": student["class_id"]}
    await camera_area_named(safety, cmd.camera_area_id, tenant)
    return await safety.run(Injury, cmd.injury_id, cmd, ctx, tenant, REPORTERS, facts=facts)


COMMANDS.existing(
    "injuries",
    "/injuries/{injury_id}/notify-parent",
    "Record that the student's parents were told",
    NotifyParent,
    Injury,
    what="injury",
    roles=REPORTERS,
    name="notify_parent_of_injury",
)
COMMANDS.existing(
    "injuries",
    "/injuries/{injury_id}/follow-ups",
    "Record a follow-up of an injury",
    FollowUp,
    Injury,
    what="injury",
    roles=REPORTERS,
    name="follow_up_injury",
)
COMMANDS.existing(
    "injuries",
    "/injuries/{injury_id}/close",
    "Close an injury with its cause and the measures taken",
    CloseInjury,
    Injury,
    what="injury",
    roles=MANAGERS,
)


# -- student watches and floor duty (watch duty) -------------------------------------------------
# A watch on a student at risk (重点关注学生) is kept by the safety office with the class's
# teachers; break-time floor duty (楼层值日) is rostered by the office and checked per turn.

WATCH_KEEPERS = (*MANAGERS, *TEACHERS_OF_CLASS)  # a watch's plan and notes: the office or the class's teachers
DUTY_RECORDERS = (*MANAGERS, Role.VICE_PRINCIPAL)  # who records any teacher's duty turn (a patrol)


# Custom: a watch belongs where its student is (422 if not enrolled), with the class from the
# same row of the mirror as a fact, and the class teacher named must teach that class.
@COMMANDS.custom(
    "student watches", "/student-watches", "Open a watch on a student at risk, with the class teacher (the office)"
)
async def open_student_watch(cmd: OpenStudentWatch, ctx: Context, safety: CampusCommandsDep) -> CommandResult:
    student, tenant = await student_tenant(safety.pool, cmd.student_id)
    await safety.authorise(ctx.principal, tenant, MANAGERS)
    if cmd.class_teacher_id not in await teachers_of_class(safety.pool, student["class_id"]):
        raise InvalidInput(
            f"{cmd.class_teacher_id} does not teach class {student['class_id']}", field="class_teacher_id"
        )
    facts = {WATCH_CLASS_ID: student["class_id"]}
    return await safety.run(StudentWatch, cmd.watch_id, cmd, ctx, tenant, MANAGERS, facts=facts)


async def watch_keeper(safety: CampusCommands, cmd: Any, ctx: CommandContext, at: Target) -> Facts:
    """A manager of the campus, or a teacher of the watched student's class (403 otherwise)."""
    state: StudentWatchState
    state, _ = await safety.bus.load(StudentWatch, StudentWatch.stream_id(at.entity_id))
    await teacher_of_class(safety, ctx.principal, at.tenant, state.class_id)
    return {}


COMMANDS.existing(
    "student watches",
    "/student-watches/{watch_id}/plan",
    "Set a watch's plan: parent contacts, accompanied study, subject teachers, moral education",
    SetStudentWatchPlan,
    StudentWatch,
    what="student watch",
    roles=WATCH_KEEPERS,
    lookup=watch_keeper,
)
COMMANDS.existing(
    "student watches",
    "/student-watches/{watch_id}/notes",
    "Add a dated note to a watch (the office or the class's teachers)",
    NoteStudentWatch,
    StudentWatch,
    what="student watch",
    roles=WATCH_KEEPERS,
    lookup=watch_keeper,
)
COMMANDS.existing(
    "student watches",
    "/student-watches/{watch_id}/review",
    "Review a watch: its outcome so far (the office)",
    ReviewStudentWatch,
    StudentWatch,
    what="student watch",
    roles=MANAGERS,
)
COMMANDS.existing(
    "student watches",
    "/student-watches/{watch_id}/close",
    "Close a reviewed watch (the office)",
    CloseStudentWatch,
    StudentWatch,
    what="student watch",
    roles=MANAGERS,
)


def roster_of(cmd: SetFloorDutyRoster) -> str:
    """A campus has one floor duty roster a term, set again when it changes."""
    return roster_id(cmd.campus_id, cmd.term_id)


async def roster_term_and_teachers(
    safety: CampusCommands, cmd: SetFloorDutyRoster, ctx: CommandContext, at: Target
) -> Facts:
    """The roster's term is in the calendar of the campus's school (422), and every teacher on it
    works on the campus (422 naming the slots)."""
    term = await term_in_calendar(safety.pool, at.tenant.school_id or "", cmd.term_id)
    if term is None:
        raise InvalidInput(f"term {cmd.term_id} is not in the calendar of the campus's school", field="term_id")
    teachers = sorted({s.teacher_id for s in cmd.slots})
    rows = await safety.pool.fetch(
        "SELECT staff_id FROM directory_staff WHERE staff_id = ANY($1::text[]) AND active AND $2 = ANY(campus_ids)",
        teachers,
        at.tenant.campus_id,
    )
    missing = set(teachers) - {r["staff_id"] for r in rows}
    if missing:
        raise InvalidInput(f"not on the staff of the campus: {', '.join(sorted(missing))}", field="slots")
    return _facts_of(term)


COMMANDS.new(
    "floor duty",
    "/floor-duty/rosters",
    "Set a campus's break-time floor duty roster (楼层值日) for a term, in force from a day",
    SetFloorDutyRoster,
    FloorDutyRoster,
    id=roster_of,
    roles=MANAGERS,
    lookup=roster_term_and_teachers,
)


# Custom: the turn's id is made of its campus, day, floor and break, and the teacher on duty is
# read from the roster in force that day (another stream), as a fact.
@COMMANDS.custom(
    "floor duty",
    "/floor-duty/check-ins",
    "Check a duty turn: on time, late (with the time) or missed (the teacher on duty, or a patrol)",
)
async def record_duty_check_in(cmd: RecordDutyCheckIn, ctx: Context, safety: CampusCommandsDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    await safety.authorise(ctx.principal, tenant, (*DUTY_RECORDERS, *TEACHERS_OF_CLASS))
    term = await term_near(safety.pool, tenant.school_id or "", cmd.on)
    teacher = None
    if term is not None:
        roster: RosterState
        stream = FloorDutyRoster.stream_id(roster_id(cmd.campus_id, term["term_id"]))
        roster, _ = await safety.bus.load(FloorDutyRoster, stream)
        teacher = on_duty(roster, cmd.on, cmd.building, cmd.floor, cmd.break_period)
    facts = {ON_DUTY: teacher or "", MAY_RECORD_ANY: "1" if ctx.principal.holds(tenant, *DUTY_RECORDERS) else ""}
    turn = turn_id(cmd.campus_id, cmd.on, cmd.building, cmd.floor, cmd.break_period)
    return await safety.run(DutyTurn, turn, cmd, ctx, tenant, (*DUTY_RECORDERS, *TEACHERS_OF_CLASS), facts=facts)


# -- camera coverage -------------------------------------------------------------------------

COMMANDS.new(
    "camera coverage",
    "/camera-areas",
    "Map an area of a campus whose camera coverage is kept (a place of a building or the grounds)",
    MapCameraArea,
    CameraArea,
    id="area_id",
    roles=MANAGERS,
)
COMMANDS.existing(
    "camera coverage",
    "/camera-areas/{area_id}/cameras/install",
    "Record a camera installed in the area",
    InstallCamera,
    CameraArea,
    what="camera area",
    roles=MANAGERS,
)
COMMANDS.existing(
    "camera coverage",
    "/camera-areas/{area_id}/cameras/remove",
    "Record a camera removed from the area (moved elsewhere, taken down)",
    RemoveCamera,
    CameraArea,
    what="camera area",
    roles=MANAGERS,
)
COMMANDS.existing(
    "camera coverage",
    "/camera-areas/{area_id}/cameras/out-of-order",
    "Report a camera of the area out of order (any staff member of the campus)",
    ReportCameraFault,
    CameraArea,
    what="camera area",
    roles=STAFF_ON_CAMPUS,
    name="report_camera_out_of_order",
)
COMMANDS.existing(
    "camera coverage",
    "/camera-areas/{area_id}/cameras/repair",
    "Record an out-of-order camera repaired",
    RepairCamera,
    CameraArea,
    what="camera area",
    roles=FIXERS,
)


# -- parent communications for safety education ----------------------------------------------

COMMANDS.new(
    "parent communications",
    "/parent-communications",
    "Record a letter to parents, an expert talk or a WeChat post on safety themes, with its reach",
    RecordParentCommunication,
    ParentCommunication,
    id="communication_id",
    roles=MANAGERS,
    lookup=term_of_act,
)
COMMANDS.existing(
    "parent communications",
    "/parent-communications/{communication_id}/reach",
    "Count a communication's reach again (more families reached or acknowledging)",
    CountReach,
    ParentCommunication,
    what="parent communication",
    roles=MANAGERS,
    name="count_parent_communication_reach",
)
