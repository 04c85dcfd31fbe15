"""Student watches and floor duty on the running safety service.

A watch on a student at risk is opened by the safety office with the class teacher, planned,
noted, reviewed and closed; it is read by the office, the principal and the class's teachers
only (others: 403 on the watch, and lists leave it out). Floor duty: a roster per campus and
term, turns checked, and the injuries at breaks joined with the duty of their floor.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from services.eventkit.auth import Role
from tests.conftest import eventually, token_for
from tests.safety.conftest import SafetyWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def opening(watch_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "watch_id": watch_id,
        "student_id": "yao",
        "class_teacher_id": "huang",
        "reason": "课间行为可能对同学安全构成威胁",
        "on": "2020-09-14",
    } | extra


PLAN = {
    "items": [
        {"kind": "parent_contact", "who": "huang", "what": "每周与姚妈妈电话沟通"},
        {"kind": "accompanied_study", "who": "sun", "what": "午间陪学"},
        {"kind": "subject_teachers", "who": "sun", "what": "数学课重点关注"},
        {"kind": "moral_education", "who": "huang", "what": "班队课品德教育"},
    ],
    "on": "2020-09-15",
}


def fields(response: Any) -> list[str]:
    """The fields a refusal names: a 422's details, or a 409's one field."""
    body = response.json()
    return [d["field"] for d in body["detail"]] if "detail" in body else [body.get("field")]


def principal(world: SafetyWorld) -> dict[str, str]:
    return token_for(world.service.settings, "principal-xue", Role.PRINCIPAL, schools=["xuexiao"])


async def watch_of(world: SafetyWorld, watch_id: str, status: str) -> dict[str, Any] | None:
    response = await world.get(f"/student-watches/{watch_id}")
    if response.status_code == 404:
        return None
    body: dict[str, Any] = response.json()
    return body if body["status"] == status else None


async def test_a_watch_goes_round_and_is_read_by_the_office_the_principal_and_the_class_teachers_only(
    world: SafetyWorld,
) -> None:
    wid = uid("watch")
    opened = await world.post("/student-watches", opening(wid))
    assert opened.status_code == 200, opened.text
    planned = await world.post(f"/student-watches/{wid}/plan", PLAN, as_="teacher-g6")
    assert planned.status_code == 200, planned.text
    note = {"note": "本周课间无追逐打闹", "at": "2020-09-25T16:00:00+08:00"}
    assert (await world.post(f"/student-watches/{wid}/notes", note, as_="teacher2-g6")).status_code == 200
    closing = {"note": "转入常规关注", "on": "2021-01-29"}
    early = await world.post(f"/student-watches/{wid}/close", closing)
    assert early.status_code == 409 and "review" in early.json()["reason"]
    review = {"outcome": "improved", "note": "课间行为明显改善", "on": "2021-01-20"}
    assert (await world.post(f"/student-watches/{wid}/review", review)).status_code == 200
    assert (await world.post(f"/student-watches/{wid}/close", closing)).status_code == 200

    one = await eventually(lambda: watch_of(world, wid, "closed"))
    assert (one["student_id"], one["class_id"], one["class_teacher_id"], one["campus_id"]) == (
        "yao",
        "g6-1",
        "huang",
        "main",
    )
    assert [(i["kind"], i["who"]) for i in one["plan"]] == [
        ("parent_contact", "huang"),
        ("accompanied_study", "sun"),
        ("subject_teachers", "sun"),
        ("moral_education", "huang"),
    ]
    assert [(n["note"], n["noted_by"]) for n in one["notes_list"]] == [("本周课间无追逐打闹", "sun")]
    assert one["last_outcome"] == "improved" and one["closed_on"] == "2021-01-29"

    for reader in ("manager-main", "manager-both", "teacher-g6", "teacher2-g6"):
        assert (await world.get(f"/student-watches/{wid}", as_=reader)).status_code == 200, reader
        listed = (await world.get("/student-watches", as_=reader, limit=500)).json()["items"]
        assert wid in {w["watch_id"] for w in listed}, reader
    assert (await world.client.get(f"/student-watches/{wid}", headers=principal(world))).status_code == 200

    for outsider in ("teacher-g1", "guard-main", "parent-yao", "medical", "vp-main", "manager-aoyuan"):
        refused = await world.get(f"/student-watches/{wid}", as_=outsider)
        assert refused.status_code in (403, 404), outsider
        assert "追逐" not in refused.text and "威胁" not in refused.text
        listed = await world.get("/student-watches", as_=outsider, limit=500)
        assert listed.status_code == 200 and wid not in listed.text, outsider
    for outsider in ("teacher-g1", "guard-main", "parent-yao", "medical"):
        assert (await world.get(f"/student-watches/{wid}", as_=outsider)).status_code == 403, outsider
    # a teacher learns nothing of whether a watch exists
    assert (await world.get("/student-watches/nothing-here", as_="teacher-g1")).status_code == 403
    assert (await world.get("/student-watches/nothing-here")).status_code == 404
    # and its history is refused as its read is
    assert (await world.get(f"/history/student-watch-{wid}", as_="guard-main")).status_code == 403
    assert (await world.get(f"/history/student-watch-{wid}", as_="teacher2-g6")).status_code == 200


async def test_a_watch_is_kept_by_the_office_and_the_class_teachers(world: SafetyWorld) -> None:
    wid = uid("watch")
    assert (await world.post("/student-watches", opening(wid))).status_code == 200
    before = await world.events()
    for who, path, body in [
        ("teacher-g6", "/student-watches", opening(uid("watch"))),  # a teacher does not open one
        ("manager-aoyuan", "/student-watches", opening(uid("watch"))),  # another campus's manager
        ("guard-main", f"/student-watches/{wid}/notes", {"note": "x"}),
        ("teacher2-g6", f"/student-watches/{wid}/review", {"outcome": "improved"}),
    ]:
        response = await world.post(path, body, as_=who)
        assert response.status_code == 403, (who, path, response.text)
    other = await world.client.post("/student-watches", json=opening(uid("watch")), headers=world.tokens["other-admin"])
    assert other.status_code == 403
    stale = await world.post(f"/student-watches/{wid}/notes", {"note": "迟到", "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert await world.events() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"student_id": "nobody"}, "student_id"),
        ({"class_teacher_id": "zhu"}, "class_teacher_id"),  # teaches g1-1, not g6-1
        ({"reason": " "}, "reason"),
        ({"watch_id": "UPPER"}, "watch_id"),
        ({"on": "2020-09-14T10:00"}, "on"),
    ],
)
async def test_bad_openings_name_the_field_and_append_nothing(
    world: SafetyWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/student-watches", opening(uid("watch")) | body)
    assert response.status_code == 422, response.text
    assert field in fields(response)
    assert await world.events() == before


async def test_a_plan_item_needs_its_kind_and_what(world: SafetyWorld) -> None:
    wid = uid("watch")
    assert (await world.post("/student-watches", opening(wid))).status_code == 200
    before = await world.events()
    bad = {"items": [{"kind": "tutoring", "who": "sun", "what": "陪学"}]}
    response = await world.post(f"/student-watches/{wid}/plan", bad)
    assert response.status_code == 422 and any(f.startswith("items") for f in fields(response))
    early = await world.post(f"/student-watches/{wid}/notes", {"note": "x", "at": "2020-09-01T10:00:00+08:00"})
    assert early.status_code == 409 and early.json()["field"] == "at"
    assert await world.events() == before


# -- floor duty --------------------------------------------------------------------------

TERM = "2020-2021-1"


def roster(**extra: Any) -> dict[str, Any]:
    return {
        "campus_id": "main",
        "term_id": TERM,
        "effective_from": "2020-09-01",
        "slots": [
            {"building": "teaching-a", "floor": 3, "break_period": "morning_break", "teacher_id": "sun"},
            {"building": "teaching-a", "floor": 2, "break_period": "morning_break", "teacher_id": "huang"},
            {
                "building": "teaching-a",
                "floor": 1,
                "break_period": "lunch_break",
                "weekdays": [1, 3, 5],
                "teacher_id": "huang",
            },
        ],
        "at": "2020-09-01T08:00:00+08:00",
    } | extra


def check_in(day: str, floor: int, status: str, arrived: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "campus_id": "main",
        "on": day,
        "building": "teaching-a",
        "floor": floor,
        "break_period": "morning_break",
        "status": status,
    }
    return body | ({"arrived_at": arrived} if arrived else {}) | extra


def injury(iid: str, at: str, floor: int | None, student: str = "lin", **extra: Any) -> dict[str, Any]:
    place = {"building": "teaching-a", "floor": floor, "break_period": "morning_break"} if floor else {}
    return (
        {
            "injury_id": iid,
            "student_id": student,
            "setting": "break",
            "at": at,
            "injury": "课间追逐摔倒",
            "first_aid": "医务室处理",
        }
        | place
        | extra
    )


async def test_the_duty_of_an_injurys_floor_and_break_is_read_with_its_check_in(world: SafetyWorld) -> None:
    assert (await world.post("/floor-duty/rosters", roster())).status_code == 200
    # from November sun has the second floor, huang the third (a new version of the roster)
    later = roster(effective_from="2020-11-02", at="2020-10-30T16:00:00+08:00")
    later["slots"][0]["teacher_id"], later["slots"][1]["teacher_id"] = "huang", "sun"
    assert (await world.post("/floor-duty/rosters", later)).status_code == 200

    # Monday 2020-10-19: sun (3rd floor) came late, huang (2nd) on time; Tuesday 10-20: nobody checked
    late = await world.post("/floor-duty/check-ins", check_in("2020-10-19", 3, "late", "2020-10-19T09:48:00+08:00"))
    assert late.status_code == 200, late.text
    own = check_in("2020-10-19", 2, "on_time", "2020-10-19T09:35:00+08:00")
    assert (await world.post("/floor-duty/check-ins", own, as_="teacher-g6")).status_code == 200
    missed = check_in("2020-11-04", 3, "missed")  # huang's floor from November
    assert (await world.post("/floor-duty/check-ins", missed)).status_code == 200

    ids = {k: uid("inj") for k in ("late", "on_time", "unchecked", "missed", "unknown", "pe")}
    for key, at, floor in [
        ("late", "2020-10-19T09:40:00+08:00", 3),
        ("on_time", "2020-10-19T09:41:00+08:00", 2),
        ("unchecked", "2020-10-20T09:40:00+08:00", 3),
        ("missed", "2020-11-04T09:40:00+08:00", 3),
        ("unknown", "2020-10-21T09:40:00+08:00", None),
    ]:
        response = await world.post("/injuries", injury(ids[key], at, floor))
        assert response.status_code == 200, response.text
    pe = injury(ids["pe"], "2020-10-22T10:00:00+08:00", None, setting="pe")
    assert (await world.post("/injuries", pe)).status_code == 200

    expected = {
        "late": ("late", "sun"),
        "on_time": ("on_time", "huang"),
        "unchecked": ("not_checked_in", "sun"),
        "missed": ("missed", "huang"),
        "unknown": ("place_unknown", None),
    }

    async def duties() -> dict[str, dict[str, Any]] | None:
        # the duty is read from the rosters and the check-ins, streams of their own that can reach
        # the read model after the injuries: wait until each injury is read with its turn
        rows = (await world.get("/floor-duty/injuries", campus_id="main", limit=500)).json()["items"]
        found = {r["injury_id"]: r for r in rows if r["injury_id"] in ids.values()}
        duty = {key: (found[i]["duty"], found[i]["on_duty_id"]) for key, i in ids.items() if i in found}
        return found if len(found) == 5 and duty == expected else None

    found = await eventually(duties)
    assert ids["pe"] not in found
    got = {key: (found[i]["duty"], found[i]["on_duty_id"]) for key, i in ids.items() if key != "pe"}
    assert got == expected
    assert found[ids["late"]]["arrived_at"].startswith("2020-10-19T01:48")
    summary = (await world.get("/floor-duty/injuries/summary", campus_id="main", to="2020-11-30")).json()
    assert summary["duty_late"] >= 1 and summary["duty_on_time"] >= 1 and summary["duty_missing"] >= 2
    assert summary["duty_late_or_missing"] == summary["duty_late"] + summary["duty_missing"]
    assert summary["injuries"] >= summary["at_breaks_or_activities"] + 1  # the PE injury counts among all

    slots = (await world.get("/floor-duty/roster", campus_id="main", on="2020-10-19")).json()["items"]
    assert {(s["floor"], s["break_period"], s["teacher_id"]) for s in slots} == {
        (3, "morning_break", "sun"),
        (2, "morning_break", "huang"),
        (1, "lunch_break", "huang"),
    }
    november = (await world.get("/floor-duty/roster", campus_id="main", on="2020-11-04")).json()["items"]
    assert {(s["floor"], s["teacher_id"]) for s in november if s["break_period"] == "morning_break"} == {
        (3, "huang"),
        (2, "sun"),
    }
    checked = (await world.get("/floor-duty/check-ins", campus_id="main", status="late")).json()["items"]
    assert [(c["day"], c["teacher_id"], c["recorded_by"]) for c in checked] == [("2020-10-19", "sun", "zhou")]


async def test_a_duty_turn_is_checked_once_by_its_teacher_or_a_patrol(world: SafetyWorld) -> None:
    assert (await world.post("/floor-duty/rosters", roster(effective_from="2020-12-01"))).status_code == 200
    before = await world.events()
    for who, body, status, field in [
        ("teacher2-g6", check_in("2020-12-07", 2, "on_time", "2020-12-07T09:35:00+08:00"), 403, None),  # huang's
        ("guard-main", check_in("2020-12-07", 3, "missed"), 403, None),
        ("manager-aoyuan", check_in("2020-12-07", 3, "missed"), 403, None),
        ("manager-main", check_in("2020-12-07", 4, "missed"), 409, "floor"),  # nobody on duty there
        ("manager-main", check_in("2020-12-07", 3, "late"), 422, "arrived_at"),
        ("manager-main", check_in("2020-12-07", 3, "missed", "2020-12-07T09:50:00+08:00"), 422, "arrived_at"),
        ("manager-main", check_in("2020-12-07", 3, "late", "2020-12-08T09:50:00+08:00"), 422, "arrived_at"),
        ("manager-main", check_in("2020-12-07", 3, "sleeping"), 422, "status"),
        ("manager-main", check_in("2020-12-07", 3, "missed", break_period="recess"), 422, "break_period"),
        ("manager-main", check_in("2020-12-07", 3, "missed", campus_id="nowhere"), 422, "campus_id"),
    ]:
        response = await world.post("/floor-duty/check-ins", body, as_=who)
        assert response.status_code == status, (who, body, response.text)
        if field is not None:
            assert field in fields(response), response.text
    assert await world.events() == before
    first = check_in("2020-12-07", 3, "on_time", "2020-12-07T09:35:00+08:00")
    assert (await world.post("/floor-duty/check-ins", first, as_="teacher2-g6")).status_code == 200
    again = await world.post("/floor-duty/check-ins", check_in("2020-12-07", 3, "missed"))
    assert again.status_code == 409 and again.json()["error"] == "rejected"


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"term_id": "2030-1"}, "term_id", 422),
        ({"effective_from": "2021-03-01"}, "effective_from", 409),  # outside the term
        ({"campus_id": "nowhere"}, "campus_id", 422),
        ({"slots": []}, "slots", 422),
        (
            {"slots": [{"building": "A 楼", "floor": 1, "break_period": "lunch_break", "teacher_id": "sun"}]},
            "slots",
            422,
        ),
        ({"slots": [{"building": "a", "floor": 1, "break_period": "lunch_break", "teacher_id": "zhu"}]}, "slots", 422),
        (
            {
                "slots": [
                    {"building": "a", "floor": 1, "break_period": "lunch_break", "teacher_id": "sun"},
                    {"building": "a", "floor": 1, "break_period": "lunch_break", "teacher_id": "huang"},
                ]
            },
            "slots",
            422,
        ),
    ],
)
async def test_bad_rosters_name_the_field_and_append_nothing(
    world: SafetyWorld, body: dict[str, Any], field: str, status: int
) -> None:
    before = await world.events()
    response = await world.post("/floor-duty/rosters", roster(effective_from="2021-01-04") | body)
    assert response.status_code == status, response.text
    assert any(f.startswith(field) for f in fields(response)), response.text
    assert await world.events() == before


async def test_a_roster_is_set_by_the_campus_managers(world: SafetyWorld) -> None:
    before = await world.events()
    for who in ("teacher-g6", "manager-aoyuan", "other-admin"):
        response = await world.client.post("/floor-duty/rosters", json=roster(), headers=world.tokens[who])
        assert response.status_code == 403, who
    stale = await world.post("/floor-duty/rosters", roster(expected_version=0, effective_from="2020-09-02"))
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert await world.events() == before
