"""The inventory service: procurement with acceptance, stock and requisitions, quotas,
compensation, stock-taking, room assets, keys and repairs, on every campus of the district."""

from __future__ import annotations

from services.directory.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.eventkit.runtime import ReactionSpec, ServiceDefinition
from services.inventory.events import INVENTORY_EVENTS
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.reactions import StockFromAcceptedPurchases
from services.inventory.routes import procurement, stock

INVENTORY = ServiceDefinition(
    name="inventory",
    title="Houqin inventory",
    description="Goods and equipment (物品与资产): procurement with acceptance, the catalogue, stock and "
    "requisition lists, quotas, damage compensation, stock-taking, room assets, keys and repairs.",
    registry=INVENTORY_EVENTS,
    routers=[stock.router, procurement.router],
    migrations=MIRROR_MIGRATIONS,
    projections=[INVENTORY_COUNTS],
    reactions=[
        ReactionSpec(DirectoryMirror(), ["directory"]),
        ReactionSpec(StockFromAcceptedPurchases(), ["inventory"]),
    ],
    openapi_tags=[
        {"name": "stock", "description": "Catalogue, stock on hand, quotas and requisition lists"},
        {"name": "procurement", "description": "Request, approve, buy, accept, settle"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
