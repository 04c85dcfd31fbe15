"""Every command of the staff appraisal service: which aggregate it goes to, where it belongs,
who may send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row."""

from __future__ import annotations

from typing import Any

from services.campus.mirror import staff_member
from services.campus.scoped import CampusCommands, campus_command_table, school_in_body
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.hr_eval.awards import BONUS_FACT, CONTEST_FACT, Award, ContestFacts, GrantAward, Honour, RecordHonour
from services.hr_eval.common import MANAGERS
from services.hr_eval.contests import (
    CONTEST_KEEPERS,
    AnnounceContest,
    Contest,
    ContestState,
    RankContest,
    RecordContestScore,
)
from services.hr_eval.rulebook import PublishRuleBook, RuleBook, RuleBookState

COMMANDS = campus_command_table("hr_eval")


# -- the rule book ----------------------------------------------------------------------------

COMMANDS.new(
    "rule-book",
    "/rule-books",
    "Publish the next version of the school's rule book",
    PublishRuleBook,
    RuleBook,
    id="school_id",
    roles=MANAGERS,
    tenant=school_in_body,
)


# -- appraisals -------------------------------------------------------------------------------


# -- proposals from other services ------------------------------------------------------------


# -- contests, awards, honours ----------------------------------------------------------------

# A contest, an award or an honour of one campus belongs to that campus; one of the whole school
# (campus_id omitted) to the school, kept by whoever keeps them on any of its campuses.


async def campus_or_school_in_body(commands: CampusCommands, command: Any) -> TenantPath:
    """``tenant=`` of a contest, an award or an honour: the campus it names (of the school it
    names), else the school."""
    school = await commands.school(command.school_id)
    if command.campus_id is None:
        return school
    tenant = await commands.campus(command.campus_id)
    if tenant.school_id != command.school_id:
        raise InvalidInput(f"campus {command.campus_id} is not a campus of {command.school_id}", field="campus_id")
    return tenant


async def _staff_of_school(commands: CampusCommands, staff_id: str, school_id: str | None, field: str) -> None:
    member = await staff_member(commands.pool, staff_id, field=field)
    if member["school_id"] != school_id:
        raise InvalidInput(f"{member['name']} does not work at this school", field=field)


async def entrants_of_school(commands: CampusCommands, cmd: AnnounceContest, ctx: CommandContext, at: Target) -> Facts:
    """Every staff member an entrant names works at the contest's school."""
    for i, entrant in enumerate(cmd.entrants):
        for j, staff_id in enumerate(entrant.staff_ids):
            await _staff_of_school(commands, staff_id, at.tenant.school_id, f"entrants.{i}.staff_ids.{j}")
    return {}


COMMANDS.new(
    "contests",
    "/contests",
    "Announce a contest of the school (or of one campus): its rounds, criteria, judges and entrants",
    AnnounceContest,
    Contest,
    id="contest_id",
    roles=CONTEST_KEEPERS,
    tenant=campus_or_school_in_body,
    lookup=entrants_of_school,
)
COMMANDS.existing(
    "contests",
    "/contests/{contest_id}/scores",
    "Record one judge's score sheet of one entrant in one round (once)",
    RecordContestScore,
    Contest,
    what="contest",
    roles=CONTEST_KEEPERS,
)
COMMANDS.existing(
    "contests",
    "/contests/{contest_id}/rank",
    "Rank a contest from its judges' sheets: its results then stand",
    RankContest,
    Contest,
    what="contest",
    roles=CONTEST_KEEPERS,
)


async def award_facts(commands: CampusCommands, cmd: GrantAward, ctx: CommandContext, at: Target) -> Facts:
    """The contest the award names, the points of its bonus rule in the rule book in force on its
    day, and each staff member it names working at the school."""
    for i, staff_id in enumerate(cmd.staff_ids):
        await _staff_of_school(commands, staff_id, at.tenant.school_id, f"staff_ids.{i}")
    facts: Facts = {}
    if cmd.contest_id is not None:
        contest: ContestState
        contest, version = await commands.bus.load(Contest, Contest.stream_id(cmd.contest_id))
        facts[CONTEST_FACT] = ContestFacts.of(contest).model_dump_json() if version else ""
    if cmd.bonus_rule_code is not None:
        book: RuleBookState
        book, _ = await commands.bus.load(RuleBook, RuleBook.stream_id(cmd.school_id))
        in_force = book.in_force(cmd.on)
        rule = in_force.rule(cmd.bonus_rule_code) if in_force else None
        facts[BONUS_FACT] = str(rule.points) if rule else ""
    return facts


COMMANDS.new(
    "contests",
    "/awards",
    "Grant an award: a prize of a ranked contest of the school, or one given outside a contest",
    GrantAward,
    Award,
    id="award_id",
    roles=CONTEST_KEEPERS,
    tenant=campus_or_school_in_body,
    lookup=award_facts,
)
COMMANDS.new(
    "contests",
    "/honours",
    "Record an honour of the school itself (e.g. the city's garden-style unit)",
    RecordHonour,
    Honour,
    id="honour_id",
    roles=CONTEST_KEEPERS,
    tenant=campus_or_school_in_body,
)
