"""Outside the caller's scope an entity does not exist (services/eventkit/errors.py): a manager of
Aoyuan asking for a key or an asset of the main campus gets exactly the answer of an id that
nothing has, and a refusal of a taken key number names neither its holder nor its campus."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from tests.inventory.test_assets_api import asset
from tests.inventory.test_keys_api import key
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def answer(response: httpx.Response, entity_id: str) -> tuple[int, Any]:
    """The status and body, the id in it replaced: what tells one id's answer from another's."""
    return response.status_code, response.text.replace(entity_id, "?")


async def same_as_nothing(world: SchoolWorld, method: str, path: str, entity_id: str, body: Any = None) -> None:
    nobody = uid("nothing")
    answers = []
    for eid in (entity_id, nobody):
        url = path.format(id=eid)
        response = await (
            world.get(url, as_="manager-aoyuan") if method == "GET" else world.post(url, body, as_="manager-aoyuan")
        )
        answers.append(answer(response, eid))
    assert answers[0] == answers[1], (path, answers)
    assert answers[0][0] == 404, (path, answers)


async def test_a_key_of_another_campus_answers_as_one_that_does_not_exist(world: SchoolWorld) -> None:
    kid = uid("office")
    assert (await world.post("/keys", key(kid))).status_code == 200  # out with huang, on main
    before = await world.events()
    await same_as_nothing(world, "GET", "/keys/{id}", kid)
    await same_as_nothing(world, "GET", "/history/key-{id}", kid)
    await same_as_nothing(world, "POST", "/keys/{id}/return", kid, {"on": "2020-09-02"})
    await same_as_nothing(world, "POST", "/keys/{id}/lost", kid, {"on": "2020-09-02"})

    # issuing the same key number on Aoyuan: refused, naming neither its holder nor its campus
    mine = key(kid, campus_id="aoyuan", holder_id="chen-clean", door="奥园 门卫室")
    refused = await world.post("/keys", mine, as_="manager-aoyuan")
    assert (refused.status_code, refused.json()) == (
        409,
        {"error": "rejected", "reason": f"key_id {kid} is taken: choose another", "field": "key_id"},
    )
    for leaked in ("huang", "main", "本部", "out with"):
        assert leaked not in refused.text.replace(kid, "?")
    assert await world.events() == before

    # within the scope the refusal still says why
    again = await world.post("/keys", key(kid, holder_id="sun"))
    assert again.status_code == 409 and "out with huang" in again.json()["reason"]


async def test_an_asset_of_another_campus_answers_as_one_that_does_not_exist(world: SchoolWorld) -> None:
    aid = uid("a")
    registered = await world.post("/assets", asset(aid, tag=f"XJ-{aid}"))
    assert registered.status_code == 200, registered.text
    before = await world.events()
    await same_as_nothing(world, "GET", "/assets/{id}", aid)
    await same_as_nothing(world, "POST", "/assets/{id}/move", aid, {"to_room": "奥园 仓库"})
    await same_as_nothing(
        world, "POST", "/assets/{id}/damage", aid, {"cause": "wear", "description": "屏幕坏了", "on": "2020-11-02"}
    )
    # registering the same asset id on Aoyuan: the id is taken, nothing more is said
    elsewhere = await world.post("/assets", asset(aid, "aoyuan", tag=f"AY-{aid}"), as_="manager-aoyuan")
    assert (elsewhere.status_code, elsewhere.json()["reason"]) == (409, f"asset_id {aid} is taken: choose another")
    assert await world.events() == before
