"""``history`` through the gateway: a hazard's whole life with each step's times, who took it
and what it did; an injury's details withheld from a teacher of another class; and a page
of records with their history in a bounded number of service calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.eventkit.auth import Role
from tests.conftest import eventually, token_for
from tests.gateway.conftest import System

ENTRY = "type version actedAt actedOn recordedAt actor { id name roles } correlationId causationId summary redacted"

HAZARD = f"query H($id: ID!) {{ hazard(hazardId: $id) {{ status history {{ {ENTRY} }} }} }}"

INCIDENTS = f"""
query I {{
  incidents(campusId: "main", first: 100) {{ nodes {{ injuryId history(first: 10) {{ {ENTRY} }} }} }}
}}
"""

HAZARDS = """
query P { hazards(campusId: "main", first: 50) { nodes { hazardId history(first: 10) { type actor { name } } } } }
"""


async def post(system: System, service: str, path: str, body: dict[str, Any], as_: str, **headers: str) -> None:
    client = system.services[service].client
    response = await client.post(path, json=body, headers=system.tokens[as_] | headers)
    assert response.status_code == 200, response.text


async def test_a_hazards_history_from_report_to_close(system: System) -> None:
    hid = f"wall-{uuid4().hex[:6]}"
    report = {
        "hazard_id": hid,
        "campus_id": "main",
        "area": "教学楼外墙",
        "description": "外墙墙砖脱落",
        "severity": "high",
        "at": "2020-10-12T08:30:00+08:00",
    }
    await post(system, "safety", "/hazards", report, "guard-main", **{"X-Correlation-ID": f"wall-{hid}"})
    escalate = {"authority": "新北区教育局 基建科", "reference": "报修单 117", "at": "2020-10-12T10:00:00+08:00"}
    await post(system, "safety", f"/hazards/{hid}/escalate", escalate, "admin")
    await post(system, "safety", f"/hazards/{hid}/rectify", {"at": "2020-10-20T10:00:00+08:00"}, "manager-main")
    await post(system, "safety", f"/hazards/{hid}/verify", {"passed": True, "note": "复查合格"}, "manager-both")

    async def closed() -> dict[str, Any] | None:
        found = (await system.gql(HAZARD, id=hid))["data"]["hazard"]
        return found if found and found["status"] == "CLOSED" else None

    history = (await eventually(closed))["history"]
    assert [(e["version"], e["type"]) for e in history] == [
        (1, "safety.HazardReported"),
        (2, "safety.HazardEscalated"),
        (3, "safety.HazardRectified"),
        (4, "safety.HazardClosed"),
    ]
    acted = [datetime.fromisoformat(e["actedAt"]) for e in history]
    assert acted[:3] == [
        datetime(2020, 10, 12, 0, 30, tzinfo=UTC),
        datetime(2020, 10, 12, 2, 0, tzinfo=UTC),
        datetime(2020, 10, 20, 2, 0, tzinfo=UTC),
    ]
    now = datetime.now(UTC)
    assert abs(acted[3] - now) < timedelta(minutes=5)  # verified as the command arrived
    assert [e["actedOn"] for e in history[:3]] == ["2020-10-12", "2020-10-12", "2020-10-20"]
    assert all(abs(datetime.fromisoformat(e["recordedAt"]) - now) < timedelta(minutes=5) for e in history)
    assert [e["actor"] for e in history] == [
        {"id": "li-guard", "name": "李师傅", "roles": ["GUARD"]},
        {"id": "admin", "name": None, "roles": []},  # the district's admin is no member of staff
        {"id": "zhou", "name": "周主任", "roles": ["LOGISTICS_MANAGER"]},
        {"id": "gu", "name": "顾主任", "roles": ["LOGISTICS_MANAGER"]},
    ]
    assert history[0]["correlationId"] == f"wall-{hid}" and history[0]["causationId"] is None
    assert [e["summary"] for e in history] == [
        "Reported a high hazard at 教学楼外墙: 外墙墙砖脱落",
        "Escalated to 新北区教育局 基建科 (ref. 报修单 117)",
        "Rectified by zhou",
        "Verified by gu and closed: 复查合格",
    ]
    assert not any(e["redacted"] for e in history)


async def test_a_teacher_of_another_class_sees_the_steps_of_an_injury_not_what_happened(system: System) -> None:
    iid = f"inj-{uuid4().hex[:6]}"
    report = {
        "injury_id": iid,
        "student_id": "lin",
        "setting": "pe",
        "at": "2020-10-12T10:05:00+08:00",
        "injury": "跳远时扭伤右脚踝",
        "first_aid": "冰敷, 固定",
    }
    await post(system, "safety", "/injuries", report, "teacher-g6")
    await post(
        system,
        "safety",
        f"/injuries/{iid}/notify-parent",
        {"at": "2020-10-12T10:30:00+08:00", "how": "电话"},
        "medical",
    )
    base = system.services["directory"].settings
    system.tokens["teacher-g6-2"] = token_for(base, "teacher-g6-2", Role.TEACHER, campuses=["main"], classes=["g6-2"])

    async def history_as(who: str) -> list[dict[str, Any]] | None:
        nodes = (await system.gql(INCIDENTS, as_=who))["data"]["incidents"]["nodes"]
        found = [n["history"] for n in nodes if n["injuryId"] == iid]
        return found[0] if found else None

    withheld = await eventually(lambda: history_as("teacher-g6-2"))
    assert [(e["type"], e["summary"], e["redacted"]) for e in withheld] == [
        ("safety.InjuryReported", "Injury reported", True),
        ("safety.InjuryParentNotified", "Parents told", True),
    ]
    assert [e["actedOn"] for e in withheld] == ["2020-10-12", "2020-10-12"]
    assert [e["actor"]["name"] for e in withheld] == ["黄金萍", "何医生"]
    assert "扭伤" not in str(withheld) and "电话" not in str(withheld)
    for reader in ("medical", "manager-main"):
        shown = await history_as(reader)
        assert shown is not None and not any(e["redacted"] for e in shown)
        assert shown[0]["summary"] == "Injury (pe) of lin: 跳远时扭伤右脚踝; first aid: 冰敷, 固定"
        assert shown[1]["summary"] == "Parents told by doctor-he (电话)"


async def test_a_page_of_hazards_with_their_history_costs_one_call_per_service(system: System) -> None:
    for n in range(3):
        hazard = {
            "hazard_id": f"batch-{uuid4().hex[:6]}-{n}",
            "campus_id": "main",
            "area": "操场",
            "description": "地面开裂",
            "severity": "low",
            "at": "2020-10-12T08:30:00+08:00",
        }
        await post(system, "safety", "/hazards", hazard, "guard-main")

    async def listed() -> int:
        nodes = (await system.gql(HAZARDS))["data"]["hazards"]["nodes"]
        return len([n for n in nodes if n["hazardId"].startswith("batch-")])

    await eventually(lambda: _at_least(listed, 3))
    before = dict(system.transport.calls)
    body = await system.gql(HAZARDS)
    calls = {name: n - before.get(name, 0) for name, n in system.transport.calls.items()}
    assert "errors" not in body, body
    nodes = body["data"]["hazards"]["nodes"]
    assert len(nodes) >= 3 and all(n["history"] for n in nodes)
    assert all(n["history"][0]["type"] == "safety.HazardReported" for n in nodes)
    assert {c: n for c, n in calls.items() if n} == {"safety": 2, "directory": 1}  # page + histories, and the staff


async def _at_least(count: Any, n: int) -> bool:
    return bool(await count() >= n)
