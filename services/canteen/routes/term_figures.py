"""The canteen's part of the term report. ``GET /term-figures`` over the campuses the reader may read a
term's figures of (:mod:`services.campus.term_routes`)."""

from __future__ import annotations

from services.campus.term_report import CanteenFigures
from services.campus.term_routes import term_figures_router
from services.canteen.queries.term_figures import canteen_term_figures

router = term_figures_router(
    CanteenFigures,
    canteen_term_figures,
    "The canteen's figures of a term: meal committee, parent visits, accompanied meals, samples, "
    "morning checks, serving audits and the serving-skill contest",
)
