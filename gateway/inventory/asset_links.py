"""What an asset and a compensation charge reach from each other: an asset's room audits and its
charges in full, a charge's asset; and the room audit (盘点各室资产) itself.

``Asset`` and ``CompensationCharge`` (``gateway.inventory.types``) take these fields as bases
(:class:`AssetLinks`, :class:`ChargeLinks`), so they are named here lazily. Each link is a
dataloader: a page of assets asks the inventory once for the room audits of all of them, once for
their charges, and a page of charges once for their assets, whatever the page's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.pages import MAX_FIRST, get, row
from gateway.context import GatewayContext

if TYPE_CHECKING:
    from gateway.inventory.types import Asset, CompensationCharge

Ctx = Info[GatewayContext, None]

AssetRef = Annotated["Asset", strawberry.lazy("gateway.inventory.types")]
ChargeRef = Annotated["CompensationCharge", strawberry.lazy("gateway.inventory.types")]


@strawberry.type(description="A room audit (盘点各室资产): the tags found in a room against those registered to it")
class RoomAudit:
    audit_id: strawberry.ID = strawberry.field(description="The audit's id")
    campus_id: strawberry.ID
    room: str = strawberry.field(description="The room audited, as the campus names it")
    audited_on: dt.date = strawberry.field(description="The day it was audited")
    audited_by: str = strawberry.field(description="Who audited it")
    found_tags: list[str] = strawberry.field(description="The asset tags found in the room")
    missing: list[str] = strawberry.field(description="Tags registered to the room and not found in it")
    unregistered: list[str] = strawberry.field(description="Tags found in the room and not registered to it")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"roomaudit-{self.audit_id}", first)


async def every_item(context: GatewayContext, service: str, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a service's list (the largest pages; one call unless the list is longer)."""
    items: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        body = await get(context, service, path, limit=MAX_FIRST, after=after, **params)
        items.extend(body["items"])
        after = body["next_cursor"]
        if after is None:
            return items


def _ids(keys: list[str]) -> str:
    return ",".join(sorted(set(keys)))


def _assets_by_id(context: GatewayContext) -> DataLoader[str, Asset | None]:
    from gateway.inventory.types import Asset

    async def load(ids: list[str]) -> list[Asset | None]:
        found = {i["asset_id"]: row(Asset, i) for i in await every_item(context, "inventory", "/assets", ids=_ids(ids))}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _charges_by_asset(context: GatewayContext) -> DataLoader[str, list[CompensationCharge]]:
    from gateway.inventory.types import CompensationCharge

    async def load(ids: list[str]) -> list[list[CompensationCharge]]:
        found: dict[str, list[CompensationCharge]] = defaultdict(list)
        for item in await every_item(context, "inventory", "/compensations", asset_ids=_ids(ids)):
            found[item["asset_id"]].append(row(CompensationCharge, item))
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


# An asset's audits are those of its campus naming its tag: the key carries both.
AuditKey = tuple[str, str, str]  # asset id, campus id, tag


def _audits_by_asset(context: GatewayContext) -> DataLoader[AuditKey, list[RoomAudit]]:
    async def load(keys: list[AuditKey]) -> list[list[RoomAudit]]:
        audits = await every_item(context, "inventory", "/room-audits", asset_ids=_ids([k[0] for k in keys]))
        return [
            [
                row(RoomAudit, a)
                for a in audits
                if a["campus_id"] == campus_id and tag in (*a["found_tags"], *a["missing"], *a["unregistered"])
            ]
            for _, campus_id, tag in keys
        ]

    return DataLoader(load_fn=load)


def load_asset(info: Ctx, asset_id: str) -> Asset | None:
    """The asset, through the request's loader (the future, which graphql-core awaits)."""
    return cast("Asset | None", info.context.loader("inventory_asset", _assets_by_id).load(asset_id))


@strawberry.type
class AssetLinks:
    if TYPE_CHECKING:
        asset_id: strawberry.ID  # the asset's own fields
        campus_id: strawberry.ID
        tag: str

    @strawberry.field(
        description="The room audits that name its tag (found, missing or found unregistered), in the order of "
        "their ids"
    )
    def room_audits(self, info: Ctx) -> list[RoomAudit]:
        key = (str(self.asset_id), str(self.campus_id), self.tag)
        return cast("list[RoomAudit]", info.context.loader("inventory_asset_audits", _audits_by_asset).load(key))

    @strawberry.field(description="The compensation charges raised for it, in full, in the order of their ids")
    def compensations(self, info: Ctx) -> list[ChargeRef]:
        loader = info.context.loader("inventory_asset_charges", _charges_by_asset)
        return cast("list[CompensationCharge]", loader.load(str(self.asset_id)))


@strawberry.type
class ChargeLinks:
    if TYPE_CHECKING:
        asset_id: strawberry.ID | None  # the charge's own field

    @strawberry.field(description="The asset charged for (null: an item of the catalogue, or out of scope)")
    def asset(self, info: Ctx) -> AssetRef | None:
        return None if self.asset_id is None else load_asset(info, str(self.asset_id))


@strawberry.type
class RegisteredAssetLinks:
    if TYPE_CHECKING:
        asset_id: strawberry.ID  # the registration's own fields
        status: str

    @strawberry.field(
        description="The room asset it became once registered, with its damages and charges (null: still waiting, "
        "or out of scope)"
    )
    def asset(self, info: Ctx) -> AssetRef | None:
        return None if self.status == "waiting" else load_asset(info, str(self.asset_id))
