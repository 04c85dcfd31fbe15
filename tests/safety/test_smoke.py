from __future__ import annotations

from services.eventkit.auth import Role
from tests.conftest import eventually, token_for
from tests.safety.conftest import SafetyWorld


async def test_a_reported_hazard_shows_in_the_inspection_status(world: SafetyWorld) -> None:
    response = await world.post(
        "/hazards",
        {
            "hazard_id": "wall-tiles",
            "campus_id": "aoyuan",
            "area": "教学楼外墙",
            "description": "墙砖脱落",
            "severity": "high",
            "at": "2020-10-12T08:30:00+08:00",
        },
        as_="manager-aoyuan",
    )
    assert response.status_code == 200, response.text

    async def shown() -> bool:
        status = (await world.get("/inspection-status/aoyuan", as_="manager-aoyuan")).json()
        return bool(status["hazards"]["open_by_severity"]["high"] == 1)

    await eventually(shown)


async def test_the_lag_of_a_service_is_for_its_operators(world: SafetyWorld) -> None:
    client, settings = world.client, world.service.settings
    assert (await client.get("/ops/lag")).status_code == 401
    assert (await world.get("/ops/lag", as_="manager-main")).status_code == 403
    assert (await world.get("/ops/lag", as_="admin")).status_code == 403  # a district's admin runs no servers
    operator = await client.get("/ops/lag", headers=token_for(settings, "ops", Role.OPERATOR))
    assert operator.status_code == 200 and operator.json()["service"] == "safety"
    assert "outbox_pending" in operator.json()
