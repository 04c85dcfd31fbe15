"""The demo's loops closed by reactions: the hydrant door's verified repair rectifies its hazard
(closed by a manager who did not fix it), and the new classrooms' equipment is partly registered
to its rooms, leaving assets not registered (seed: 各室财产登记未完成)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from demo import repairs_and_equipment as equipment
from demo.loader import DemoLoader
from demo.school import SET_UP_AT, TERM_ENDS
from demo.timeline import acts_of, out_of_order
from services.directory.service import DIRECTORY
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import SettingsFactory, eventually


async def test_the_demo_s_repair_rectifies_its_hazard_and_rooms_wait_for_their_assets(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    ns = f"demor{uuid4().hex[:6]}"
    services = {
        d.name: await start_service(d, await make_settings(d.name, namespace_suffix=ns))
        for d in (DIRECTORY, SAFETY, INVENTORY)
    }
    loader = DemoLoader({name: svc.client for name, svc in services.items()}, services["safety"].settings)
    await loader.load_directory()
    await loader.load_safety()
    await loader.load_inventory()
    await equipment.load_repairs_and_equipment(loader)
    safety, inventory = services["safety"], services["inventory"]
    zhou = loader.token("zhou")

    # the hydrant door: rectified by its verified repair, named after the technician, then closed by gu
    rectified = await safety.pool.fetchrow(
        "SELECT actor, data->>'rectified_by' AS by, data->>'repair_id' AS repair FROM events "
        "WHERE stream_id = 'hazard-main-hydrant-door' AND type = 'safety.HazardRectified'"
    )
    assert dict(rectified) == {
        "actor": "safety.hazards-from-repairs",
        "by": "wang-tech",
        "repair": equipment.HYDRANT_REPAIR,
    }

    async def closed() -> dict[str, Any] | None:
        body: dict[str, Any] = (await safety.client.get("/hazards/main-hydrant-door", headers=zhou)).json()
        return body if body.get("status") == "closed" else None

    hazard = await eventually(closed, timeout=60)
    assert hazard["rectified_by"] == "wang-tech" and hazard["verified_by"] == "gu"

    # the classrooms' 123 units: 73 registered (3 projectors; 40, 20 and 10 desks), 50 desks wait in 302 and 303
    async def campus() -> dict[str, Any] | None:
        page = await inventory.client.get("/asset-registration/campuses", params={"campus_id": "main"}, headers=zhou)
        items = page.json()["items"]
        return items[0] if items and items[0]["waiting"] == 50 and items[0]["registered"] == 73 else None

    figure = await eventually(campus, timeout=60)
    assert figure["complete"] is False and figure["waiting_fen"] == 50 * equipment.DESK_FEN
    assert equipment.DESKS_WAITING == 50
    rooms = (await inventory.client.get("/asset-registration/rooms", params={"campus_id": "main"}, headers=zhou)).json()
    by_room = {r["room"]: r for r in rooms["items"]}
    assert "" not in by_room  # every unit was bought for a room, or registered to one
    got = {
        room: (by_room[room]["registered"], by_room[room]["waiting"], by_room[room]["complete"])
        for room in equipment.ROOMS
    }
    assert got == {  # each room's desks and its projector
        "301 六1班教室": (41, 0, True),
        "302 六2班教室": (21, 20, False),
        "303 新增教室": (11, 30, False),
    }
    waiting = await inventory.client.get(
        "/asset-registration/assets",
        params={
            "purchase_id": equipment.CLASSROOMS_PURCHASE,
            "status": "waiting",
            "count": "true",
            "limit": 1,
        },
        headers=zhou,
    )
    assert waiting.json()["total"] == 50

    # every act of these services at its own date in the term
    acts = [act for name, svc in services.items() for act in await acts_of(name, svc.pool)]
    assert out_of_order(acts, window=(SET_UP_AT, TERM_ENDS)) == []
