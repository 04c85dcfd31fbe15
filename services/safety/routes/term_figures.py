"""Safety's part of the term report. ``GET /term-figures`` over the campuses the reader may read a
term's figures of (:mod:`services.campus.term_routes`)."""

from __future__ import annotations

from services.campus.term_report import SafetyFigures
from services.campus.term_routes import term_figures_router
from services.safety.queries.term_figures import safety_term_figures

router = term_figures_router(
    SafetyFigures,
    safety_term_figures,
    "Safety's figures of a term for the term report: agreements, health files, inspections, hazards, "
    "buses, drills, safety education, injuries, parent communications, watches and camera coverage",
)
