"""Procurement: the commands of the table (request, approve or reject, record the purchase, sign
acceptance, settle), and the reads (list, pipeline, one)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.events import PurchaseCategory
from services.inventory.queries.models import Purchase, PurchaseStep
from services.inventory.queries.procurement import purchase, purchase_list, purchases_per_step

router = COMMANDS.router("procurement")


@page_route(router, "/purchases", Purchase, summary="Purchases (the procurement pipeline)")
async def list_purchases(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: str | None = None,
    category: PurchaseCategory | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await purchase_list(principal, campus_id, status, category).page(inventory.pool, after, limit)


@router.get("/purchases/pipeline", summary="How many purchases are at each step, per campus")
async def pipeline(
    inventory: CampusCommandsDep, principal: CurrentPrincipal, campus_id: str | None = None
) -> list[PurchaseStep]:
    principal.require_role(*STAFF)
    return [PurchaseStep.model_validate(r) for r in await purchases_per_step(inventory.pool, principal, campus_id)]


@router.get("/purchases/{purchase_id}", summary="One purchase")
async def get_purchase(purchase_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal) -> Purchase:
    principal.require_role(*STAFF)
    return Purchase.model_validate(await purchase(inventory.pool, principal, purchase_id))
