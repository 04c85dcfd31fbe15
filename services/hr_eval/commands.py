"""Every command of the staff appraisal service: which aggregate it goes to, where it belongs,
who may send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep, campus_command_table, school_in_body
from services.eventkit.app import Context
from services.eventkit.commands import CommandResult
from services.eventkit.errors import Forbidden
from services.hr_eval.acknowledgements import (
    AcknowledgeRuleBook,
    RuleBookAcknowledgement,
    acknowledgement_id,
    publication_facts,
)
from services.hr_eval.common import MANAGERS, STAFF
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


# Custom: the stream is the caller's own (school, version and the caller), which no field of the
# body names, and the version's publication is read from the school's rule book.
@COMMANDS.custom(
    "rule-book", "/rule-books/acknowledgements", "Acknowledge the version of the school's rule book one works under"
)
async def acknowledge_rule_book(cmd: AcknowledgeRuleBook, ctx: Context, hr_eval: CampusCommandsDep) -> CommandResult:
    tenant = await hr_eval.school(cmd.school_id)
    await hr_eval.authorise(ctx.principal, tenant, STAFF)
    staff_id = ctx.principal.subject
    member = await hr_eval.pool.fetchval(
        "SELECT true FROM directory_staff WHERE staff_id = $1 AND school_id = $2 AND active", staff_id, cmd.school_id
    )
    if not member:
        raise Forbidden(f"{staff_id} is not on the staff of {cmd.school_id}: only its staff acknowledge its rule book")
    book: RuleBookState
    book, _ = await hr_eval.bus.load(RuleBook, RuleBook.stream_id(cmd.school_id))
    published = book.version(cmd.version)
    facts = publication_facts(published.published_at if published else None)
    entity_id = acknowledgement_id(cmd.school_id, cmd.version, staff_id)
    return await hr_eval.run(RuleBookAcknowledgement, entity_id, cmd, ctx, tenant, STAFF, facts=facts)


# -- appraisals -------------------------------------------------------------------------------


# -- proposals from other services ------------------------------------------------------------


# -- contests, awards, honours ----------------------------------------------------------------
