"""The inventory's part of the term report: purchases, stock, assets, keys and repairs of a
term, over the campuses the reader may read a report of. A read only: the router is a plain one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.campus.term_report import InventoryFigures, TermPart, term_scope
from services.eventkit.app import CurrentPrincipal
from services.eventkit.bounds import REF_LENGTH
from services.inventory.queries.term_figures import inventory_term_figures

router = APIRouter(tags=["term report"])

Ref = Annotated[str, Param(min_length=1, max_length=REF_LENGTH)]


@router.get(
    "/term-figures",
    summary="The inventory's figures of a term (purchases, stock, assets, keys, repairs) for the term report",
)
async def term_figures(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    school_id: Ref,
    term_id: Ref,
    campus_id: Annotated[
        str | None, Param(max_length=REF_LENGTH, description="Only this campus (default: every one the reader may)")
    ] = None,
) -> TermPart[InventoryFigures]:
    scope = await term_scope(inventory.pool, principal, school_id, term_id, campus_id)
    return TermPart[InventoryFigures](scope=scope, figures=await inventory_term_figures(inventory.pool, scope))
