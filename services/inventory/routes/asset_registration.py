"""Asset registration (各室财产登记): the command registering an asset received from an accepted
purchase to a room, and the reads: the assets waiting or registered, and registration complete
per room and per campus (registered against waiting)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.queries.asset_registration import (
    RegistrationStatus,
    campus_registration,
    registration_assets,
    room_registration,
)
from services.inventory.queries.models import CampusRegistration, RegistrationAsset, RoomRegistration
from services.inventory.routes.batch import Ids, split_ids

router = COMMANDS.router("asset registration")


@page_route(
    router,
    "/asset-registration/assets",
    RegistrationAsset,
    summary="Assets received from accepted purchases waiting to be registered to a room, and those registered",
)
async def list_registration_assets(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    room: str | None = None,
    status: RegistrationStatus | None = None,
    purchase_id: str | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = registration_assets(principal, campus_id, room, status, purchase_id, split_ids(ids))
    return await q.page(inventory.pool, after, limit)


@page_route(
    router,
    "/asset-registration/rooms",
    RoomRegistration,
    summary="Registration complete per room: assets registered, and bought for it and still waiting",
)
async def list_room_registration(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    incomplete: bool | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await room_registration(principal, campus_id, incomplete).page(inventory.pool, after, limit)


@page_route(
    router,
    "/asset-registration/campuses",
    CampusRegistration,
    summary="Registration complete per campus: rooms complete, assets registered and waiting",
)
async def list_campus_registration(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await campus_registration(principal, campus_id).page(inventory.pool, after, limit)
