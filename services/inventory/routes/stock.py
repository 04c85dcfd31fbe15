"""Catalogue, stock, quotas and requisitions: the commands of the table (catalogue, reprice,
reorder point, receive, quotas and their overrides, requisitions), and the reads."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.events import RequisitionFulfilled
from services.inventory.queries.models import Item, Quota, StockLevel
from services.inventory.queries.stock import item, item_list, quota_list, requisition, stock_list
from services.inventory.routes.batch import Ids, split_ids

router = COMMANDS.router("stock")


@page_route(router, "/items", Item, summary="The catalogue of a school")
async def list_items(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: str,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await inventory.authorise(principal, await inventory.school(school_id), STAFF)
    return await item_list(school_id, split_ids(ids)).page(inventory.pool, after, limit)


@router.get("/items/{item_id}", summary="One item of a catalogue")
async def get_item(item_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal) -> Item:
    principal.require_role(*STAFF)
    return Item.model_validate(await item(inventory.pool, principal, item_id))


@page_route(router, "/stock", StockLevel, summary="Stock per campus and item (the inventory counts)")
async def list_stock(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    below_reorder_point: bool = False,
    after: After = None,
    limit: Limit = 100,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF)
    q = stock_list(principal, campus_id, below_reorder_point, as_of)
    return await q.page(inventory.pool, after, limit)


@page_route(
    router,
    "/quotas",
    Quota,
    summary="Quotas per department, item and term: set, overridden, used and left "
    "(current_term: only those of the term of as_of, default today)",
)
async def list_quotas(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    term_id: str | None = None,
    department_id: str | None = None,
    item_id: str | None = None,
    current_term: bool = False,
    after: After = None,
    limit: Limit = 100,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF)
    q = quota_list(principal, campus_id, term_id, department_id, current_term, as_of, item_id)
    return await q.page(inventory.pool, after, limit)


@router.get("/requisitions/{requisition_id}", summary="One requisition list")
async def get_requisition(
    requisition_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal
) -> RequisitionFulfilled:
    principal.require_role(*STAFF)
    return RequisitionFulfilled.model_validate(await requisition(inventory.bus, principal, requisition_id))
