"""An Idempotency-Key is its caller's own, on its route, and bound to its request: through the
command lane and through the framework alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY

from services.safety.service import SAFETY
from tests.safety.conftest import SafetyWorld
from tests.safety.test_command_lane import without_lane
from tests.safety.test_hazards_api import hazard, uid

REUSED = {
    "error": "validation_error",
    "detail": [
        {
            "field": "Idempotency-Key",
            "reason": "this Idempotency-Key was first used with another request (another body or path): "
            "a new request needs a new key",
        }
    ],
}


@pytest_asyncio.fixture(loop_scope="session")
async def plain(world: SafetyWorld) -> AsyncIterator[httpx.AsyncClient]:
    async with without_lane(world.safety, SAFETY) as client:
        yield client


def laned() -> float:
    return REGISTRY.get_sample_value("houqin_command_lane_requests_total", {"outcome": "served"}) or 0.0


@pytest.mark.parametrize("through", ["lane", "framework"])
async def test_a_key_is_the_callers_own_on_its_route_and_bound_to_its_request(
    world: SafetyWorld, plain: httpx.AsyncClient, through: str
) -> None:
    client = world.client if through == "lane" else plain
    served = laned()

    async def send(path: str, body: dict[str, Any], as_: str, key: str) -> httpx.Response:
        return await client.post(path, json=body, headers=world.tokens[as_] | {"Idempotency-Key": key})

    key, hid, other = uid("key"), uid("hz"), uid("hz")
    first = await send("/hazards", hazard(hid), "manager-main", key)
    assert first.status_code == 200 and first.json()["duplicate"] is False, first.text

    before = await world.events()
    for body in (hazard(hid, description="另一处窨井盖"), hazard(other)):  # another body, the same key
        refused = await send("/hazards", body, "manager-main", key)
        assert refused.status_code == 422 and refused.json() == REUSED, refused.text
    assert await world.events() == before
    assert await world.safety.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", f"hazard-{other}") == 0

    # the same request again: the first result, nothing appended
    again = await send("/hazards", hazard(hid), "manager-main", key)
    assert again.status_code == 200, again.text
    assert again.json() | {"duplicate": False} == first.json() and again.json()["duplicate"] is True
    assert await world.events() == before

    # another caller's same key: its own command, never the first one's result
    same_body = await send("/hazards", hazard(hid), "manager-both", key)
    assert same_body.status_code == 409 and same_body.json()["error"] == "rejected", same_body.text  # already reported
    theirs = await send("/hazards", hazard(other), "manager-both", key)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["duplicate"] is False and theirs.json()["stream_id"] == f"hazard-{other}"
    assert await world.events() == before + 1

    # an entity's route: the key is bound to the path as well
    escalate = {"authority": "新北区教育局 基建科"}
    path_key = uid("key")
    escalated = await send(f"/hazards/{hid}/escalate", escalate, "manager-main", path_key)
    assert escalated.status_code == 200, escalated.text
    before = await world.events()
    elsewhere = await send(f"/hazards/{other}/escalate", escalate, "manager-main", path_key)
    assert elsewhere.status_code == 422 and elsewhere.json() == REUSED, elsewhere.text
    assert await world.events() == before
    retried = await send(f"/hazards/{hid}/escalate", escalate, "manager-main", path_key)
    assert retried.json()["duplicate"] is True and retried.json()["event_ids"] == escalated.json()["event_ids"]
    # the key of the report, on another route: another command
    on_another_route = await send(f"/hazards/{other}/escalate", escalate, "manager-main", key)
    assert on_another_route.status_code == 200 and on_another_route.json()["duplicate"] is False
    assert await world.events() == before + 1
    assert (laned() > served) == (through == "lane")
