"""The student watch and floor duty through GraphQL: the watch is read by the class's teachers
and the safety office, and refused (an error, never its content) to a teacher of another class,
a canteen worker and a parent, whose lists leave it out; the floor duty at an injury is read."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import uuid4

from services.eventkit.auth import Role
from tests.conftest import eventually, token_for

WATCH = """query($id: ID!) { studentWatch(watchId: $id) { watchId classId reason status
  plan { kind who what } notesList { note notedBy } } }"""
WATCHES = "{ studentWatches(first: 100) { edges { node { watchId reason plan { kind } } } } }"
DUTY = """{ injuryFloorDuty(campusId: "main", first: 100) { edges { node { injuryId onDutyId duty } } }
  injuryFloorDutySummary(campusId: "main") { injuries atBreaksOrActivities dutyLate dutyLateOrMissing } }"""


async def test_a_watch_is_read_by_its_class_and_the_office_and_refused_to_others(system: Any) -> None:
    safety = system.services["safety"]
    wid = f"watch-{uuid4().hex[:8]}"
    opening = {
        "watch_id": wid,
        "student_id": "yao",
        "class_teacher_id": "huang",
        "reason": "课间行为可能对同学安全构成威胁",
        "on": "2020-09-14",
    }
    opened = await safety.client.post("/student-watches", json=opening, headers=system.tokens["manager-main"])
    assert opened.status_code == 200, opened.text
    plan = {"items": [{"kind": "accompanied_study", "who": "sun", "what": "午间陪学"}], "on": "2020-09-15"}
    planned = await safety.client.post(f"/student-watches/{wid}/plan", json=plan, headers=system.tokens["teacher-g6"])
    assert planned.status_code == 200, planned.text

    async def read(as_: str) -> dict[str, Any] | None:
        body = await system.gql(WATCH, as_=as_, id=wid)
        node = (body.get("data") or {}).get("studentWatch")
        return body if node and node["plan"] else None

    for reader in ("teacher-g6", "teacher2-g6", "manager-main"):
        body = await eventually(partial(read, reader))
        node = body["data"]["studentWatch"]
        assert (node["classId"], node["status"]) == ("g6-1", "open"), reader
        assert node["plan"] == [{"kind": "accompanied_study", "who": "sun", "what": "午间陪学"}]
        listed = await system.gql(WATCHES, as_=reader)
        assert wid in {e["node"]["watchId"] for e in listed["data"]["studentWatches"]["edges"]}

    system.tokens["canteen-worker"] = token_for(safety.settings, "jiang-cook", Role.CANTEEN_WORKER, campuses=["main"])
    for outsider in ("teacher-g1", "canteen-worker", "parent-yao"):
        body = await system.gql(WATCH, as_=outsider, id=wid)
        assert body["data"]["studentWatch"] is None, outsider
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", outsider
        assert "威胁" not in str(body) and "陪学" not in str(body)
        listed = await system.gql(WATCHES, as_=outsider)
        assert wid not in str(listed) and "威胁" not in str(listed), outsider


async def test_the_floor_duty_of_an_injury_is_read(system: Any) -> None:
    safety = system.services["safety"]
    zhou = system.tokens["manager-main"]
    roster = {
        "campus_id": "main",
        "term_id": "2020-2021-1",
        "effective_from": "2020-09-01",
        "slots": [{"building": "teaching-a", "floor": 2, "break_period": "morning_break", "teacher_id": "sun"}],
        "at": "2020-09-01T08:00:00+08:00",
    }
    assert (await safety.client.post("/floor-duty/rosters", json=roster, headers=zhou)).status_code == 200
    late = {
        "campus_id": "main",
        "on": "2020-10-19",
        "building": "teaching-a",
        "floor": 2,
        "break_period": "morning_break",
        "status": "late",
        "arrived_at": "2020-10-19T09:48:00+08:00",
    }
    assert (await safety.client.post("/floor-duty/check-ins", json=late, headers=zhou)).status_code == 200
    iid = f"inj-{uuid4().hex[:8]}"
    report = {
        "injury_id": iid,
        "student_id": "yao",
        "setting": "break",
        "at": "2020-10-19T09:40:00+08:00",
        "injury": "课间追逐撞到门框",
        "first_aid": "医务室处理",
        "building": "teaching-a",
        "floor": 2,
        "break_period": "morning_break",
    }
    assert (await safety.client.post("/injuries", json=report, headers=zhou)).status_code == 200

    async def read() -> dict[str, Any] | None:
        body = await system.gql(DUTY, as_="guard-main")
        edges = body["data"]["injuryFloorDuty"]["edges"]
        # the duty is read from the roster and the check-in, streams of their own that can reach the
        # read model after the injury: wait until the injury is read with its turn
        duty = [(e["node"]["onDutyId"], e["node"]["duty"]) for e in edges if e["node"]["injuryId"] == iid]
        return body if duty == [("sun", "late")] else None

    body = await eventually(read)
    (node,) = [e["node"] for e in body["data"]["injuryFloorDuty"]["edges"] if e["node"]["injuryId"] == iid]
    assert (node["onDutyId"], node["duty"]) == ("sun", "late")
    summary = body["data"]["injuryFloorDutySummary"]
    assert summary["dutyLate"] >= 1 and summary["dutyLateOrMissing"] >= summary["dutyLate"]
    assert summary["injuries"] >= summary["atBreaksOrActivities"] >= 1
