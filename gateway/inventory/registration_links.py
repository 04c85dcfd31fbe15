"""Where an asset stands in the registration (各室财产登记), read from the asset and from the
purchase that brought it: ``Asset.registration`` (the accepted purchase it came from, and who
registered it to its room) and ``Purchase.receivedAssets`` (the equipment an accepted purchase
brought, waiting to be registered to a room or registered).

``Asset`` and ``Purchase`` (``gateway.inventory.types``) take these fields as bases. A page of
assets asks the inventory once for the registration of all of them, whatever the page's size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from gateway.common.pages import Connection, page, row
from gateway.context import GatewayContext
from gateway.inventory.asset_links import every_item
from gateway.inventory.registration import RegistrationAsset, RegistrationStatus

Ctx = Info[GatewayContext, None]


def _registration_by_asset(context: GatewayContext) -> DataLoader[str, RegistrationAsset | None]:
    async def load(ids: list[str]) -> list[RegistrationAsset | None]:
        items = await every_item(context, "inventory", "/asset-registration/assets", ids=",".join(sorted(set(ids))))
        found = {i["asset_id"]: row(RegistrationAsset, i) for i in items}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


@strawberry.type
class AssetRegistrationLink:
    if TYPE_CHECKING:
        asset_id: strawberry.ID  # the asset's own field

    @strawberry.field(
        description="Its registration (各室财产登记): registered (or disposed of), with the accepted purchase it "
        "came from and the day it was accepted (null purchase: registered by hand), or null outside the "
        "caller's scope"
    )
    def registration(self, info: Ctx) -> RegistrationAsset | None:
        loader = info.context.loader("inventory_asset_registration", _registration_by_asset)
        return cast("RegistrationAsset | None", loader.load(str(self.asset_id)))


@strawberry.type
class PurchaseAssetsLink:
    if TYPE_CHECKING:
        purchase_id: strawberry.ID  # the purchase's own field

    @strawberry.field(
        description="The equipment it brought once accepted (catalogued items kept as assets, one per unit): "
        "waiting to be registered to a room, registered, or disposed of, by line and unit"
    )
    async def received_assets(
        self,
        info: Ctx,
        status: Annotated[
            RegistrationStatus | None, strawberry.argument(description="Only these (default: every one)")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[RegistrationAsset] | None:
        return await page(
            info, "inventory", "/asset-registration/assets", RegistrationAsset, "asset_id", first, after,
            purchase_id=str(self.purchase_id), status=status.value if status else None,
        )  # fmt: skip
