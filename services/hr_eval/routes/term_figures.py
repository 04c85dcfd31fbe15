"""The staff appraisal's part of the term report. ``GET /term-figures`` over the campuses the reader may read a
term's figures of (:mod:`services.campus.term_routes`)."""

from __future__ import annotations

from services.campus.term_report import AppraisalFigures
from services.campus.term_routes import term_figures_router
from services.hr_eval.queries.term_figures import hr_eval_term_figures

router = term_figures_router(
    AppraisalFigures,
    hr_eval_term_figures,
    "The staff appraisal's figures of a term: monthly appraisals, deductions and disputes, "
    "contests, awards and honours",
)
