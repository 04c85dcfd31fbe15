"""Repair endpoints on the running inventory service: report, assign, done, verify; the lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def repair(repair_id: str, campus: str = "main", **extra: Any) -> dict[str, Any]:
    return {"repair_id": repair_id, "campus_id": campus, "place": "本部 行政楼 301", "description": "门锁损坏"} | extra


def now(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def row_of(world: SchoolWorld, path: str, repair_id: str, as_: str = "manager-main", **params: Any) -> Any:
    response = await world.get(path, as_=as_, limit=500, **params)
    assert response.status_code == 200, response.text
    return next((row for row in response.json()["items"] if row["repair_id"] == repair_id), None)


async def test_a_repair_goes_round_with_its_turnaround(world: SchoolWorld) -> None:
    rid = uid("lock")
    reported = await world.post("/repairs", repair(rid), as_="guard-main")
    assert reported.status_code == 200, reported.text
    assert reported.json()["events"] == ["inventory.RepairReported"]

    waiting = await eventually(lambda: row_of(world, "/repairs/open", rid, campus_id="main"))
    assert waiting["state"] == "reported" and waiting["reported_by"] == "li-guard"
    assert waiting["source"] == "reported" and waiting["hazard_id"] is None
    assert waiting["age_hours"] >= 0 and waiting["age_days"] == 0

    early = await world.post(f"/repairs/{rid}/done", {"at": now()})
    assert early.status_code == 409  # assigned before it is done
    assigned = await world.post(f"/repairs/{rid}/assign", {"assignee_id": "wang-tech"})
    assert assigned.status_code == 200, assigned.text
    premature = await world.post(f"/repairs/{rid}/verify", {}, as_="manager-both")
    assert premature.status_code == 409  # done before it is verified
    done = await world.post(f"/repairs/{rid}/done", {"at": now(), "note": "更换门锁"}, as_="tech-main")
    assert done.status_code == 200, done.text
    own = await world.post(f"/repairs/{rid}/verify", {}, as_="manager-main")
    assert own.status_code == 200, own.text  # zhou assigned it; wang-tech did it

    async def verified() -> Any:
        row = await row_of(world, "/repairs", rid, state="verified")
        return row if row and row["turnaround_hours"] is not None else None

    row = await eventually(verified)
    assert row["assignee_id"] == "wang-tech" and row["done_by"] == "wang-tech" and row["verified_by"] == "zhou"
    assert 0 <= row["turnaround_hours"] < 1 and row["note"] == "更换门锁"
    assert await row_of(world, "/repairs/open", rid) is None
    one = await world.get(f"/repairs/{rid}", as_="tech-main")
    assert one.status_code == 200 and one.json()["state"] == "verified"
    assert (await world.get(f"/repairs/{rid}", as_="manager-aoyuan")).status_code == 404
    assert await row_of(world, "/repairs", rid, source="reported", assignee_id="wang-tech")
    assert await row_of(world, "/repairs", rid, source="hazard") is None


async def test_the_one_who_did_it_does_not_verify_it(world: SchoolWorld) -> None:
    rid = uid("window")
    assert (await world.post("/repairs", repair(rid), as_="tech-main")).status_code == 200
    assert (await world.post(f"/repairs/{rid}/assign", {"assignee_id": "li-guard"})).status_code == 200
    # wang-tech is not the assignee, nor a manager
    assert (await world.post(f"/repairs/{rid}/done", {"at": now()}, as_="tech-main")).status_code == 403
    assert (await world.post(f"/repairs/{rid}/done", {"at": now()}, as_="guard-main")).status_code == 200
    before = await world.events()
    own = await world.post(f"/repairs/{rid}/verify", {}, as_="guard-main")
    assert own.status_code == 403  # a guard does not verify
    mine = await world.post(f"/repairs/{rid}/done", {"at": now()})
    assert mine.status_code == 409  # already done
    assert await world.events() == before
    # done by a manager, then that manager may not verify it
    rid2 = uid("tap")
    assert (await world.post("/repairs", repair(rid2), as_="guard-main")).status_code == 200
    assert (await world.post(f"/repairs/{rid2}/assign", {"assignee_id": "wang-tech"})).status_code == 200
    assert (await world.post(f"/repairs/{rid2}/done", {"at": now()})).status_code == 200
    refused = await world.post(f"/repairs/{rid2}/verify", {})
    assert refused.status_code == 409 and refused.json()["error"] == "rejected"
    assert (await world.post(f"/repairs/{rid2}/verify", {}, as_="manager-both")).status_code == 200


async def test_a_stale_expected_version_is_a_conflict(world: SchoolWorld) -> None:
    rid = uid("desk")
    assert (await world.post("/repairs", repair(rid), as_="guard-main")).status_code == 200
    before = await world.events()
    stale = await world.post(f"/repairs/{rid}/assign", {"assignee_id": "wang-tech", "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert await world.events() == before
    fresh = await world.post(f"/repairs/{rid}/assign", {"assignee_id": "wang-tech", "expected_version": 1})
    assert fresh.status_code == 200, fresh.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"place": ""}, "place"),
        ({"description": "   "}, "description"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"repair_id": "Has Spaces"}, "repair_id"),
        ({"repair_id": "hazard-made-up"}, "repair_id"),
    ],
)
async def test_bad_reports_name_the_field_and_append_nothing(
    world: SchoolWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/repairs", repair(uid("bad")) | body, as_="guard-main")
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("assign", {"assignee_id": "nobody"}, "assignee_id"),
        ("assign", {"assignee_id": "chen-clean"}, "assignee_id"),  # works on aoyuan
        ("assign", {}, "assignee_id"),
        ("done", {"at": "soon"}, "at"),
        ("verify", {"passed": False, "note": "  "}, "note"),  # a failed verification says why
        ("verify", {"verified": True}, "verified"),
    ],
)
async def test_bad_steps_name_the_field_and_append_nothing(
    world: SchoolWorld, path: str, body: dict[str, Any], field: str
) -> None:
    rid = uid("step")
    assert (await world.post("/repairs", repair(rid), as_="guard-main")).status_code == 200
    before = await world.events()
    response = await world.post(f"/repairs/{rid}/{path}", body)
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_out_of_scope_is_forbidden_and_appends_nothing(world: SchoolWorld) -> None:
    rid = uid("fence")
    before = await world.events()
    assert (await world.post("/repairs", repair(rid), as_="manager-aoyuan")).status_code == 403
    assert (await world.post("/repairs", repair(rid), as_="cleaner-aoyuan")).status_code == 403
    assert (await world.post("/repairs", repair(rid), as_="teacher-g6")).status_code == 403
    assert await world.events() == before
    assert (await world.post("/repairs", repair(rid, campus="aoyuan"), as_="cleaner-aoyuan")).status_code == 200
    before = await world.events()
    assert (
        await world.post(f"/repairs/{rid}/assign", {"assignee_id": "chen-clean"}, as_="teacher-g1")
    ).status_code == 403
    assert (
        await world.post(f"/repairs/{rid}/assign", {"assignee_id": "chen-clean"}, as_="manager-main")
    ).status_code == 404  # another campus's repair: as if there were none
    assert (await world.get("/repairs", as_="parent-yao")).status_code == 403
    assert await world.events() == before
    assigned = await world.post(f"/repairs/{rid}/assign", {"assignee_id": "chen-clean"}, as_="manager-aoyuan")
    assert assigned.status_code == 200, assigned.text
    assert (await world.post("/repairs/nothing-here/assign", {"assignee_id": "wang-tech"})).status_code == 404
    assert await row_of(world, "/repairs", rid, as_="manager-main") is None
    row = await eventually(lambda: row_of(world, "/repairs", rid, as_="manager-aoyuan", state="assigned"))
    assert row["campus_id"] == "aoyuan" and row["school_id"] == "xuexiao" and row["district_id"] == "xinbei"


async def test_the_list_filters_validate(world: SchoolWorld) -> None:
    assert (await world.get("/repairs", state="broken")).status_code == 422
    assert (await world.get("/repairs", source="rumour")).status_code == 422
