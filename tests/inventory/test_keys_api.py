"""Key endpoints on the running inventory service: issue, return, lose, and the lists that follow."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def key(key_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "key_id": key_id,
        "campus_id": "main",
        "door": "本部 行政楼 301 办公室",
        "holder_id": "huang",
        "on": "2020-09-01",
        "due_on": "2020-10-31",
    } | extra


async def listed(world: SchoolWorld, path: str, key_id: str, as_: str = "manager-main", **params: Any) -> Any:
    response = await world.get(path, as_=as_, limit=500, **params)
    assert response.status_code == 200, response.text
    return next((row for row in response.json()["items"] if row["key_id"] == key_id), None)


async def test_a_key_goes_out_is_overdue_comes_back_and_goes_out_again(world: SchoolWorld) -> None:
    kid = uid("office")
    issued = await world.post("/keys", key(kid))
    assert issued.status_code == 200, issued.text
    assert issued.json()["events"] == ["inventory.KeyIssued"]

    row = await eventually(lambda: listed(world, "/keys/outstanding", kid, campus_id="main"))
    assert row["holder_id"] == "huang" and row["state"] == "issued" and row["issued_by"] == "zhou"
    assert await listed(world, "/keys", kid, holder_id="huang", state="issued")
    overdue = await listed(world, "/keys/overdue", kid, as_of="2020-11-05")
    assert overdue["days_overdue"] == 5 and overdue["as_of"] == "2020-11-05"
    assert await listed(world, "/keys/overdue", kid, as_of="2020-10-31") is None  # due that day: not yet overdue
    # another campus's manager does not see it
    assert await listed(world, "/keys", kid, as_="manager-aoyuan") is None

    returned = await world.post(f"/keys/{kid}/return", {"on": "2020-11-06"})
    assert returned.status_code == 200, returned.text

    async def back() -> bool:
        row = await listed(world, "/keys", kid, state="returned")
        return bool(row and row["received_by"] == "zhou")

    await eventually(back)
    assert await listed(world, "/keys/outstanding", kid) is None
    assert await listed(world, "/keys/overdue", kid, as_of="2020-11-10") is None

    again = await world.post("/keys", key(kid, holder_id="sun", on="2020-11-09", due_on="2021-01-31"))
    assert again.status_code == 200, again.text

    async def out_again() -> Any:
        row = await listed(world, "/keys/outstanding", kid)
        return row if row and row["holder_id"] == "sun" else None

    assert (await eventually(out_again))["loans"] == 2
    one = (await world.get(f"/keys/{kid}")).json()
    assert [(h["holder_id"], h["ended"]) for h in one["history"]] == [("huang", "returned"), ("sun", None)]


async def test_a_holder_reports_their_key_lost_and_it_can_be_issued_again(world: SchoolWorld) -> None:
    kid = uid("lab")
    assert (await world.post("/keys", key(kid, holder_id="huang"))).status_code == 200
    other = await world.post(f"/keys/{kid}/lost", {"on": "2020-11-03"}, as_="teacher2-g6")
    assert other.status_code == 403  # neither the holder nor a manager
    lost = await world.post(f"/keys/{kid}/lost", {"on": "2020-11-03", "lock_changed": False}, as_="teacher-g6")
    assert lost.status_code == 200, lost.text
    refused = await world.post(f"/keys/{kid}/return", {"on": "2020-11-04"})
    assert refused.status_code == 409 and refused.json()["error"] == "rejected"

    async def is_lost() -> Any:
        return await listed(world, "/keys", kid, state="lost")

    assert (await eventually(is_lost))["lost_on"] == "2020-11-03"
    reissued = await world.post("/keys", key(kid, holder_id="sun", on="2020-11-05", due_on="2020-12-31"))
    assert reissued.status_code == 200, reissued.text


async def test_a_key_returned_twice_is_refused(world: SchoolWorld) -> None:
    kid = uid("gate")
    assert (await world.post("/keys", key(kid))).status_code == 200
    assert (await world.post(f"/keys/{kid}/return", {"on": "2020-10-01"})).status_code == 200
    before = await world.events()
    twice = await world.post(f"/keys/{kid}/return", {"on": "2020-10-02"})
    assert twice.status_code == 409 and twice.json()["error"] == "rejected"
    out = await world.post("/keys", key(kid, on="2020-09-15"))  # before it came back
    assert out.status_code == 409 and (out.json()["error"], out.json()["field"]) == ("out_of_order", "on")
    assert await world.events() == before


async def test_a_stale_expected_version_is_a_conflict(world: SchoolWorld) -> None:
    kid = uid("store")
    assert (await world.post("/keys", key(kid))).status_code == 200
    before = await world.events()
    stale = await world.post(f"/keys/{kid}/return", {"on": "2020-10-01", "expected_version": 0})
    assert stale.status_code == 409
    assert stale.json()["error"] == "version_conflict" and stale.json()["field"] == "expected_version"
    assert await world.events() == before
    fresh = await world.post(f"/keys/{kid}/return", {"on": "2020-10-01", "expected_version": 1})
    assert fresh.status_code == 200, fresh.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"holder_id": "nobody"}, "holder_id"),
        ({"due_on": "2020-08-31"}, "due_on"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"key_id": "Has Spaces"}, "key_id"),
        ({"on": "yesterday"}, "on"),
        ({"door": ""}, "door"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_keys_name_the_field_and_append_nothing(world: SchoolWorld, body: dict[str, Any], field: str) -> None:
    before = await world.events()
    response = await world.post("/keys", key(uid("bad")) | body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_bad_returns_and_queries_are_422(world: SchoolWorld) -> None:
    kid = uid("cupboard")
    assert (await world.post("/keys", key(kid))).status_code == 200
    before = await world.events()
    response = await world.post(f"/keys/{kid}/return", {"on": "soon"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "on"
    assert await world.events() == before
    bad_state = await world.get("/keys", state="misplaced")
    assert bad_state.status_code == 422 and bad_state.json()["detail"][0]["field"] == "query.state"
    bad_day = await world.get("/keys/overdue", as_of="someday")
    assert bad_day.status_code == 422


async def test_out_of_scope_is_forbidden_and_appends_nothing(world: SchoolWorld) -> None:
    kid = uid("hall")
    before = await world.events()
    assert (await world.post("/keys", key(kid), as_="manager-aoyuan")).status_code == 403
    assert (await world.post("/keys", key(kid), as_="teacher-g6")).status_code == 403
    assert await world.events() == before
    assert (await world.post("/keys", key(kid))).status_code == 200
    before = await world.events()
    # another campus's key: as if there were none (tests/inventory/test_out_of_scope_api.py)
    assert (await world.post(f"/keys/{kid}/return", {"on": "2020-10-01"}, as_="manager-aoyuan")).status_code == 404
    assert (await world.post(f"/keys/{kid}/return", {"on": "2020-10-01"}, as_="guard-main")).status_code == 403
    assert (await world.get("/keys", as_="parent-yao")).status_code == 403
    assert await world.events() == before
    assert (await world.post("/keys/nothing-here/return", {"on": "2020-10-01"})).status_code == 404
    assert (await world.get(f"/keys/{kid}", as_="manager-aoyuan")).status_code == 404
