"""Asset registration (各室财产登记) in GraphQL: the assets of accepted purchases waiting to be
registered to a room, and registration complete per room and for the campus
(``Campus.assetRegistration``, ``Campus.roomRegistration``, ``Campus.assetsToRegister``)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from gateway.common.pages import Connection, get, page, row
from gateway.context import GatewayContext
from gateway.inventory.asset_links import RegisteredAssetLinks

Ctx = Info[GatewayContext, None]


@strawberry.enum(description="Where an asset is in its registration")
class RegistrationStatus(Enum):
    WAITING = strawberry.enum_value("waiting", description="Received from an accepted purchase, not yet in a room")
    REGISTERED = strawberry.enum_value("registered", description="Registered to a room by its tag")
    DISPOSED = strawberry.enum_value("disposed", description="Disposed of (报废)")


@strawberry.type(
    description="An asset of the registration: received from an accepted purchase and waiting to be registered "
    "to a room, or registered to one"
)
class RegistrationAsset(RegisteredAssetLinks):
    asset_id: strawberry.ID = strawberry.field(
        description="bought-<purchase>-<line>-<unit> for a purchase's asset; the id it was registered with otherwise"
    )
    campus_id: strawberry.ID = strawberry.field(description="The campus (a directory id)")
    status: str = strawberry.field(description="waiting, registered or disposed")
    item_id: strawberry.ID | None = strawberry.field(description="The catalogued item it is")
    description: str = strawberry.field(description="What it is (the purchase line's description)")
    value_fen: int = strawberry.field(description="What it is worth, in fen (分): the price paid")
    purchase_id: strawberry.ID | None = strawberry.field(description="The accepted purchase it came from")
    line: int | None = strawberry.field(description="The purchase's line (from 0)")
    unit: int | None = strawberry.field(description="Which unit of the line (from 0)")
    accepted_on: dt.date | None = strawberry.field(description="The day its purchase was accepted")
    for_room: str | None = strawberry.field(description="The room the purchase said it is for")
    room: str | None = strawberry.field(description="The room it is registered to (null while it waits)")
    tag: str | None = strawberry.field(description="The label on it (null while it waits)")
    registered_by: str | None = strawberry.field(description="Who registered it (a directory id)")


@strawberry.type(
    description="A room's registration: assets registered to it, and those bought for it still waiting; complete "
    "when none waits (room empty: bought for no room named)"
)
class RoomRegistration:
    room_key: strawberry.ID = strawberry.field(description="<campus>/<room>")
    campus_id: strawberry.ID = strawberry.field(description="The campus (a directory id)")
    room: str = strawberry.field(description="The room (empty: assets bought for no room named)")
    registered: int = strawberry.field(description="Assets registered to the room")
    waiting: int = strawberry.field(description="Assets bought for the room still waiting to be registered")
    waiting_fen: int = strawberry.field(description="What the waiting assets are worth, in fen (分)")
    complete: bool = strawberry.field(description="Whether the room's registration is complete (nothing waits)")


@strawberry.type(description="A campus's asset registration: its rooms complete, assets registered and waiting")
class CampusRegistration:
    campus_id: strawberry.ID = strawberry.field(description="The campus (a directory id)")
    rooms: int = strawberry.field(description="Rooms with assets registered or bought for them")
    rooms_complete: int = strawberry.field(description="Rooms whose registration is complete")
    registered: int = strawberry.field(description="Assets registered to a room")
    waiting: int = strawberry.field(description="Assets waiting to be registered")
    waiting_fen: int = strawberry.field(description="What the waiting assets are worth, in fen (分)")
    complete: bool = strawberry.field(description="Whether the campus's registration is complete (nothing waits)")


@strawberry.type
class RegistrationOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(
        description="Registration complete on this campus (各室财产登记): rooms complete, assets registered and "
        "waiting (null: no asset registered or received yet)"
    )
    async def asset_registration(self, info: Ctx) -> CampusRegistration | None:
        info.context.require()
        body = await get(info.context, "inventory", "/asset-registration/campuses", campus_id=str(self.campus_id))
        items = body["items"]
        return row(CampusRegistration, items[0]) if items else None

    @strawberry.field(description="Registration complete per room of this campus: registered against waiting")
    async def room_registration(
        self,
        info: Ctx,
        incomplete: Annotated[
            bool | None, strawberry.argument(description="Only the rooms not complete (true) or complete (false)")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[RoomRegistration] | None:
        return await page(
            info, "inventory", "/asset-registration/rooms", RoomRegistration, "room_key", first, after,
            campus_id=str(self.campus_id), incomplete=incomplete,
        )  # fmt: skip

    @strawberry.field(
        description="The assets of accepted purchases on this campus, waiting to be registered to a room (by "
        "default) or registered"
    )
    async def assets_to_register(
        self,
        info: Ctx,
        room: Annotated[str | None, strawberry.argument(description="Only those in, or bought for, this room")] = None,
        status: Annotated[
            RegistrationStatus | None, strawberry.argument(description="Only these (default: waiting)")
        ] = RegistrationStatus.WAITING,
        purchase_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only those of this purchase")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[RegistrationAsset] | None:
        return await page(
            info, "inventory", "/asset-registration/assets", RegistrationAsset, "asset_id", first, after,
            campus_id=str(self.campus_id), room=room, status=status.value if status else None,
            purchase_id=purchase_id,
        )  # fmt: skip
