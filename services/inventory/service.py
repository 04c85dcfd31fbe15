"""The inventory service: procurement with acceptance, stock and requisitions, quotas,
compensation, stock-taking, room assets, keys and repairs, on every campus of the district."""

from __future__ import annotations

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.eventkit.runtime import ReactionSpec, ServiceDefinition
from services.inventory.events import INVENTORY_EVENTS
from services.inventory.history import INVENTORY_HISTORY
from services.inventory.projections.asset_registration import ASSET_REGISTRATION
from services.inventory.projections.assets import ASSETS
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.projections.keys_repairs import KEYS_REPAIRS
from services.inventory.reactions import AssetsFromAcceptedPurchases, RepairsFromHazards, StockFromAcceptedPurchases
from services.inventory.routes import (
    asset_registration,
    assets,
    class_damage,
    compensation,
    keys,
    procurement,
    repairs,
    stock,
    stocktake,
    term_figures,
)
from services.inventory.routes import requisitions as requisition_lists

INVENTORY = ServiceDefinition(
    name="inventory",
    title="Houqin inventory",
    description="Goods and equipment (物品与资产): procurement with acceptance, the catalogue, stock and "
    "requisition lists, quotas, damage compensation, stock-taking, room assets, keys and repairs.",
    registry=INVENTORY_EVENTS,
    routers=[
        stock.router,
        procurement.router,
        keys.router,
        repairs.router,
        compensation.router,
        stocktake.router,
        assets.router,
        requisition_lists.router,
        class_damage.router,
        asset_registration.router,
        term_figures.router,
    ],
    migrations=MIRROR_MIGRATIONS,
    projections=[INVENTORY_COUNTS, KEYS_REPAIRS, ASSETS, ASSET_REGISTRATION],
    reactions=[
        ReactionSpec(DirectoryMirror(), ["directory"]),
        ReactionSpec(StockFromAcceptedPurchases(), ["inventory"]),
        ReactionSpec(RepairsFromHazards(), ["safety"]),
        ReactionSpec(AssetsFromAcceptedPurchases(), ["inventory"]),
    ],
    history=INVENTORY_HISTORY,
    openapi_tags=[
        {"name": "stock", "description": "Catalogue, stock on hand, quotas and requisition lists"},
        {"name": "procurement", "description": "Request, approve, buy, accept, settle"},
        {"name": "keys", "description": "Keys issued, returned or lost; outstanding and overdue"},
        {"name": "repairs", "description": "Reported (or from a hazard), assigned, done, verified; turnaround"},
        {"name": "compensation", "description": "Damage charged at price to a person or a class; paid or waived"},
        {"name": "stock-taking", "description": "Monthly and term-end counts; variances adjust the book"},
        {"name": "assets", "description": "Assets per room: registered, moved, damaged, repaired, disposed; audits"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
        {"name": "term report", "description": "The inventory's figures of a term, for the term report"},
        {
            "name": "asset registration",
            "description": "Assets of accepted purchases registered to their rooms; complete per room and campus",
        },
    ],
)
