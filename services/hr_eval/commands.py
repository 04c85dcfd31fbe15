"""Every command of the staff appraisal service: which aggregate it goes to, where it belongs,
who may send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row."""

from __future__ import annotations

from services.campus.scoped import campus_command_table, school_in_body
from services.hr_eval.common import APPRAISERS, MANAGERS
from services.hr_eval.proposals import DismissProposal, Proposal
from services.hr_eval.rulebook import PublishRuleBook, RuleBook

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

COMMANDS.existing(
    "proposals",
    "/proposals/{proposal_id}/dismiss",
    "Dismiss an item another service proposed for a worker's appraisal, with the reason",
    DismissProposal,
    Proposal,
    what="proposal",
    roles=APPRAISERS,
)


# -- contests, awards, honours ----------------------------------------------------------------
