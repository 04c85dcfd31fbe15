"""Room assets (各室资产): the commands of the table (register, move, damage: a person-caused damage
raises its charge; repair, dispose of with approval (报废), room audits), and the reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit
from services.inventory.commands import COMMANDS
from services.inventory.common import STAFF
from services.inventory.queries.assets import AssetStatus, asset, asset_list, room_audit_list, rooms
from services.inventory.queries.models import Asset, Room, RoomAudit
from services.inventory.routes.batch import Ids, split_ids

router = COMMANDS.router("assets")


@page_route(router, "/assets", Asset, summary="Assets, by campus, room and status")
async def list_assets(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    room: str | None = None,
    status: AssetStatus | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    return await asset_list(principal, campus_id, room, status, split_ids(ids)).page(inventory.pool, after, limit)


@router.get("/assets/rooms", summary="Each room's assets (not disposed of) and what they are worth")
async def assets_per_room(
    inventory: CampusCommandsDep, principal: CurrentPrincipal, campus_id: str | None = None
) -> list[Room]:
    principal.require_role(*STAFF)
    return [Room.model_validate(r) for r in await rooms(inventory.pool, principal, campus_id)]


@router.get("/assets/{asset_id}", summary="One asset, with its damages and charges")
async def get_asset(asset_id: str, inventory: CampusCommandsDep, principal: CurrentPrincipal) -> Asset:
    principal.require_role(*STAFF)
    return Asset.model_validate(await asset(inventory.pool, principal, asset_id))


@page_route(router, "/room-audits", RoomAudit, summary="Room audits: what was missing and what unregistered")
async def list_room_audits(
    inventory: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    room: str | None = None,
    asset_ids: Annotated[
        str | None, Param(description="Only the audits that name the tag of one of these assets, comma-separated")
    ] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = room_audit_list(principal, campus_id, room, split_ids(asset_ids))
    return await q.page(inventory.pool, after, limit)
