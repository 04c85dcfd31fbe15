"""Room assets in GraphQL, beyond their lists: one asset or charge on its campus, and the room
audits (盘点各室资产) of a campus or of every campus in scope; the campus's part,
:class:`AssetReadsOnCampus` (composed in ``gateway.campus``), and the root's, :class:`AssetReadsQuery`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import with_campuses
from gateway.common.pages import Connection, one, page
from gateway.context import GatewayContext
from gateway.inventory.asset_links import RoomAudit
from gateway.inventory.types import Asset, CompensationCharge

Ctx = Info[GatewayContext, None]


async def room_audits_page(
    info: Ctx, campus_id: str | None, room: str | None, first: int, after: str | None
) -> Connection[RoomAudit] | None:
    return await page(
        info, "inventory", "/room-audits", RoomAudit, "audit_id", first, after,
        campus_id=campus_id, room=room, then=with_campuses(info),
    )  # fmt: skip


@strawberry.type
class AssetReadsOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(
        description="A room asset of this campus with its damages, charges and audits (null: unknown, of another "
        "campus, or outside the caller's scope)"
    )
    async def asset(self, info: Ctx, asset_id: strawberry.ID) -> Asset | None:
        found = await one(info.context, "inventory", service_path("/assets/{asset_id}", asset_id=asset_id), Asset)
        return found if found is not None and found.campus_id == self.campus_id else None

    @strawberry.field(
        description="A compensation charge of this campus (null: unknown, of another campus, or outside the "
        "caller's scope)"
    )
    async def compensation(self, info: Ctx, charge_id: strawberry.ID) -> CompensationCharge | None:
        path = service_path("/compensations/{charge_id}", charge_id=charge_id)
        found = await one(info.context, "inventory", path, CompensationCharge)
        return found if found is not None and found.campus_id == self.campus_id else None

    @strawberry.field(description="The room audits of this campus (盘点各室资产), in the order of their ids")
    async def room_audits(
        self, info: Ctx, room: str | None = None, first: int = 100, after: str | None = None
    ) -> Connection[RoomAudit] | None:
        return await room_audits_page(info, str(self.campus_id), room, first, after)


@strawberry.type
class AssetReadsQuery:
    @strawberry.field(description="Room audits in the caller's scope, by campus and room, in the order of their ids")
    async def room_audits(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        room: str | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[RoomAudit] | None:
        return await room_audits_page(info, None if campus_id is None else str(campus_id), room, first, after)
