"""The inventory's part of the term report. ``GET /term-figures`` over the campuses the reader may read a
term's figures of (:mod:`services.campus.term_routes`)."""

from __future__ import annotations

from services.campus.term_report import InventoryFigures
from services.campus.term_routes import term_figures_router
from services.inventory.queries.term_figures import inventory_term_figures

router = term_figures_router(
    InventoryFigures,
    inventory_term_figures,
    "The inventory's figures of a term (purchases, stock, assets, keys, repairs) for the term report",
)
