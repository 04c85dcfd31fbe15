"""Requisition lists (领用清单) as issued: the list, in the caller's scope (issuing one is a
command of the stock table, and so is reading one from its stream, ``/requisitions/{id}``)."""

from __future__ import annotations

from fastapi import APIRouter

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.inventory.common import STAFF
from services.inventory.queries.models import RequisitionList
from services.inventory.queries.requisitions import requisition_list
from services.inventory.routes.batch import Ids, split_ids

router = APIRouter(tags=["stock"])


@page_route(router, "/requisitions", RequisitionList, summary="Requisition lists, by campus, department and term")
async def list_requisitions(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    department_id: str | None = None,
    term_id: str | None = None,
    recipient_id: str | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = requisition_list(principal, campus_id, department_id, term_id, recipient_id, split_ids(ids))
    return await q.page(inventory.pool, after, limit)
