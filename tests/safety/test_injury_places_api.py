"""Where an injury happened, read back: its building, floor, break and camera area are on the
injury list and on one injury (null when the report did not name them), for every reader in
scope, the guard included (where and when is not a detail withheld); a report naming a place
badly is refused naming the field, and nothing is appended."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

AREA = f"place-{uuid4().hex[:8]}"  # mapped on the main campus by the first test
PLACE = {"building": "teaching-a", "floor": 2, "break_period": "morning_break", "camera_area_id": AREA}
NO_PLACE = {"building": None, "floor": None, "break_period": None, "camera_area_id": None}


def report(injury_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "injury_id": injury_id,
        "student_id": "lin",
        "setting": "break",
        "at": "2020-10-19T09:40:00+08:00",
        "injury": "课间追逐撞到门框, 额头擦伤",
        "first_aid": "医务室清洗消毒, 冰敷",
    } | extra


def place_of(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in PLACE}


async def test_an_injury_is_read_with_where_it_happened(world: SafetyWorld) -> None:
    placed, unplaced = f"inj-{uuid4().hex[:8]}", f"inj-{uuid4().hex[:8]}"
    area = {"area_id": AREA, "campus_id": "main", "building": "教学楼", "place": "二楼东走廊", "on": "2020-09-01"}
    mapped = await world.post("/camera-areas", area)
    assert mapped.status_code == 200, mapped.text
    reported = await world.post("/injuries", report(placed, **PLACE), as_="teacher-g6")
    assert reported.status_code == 200, reported.text
    assert (await world.post("/injuries", report(unplaced), as_="teacher-g6")).status_code == 200

    async def listed() -> dict[str, dict[str, Any]] | None:
        page = (await world.get("/injuries", campus_id="main", limit=500)).json()["items"]
        found = {i["injury_id"]: i for i in page if i["injury_id"] in (placed, unplaced)}
        return found if len(found) == 2 else None

    found = await eventually(listed)
    assert place_of(found[placed]) == PLACE
    assert place_of(found[unplaced]) == NO_PLACE
    for reader in ("manager-main", "medical", "teacher-g6", "guard-main"):
        one = await world.get(f"/injuries/{placed}", as_=reader)
        assert one.status_code == 200, (reader, one.text)
        assert place_of(one.json()) == PLACE, reader
    guard = (await world.get(f"/injuries/{placed}", as_="guard-main")).json()
    assert guard["details_withheld"] is True and guard["injury"] is None  # what happened stays withheld
    assert place_of((await world.get(f"/injuries/{unplaced}")).json()) == NO_PLACE
    # another campus's manager sees neither the injury nor its place
    assert (await world.get(f"/injuries/{placed}", as_="manager-aoyuan")).status_code == 404


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"building": "Teaching A"}, "building"),
        ({"floor": 99}, "floor"),
        ({"break_period": "recess"}, "break_period"),
        ({"camera_area_id": "UPPER CASE"}, "camera_area_id"),
    ],
)
async def test_a_place_named_badly_is_refused_naming_the_field(
    world: SafetyWorld, place: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/injuries", report(f"bad-{uuid4().hex[:8]}", **(PLACE | place)))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before
