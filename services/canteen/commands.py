"""Every command of the canteen: which aggregate it goes to, where it belongs, who may send
it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

One section per area, in the order of the service's tags."""

from __future__ import annotations

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
from services.canteen.common import DISTRICT, LEADERS, MANAGERS
from services.canteen.rules import CanteenRules, Rules, RulesState, SetCanteenRules, rules_fact
from services.canteen.survey import CloseSurvey, CountSurveyAnswers, OpenSurvey, Survey, survey_id
from services.eventkit.app import Context
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext, CommandResult
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
