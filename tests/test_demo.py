"""The demo district loads through the real APIs and holds the seed's facts."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from demo.loader import DemoLoader
from demo.school import SET_UP_AT, TERM_ENDS
from demo.timeline import acts_of, out_of_order
from services.directory.service import DIRECTORY
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import SettingsFactory, eventually


async def test_the_demo_holds_the_semester_of_the_seed(make_settings: SettingsFactory, start_service: Any) -> None:
    ns = f"demo{uuid4().hex[:6]}"
    services = {
        d.name: await start_service(d, await make_settings(d.name, namespace_suffix=ns))
        for d in (DIRECTORY, SAFETY, INVENTORY)
    }
    loader = DemoLoader({name: svc.client for name, svc in services.items()}, services["safety"].settings)
    assert not await loader.already_loaded()
    sent = await loader.load()
    assert sent > 200 and await loader.already_loaded()

    safety = services["safety"].client
    zhou = loader.token("zhou")

    async def summary() -> dict[str, Any] | None:
        body = (await safety.get("/injuries/summary", params={"campus_id": "main"}, headers=zhou)).json()
        return body if body.get("total") == 3 else None

    main_injuries = await eventually(summary, timeout=60)  # three on main, one on Aoyuan
    assert main_injuries["total"] == 3

    async def drills_done() -> bool:
        page = (await safety.get("/drills", params={"campus_id": "main"}, headers=zhou)).json()
        return {d["kind"] for d in page["items"] if d["status"] == "summarised"} == {
            "epidemic",
            "infectious_disease",
            "food_poisoning",
            "fire",
            "school_bus",
            "gas_leak",
        }

    await eventually(drills_done, timeout=60)
    gu = loader.token("gu")

    async def hazards_resolved() -> bool:
        items = (await safety.get("/hazards", params={"limit": 100}, headers=gu)).json()["items"]
        escalated = [h for h in items if h["escalated"]]
        return len(escalated) == 2 and all(h["status"] == "closed" for h in escalated)

    await eventually(hazards_resolved, timeout=60)
    inventory = services["inventory"].client

    async def keys_out() -> bool:
        page = (await inventory.get("/keys/outstanding", params={"campus_id": "main"}, headers=zhou)).json()
        return len(page["items"]) == 2

    await eventually(keys_out, timeout=60)

    # every stream of the demo reads true in time: each act at its own date in the term
    acts = [act for name, svc in services.items() for act in await acts_of(name, svc.pool)]
    assert len(acts) >= sent
    assert out_of_order(acts, window=(SET_UP_AT, TERM_ENDS)) == []
