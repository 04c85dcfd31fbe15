"""Injury endpoints on the running safety service: report, tell the parents, follow up, close; lists."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def report(injury_id: str, student: str = "lin", setting: str = "break", **extra: Any) -> dict[str, Any]:
    return {
        "injury_id": injury_id,
        "student_id": student,
        "setting": setting,
        "at": "2020-10-12T10:05:00+08:00",
        "injury": "追逐时摔倒, 左膝擦伤",
        "first_aid": "医务室清洗消毒, 包扎",
    } | extra


TOLD = {"at": "2020-10-12T10:30:00+08:00", "how": "电话"}
CLOSE = {"on": "2020-10-20", "cause": "课间在走廊追逐", "measures": "班会强调课间文明活动; 楼层值日到岗"}


async def injury(world: SafetyWorld, injury_id: str, status: str) -> dict[str, Any] | None:
    response = await world.get(f"/injuries/{injury_id}", as_="manager-both")
    if response.status_code == 404:
        return None
    body: dict[str, Any] = response.json()
    return body if body["status"] == status else None


async def test_an_injury_goes_round_from_report_to_closed(world: SafetyWorld) -> None:
    iid = uid("inj")
    reported = await world.post("/injuries", report(iid), as_="teacher-g6")
    assert reported.status_code == 200, reported.text
    told = await world.post(f"/injuries/{iid}/notify-parent", TOLD, as_="teacher-g6")
    assert told.status_code == 200, told.text
    followed = await world.post(
        f"/injuries/{iid}/follow-ups", {"on": "2020-10-14", "note": "伤口愈合良好"}, as_="medical"
    )
    assert followed.status_code == 200, followed.text
    closed = await world.post(f"/injuries/{iid}/close", CLOSE)
    assert closed.status_code == 200 and closed.json()["version"] == 4

    one = await eventually(lambda: injury(world, iid, "closed"))
    assert one["student_id"] == "lin" and one["class_id"] == "g6-1" and one["campus_id"] == "main"
    assert one["reported_by"] == "huang" and one["notified_by"] == "huang" and one["notified_how"] == "电话"
    assert one["occurred_on"] == "2020-10-12" and one["follow_ups"] == 1 and one["cause"] == "课间在走廊追逐"
    assert one["follow_up_notes"] == [{"on": "2020-10-14", "note": "伤口愈合良好", "by": "doctor-he"}]
    closed_list = (await world.get("/injuries", campus_id="main", open=False, limit=500)).json()["items"]
    assert iid in {i["injury_id"] for i in closed_list}
    open_list = (await world.get("/injuries", campus_id="main", open=True, limit=500)).json()["items"]
    assert iid not in {i["injury_id"] for i in open_list}


async def test_an_injury_closes_only_once_the_parents_are_told(world: SafetyWorld) -> None:
    iid = uid("inj")
    await world.post("/injuries", report(iid, setting="pe"), as_="medical")
    before = await world.events()
    refused = await world.post(f"/injuries/{iid}/close", CLOSE)
    assert refused.status_code == 409 and refused.json()["error"] == "rejected"
    assert "parents" in refused.json()["reason"]
    assert await world.events() == before


async def test_a_closed_injury_takes_no_follow_up(world: SafetyWorld) -> None:
    iid = uid("inj")
    await world.post("/injuries", report(iid))
    await world.post(f"/injuries/{iid}/notify-parent", TOLD)
    assert (await world.post(f"/injuries/{iid}/close", CLOSE)).status_code == 200
    before = await world.events()
    for path, body in [
        (f"/injuries/{iid}/follow-ups", {"on": "2020-10-21", "note": "再次回访"}),
        (f"/injuries/{iid}/close", CLOSE),
        ("/injuries", report(iid)),
    ]:
        response = await world.post(path, body)
        assert response.status_code == 409 and response.json()["error"] == "rejected", (path, response.text)
    assert await world.events() == before


async def test_a_follow_up_or_closing_dated_before_the_injury_is_refused_naming_the_field(world: SafetyWorld) -> None:
    iid = uid("inj")
    await world.post("/injuries", report(iid))
    await world.post(f"/injuries/{iid}/notify-parent", TOLD)
    before = await world.events()
    for path, body, field in [
        (f"/injuries/{iid}/follow-ups", {"on": "2020-10-11", "note": "回访"}, "on"),
        (f"/injuries/{iid}/close", CLOSE | {"on": "2020-10-11"}, "on"),
    ]:
        response = await world.post(path, body)
        assert response.status_code == 409, response.text
        assert (response.json()["error"], response.json()["field"]) == ("out_of_order", field)
    assert await world.events() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"student_id": "nobody"}, "student_id"),
        ({"setting": "lunch"}, "setting"),
        ({"at": "2020-10-12T10:05:00"}, "at"),  # a time needs its zone
        ({"injury": ""}, "injury"),
        ({"first_aid": "  "}, "first_aid"),
        ({"injury_id": "UPPER"}, "injury_id"),
    ],
)
async def test_bad_reports_name_the_field_and_append_nothing(
    world: SafetyWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/injuries", report(uid("bad")) | body)
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["detail"]]
    assert await world.events() == before


async def test_a_stale_version_is_a_conflict(world: SafetyWorld) -> None:
    iid = uid("inj")
    await world.post("/injuries", report(iid))
    before = await world.events()
    stale = await world.post(f"/injuries/{iid}/notify-parent", TOLD | {"expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert await world.events() == before
    ok = await world.post(f"/injuries/{iid}/notify-parent", TOLD | {"expected_version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2


async def test_out_of_scope_is_forbidden_and_appends_nothing(world: SafetyWorld) -> None:
    iid = uid("inj")
    await world.post("/injuries", report(iid, student="yao"))
    before = await world.events()
    for as_, path, body in [
        ("parent-yao", "/injuries", report(uid("x"), student="yao")),
        ("manager-aoyuan", "/injuries", report(uid("x"), student="yao")),
        ("teacher-g1", "/injuries", report(uid("x"), student="lin")),
        ("guard-main", "/injuries", report(uid("x"), student="lin")),
        ("teacher-g6", f"/injuries/{iid}/close", CLOSE),  # closing is for managers
    ]:
        response = await world.post(path, body, as_=as_)
        assert response.status_code == 403, (as_, path, response.text)
    # another campus's injury answers as one that was never reported
    told = [await world.post(f"/injuries/{i}/notify-parent", TOLD, as_="manager-aoyuan") for i in (iid, "nothing")]
    assert [(r.status_code, r.text.replace(i, "?")) for r, i in zip(told, (iid, "nothing"), strict=True)] == [
        (404, '{"error":"not_found","reason":"injury ? does not exist"}')
    ] * 2
    assert await world.events() == before
    assert (
        await world.post("/injuries/never-reported/follow-ups", {"on": "2020-10-14", "note": "n"})
    ).status_code == 404
    await eventually(lambda: injury(world, iid, "reported"))
    assert (await world.get(f"/injuries/{iid}", as_="manager-aoyuan")).status_code == 404
    assert (await world.get("/injuries", as_="parent-yao")).status_code == 403


async def test_the_injury_list_filters_and_pages(world: SafetyWorld) -> None:
    ids = [uid("page") for _ in range(3)]
    for iid, student in zip(ids, ["ma", "qin", "ma"], strict=True):
        response = await world.post("/injuries", report(iid, student=student, setting="activity"), as_="teacher-g1")
        assert response.status_code == 200, response.text

    async def listed() -> bool:
        page = (await world.get("/injuries", as_="manager-aoyuan", setting="activity", limit=500)).json()
        return set(ids) <= {i["injury_id"] for i in page["items"]}

    await eventually(listed)
    first = (await world.get("/injuries", as_="manager-aoyuan", limit=2)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await world.get("/injuries", as_="manager-aoyuan", limit=2, after=first["next_cursor"])).json()
    assert {i["injury_id"] for i in first["items"]}.isdisjoint({i["injury_id"] for i in second["items"]})
    everything = (await world.get("/injuries", as_="manager-aoyuan", limit=500)).json()["items"]
    assert everything and all(i["campus_id"] == "aoyuan" for i in everything)
    of_ma = (await world.get("/injuries", as_="manager-aoyuan", student_id="ma", limit=500)).json()["items"]
    assert {i["injury_id"] for i in of_ma} >= {ids[0], ids[2]} and all(i["class_id"] == "g1-1" for i in of_ma)
    backwards = await world.get("/injuries/summary", to="2020-09-01", **{"from": "2020-10-01"})
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["field"] == "to"


async def test_an_injurys_details_are_for_those_who_care_for_the_child(world: SafetyWorld) -> None:
    """The guard on the campus sees that an injury happened, where and when, and its progress; what
    happened, the first aid and the notes are for the managers, the medical room, the class's teachers
    and the reporter."""
    iid = uid("inj")
    assert (await world.post("/injuries", report(iid), as_="teacher-g6")).status_code == 200
    assert (await world.post(f"/injuries/{iid}/notify-parent", TOLD, as_="teacher-g6")).status_code == 200
    note = {"on": "2020-10-14", "note": "伤口愈合良好"}
    assert (await world.post(f"/injuries/{iid}/follow-ups", note, as_="medical")).status_code == 200

    async def follow_up_seen() -> bool:
        response = await world.get(f"/injuries/{iid}", as_="medical")
        return response.status_code == 200 and bool(response.json()["follow_up_notes"])

    await eventually(follow_up_seen)
    status = (await world.get(f"/injuries/{iid}", as_="medical")).json()["status"]
    for reader in ("manager-main", "medical", "teacher-g6", "teacher2-g6", "vp-main"):
        body = (await world.get(f"/injuries/{iid}", as_=reader)).json()
        assert body["details_withheld"] is False and body["injury"] == "追逐时摔倒, 左膝擦伤", reader
        assert body["follow_up_notes"][0]["note"] == "伤口愈合良好", reader
    guard = await world.get(f"/injuries/{iid}", as_="guard-main")
    assert guard.status_code == 200
    seen = guard.json()
    assert seen["details_withheld"] is True
    assert (seen["injury"], seen["first_aid"], seen["notified_how"], seen["follow_up_notes"]) == (None, None, None, [])
    progress = (seen["setting"], seen["occurred_on"], seen["status"], seen["follow_ups"])
    assert progress == ("break", "2020-10-12", status, 1)
    listed = (await world.get("/injuries", as_="guard-main", campus_id="main", limit=500)).json()["items"]
    row = next(i for i in listed if i["injury_id"] == iid)
    assert row["details_withheld"] is True and row["injury"] is None and row["first_aid"] is None
    assert "追逐" not in guard.text + str(listed)
