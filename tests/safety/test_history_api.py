"""The history of safety records on the running safety service: a hazard's whole life, and an
injury's or a health record's details withheld from those who may not read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from services.eventkit.auth import Role
from services.safety.events import SAFETY_EVENTS
from services.safety.history import SUMMARIES, TITLES
from tests.conftest import eventually, token_for
from tests.safety.conftest import SafetyWorld

INJURY = {
    "student_id": "lin",
    "setting": "break",
    "at": "2020-10-12T10:05:00+08:00",
    "injury": "追逐时摔倒, 左膝擦伤",
    "first_aid": "医务室清洗消毒, 包扎",
}
DETAILS = ("追逐", "擦伤", "清洗", "电话", "愈合", "走廊", "lin")


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def other_class_teacher(world: SafetyWorld) -> dict[str, str]:
    """A teacher on the main campus who teaches 六2班, not 六1班."""
    return token_for(world.service.settings, "teacher-g6-2", Role.TEACHER, campuses=["main"], classes=["g6-2"])


async def history(world: SafetyWorld, stream: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await world.client.get(f"/history/{stream}", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_hazards_history_shows_each_step_its_act_time_recorded_time_and_who(world: SafetyWorld) -> None:
    hid = uid("manhole")
    body = {"hazard_id": hid, "campus_id": "main", "area": "操场", "description": "窨井盖下沉", "severity": "high"}
    escalate = {"authority": "新北区教育局 基建科", "at": "2020-10-12T10:00:00+08:00"}
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("/hazards", body | {"at": "2020-10-12T08:30:00+08:00"}, "guard-main"),
        (f"/hazards/{hid}/escalate", escalate, "manager-main"),
        (f"/hazards/{hid}/rectify", {"at": "2020-10-20T10:00:00+08:00", "note": "更换井盖"}, "manager-main"),
        (f"/hazards/{hid}/verify", {"passed": True, "note": "复查合格"}, "manager-both"),
    ]
    for path, step, who in steps:
        response = await world.post(path, step, as_=who, **{"X-Correlation-ID": f"audit-{hid}"})
        assert response.status_code == 200, response.text
    items = await history(world, f"hazard-{hid}", world.tokens["manager-main"])
    assert [(i["type"], i["actor"]) for i in items] == [
        ("safety.HazardReported", "li-guard"),
        ("safety.HazardEscalated", "zhou"),
        ("safety.HazardRectified", "zhou"),
        ("safety.HazardClosed", "gu"),
    ]
    assert [i["acted_at"][:16] for i in items[:3]] == ["2020-10-12T00:30", "2020-10-12T02:00", "2020-10-20T02:00"]
    assert [i["acted_on"] for i in items[:3]] == ["2020-10-12", "2020-10-12", "2020-10-20"]
    now = datetime.now(UTC)
    for item in items:
        assert abs(datetime.fromisoformat(item["recorded_at"]) - now) < timedelta(minutes=5)
    assert abs(datetime.fromisoformat(items[3]["acted_at"]) - now) < timedelta(minutes=5)  # verified now
    assert {i["correlation_id"] for i in items} == {f"audit-{hid}"}
    assert [i["summary"] for i in items] == [
        "Reported a high hazard at 操场: 窨井盖下沉",
        "Escalated to 新北区教育局 基建科",
        "Rectified by zhou: 更换井盖",
        "Verified by gu and closed: 复查合格",
    ]
    # a guard on the campus sees it too; the Aoyuan manager does not
    assert len(await history(world, f"hazard-{hid}", world.tokens["guard-main"])) == 4
    refused = await world.client.get(f"/history/hazard-{hid}", headers=world.tokens["manager-aoyuan"])
    assert refused.status_code == 404 and "窨井盖" not in refused.text  # as if there were none


async def test_an_injurys_details_are_for_its_class_the_doctor_and_the_managers(world: SafetyWorld) -> None:
    iid = uid("inj")
    assert (await world.post("/injuries", INJURY | {"injury_id": iid}, as_="teacher-g6")).status_code == 200
    told = {"at": "2020-10-12T10:30:00+08:00", "how": "电话"}
    assert (await world.post(f"/injuries/{iid}/notify-parent", told, as_="teacher-g6")).status_code == 200
    followed = {"on": "2020-10-14", "note": "伤口愈合良好"}
    assert (await world.post(f"/injuries/{iid}/follow-ups", followed, as_="medical")).status_code == 200
    closed = {"on": "2020-10-20", "cause": "课间在走廊追逐", "measures": "班会强调课间文明活动"}
    assert (await world.post(f"/injuries/{iid}/close", closed)).status_code == 200
    stream = f"injury-{iid}"

    withheld = await history(world, stream, other_class_teacher(world))
    assert [(i["type"], i["summary"], i["data"], i["redacted"]) for i in withheld] == [
        ("safety.InjuryReported", "Injury reported", None, True),
        ("safety.InjuryParentNotified", "Parents told", None, True),
        ("safety.InjuryFollowedUp", "Injury followed up", None, True),
        ("safety.InjuryClosed", "Injury closed", None, True),
    ]
    assert [i["acted_on"] for i in withheld] == ["2020-10-12", "2020-10-12", "2020-10-14", "2020-10-20"]
    assert [i["actor"] for i in withheld] == ["huang", "huang", "doctor-he", "zhou"]
    for leaked in DETAILS:
        assert leaked not in str(withheld)
    assert all(i["redacted"] for i in await history(world, stream, world.tokens["guard-main"]))

    for reader in ("medical", "manager-main", "teacher-g6", "teacher2-g6"):
        shown = await history(world, stream, world.tokens[reader])
        assert not any(i["redacted"] for i in shown), reader
        assert shown[0]["summary"] == "Injury (break) of lin: 追逐时摔倒, 左膝擦伤; first aid: 医务室清洗消毒, 包扎"
        assert shown[1]["summary"] == "Parents told by huang (电话)"
        assert shown[3]["data"]["cause"] == "课间在走廊追逐"

    batch = await world.client.get(
        "/history", params={"streams": f"{stream},hazard-nothing"}, headers=other_class_teacher(world)
    )
    streams = batch.json()["streams"]
    assert [s.get("error") for s in streams] == [None, "not_found"]
    assert all(i["redacted"] for i in streams[0]["items"]) and "追逐" not in batch.text


async def test_a_health_records_details_are_for_the_medical_room_and_the_students_teachers(world: SafetyWorld) -> None:
    stream = "health-record-yao"  # opened when yao enrolled (the directory's event)

    async def opened() -> bool:
        return bool(await world.service.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream))

    await eventually(opened)
    doctor = await history(world, stream, world.tokens["medical"])
    assert doctor[0]["type"] == "safety.HealthRecordOpened" and not doctor[0]["redacted"]
    assert doctor[0]["summary"] == "Opened the health record (transfer) in class g6-1"
    assert not (await history(world, stream, world.tokens["teacher-g6"]))[0]["redacted"]
    for withheld_from in ("manager-main", "guard-main"):
        (first, *_) = await history(world, stream, world.tokens[withheld_from])
        assert first["redacted"] and first["data"] is None and first["summary"] == "Health record opened"
    assert (await history(world, stream, other_class_teacher(world)))[0]["redacted"]


def test_every_summary_and_title_is_of_an_event_type_of_the_service() -> None:
    assert set(SUMMARIES) <= set(SAFETY_EVENTS.names)
    assert set(TITLES) <= set(SAFETY_EVENTS.names)
