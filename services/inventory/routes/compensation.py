"""Compensation (照价赔偿): the commands of the table (charge a person or a class at price, record
the payment, or waive it), and the reads (all, one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.compensation import ChargeStatus
from services.inventory.queries.compensation import charge, charge_list
from services.inventory.queries.models import Charge
from services.inventory.routes.batch import Ids, split_ids

router = COMMANDS.router("compensation")


@page_route(router, "/compensations", Charge, summary="Compensation charges and their status")
async def list_compensations(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    status: ChargeStatus | None = None,
    against_id: str | None = None,
    asset_id: str | None = None,
    class_id: Annotated[
        str | None, Param(description="Only those against this class or against a pupil in it now")
    ] = None,
    asset_ids: Annotated[str | None, Param(description="Only those of these assets, comma-separated")] = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = charge_list(principal, campus_id, status, against_id, asset_id, class_id, split_ids(asset_ids), split_ids(ids))
    return await q.page(inventory.pool, after, limit)


@router.get("/compensations/{charge_id}", summary="One compensation charge")
async def get_compensation(charge_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal) -> Charge:
    principal.require_role(*STAFF)
    return Charge.model_validate(await charge(inventory.pool, principal, charge_id))
