"""The registration's assets looked up by id, several in one read (what GraphQL's
``Asset.registration`` batches), in the caller's scope."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.inventory.test_assets_from_purchases import accepted_purchase
from tests.school import SchoolWorld


async def test_the_registration_s_assets_are_read_by_id_in_scope(world: SchoolWorld) -> None:
    pid = f"p-{uuid4().hex[:8]}"
    await accepted_purchase(world, pid, projectors=3)
    first, third = f"bought-{pid}-1-1", f"bought-{pid}-1-3"

    async def by_id() -> list[dict[str, Any]] | None:
        body = (await world.get("/asset-registration/assets", ids=f"{first},{third},unknown-asset")).json()
        items: list[dict[str, Any]] = body["items"]
        return items if len(items) == 2 else None

    items = await eventually(by_id)
    assert [(i["asset_id"], i["status"], i["purchase_id"]) for i in items] == [
        (first, "waiting", pid),
        (third, "waiting", pid),
    ]

    async def all_three() -> list[dict[str, Any]] | None:  # each asset is a stream of its own: the second can lag
        items: list[dict[str, Any]] = (await world.get("/asset-registration/assets", purchase_id=pid)).json()["items"]
        return items if len(items) == 3 else None

    every = await eventually(all_three)
    assert len(every) == 3  # the filter, not the purchase, kept two
    other = await world.get("/asset-registration/assets", as_="manager-aoyuan", ids=f"{first},{third}")
    assert other.status_code == 200 and other.json()["items"] == []
