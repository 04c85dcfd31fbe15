"""Stock-taking (盘库): the commands of the table (start one on a campus, record counts, close it:
the counts become the book), and the reads (all, one)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.queries.models import StockTake
from services.inventory.queries.stocktake import stocktake, stocktake_list
from services.inventory.stocktake import StockTakeStatus

router = COMMANDS.router("stock-taking")


@page_route(router, "/stocktakes", StockTake, summary="Stock-takes, open and closed")
async def list_stocktakes(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: StockTakeStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await stocktake_list(principal, campus_id, status).page(inventory.pool, after, limit)


@router.get("/stocktakes/{stocktake_id}", summary="One stock-take: its counts and variances")
async def get_stocktake(stocktake_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal) -> StockTake:
    principal.require_role(*STAFF)
    return StockTake.model_validate(await stocktake(inventory.pool, principal, stocktake_id))
