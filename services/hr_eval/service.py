"""The staff appraisal service (后勤月考核): the rule book, the monthly appraisal of every
logistics worker from proposed items to published scores, proposals from other services,
contests, awards and the school's honours, on every campus of the district."""

from __future__ import annotations

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.eventkit.runtime import ReactionSpec, ServiceDefinition
from services.hr_eval.events import HR_EVAL_EVENTS
from services.hr_eval.history import HR_EVAL_HISTORY
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS
from services.hr_eval.projections.contests import CONTESTS
from services.hr_eval.projections.proposals import PROPOSALS
from services.hr_eval.projections.rule_books import RULE_BOOKS
from services.hr_eval.reactions import ContestsFromServices, ProposalsFromAwards, ProposalsFromServices
from services.hr_eval.routes import appraisal_reads, appraisals, contests, proposals, rulebook, term_figures, totals

HR_EVAL = ServiceDefinition(
    name="hr_eval",
    title="Houqin staff appraisal",
    description="The monthly appraisal of logistics staff (后勤月考核): the rule book and its "
    "acknowledgements, appraisals from proposed items to published scores, disputes and corrections, "
    "proposals from other services, contests, awards and the school's honours.",
    registry=HR_EVAL_EVENTS,
    routers=[
        rulebook.router,
        appraisals.router,
        appraisal_reads.router,
        totals.router,
        proposals.router,
        contests.router,
        term_figures.router,
    ],
    migrations=MIRROR_MIGRATIONS,
    projections=[RULE_BOOKS, APPRAISAL_TOTALS, PROPOSALS, CONTESTS],
    reactions=[
        ReactionSpec(DirectoryMirror(), ["directory"]),
        ReactionSpec(ProposalsFromServices(), ["safety", "canteen"]),
        ReactionSpec(ContestsFromServices(), ["canteen"]),
        ReactionSpec(ProposalsFromAwards(), ["hr_eval"]),
    ],
    history=HR_EVAL_HISTORY,
    openapi_tags=[
        {"name": "rule-book", "description": "The rule book's versions, and who acknowledged which"},
        {"name": "appraisals", "description": "Monthly appraisals: items, communication, disputes, publishing"},
        {"name": "proposals", "description": "Items other services propose, confirmed or dismissed"},
        {"name": "contests", "description": "Contests, rounds, scores, rankings, awards and honours"},
        {"name": "totals", "description": "Monthly appraisal totals per campus, role, worker and appraiser"},
        {"name": "term report", "description": "The staff appraisal's figures of a term, for the term report"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
