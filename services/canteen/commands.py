"""Every command of the canteen: which aggregate it goes to, where it belongs, who may send
it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

One section per area, in the order of the service's tags."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from services.campus.mirror import staff_member, term_in_calendar
from services.campus.scoped import CampusCommands, CampusCommandsDep, campus_command_table, school_in_body
from services.canteen.accompanied import DINER_NAME, AccompaniedMeal, RecordAccompaniedMeal, accompanied_id
from services.canteen.committee import (
    AddCommitteeMember,
    CommitteeMemberLine,
    CommitteeState,
    FormMealCommittee,
    MealCommittee,
    RecordCommitteeMeeting,
    RemoveCommitteeMember,
    committee_id,
    term_facts,
)
from services.canteen.common import DISTRICT, KITCHEN, LEADERS, MANAGERS, meal_id, monday_of
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
from services.canteen.events import UnitKind
from services.canteen.queries.visits import delivery_on_campus, parent_on_campus, visit_in_week
from services.canteen.rules import CanteenRules, Rules, RulesState, SetCanteenRules, rules_fact
from services.canteen.samples import (
    MEAL_CHECKERS,
    SAMPLE_HOLDERS,
    SAMPLED_FACT,
    STOOD_DOWN_FACT,
    CheckMealSamples,
    DisposeSample,
    HoldSample,
    LiftHold,
    MealService,
    MealState,
    RecordMealServed,
    RetainSample,
    Sample,
)
from services.canteen.self_inspection import RecordSelfInspection, SelfInspection, self_inspection_id
from services.canteen.staff_health import (
    CERTIFICATE_KEEPERS,
    CHECKERS,
    CanteenWorker,
    ClearWorker,
    RecordHealthCertificate,
    RecordMorningCheck,
    WorkerState,
)
from services.canteen.survey import CloseSurvey, CountSurveyAnswers, OpenSurvey, Survey, survey_id
from services.canteen.temperatures import (
    RecordTemperature,
    RegisterUnit,
    TakeCorrectiveAction,
    TemperatureUnit,
    UnitState,
)
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
from services.eventkit.days import local_day, school_today
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
    roles=KITCHEN,
)


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


# -- the weekly menu, serving audits and violations, the serving-skill contest -----------------


from services.canteen.audits import RecordServingAudit, ServingAudit  # noqa: E402
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


# -- the kitchen: meals served and food samples, canteen staff, temperatures -----------------


async def sample_rules_and_fridge(
    commands: CampusCommands, cmd: RetainSample, ctx: CommandContext, at: Target
) -> Facts:
    """The district's sample rules in force on the meal's day; the fridge named, a sample fridge
    registered on the sample's campus (422 if not)."""
    if cmd.unit_id is not None:
        unit: UnitState
        unit, version = await commands.bus.load(TemperatureUnit, TemperatureUnit.stream_id(cmd.unit_id))
        if version == 0 or unit.campus_id != cmd.campus_id:
            raise InvalidInput(f"unit {cmd.unit_id} is not registered on campus {cmd.campus_id}", field="unit_id")
        if unit.kind is not UnitKind.SAMPLE_FRIDGE:
            raise InvalidInput(f"unit {cmd.unit_id} is a {unit.kind}, not a sample fridge", field="unit_id")
    return await rules_facts(commands, at.tenant, cmd.served_on)


async def kitchen_worker_on_campus(commands: CampusCommands, staff_id: str, campus_id: str, field: str) -> None:
    """A canteen worker of the campus (422 naming ``field`` if not)."""
    member = await staff_member(commands.pool, staff_id, field=field)
    if Role.CANTEEN_WORKER.value not in member["roles"] or campus_id not in member["campus_ids"]:
        raise InvalidInput(f"{member['name']} ({staff_id}) is not a canteen worker of campus {campus_id}", field=field)


async def servers_standing(commands: CampusCommands, cmd: RecordMealServed, ctx: CommandContext, at: Target) -> Facts:
    """Each server a canteen worker of the campus (422); those stood down and not cleared (the decider refuses them)."""
    stood_down: list[str] = []
    for server in cmd.servers:
        await kitchen_worker_on_campus(commands, server, cmd.campus_id, "servers")
        worker: WorkerState
        worker, _ = await commands.bus.load(CanteenWorker, CanteenWorker.stream_id(server))
        if worker.stood_down:
            stood_down.append(server)
    return {STOOD_DOWN_FACT: json.dumps(stood_down)}


async def dishes_sampled(commands: CampusCommands, cmd: CheckMealSamples, ctx: CommandContext, at: Target) -> Facts:
    """The dishes of the meal a sample was retained of, read from the store (the events as
    committed: a sample retained a moment ago counts)."""
    meal: MealState
    meal, _ = await commands.bus.load(MealService, MealService.stream_id(at.entity_id))
    if meal.served_on is None or meal.meal is None:
        return {}
    rows = await commands.pool.fetch(
        "SELECT DISTINCT data->>'dish' AS dish FROM events WHERE type = 'canteen.SampleRetained' "
        "AND campus_id = $1 AND data->>'served_on' = $2 AND data->>'meal' = $3",
        meal.campus_id,
        meal.served_on.isoformat(),
        meal.meal.value,
    )
    return {SAMPLED_FACT: json.dumps([r["dish"] for r in rows], ensure_ascii=False)}


async def worker_of_campus(commands: CampusCommands, cmd: Any, ctx: CommandContext, at: Target) -> Facts:
    """The staff member named is a canteen worker of the campus (422 naming staff_id)."""
    await kitchen_worker_on_campus(commands, cmd.staff_id, cmd.campus_id, "staff_id")
    return {}


COMMANDS.new(
    "samples",
    "/food-samples",
    "Retain a food sample of a dish of a meal (at least the district's amount, kept its time)",
    RetainSample,
    Sample,
    id="sample_id",
    roles=KITCHEN,
    lookup=sample_rules_and_fridge,
)
COMMANDS.existing(
    "samples",
    "/food-samples/{sample_id}/hold",
    "Hold a food sample for an investigation (kept past its time)",
    HoldSample,
    Sample,
    what="sample",
    roles=SAMPLE_HOLDERS,
)
COMMANDS.existing(
    "samples",
    "/food-samples/{sample_id}/lift-hold",
    "Lift a food sample's hold",
    LiftHold,
    Sample,
    what="sample",
    roles=SAMPLE_HOLDERS,
)
COMMANDS.existing(
    "samples",
    "/food-samples/{sample_id}/dispose",
    "Dispose of a food sample (once its time has passed and nothing holds it)",
    DisposeSample,
    Sample,
    what="sample",
    roles=KITCHEN,
)
COMMANDS.new(
    "samples",
    "/meals",
    "Record a meal served: its dishes, the canteen workers who served it, how many ate",
    RecordMealServed,
    MealService,
    id=lambda cmd: meal_id(cmd.campus_id, cmd.on, cmd.meal.value),
    roles=KITCHEN,
    lookup=servers_standing,
)
COMMANDS.existing(
    "samples",
    "/meals/{meal_id}/check-samples",
    "Check a meal's samples: each dish served without one is a finding",
    CheckMealSamples,
    MealService,
    what="meal",
    roles=MEAL_CHECKERS,
    lookup=dishes_sampled,
)
COMMANDS.new(
    "staff-health",
    "/health-certificates",
    "Record a canteen worker's health certificate",
    RecordHealthCertificate,
    CanteenWorker,
    id="staff_id",
    roles=CERTIFICATE_KEEPERS,
    lookup=worker_of_campus,
)
COMMANDS.new(
    "staff-health",
    "/morning-checks",
    "Record a canteen worker's morning check before a shift (a failed one stands the worker down)",
    RecordMorningCheck,
    CanteenWorker,
    id="staff_id",
    roles=CHECKERS,
    lookup=worker_of_campus,
)
COMMANDS.existing(
    "staff-health",
    "/canteen-workers/{staff_id}/clear",
    "Clear a canteen worker stood down at a morning check to work again",
    ClearWorker,
    CanteenWorker,
    what="canteen worker",
    roles=MANAGERS,
)
COMMANDS.new(
    "temperatures",
    "/temperature-units",
    "Register a fridge, freezer, hot holding or sample fridge with its temperature limits",
    RegisterUnit,
    TemperatureUnit,
    id="unit_id",
    roles=MANAGERS,
)
COMMANDS.existing(
    "temperatures",
    "/temperature-units/{unit_id}/readings",
    "Record a temperature reading of a unit",
    RecordTemperature,
    TemperatureUnit,
    what="unit",
    roles=KITCHEN,
)
COMMANDS.existing(
    "temperatures",
    "/temperature-units/{unit_id}/corrective-actions",
    "Record the corrective action taken for a reading out of limits",
    TakeCorrectiveAction,
    TemperatureUnit,
    what="unit",
    roles=KITCHEN,
)
# -- the meal committee, accompanied meals, the satisfaction survey ---------------------------------


async def term_of_school(commands: CampusCommands, school_id: str | None, term_id: str) -> Facts:
    """The term's dates, as the decider's facts: a term of the school's calendar (422 if not)."""
    term = await term_in_calendar(commands.pool, school_id or "", term_id)
    if term is None:
        raise InvalidInput(f"term {term_id} is not in the calendar of school {school_id}", field="term_id")
    return term_facts(term["starts_on"], term["ends_on"])


async def member_of_school(
    commands: CampusCommands, school_id: str | None, member: CommitteeMemberLine | AddCommitteeMember, prefix: str = ""
) -> None:
    """A staff member is active staff of the school, a parent a parent of the school (the mirror's)."""
    if member.staff_id is not None:
        staff = await staff_member(commands.pool, member.staff_id, field=f"{prefix}staff_id")
        if staff["school_id"] != school_id:
            raise InvalidInput(f"{staff['name']} does not work at school {school_id}", field=f"{prefix}staff_id")
    if member.parent_id is not None:
        known = await commands.pool.fetchval(
            "SELECT true FROM directory_parents WHERE parent_id = $1 AND school_id = $2", member.parent_id, school_id
        )
        if not known:
            raise InvalidInput(
                f"parent {member.parent_id} is not a parent of school {school_id}", field=f"{prefix}parent_id"
            )


def committee_of(cmd: FormMealCommittee) -> str:
    return committee_id(cmd.school_id, cmd.term_id, cmd.oversight)


async def committee_formed(commands: CampusCommands, cmd: FormMealCommittee, ctx: CommandContext, at: Target) -> Facts:
    """The term is one of the school's, each member one of its staff or parents."""
    facts = await term_of_school(commands, at.tenant.school_id, cmd.term_id)
    for i, member in enumerate(cmd.members):
        await member_of_school(commands, at.tenant.school_id, member, f"members.{i}.")
    return facts


async def committee_term(commands: CampusCommands, cmd: object, ctx: CommandContext, at: Target) -> Facts:
    """The dates of the committee's term."""
    state: CommitteeState
    state, _ = await commands.bus.load(MealCommittee, MealCommittee.stream_id(at.entity_id))
    return await term_of_school(commands, at.tenant.school_id, state.term_id)


async def member_joins(commands: CampusCommands, cmd: AddCommitteeMember, ctx: CommandContext, at: Target) -> Facts:
    """The member is one of the school's staff or parents; the committee's term dates."""
    await member_of_school(commands, at.tenant.school_id, cmd)
    return await committee_term(commands, cmd, ctx, at)


COMMANDS.new(
    "committee",
    "/meal-committees",
    "Form a school's meal committee of a term (or its parents' meal-oversight committee), with duties and members",
    FormMealCommittee,
    MealCommittee,
    id=committee_of,
    roles=MANAGERS,
    tenant=school_in_body,
    lookup=committee_formed,
)
COMMANDS.existing(
    "committee",
    "/meal-committees/{committee_id}/members",
    "A member joins the committee, with their written duty",
    AddCommitteeMember,
    MealCommittee,
    what="meal committee",
    roles=MANAGERS,
    lookup=member_joins,
)
COMMANDS.existing(
    "committee",
    "/meal-committees/{committee_id}/departures",
    "A member leaves the committee",
    RemoveCommitteeMember,
    MealCommittee,
    what="meal committee",
    roles=MANAGERS,
    lookup=committee_term,
)
COMMANDS.existing(
    "committee",
    "/meal-committees/{committee_id}/meetings",
    "Record a meeting of the committee: its day, attendees, minutes and decisions",
    RecordCommitteeMeeting,
    MealCommittee,
    what="meal committee",
    roles=MANAGERS,
    lookup=committee_term,
)

LEADER_ROLES = frozenset(r.value for r in LEADERS)


@COMMANDS.custom(
    "accompanied-meals",
    "/accompanied-meals",
    "A leader ate with the pupils at a meal (陪餐): the dishes rated and the issues found (once a diner and meal)",
)
async def record_accompanied_meal(
    cmd: RecordAccompaniedMeal, ctx: Context, canteen: CampusCommandsDep
) -> CommandResult:
    # Custom: the record's id depends on its diner, who is the sender unless the body names another leader.
    tenant = await canteen.campus(cmd.campus_id)
    await canteen.authorise(ctx.principal, tenant, LEADERS)
    diner_id = cmd.diner_id or ctx.principal.subject
    diner = await canteen.pool.fetchrow(
        "SELECT name, roles, campus_ids FROM directory_staff WHERE staff_id = $1 AND active", diner_id
    )
    if diner is None or cmd.campus_id not in diner["campus_ids"] or not LEADER_ROLES & set(diner["roles"]):
        raise InvalidInput(f"{diner_id} is not a leader of campus {cmd.campus_id}", field="diner_id")
    record_id = accompanied_id(diner_id, cmd.campus_id, cmd.on, cmd.meal.value)
    facts = {DINER_NAME: diner["name"]}
    attempt = canteen.run(AccompaniedMeal, record_id, cmd, ctx, tenant, LEADERS, facts=facts)
    return await canteen.starting(ctx.principal, AccompaniedMeal, record_id, "diner_id", attempt)


def survey_of(cmd: OpenSurvey) -> str:
    return survey_id(cmd.school_id, cmd.term_id, cmd.audience.value)


async def survey_opened(commands: CampusCommands, cmd: OpenSurvey, ctx: CommandContext, at: Target) -> Facts:
    """The term is one of the school's; the campus, if named, one of its campuses."""
    facts = await term_of_school(commands, at.tenant.school_id, cmd.term_id)
    if cmd.campus_id is not None:
        campus = await commands.campus(cmd.campus_id)
        if campus.school_id != at.tenant.school_id:
            raise InvalidInput(f"campus {cmd.campus_id} is not a campus of {at.tenant.school_id}", field="campus_id")
    return facts


COMMANDS.new(
    "surveys",
    "/surveys",
    "Open the term's satisfaction survey of a school for an audience (pupils, parents or staff), with its questions",
    OpenSurvey,
    Survey,
    id=survey_of,
    roles=MANAGERS,
    tenant=school_in_body,
    lookup=survey_opened,
)
COMMANDS.existing(
    "surveys",
    "/surveys/{survey_id}/counts",
    "Count a batch of answers: respondents, and per question satisfied, neutral and dissatisfied",
    CountSurveyAnswers,
    Survey,
    what="survey",
    roles=MANAGERS,
)
COMMANDS.existing(
    "surveys",
    "/surveys/{survey_id}/close",
    "Close the survey with its results (satisfaction per mille, from the answers counted)",
    CloseSurvey,
    Survey,
    what="survey",
    roles=MANAGERS,
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
