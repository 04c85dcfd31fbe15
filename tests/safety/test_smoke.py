from __future__ import annotations

from tests.conftest import eventually
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
