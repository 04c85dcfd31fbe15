"""No event larger than the broker accepts is ever appended: a 413 naming the type and the limit.

The limit here is lowered to 2,048 bytes (the default, 960 KiB, is above what the field bounds
let a command write), on a second app over the safety service's database, lane on and off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from services.eventkit.app import create_app
from services.eventkit.runtime import Mode
from services.safety.service import SAFETY
from tests.conftest import RunningService
from tests.safety.conftest import SafetyWorld
from tests.safety.test_hazards_api import hazard, uid

LIMIT = 2048


@asynccontextmanager
async def limited(service: RunningService, *, lane: bool) -> AsyncIterator[httpx.AsyncClient]:
    settings = service.settings.model_copy(update={"max_event_bytes": LIMIT, "command_lane": lane})
    app = create_app(SAFETY, settings, mode=Mode.API)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://service") as c:
        yield c


async def counts(world: SafetyWorld) -> tuple[int, int, int]:
    """Events, the last event's position, and command ids claimed. An outbox row is written with
    its event, and the relay drains the outbox meanwhile: no row past the last position is the
    sign that none was added (:func:`outbox_after`)."""
    row = await world.safety.pool.fetchrow(
        "SELECT (SELECT count(*) FROM events) AS e, (SELECT coalesce(max(position), 0) FROM events) AS p, "
        "(SELECT count(*) FROM commands) AS c"
    )
    assert row is not None
    return row["e"], row["p"], row["c"]


async def outbox_after(world: SafetyWorld, position: int) -> int:
    return int(await world.safety.pool.fetchval("SELECT count(*) FROM outbox WHERE position > $1", position))


async def test_a_command_whose_event_is_too_large_is_refused_with_nothing_appended(world: SafetyWorld) -> None:
    for lane in (True, False):
        async with limited(world.safety, lane=lane) as client:
            before = await counts(world)
            hazard_id = uid("huge")
            body = hazard(hazard_id, description="外墙墙砖脱落" * 150)  # 2,700 bytes of UTF-8
            headers = world.tokens["guard-main"] | {"Idempotency-Key": uid("key")}
            response = await client.post("/hazards", json=body, headers=headers)
            assert response.status_code == 413, response.text
            refusal = response.json()
            assert refusal["error"] == "event_too_large"
            assert refusal["event_type"] == "safety.HazardReported" and refusal["limit_bytes"] == LIMIT
            assert "safety.HazardReported" in refusal["reason"] and str(LIMIT) in refusal["reason"]
            assert await counts(world) == before  # no event, no command id claimed
            assert await outbox_after(world, before[1]) == 0  # no outbox row
            on_stream = "SELECT count(*) FROM events WHERE stream_id LIKE $1"
            assert await world.safety.pool.fetchval(on_stream, f"%{hazard_id}") == 0

            # the same command with a short description goes in
            small = await client.post("/hazards", json=hazard(hazard_id), headers=world.tokens["guard-main"])
            assert small.status_code == 200, small.text
            assert await world.safety.pool.fetchval(on_stream, f"%{hazard_id}") == 1
