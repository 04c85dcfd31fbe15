"""Damage to assets by class, per month (for the class evaluation, 善真中队评比): a read only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.inventory.common import STAFF
from services.inventory.queries.class_damage import class_damage_list
from services.inventory.queries.models import ClassDamage

router = APIRouter(tags=["assets"])

Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="A month, YYYY-MM")]


@page_route(
    router,
    "/damages/by-class",
    ClassDamage,
    summary="Damage to assets by class (or its students) per month, with what was charged, paid and waived",
)
async def list_class_damage(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    month: Month = None,
    class_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await class_damage_list(principal, campus_id, month, class_id).page(inventory.pool, after, limit)
