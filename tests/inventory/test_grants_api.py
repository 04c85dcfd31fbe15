"""Roles granted per campus on the running inventory service: a manager of one campus who is a
teacher on another does a manager's acts only on the first, and reads only where she serves."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from services.eventkit.auth import Grant, Principal, Role, mint_token
from tests.conftest import eventually
from tests.school import SchoolWorld

MANAGER, TEACHER = Role.LOGISTICS_MANAGER, Role.TEACHER


def bearer(world: SchoolWorld, *grants: Grant) -> dict[str, str]:
    principal = Principal(subject="gu", name="顾", grants=frozenset(grants))
    return {"Authorization": f"Bearer {mint_token(world.service.settings, principal)}"}


def receipt(campus: str, n: int = 5) -> dict[str, Any]:
    return {"campus_id": campus, "item_id": "gloves", "quantity": n, "reason": "区里调拨"}


def item(item_id: str) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "school_id": "xuexiao",
        "name": "拖把",
        "unit": "把",
        "category": "日常用品",
        "consumable": True,
        "unit_price_fen": 1800,
        "reorder_point": 5,
    }


async def test_stock_is_received_only_where_the_manager_role_was_granted(world: SchoolWorld) -> None:
    split = bearer(world, Grant(role=MANAGER, campus="main"), Grant(role=TEACHER, campus="aoyuan"))
    before = await world.events()
    refused = await world.client.post("/stock/receipts", json=receipt("aoyuan"), headers=split)
    assert refused.status_code == 403, refused.text
    assert "aoyuan" in refused.json()["reason"]
    assert await world.events() == before
    # the same roles over both campuses without grants: a manager on both (as before)
    both = Principal(subject="gu", roles=frozenset([MANAGER, TEACHER]), campuses=frozenset(["main", "aoyuan"]))
    old = {"Authorization": f"Bearer {mint_token(world.service.settings, both)}"}
    assert (await world.client.post("/stock/receipts", json=receipt("aoyuan"), headers=old)).status_code == 200
    received = await world.client.post("/stock/receipts", json=receipt("main"), headers=split)
    assert received.status_code == 200, received.text
    assert await world.events() == before + 2


async def test_a_schools_catalogue_is_kept_by_a_manager_of_one_of_its_campuses_not_by_its_teacher(
    world: SchoolWorld,
) -> None:
    # a manager of a campus of another school, who teaches on aoyuan (of xuexiao)
    elsewhere = bearer(world, Grant(role=MANAGER, campus="wujin-1"), Grant(role=TEACHER, campus="aoyuan"))
    before = await world.events()
    refused = await world.client.post("/items", json=item(f"mop-{uuid4().hex[:6]}"), headers=elsewhere)
    assert refused.status_code == 403, refused.text
    assert await world.events() == before
    manager_of_aoyuan = bearer(world, Grant(role=MANAGER, campus="aoyuan"))
    kept = await world.client.post("/items", json=item(f"mop-{uuid4().hex[:6]}"), headers=manager_of_aoyuan)
    assert kept.status_code == 200, kept.text


async def test_a_read_covers_the_campuses_granted_and_no_other(world: SchoolWorld) -> None:
    await world.post("/stock/receipts", receipt("main", 3))
    await world.post("/stock/receipts", receipt("aoyuan", 3), as_="manager-aoyuan")

    async def campuses(headers: dict[str, str]) -> set[str]:
        response = await world.client.get("/stock", params={"limit": 500}, headers=headers)
        assert response.status_code == 200, response.text
        return {row["campus_id"] for row in response.json()["items"]}

    main_only = bearer(world, Grant(role=MANAGER, campus="main"))
    split = bearer(world, Grant(role=MANAGER, campus="main"), Grant(role=TEACHER, campus="aoyuan"))

    async def both_listed() -> bool:
        return await campuses(split) == {"main", "aoyuan"}

    await eventually(both_listed)
    assert await campuses(main_only) == {"main"}
    aoyuan = await world.client.get("/stock", params={"campus_id": "aoyuan"}, headers=main_only)
    assert aoyuan.status_code == 200 and aoyuan.json()["items"] == []
