"""Health records through the API: opened at enrolment, reviewed, special conditions told and
acknowledged; read by the medical room and the teachers of the class only."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from services.eventkit.auth import Role
from tests.conftest import eventually, token_for
from tests.safety.conftest import SafetyWorld

SEEDED = {"yao": ("g6-1", "transfer"), "lin": ("g6-1", "new"), "ma": ("g1-1", "new"), "qin": ("g1-1", "new")}


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def error_fields(response: httpx.Response) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


async def opened(world: SafetyWorld) -> dict[str, Any]:
    """The seeded students' records, once the reaction opened them and the projection shows them."""

    async def shown() -> dict[str, Any] | None:
        page = (await world.get("/health-records", as_="medical", limit=500)).json()
        records = {r["student_id"]: r for r in page["items"] if r["student_id"] in SEEDED}
        return records if len(records) == len(SEEDED) else None

    records: dict[str, Any] = await eventually(shown, timeout=60)
    return records


async def mirrored_student(world: SafetyWorld, class_id: str = "g6-1", campus_id: str = "main") -> str:
    """A student the mirror knows whose enrolment the opener has not handled: the medical room opens by hand."""
    student_id = new_id("wu")
    await world.safety.pool.execute(
        "INSERT INTO directory_students (student_id, class_id, campus_id, school_id, district_id, name, admission) "
        "VALUES ($1, $2, $3, 'xuexiao', 'xinbei', '吴同学', 'transfer')",
        student_id,
        class_id,
        campus_id,
    )
    return student_id


async def record_condition(world: SafetyWorld, student_id: str, condition_id: str) -> httpx.Response:
    body = {"condition_id": condition_id, "description": "花生过敏", "care_instructions": "避免含花生食物"}
    return await world.post(f"/health-records/{student_id}/special-conditions", body, as_="medical")


async def test_every_enrolled_student_gets_a_health_record(world: SafetyWorld) -> None:
    records = await opened(world)
    for student_id, (class_id, admission) in SEEDED.items():
        assert (records[student_id]["class_id"], records[student_id]["admission"]) == (class_id, admission)
        assert records[student_id]["opened_on"] == "2020-09-01"
        assert records[student_id]["opened_by"] == "safety.health-record-opener"
    opens = await world.safety.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'safety.HealthRecordOpened' AND stream_id = ANY($1::text[])",
        [f"health-record-{s}" for s in SEEDED],
    )
    assert opens == len(SEEDED)  # once each, however often the enrolments arrive


async def test_the_medical_room_opens_a_record_by_hand_once(world: SafetyWorld) -> None:
    await opened(world)
    student_id = await mirrored_student(world)
    body = {"student_id": student_id, "on": "2020-10-12", "form_ref": "forms/health/wu.pdf"}
    response = await world.post("/health-records", body, as_="medical")
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["safety.HealthRecordOpened"]

    before = await world.events()
    for sid in (student_id, "yao"):  # by hand, or by the opener at enrolment: once
        again = await world.post("/health-records", body | {"student_id": sid}, as_="medical")
        assert again.status_code == 409, again.text
        assert (again.json()["error"], again.json()["field"]) == ("rejected", "student_id")
    assert await world.events() == before

    async def shown() -> Any:
        response = await world.get(f"/health-records/{student_id}", as_="medical")
        return response.json() if response.status_code == 200 else None

    record = await eventually(shown)
    assert (record["class_id"], record["admission"], record["form_ref"]) == ("g6-1", "transfer", "forms/health/wu.pdf")


async def test_bad_input_names_the_field_and_appends_nothing(world: SafetyWorld) -> None:
    await opened(world)
    before = await world.events()
    cases = [
        ({"student_id": "nobody-here", "on": "2020-09-01"}, "student_id"),
        ({"student_id": "lin", "on": "not a day"}, "on"),
        ({"student_id": "lin"}, "on"),
    ]
    for body, field in cases:
        response = await world.post("/health-records", body, as_="medical")
        assert response.status_code == 422, (body, response.text)
        assert error_fields(response) == [field], response.json()
    bad_condition = {"condition_id": "asthma", "description": "哮喘", "care_instructions": ""}
    response = await world.post("/health-records/lin/special-conditions", bad_condition, as_="medical")
    assert (response.status_code, error_fields(response)) == (422, ["care_instructions"])
    response = await world.post("/health-records/lin/acknowledge", {}, as_="teacher-g6")
    assert (response.status_code, error_fields(response)) == (422, ["condition_id"])
    assert await world.events() == before


async def test_the_medical_room_reviews_and_nobody_else(world: SafetyWorld) -> None:
    await opened(world)
    before = await world.events()
    for who in ("teacher-g6", "manager-main", "admin", "parent-yao"):
        response = await world.post("/health-records/yao/review", {"notes": "看过了"}, as_=who)
        assert response.status_code == 403, (who, response.text)
    assert (await world.post("/health-records/ma/review", {}, as_="teacher-g1")).status_code == 403
    assert await world.events() == before

    response = await world.post(
        "/health-records/yao/review", {"notes": "插班生体检表齐全", "on": "2020-09-03"}, as_="medical"
    )
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["safety.HealthRecordReviewed"]

    async def reviewed() -> Any:
        page = (await world.get("/health-records", as_="medical", reviewed=True, limit=500)).json()
        return [r for r in page["items"] if r["student_id"] == "yao"]

    (row,) = await eventually(reviewed)
    assert (row["reviewed_by"], row["reviewed_on"], row["review_notes"]) == (
        "doctor-he",
        "2020-09-03",
        "插班生体检表齐全",
    )
    assert (await world.post("/health-records/nobody/review", {}, as_="medical")).status_code == 404


async def test_a_stale_expected_version_is_a_version_conflict(world: SafetyWorld) -> None:
    await opened(world)
    before = await world.events()
    response = await world.post("/health-records/qin/review", {"notes": "?", "expected_version": 0}, as_="medical")
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "version_conflict"
    assert await world.events() == before


async def test_a_special_condition_is_told_to_the_class_teachers_who_acknowledge(world: SafetyWorld) -> None:
    await opened(world)
    condition_id = new_id("peanuts")
    response = await record_condition(world, "lin", condition_id)
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["safety.SpecialConditionRecorded"]
    event = await world.safety.pool.fetchval(
        "SELECT data FROM events WHERE event_id = $1::uuid", response.json()["event_ids"][0]
    )
    assert (event["class_id"], event["teachers_to_tell"]) == ("g6-1", ["huang", "sun"])

    async def pending(as_: str) -> dict[str, list[str]]:
        page = (await world.get("/special-conditions/unacknowledged", as_=as_, limit=500)).json()
        return {c["condition_id"]: c["pending"] for c in page["items"]}

    async def pending_is(as_: str, expected: list[str] | None) -> bool:
        return (await pending(as_)).get(condition_id) == expected

    await eventually(lambda: pending_is("medical", ["huang", "sun"]))
    assert await pending_is("teacher-g6", ["huang", "sun"])  # huang's own, still pending
    assert await pending_is("teacher-g1", None)  # not told: not theirs
    assert (await world.get("/special-conditions/unacknowledged", as_="manager-main")).status_code == 403

    acknowledge = "/health-records/lin/acknowledge"
    response = await world.post(acknowledge, {"condition_id": condition_id}, as_="teacher-g6")
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["safety.SpecialConditionAcknowledged"]
    again = await world.post(acknowledge, {"condition_id": condition_id}, as_="teacher-g6")
    assert (again.status_code, again.json()["error"]) == (409, "rejected")
    await eventually(lambda: pending_is("medical", ["sun"]))
    assert await pending_is("teacher-g6", None)  # huang is done
    assert await pending_is("teacher2-g6", ["sun"])

    assert (await world.post(acknowledge, {"condition_id": condition_id}, as_="teacher2-g6")).status_code == 200
    await eventually(lambda: pending_is("medical", None))

    async def filed() -> Any:
        record = (await world.get("/health-records/lin", as_="teacher-g6")).json()
        mine = [c for c in record["conditions"] if c["condition_id"] == condition_id]
        return mine if mine and mine[0]["acknowledged_by"] == ["huang", "sun"] else None

    (condition,) = await eventually(filed)
    assert (condition["description"], condition["pending"]) == ("花生过敏", [])


async def test_a_teacher_not_of_the_class_cannot_acknowledge(world: SafetyWorld) -> None:
    await opened(world)
    condition_id = new_id("asthma")
    assert (await record_condition(world, "yao", condition_id)).status_code == 200
    before = await world.events()
    body = {"condition_id": condition_id}
    # a teacher of another campus: out of scope
    assert (await world.post("/health-records/yao/acknowledge", body, as_="teacher-g1")).status_code == 403
    # a teacher of the campus, but not of the class: refused before the record is read
    world.tokens["teacher-main-other"] = token_for(world.safety.settings, "qian", Role.TEACHER, campuses=["main"])
    response = await world.post("/health-records/yao/acknowledge", body, as_="teacher-main-other")
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    # only the medical room files conditions
    other = {"condition_id": new_id("x"), "description": "哮喘", "care_instructions": "备好喷雾"}
    assert (await world.post("/health-records/yao/special-conditions", other, as_="teacher-g6")).status_code == 403
    assert await world.events() == before


async def test_health_data_is_for_the_medical_room_and_the_class_teachers(world: SafetyWorld) -> None:
    await opened(world)
    # the teachers of g6-1 see its students only
    page = (await world.get("/health-records", as_="teacher-g6", limit=500)).json()
    assert {r["class_id"] for r in page["items"]} == {"g6-1"}
    assert {"yao", "lin"} <= {r["student_id"] for r in page["items"]}
    assert (await world.get("/health-records/yao", as_="teacher-g6")).status_code == 200
    page = (await world.get("/health-records", as_="teacher-g1", limit=500)).json()
    assert {r["student_id"] for r in page["items"]} == {"ma", "qin"}
    assert (await world.get("/health-records/yao", as_="teacher-g1")).status_code == 403

    # nobody else: not a district admin, a manager or a parent
    for who in ("admin", "platform", "manager-main", "parent-yao"):
        assert (await world.get("/health-records", as_=who)).status_code == 403, who
        assert (await world.get("/health-records/yao", as_=who)).status_code == 403, who
    # unless they also hold the medical role
    world.tokens["admin-medical"] = token_for(
        world.safety.settings, "admin-doc", Role.DISTRICT_ADMIN, Role.MEDICAL, districts=["xinbei"]
    )
    assert (await world.get("/health-records/yao", as_="admin-medical")).status_code == 200
    world.tokens["medical-other"] = token_for(world.safety.settings, "doc-2", Role.MEDICAL, districts=["wujin"])
    # the medical room of another district: as if there were no record
    other = await world.get("/health-records/yao", as_="medical-other")
    nobody = await world.get("/health-records/nobody", as_="medical-other")
    assert (other.status_code, nobody.status_code) == (404, 404)
    assert other.json()["reason"] == nobody.json()["reason"].replace("nobody", "yao")
    page = (await world.get("/health-records", as_="medical-other")).json()
    assert page["items"] == []
    assert (await world.get("/health-records/nobody", as_="medical")).status_code == 404


class Recording:
    """A pool that remembers every statement sent through it."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.statements: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)

    def _recorded(self, name: str) -> Any:
        async def call(sql: str, *args: Any, **kwargs: Any) -> Any:
            self.statements.append(sql)
            return await getattr(self.pool, name)(sql, *args, **kwargs)

        return call

    def __getattribute__(self, name: str) -> Any:
        if name in ("fetch", "fetchrow", "fetchval", "execute"):
            return object.__getattribute__(self, "_recorded")(name)
        return object.__getattribute__(self, name)


async def test_a_teacher_of_another_class_is_refused_before_any_health_record_is_read(world: SafetyWorld) -> None:
    await opened(world)
    on_file = "yao"  # a record, with a special condition on file
    assert (await record_condition(world, on_file, new_id("asthma"))).status_code == 200
    without = await mirrored_student(world)  # a student of the same class with no record at all
    world.tokens["teacher-g6-2"] = token_for(
        world.safety.settings, "qian", Role.TEACHER, campuses=["main"], classes=["g6-2"]
    )
    from services.safety.projections.health_files import HEALTH_FILES

    runtime = world.safety.runtime
    real = runtime.pool
    recording = runtime._pool = Recording(real)  # what the requests read through
    before = await world.events()
    try:
        for who in ("teacher-g6-2", "teacher-g1"):
            answers = []
            for student_id in (on_file, without):
                read = await world.get(f"/health-records/{student_id}", as_=who)
                ack = await world.post(
                    f"/health-records/{student_id}/acknowledge", {"condition_id": "asthma-1"}, as_=who
                )
                answers.append([(r.status_code, r.text.replace(student_id, "?")) for r in (read, ack)])
            assert answers[0] == answers[1], (who, answers)
            assert [status for status, _ in answers[0]] == [403, 403], (who, answers)
            assert answers[0][0][1] == answers[0][1][1]  # the read and the command: one refusal
    finally:
        runtime._pool = real
    read_health = [sql for sql in recording.statements if f"{HEALTH_FILES.schema}." in sql]
    assert recording.statements and read_health == [], read_health
    assert await world.events() == before
    # the teachers of the class still read it
    assert (await world.get(f"/health-records/{on_file}", as_="teacher-g6")).status_code == 200
