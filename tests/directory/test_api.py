"""The directory's HTTP API against a running service: real PostgreSQL, real Kafka, real projections.

One service per module, seeded once through the API with the seed's school; tests that
change the directory use ids of their own so that the seed stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio

from services.directory.queries.principals import principal_for
from services.directory.service import DIRECTORY
from services.eventkit.auth import Role
from services.eventkit.settings import Settings
from tests.conftest import RunningService, eventually, token_for

pytestmark = pytest.mark.infra

Headers = dict[str, str]


@dataclass
class Seeded:
    svc: RunningService
    settings: Settings
    platform: Headers
    admin: Headers  # district admin of xinbei
    manager: Headers  # logistics manager of the aoyuan campus
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.svc.client

    async def post(self, path: str, body: dict[str, Any], headers: Headers | None = None) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.admin if headers is None else headers)

    async def get(self, path: str, headers: Headers | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.admin if headers is None else headers)

    async def event_count(self) -> int:
        return int(await self.svc.pool.fetchval("SELECT count(*) FROM events"))


# name -> (path, body, who sends it): the seed's school, in the order it is built.
SEED: list[tuple[str, str, dict[str, Any], str]] = [
    ("district", "/districts", {"district_id": "xinbei", "name": "新北区"}, "platform"),
    ("school", "/schools", {"school_id": "xuexiao", "district_id": "xinbei", "name": "薛家实验小学"}, "admin"),
    ("main", "/campuses", {"campus_id": "main", "school_id": "xuexiao", "name": "本部"}, "admin"),
    (
        "aoyuan",
        "/campuses",
        {"campus_id": "aoyuan", "school_id": "xuexiao", "name": "奥园校区", "address": "奥园路1号"},
        "admin",
    ),
    (
        "term",
        "/schools/xuexiao/terms",
        {"term_id": "2020-2021-1", "name": "2020-2021学年第一学期", "starts_on": "2020-09-01", "ends_on": "2021-01-31"},
        "admin",
    ),
    ("g6-1", "/classes", {"class_id": "g6-1", "campus_id": "main", "name": "六1班", "grade": 6}, "admin"),
    ("g1-1", "/classes", {"class_id": "g1-1", "campus_id": "aoyuan", "name": "一1班", "grade": 1}, "admin"),
    (
        "wang",
        "/staff",
        {
            "staff_id": "wang",
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": "王老师",
            "roles": ["teacher", "class_teacher"],
            "campus_ids": ["main"],
        },
        "admin",
    ),
    (
        "li",
        "/staff",
        {
            "staff_id": "li",
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": "李老师",
            "roles": ["teacher", "class_teacher"],
            "campus_ids": ["main"],
        },
        "admin",
    ),
    (
        "mgr-aoyuan",
        "/staff",
        {
            "staff_id": "mgr-aoyuan",
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": "奥园后勤主任",
            "roles": ["logistics_manager"],
            "campus_ids": ["aoyuan"],
        },
        "admin",
    ),
    ("wang-teaches", "/classes/g6-1/teachers", {"staff_id": "wang", "subject": "数学"}, "admin"),
    (
        "li-class-teacher",
        "/classes/g6-1/teachers",
        {"staff_id": "li", "subject": "语文", "is_class_teacher": True},
        "admin",
    ),
    (
        "zhang-san",
        "/students",
        {
            "student_id": "zhang-san",
            "name": "张三",
            "class_id": "g6-1",
            "admission": "transfer",
            "on": "2020-10-12",
        },
        "admin",
    ),
    (
        "zhang-mum",
        "/parents",
        {"parent_id": "zhang-mum", "school_id": "xuexiao", "name": "张妈妈", "phone": "13800000000"},
        "admin",
    ),
    ("linked", "/parents/zhang-mum/children", {"student_id": "zhang-san", "relation": "mother"}, "admin"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def seeded(make_settings: Any, start_service: Any) -> Seeded:
    settings = await make_settings("directory")
    svc = await start_service(DIRECTORY, settings)
    seeded = Seeded(
        svc,
        settings,
        platform=token_for(settings, "root", Role.PLATFORM_ADMIN),
        admin=token_for(settings, "admin-1", Role.DISTRICT_ADMIN, districts=["xinbei"]),
        manager=token_for(settings, "mgr-aoyuan", Role.LOGISTICS_MANAGER, campuses=["aoyuan"]),
    )
    for name, path, body, who in SEED:
        response = await seeded.post(path, body, getattr(seeded, who))
        assert response.status_code == 200, (name, response.text)
        seeded.results[name] = response.json()
    return seeded


def assert_validation_error(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    assert isinstance(body["detail"], list) and body["detail"]
    assert all(set(d) == {"field", "reason"} and d["reason"] for d in body["detail"])
    assert field in [d["field"] for d in body["detail"]], body


# -- commands: what a valid command answers ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "stream_id", "version", "events"),
    [
        ("district", "district-xinbei", 1, ["directory.DistrictRegistered"]),
        ("school", "school-xuexiao", 1, ["directory.SchoolRegistered"]),
        ("main", "campus-main", 1, ["directory.CampusOpened"]),
        ("aoyuan", "campus-aoyuan", 1, ["directory.CampusOpened"]),
        ("term", "school-xuexiao", 2, ["directory.TermScheduled"]),
        ("g6-1", "class-g6-1", 1, ["directory.ClassOpened"]),
        ("wang", "staff-wang", 1, ["directory.StaffJoined"]),
        ("wang-teaches", "class-g6-1", 2, ["directory.TeacherAssigned"]),
        ("li-class-teacher", "class-g6-1", 3, ["directory.TeacherAssigned"]),
        ("zhang-san", "student-zhang-san", 1, ["directory.StudentEnrolled"]),
        ("zhang-mum", "parent-zhang-mum", 1, ["directory.ParentRegistered"]),
        ("linked", "parent-zhang-mum", 2, ["directory.ParentLinked"]),
    ],
)
async def test_a_valid_command_answers_its_result(
    seeded: Seeded, name: str, stream_id: str, version: int, events: list[str]
) -> None:
    result = seeded.results[name]
    assert set(result) == {"stream_id", "version", "events", "event_ids", "duplicate", "read_after"}
    assert result["read_after"] == f"directory:{stream_id}@{version}"  # for a read that must see it
    assert result["stream_id"] == stream_id
    assert result["version"] == version
    assert result["events"] == events
    assert result["duplicate"] is False
    [event_id] = result["event_ids"]
    row = await seeded.svc.pool.fetchrow(
        "SELECT stream_id, version, type FROM events WHERE event_id = $1", UUID(event_id)
    )
    assert row is not None
    assert (row["stream_id"], row["version"], row["type"]) == (stream_id, version, events[0])


async def test_events_carry_the_tenant_and_the_actor(seeded: Seeded) -> None:
    row = await seeded.svc.pool.fetchrow(
        "SELECT district_id, school_id, campus_id, actor FROM events WHERE event_id = $1",
        UUID(seeded.results["zhang-san"]["event_ids"][0]),
    )
    assert row is not None
    assert dict(row) == {"district_id": "xinbei", "school_id": "xuexiao", "campus_id": "main", "actor": "admin-1"}


async def test_a_no_op_command_appends_nothing(seeded: Seeded) -> None:
    before = await seeded.event_count()
    response = await seeded.post("/campuses/main/rename", {"name": "本部", "expected_version": 1})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "stream_id": "campus-main",
        "version": 1,
        "events": [],
        "event_ids": [],
        "duplicate": False,
        "read_after": "directory:campus-main@1",
    }
    assert await seeded.event_count() == before


# -- commands: bad input -----------------------------------------------------------------

CLASS = {"class_id": "g6-9", "campus_id": "main", "name": "六9班", "grade": 6}
TERM = {"term_id": "2021-2022-1", "name": "2021-2022学年第一学期", "starts_on": "2021-09-01", "ends_on": "2022-01-20"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/classes", CLASS | {"grade": 99}, "grade"),
        ("/classes", CLASS | {"grade": 0}, "grade"),
        ("/classes", CLASS | {"class_id": "六9班"}, "class_id"),
        ("/classes", CLASS | {"class_id": "G6-9"}, "class_id"),
        ("/classes", CLASS | {"name": "   "}, "name"),
        ("/classes", {k: v for k, v in CLASS.items() if k != "campus_id"}, "campus_id"),
        ("/classes", CLASS | {"colour": "red"}, "colour"),
        ("/classes", CLASS | {"expected_version": -1}, "expected_version"),
        ("/schools/xuexiao/terms", TERM | {"ends_on": "2021-08-31"}, "ends_on"),
        ("/schools/xuexiao/terms", TERM | {"ends_on": "2021-09-01"}, "ends_on"),
        ("/schools/xuexiao/terms", TERM | {"starts_on": "2021-02-30"}, "starts_on"),
        ("/districts", {"district_id": "-wujin", "name": "武进区"}, "district_id"),
        (
            "/staff",
            {"staff_id": "zhou", "district_id": "xinbei", "name": "周", "roles": [], "campus_ids": ["main"]},
            "roles",
        ),
        (
            "/staff",
            {"staff_id": "zhou", "district_id": "xinbei", "name": "周", "roles": ["janitor"], "campus_ids": ["main"]},
            "roles.0",
        ),
        (
            "/students",
            {
                "student_id": "s-x",
                "name": "某",
                "class_id": "g6-1",
                "admission": "exchange",
                "on": "2020-09-01",
            },
            "admission",
        ),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_appends_nothing(
    seeded: Seeded, path: str, body: dict[str, Any], field: str
) -> None:
    before = await seeded.event_count()
    response = await seeded.post(path, body, seeded.platform)
    assert_validation_error(response, field)
    assert await seeded.event_count() == before


async def test_a_body_that_is_not_json_is_a_422_and_appends_nothing(seeded: Seeded) -> None:
    before = await seeded.event_count()
    response = await seeded.client.post(
        "/classes", content=b"{not json", headers=seeded.admin | {"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert await seeded.event_count() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/classes", CLASS | {"campus_id": "nowhere"}, "campus_id"),
        ("/campuses", {"campus_id": "xiqu", "school_id": "nowhere", "name": "西区"}, "school_id"),
        ("/schools", {"school_id": "erxiao", "district_id": "nowhere", "name": "二小"}, "district_id"),
        (
            "/students",
            {"student_id": "s-x", "name": "某", "class_id": "nowhere", "admission": "new", "on": "2020-09-01"},
            "class_id",
        ),
        (
            "/staff",
            {
                "staff_id": "zhou",
                "district_id": "xinbei",
                "school_id": "xuexiao",
                "name": "周",
                "roles": ["cleaner"],
                "campus_ids": ["main", "nowhere"],
            },
            "campus_ids.1",
        ),
        (
            "/staff",
            {"staff_id": "zhou", "district_id": "xinbei", "school_id": "nowhere", "name": "周", "roles": ["operator"]},
            "school_id",
        ),
        ("/classes/g6-1/teachers", {"staff_id": "nobody", "subject": "音乐"}, "staff_id"),
        ("/classes/g6-1/teachers", {"staff_id": "mgr-aoyuan", "subject": "音乐"}, "staff_id"),  # not a teacher
        ("/parents", {"parent_id": "p-x", "school_id": "nowhere", "name": "某"}, "school_id"),
        ("/parents/zhang-mum/children", {"student_id": "nobody", "relation": "mother"}, "student_id"),
    ],
)
async def test_a_reference_to_nothing_is_a_422_naming_the_field_and_appends_nothing(
    seeded: Seeded, path: str, body: dict[str, Any], field: str
) -> None:
    before = await seeded.event_count()
    response = await seeded.post(path, body)
    assert_validation_error(response, field)
    assert await seeded.event_count() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/schools/nowhere/terms", TERM),
        ("/campuses/nowhere/rename", {"name": "某"}),
        ("/classes/nowhere/teachers", {"staff_id": "wang", "subject": "数学"}),
        ("/staff/nobody/leave", {"on": "2021-01-31", "reason": "离职"}),
        ("/students/nobody/move", {"to_class_id": "g6-1", "on": "2021-01-31"}),
        ("/parents/nobody/children", {"student_id": "zhang-san", "relation": "father"}),
    ],
)
async def test_an_entity_in_the_path_that_does_not_exist_is_a_404(
    seeded: Seeded, path: str, body: dict[str, Any]
) -> None:
    before = await seeded.event_count()
    response = await seeded.post(path, body)
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"
    assert await seeded.event_count() == before


# -- commands: conflicts and refusals ----------------------------------------------------


async def test_a_stale_expected_version_is_a_409_and_appends_nothing(seeded: Seeded) -> None:
    before = await seeded.event_count()
    response = await seeded.post("/campuses/main/rename", {"name": "本部校区", "expected_version": 0})
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "version_conflict"
    assert body["field"] == "expected_version"
    assert "campus-main" in body["reason"]
    assert await seeded.event_count() == before


async def test_a_second_class_teacher_is_refused_with_a_409(seeded: Seeded) -> None:
    before = await seeded.event_count()
    response = await seeded.post(
        "/classes/g6-1/teachers", {"staff_id": "wang", "subject": "班会", "is_class_teacher": True}
    )
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "rejected"
    assert body["field"] == "is_class_teacher"
    assert "li" in body["reason"]
    assert await seeded.event_count() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/districts", {"district_id": "xinbei", "name": "新北区"}, "district_id"),
        ("/campuses", {"campus_id": "main", "school_id": "xuexiao", "name": "本部"}, "campus_id"),
        ("/schools/xuexiao/terms", TERM | {"term_id": "2020-2021-1"}, "term_id"),
        ("/schools/xuexiao/terms", TERM | {"starts_on": "2021-01-31"}, "starts_on"),
        ("/classes/g6-1/teachers", {"staff_id": "wang", "subject": "数学"}, "staff_id"),
        ("/classes/g6-1/teachers/remove", {"staff_id": "mgr-aoyuan"}, "staff_id"),
        ("/students/zhang-san/move", {"to_class_id": "g6-1", "on": "2021-02-20"}, "to_class_id"),
        ("/parents/zhang-mum/children", {"student_id": "zhang-san", "relation": "mother"}, "student_id"),
    ],
)
async def test_a_domain_refusal_is_a_409_and_appends_nothing(
    seeded: Seeded, path: str, body: dict[str, Any], field: str
) -> None:
    before = await seeded.event_count()
    response = await seeded.post(path, body, seeded.platform)
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "rejected"
    assert response.json()["field"] == field
    assert await seeded.event_count() == before


async def test_a_closed_campus_takes_no_new_class_and_no_new_name(seeded: Seeded) -> None:
    p = seeded.platform
    assert (await seeded.post("/districts", {"district_id": "wujin", "name": "武进区"}, p)).status_code == 200
    assert (
        await seeded.post("/schools", {"school_id": "wuxiao", "district_id": "wujin", "name": "武进小学"}, p)
    ).status_code == 200
    assert (
        await seeded.post("/campuses", {"campus_id": "hu", "school_id": "wuxiao", "name": "湖塘校区"}, p)
    ).status_code == 200
    closed = await seeded.post("/campuses/hu/close", {"reason": "并入本部"}, p)
    assert closed.status_code == 200, closed.text
    assert closed.json()["events"] == ["directory.CampusClosed"]

    before = await seeded.event_count()
    response = await seeded.post("/classes", CLASS | {"class_id": "hu-1", "campus_id": "hu"}, p)
    assert_validation_error(response, "campus_id")
    renamed = await seeded.post("/campuses/hu/rename", {"name": "湖塘"}, p)
    assert renamed.status_code == 409
    assert renamed.json()["error"] == "rejected"
    assert await seeded.event_count() == before


# -- commands: who may send them ---------------------------------------------------------


async def test_a_district_admin_of_another_district_may_not_open_a_campus_here(seeded: Seeded) -> None:
    other = token_for(seeded.settings, "admin-wujin", Role.DISTRICT_ADMIN, districts=["wujin"])
    before = await seeded.event_count()
    response = await seeded.post("/campuses", {"campus_id": "xiqu", "school_id": "xuexiao", "name": "西区"}, other)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"
    assert await seeded.event_count() == before


@pytest.mark.parametrize(
    ("path", "nothing", "something", "field"),
    [
        (
            "/classes/g6-1/teachers",
            {"staff_id": "nobody", "subject": "音乐"},
            {"staff_id": "wang", "subject": "音乐"},
            "staff_id",
        ),
        (
            "/staff/wang/roles",
            {"roles": ["teacher"], "campus_ids": ["nowhere"]},
            {"roles": ["teacher"], "campus_ids": ["main"]},
            "campus_ids.0",
        ),
        (
            "/parents/zhang-mum/children",
            {"student_id": "nobody", "relation": "mother"},
            {"student_id": "zhang-san", "relation": "mother"},
            "student_id",
        ),
    ],
)
async def test_outside_the_scope_the_entity_does_not_exist_whatever_the_body_names(
    seeded: Seeded, path: str, nothing: dict[str, Any], something: dict[str, Any], field: str
) -> None:
    """Another district's entity answers as one that does not exist (services/eventkit/errors.py),
    before what the body names is checked; the district's own admin gets the body's 422."""
    other = token_for(seeded.settings, "admin-wujin", Role.DISTRICT_ADMIN, districts=["wujin"])
    before = await seeded.event_count()
    entity_id = path.split("/")[2]
    missing = await seeded.post(path.replace(entity_id, "no-such-one"), something, other)
    assert missing.status_code == 404, missing.text
    for body in (nothing, something):
        response = await seeded.post(path, body, other)
        assert (response.status_code, response.json()) == (
            404,
            missing.json() | {"reason": missing.json()["reason"].replace("no-such-one", entity_id)},
        )
    assert_validation_error(await seeded.post(path, nothing, seeded.admin), field)
    assert await seeded.event_count() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/classes", CLASS | {"class_id": "g1-9", "campus_id": "aoyuan"}),
        ("/campuses/aoyuan/rename", {"name": "奥园"}),
        (
            "/students",
            {"student_id": "s-x", "name": "某", "class_id": "g1-1", "admission": "new", "on": "2020-09-01"},
        ),
    ],
)
async def test_a_campus_manager_is_not_an_admin(seeded: Seeded, path: str, body: dict[str, Any]) -> None:
    before = await seeded.event_count()
    response = await seeded.post(path, body, seeded.manager)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"
    assert await seeded.event_count() == before


async def test_only_the_platform_admin_registers_districts(seeded: Seeded) -> None:
    before = await seeded.event_count()
    response = await seeded.post("/districts", {"district_id": "jintan", "name": "金坛区"}, seeded.admin)
    assert response.status_code == 403
    assert await seeded.event_count() == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}],
    ids=["none", "garbage", "basic"],
)
async def test_without_a_valid_token_it_is_a_401(seeded: Seeded, headers: Headers) -> None:
    before = await seeded.event_count()
    response = await seeded.post("/campuses", {"campus_id": "xiqu", "school_id": "xuexiao", "name": "西区"}, headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    assert (await seeded.get("/campuses", headers)).status_code == 401
    assert await seeded.event_count() == before


async def test_a_token_signed_with_another_key_is_a_401(seeded: Seeded) -> None:
    forged = token_for(seeded.settings.model_copy(update={"jwt_secret": "x" * 40}), "root", Role.PLATFORM_ADMIN)
    response = await seeded.post("/districts", {"district_id": "jintan", "name": "金坛区"}, forged)
    assert response.status_code == 401


# -- commands: idempotency and correlation -----------------------------------------------


async def test_the_same_idempotency_key_twice_appends_once(seeded: Seeded) -> None:
    key = f"open-g6-2-{uuid4()}"
    body = {"class_id": "g6-2", "campus_id": "main", "name": "六2班", "grade": 6}
    before = await seeded.event_count()
    first = await seeded.client.post("/classes", json=body, headers=seeded.admin | {"Idempotency-Key": key})
    assert first.status_code == 200, first.text
    second = await seeded.client.post("/classes", json=body, headers=seeded.admin | {"Idempotency-Key": key})
    assert second.status_code == 200, second.text

    assert first.json()["duplicate"] is False
    assert second.json()["duplicate"] is True
    assert second.json()["event_ids"] == first.json()["event_ids"]
    assert second.json()["events"] == first.json()["events"] == ["directory.ClassOpened"]
    assert (second.json()["stream_id"], second.json()["version"]) == ("class-g6-2", 1)
    assert await seeded.event_count() == before + 1
    stored = await seeded.svc.pool.fetch("SELECT command_id FROM events WHERE stream_id = 'class-g6-2'")
    assert [r["command_id"] for r in stored] == [key]

    # Without the key, the same command is a new one: the class exists, so it is refused.
    third = await seeded.post("/classes", body)
    assert third.status_code == 409
    assert await seeded.event_count() == before + 1


async def test_every_response_carries_a_correlation_id(seeded: Seeded) -> None:
    for response in (
        await seeded.client.get("/healthz"),
        await seeded.get("/campuses"),
        await seeded.post("/classes", CLASS | {"grade": 99}),
        await seeded.post("/campuses", {"campus_id": "xiqu", "school_id": "xuexiao", "name": "西区"}, {}),
    ):
        cid = response.headers["x-correlation-id"]
        assert UUID(cid)
    a = (await seeded.client.get("/healthz")).headers["x-correlation-id"]
    b = (await seeded.client.get("/healthz")).headers["x-correlation-id"]
    assert a != b


async def test_an_incoming_correlation_id_is_echoed_and_stored_on_the_events(seeded: Seeded) -> None:
    cid = f"corr-{uuid4()}"
    body = {
        "staff_id": "zhao",
        "district_id": "xinbei",
        "school_id": "xuexiao",
        "name": "赵师傅",
        "roles": ["guard"],
        "campus_ids": ["aoyuan"],
    }
    response = await seeded.client.post("/staff", json=body, headers=seeded.admin | {"X-Correlation-ID": cid})
    assert response.status_code == 200, response.text
    assert response.headers["x-correlation-id"] == cid
    ids = [UUID(e) for e in response.json()["event_ids"]]
    stored = await seeded.svc.pool.fetch("SELECT correlation_id FROM events WHERE event_id = ANY($1::uuid[])", ids)
    assert [r["correlation_id"] for r in stored] == [cid]

    refused = await seeded.client.post("/staff", json=body, headers=seeded.admin | {"X-Correlation-ID": cid})
    assert refused.status_code == 409
    assert refused.headers["x-correlation-id"] == cid


# -- queries -----------------------------------------------------------------------------


def ids(page: dict[str, Any], key: str) -> list[str]:
    return [item[key] for item in page["items"]]


async def campuses_seen(seeded: Seeded, headers: Headers) -> list[str]:
    response = await seeded.get("/campuses", headers)
    assert response.status_code == 200, response.text
    return ids(response.json(), "campus_id")


async def until_projected(seeded: Seeded) -> None:
    """Until the roster shows the whole seed."""

    async def done() -> bool:
        response = await seeded.get("/classes/g6-1")
        return (
            response.status_code == 200 and response.json()["students"] == 1 and len(response.json()["teachers"]) == 2
        )

    await eventually(lambda: campuses_seen(seeded, seeded.admin))
    await eventually(done)


async def test_the_district_admin_sees_both_campuses(seeded: Seeded) -> None:
    async def both() -> bool:
        return await campuses_seen(seeded, seeded.admin) == ["aoyuan", "main"]

    await eventually(both)
    page = (await seeded.get("/campuses")).json()
    assert page["next_cursor"] is None
    aoyuan = page["items"][0]
    assert aoyuan == {
        "campus_id": "aoyuan",
        "school_id": "xuexiao",
        "district_id": "xinbei",
        "name": "奥园校区",
        "address": "奥园路1号",
        "closed": False,
        "students": 0,
    }
    one = await seeded.get("/campuses/main")
    assert one.status_code == 200
    assert one.json()["name"] == "本部"


async def test_the_aoyuan_manager_sees_only_aoyuan(seeded: Seeded) -> None:
    await until_projected(seeded)

    async def classes_everywhere() -> bool:
        return {"g1-1", "g6-1"} <= set(ids((await seeded.get("/classes")).json(), "class_id"))

    await eventually(classes_everywhere)
    assert await campuses_seen(seeded, seeded.manager) == ["aoyuan"]
    classes = (await seeded.get("/classes", seeded.manager)).json()
    assert ids(classes, "class_id") == ["g1-1"]
    assert {c["campus_id"] for c in classes["items"]} == {"aoyuan"}
    assert ids((await seeded.get("/classes", seeded.manager, campus_id="main")).json(), "class_id") == []
    assert (await seeded.get("/campuses/main", seeded.manager)).status_code == 404
    assert (await seeded.get("/classes/g6-1", seeded.manager)).status_code == 404
    assert (await seeded.get("/campuses/aoyuan", seeded.manager)).status_code == 200


async def test_the_manager_sees_the_school_of_their_campus(seeded: Seeded) -> None:
    await until_projected(seeded)
    response = await seeded.get("/schools", seeded.manager)
    assert response.status_code == 200, response.text
    assert ids(response.json(), "school_id") == ["xuexiao"]
    assert ids((await seeded.get("/schools")).json(), "school_id") == ["xuexiao"]


async def test_a_district_admin_of_another_district_sees_nothing_here(seeded: Seeded) -> None:
    await until_projected(seeded)
    other = token_for(seeded.settings, "admin-jintan", Role.DISTRICT_ADMIN, districts=["jintan"])
    assert await campuses_seen(seeded, other) == []
    assert ids((await seeded.get("/classes", other)).json(), "class_id") == []
    assert ids((await seeded.get("/students", other)).json(), "student_id") == []


@pytest.mark.parametrize(
    "path",
    [
        "/campuses",
        "/campuses/main",
        "/classes",
        "/classes/g6-1",
        "/staff",
        "/students",
        "/schools",
        "/parents",
        "/parents/zhang-mum",
    ],
)
async def test_a_parent_may_not_read_the_directory(seeded: Seeded, path: str) -> None:
    parent = token_for(seeded.settings, "zhang-mum", Role.PARENT, classes=["g6-1"])
    response = await seeded.get(path, parent)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "forbidden"


async def test_the_term_of_a_day(seeded: Seeded) -> None:
    await until_projected(seeded)

    async def term_on_national_day() -> list[dict[str, Any]]:
        response = await seeded.get("/schools/xuexiao/terms", on="2020-10-01")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    [term] = await eventually(term_on_national_day)
    assert term == {
        "term_id": "2020-2021-1",
        "school_id": "xuexiao",
        "name": "2020-2021学年第一学期",
        "starts_on": "2020-09-01",
        "ends_on": "2021-01-31",
    }
    assert (await seeded.get("/schools/xuexiao/terms", on="2021-02-15")).json()["items"] == []
    # A campus-scoped manager reads the calendar of the school of their campus.
    assert ids((await seeded.get("/schools/xuexiao/terms", seeded.manager, on="2021-01-31")).json(), "term_id") == [
        "2020-2021-1"
    ]
    bad = await seeded.get("/schools/xuexiao/terms", on="not-a-day")
    assert_validation_error(bad, "query.on")


async def test_pages_follow_the_cursor(seeded: Seeded) -> None:
    async def both() -> bool:
        return await campuses_seen(seeded, seeded.admin) == ["aoyuan", "main"]

    await eventually(both)
    first = (await seeded.get("/campuses", limit=1)).json()
    assert ids(first, "campus_id") == ["aoyuan"]
    assert first["next_cursor"] == "aoyuan"
    second = (await seeded.get("/campuses", limit=1, after=first["next_cursor"])).json()
    assert ids(second, "campus_id") == ["main"]
    assert second["next_cursor"] is None
    assert_validation_error(await seeded.get("/campuses", limit=0), "query.limit")
    assert_validation_error(await seeded.get("/campuses", limit=501), "query.limit")


async def test_a_counted_page_of_classes_counts_the_scope_and_the_filter_on_every_page(seeded: Seeded) -> None:
    """A read whose key is a table's column (c.class_id) and whose rows are built by subqueries: the
    count is the scope's and the filter's, the same on each page, and the rows are as uncounted."""
    await until_projected(seeded)
    every = (await seeded.get("/classes", limit=500)).json()
    assert "total" not in every and {c["campus_id"] for c in every["items"]} == {"aoyuan", "main"}
    pages, after = [], None
    while True:
        page = (await seeded.get("/classes", limit=1, count="true", **({"after": after} if after else {}))).json()
        pages.append(page)
        after = page["next_cursor"]
        if after is None:
            break
    assert [p["total"] for p in pages] == [len(every["items"])] * len(every["items"])
    assert [c for p in pages for c in p["items"]] == every["items"]
    aoyuan = [c for c in every["items"] if c["campus_id"] == "aoyuan"]
    as_manager = (await seeded.get("/classes", seeded.manager, limit=1, count="true")).json()
    assert as_manager["total"] == len(aoyuan) < len(every["items"])  # another campus's classes are not counted
    of_main = (await seeded.get("/classes", limit=500, count="true", campus_id="main")).json()
    assert of_main["total"] == len(of_main["items"]) == len(every["items"]) - len(aoyuan)


async def test_a_class_shows_its_headcount_and_teachers(seeded: Seeded) -> None:
    await until_projected(seeded)
    response = await seeded.get("/classes/g6-1")
    assert response.status_code == 200
    assert response.json() == {
        "class_id": "g6-1",
        "campus_id": "main",
        "school_id": "xuexiao",
        "district_id": "xinbei",
        "name": "六1班",
        "grade": 6,
        "class_teacher_id": "li",
        "students": 1,
        "teachers": [{"staff_id": "li", "subject": "语文"}, {"staff_id": "wang", "subject": "数学"}],
    }
    assert (await seeded.get("/classes/nowhere")).status_code == 404


async def test_staff_and_students_in_scope(seeded: Seeded) -> None:
    await until_projected(seeded)
    teachers = (await seeded.get("/staff", role="teacher")).json()
    assert ids(teachers, "staff_id") == ["li", "wang"]
    on_aoyuan = (await seeded.get("/staff", seeded.manager)).json()
    assert "mgr-aoyuan" in ids(on_aoyuan, "staff_id")
    assert not {"li", "wang"} & set(ids(on_aoyuan, "staff_id"))

    students = (await seeded.get("/students", class_id="g6-1")).json()
    assert students["items"] == [
        {
            "student_id": "zhang-san",
            "class_id": "g6-1",
            "campus_id": "main",
            "school_id": "xuexiao",
            "district_id": "xinbei",
            "name": "张三",
            "admission": "transfer",
            "enrolled_on": "2020-10-12",
            "active": True,
        }
    ]
    # A teacher without campus scope sees the students of the classes they teach.
    teacher = token_for(seeded.settings, "wang", Role.TEACHER, classes=["g6-1"])
    assert ids((await seeded.get("/students", teacher)).json(), "student_id") == ["zhang-san"]
    assert ids((await seeded.get("/students", seeded.manager)).json(), "student_id") == []


async def test_parents_with_their_children_in_the_scope_of_their_school_and_no_phone(seeded: Seeded) -> None:
    """A parent is the school's (as their history is): the district's admin sees them with their
    children; an admin of another district and a manager of one campus see nothing of them."""
    await until_projected(seeded)
    zhang_mum = {
        "parent_id": "zhang-mum",
        "district_id": "xinbei",
        "school_id": "xuexiao",
        "name": "张妈妈",
        "children": [{"student_id": "zhang-san", "class_id": "g6-1", "relation": "mother"}],
    }

    async def linked() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await seeded.get("/parents", school_id="xuexiao")).json()["items"]
        return items if items and items[0]["children"] else None

    assert await eventually(linked) == [zhang_mum]
    assert (await seeded.get("/parents/zhang-mum")).json() == zhang_mum
    assert ids((await seeded.get("/parents", student_id="zhang-san")).json(), "parent_id") == ["zhang-mum"]
    assert ids((await seeded.get("/parents", student_id="nobody")).json(), "parent_id") == []
    assert ids((await seeded.get("/parents", ids="zhang-mum,nobody")).json(), "parent_id") == ["zhang-mum"]
    other = token_for(seeded.settings, "admin-jintan", Role.DISTRICT_ADMIN, districts=["jintan"])
    for outside in (other, seeded.manager):
        assert (await seeded.get("/parents", outside)).json()["items"] == []
        assert (await seeded.get("/parents/zhang-mum", outside)).status_code == 404
    assert (await seeded.get("/parents/nobody")).status_code == 404


async def test_the_roster_signs_in_staff_and_parents(seeded: Seeded) -> None:
    await until_projected(seeded)

    async def parent_linked() -> Any:
        principal = await principal_for(seeded.svc.pool, "zhang-mum")
        return principal if principal.classes else None

    parent = await eventually(parent_linked)
    assert parent.roles == {Role.PARENT}
    assert parent.classes == {"g6-1"}
    li = await principal_for(seeded.svc.pool, "li")
    assert li.roles == {Role.TEACHER, Role.CLASS_TEACHER}
    assert li.campuses == {"main"}
    assert li.classes == {"g6-1"}


async def test_a_move_follows_the_child_to_the_new_class(seeded: Seeded) -> None:
    """Headcounts move with the student, and so does the class their parent may see."""
    for class_id, name in (("g5-1", "五1班"), ("g5-2", "五2班")):
        opened = await seeded.post("/classes", {"class_id": class_id, "campus_id": "main", "name": name, "grade": 5})
        assert opened.status_code == 200, opened.text
    for path, body in (
        (
            "/students",
            {
                "student_id": "li-si",
                "name": "李四",
                "class_id": "g5-1",
                "admission": "new",
                "on": "2020-09-01",
            },
        ),
        ("/parents", {"parent_id": "li-dad", "school_id": "xuexiao", "name": "李爸爸"}),
        ("/parents/li-dad/children", {"student_id": "li-si", "relation": "father"}),
        ("/students/li-si/move", {"to_class_id": "g5-2", "on": "2021-02-20"}),
    ):
        response = await seeded.post(path, body)
        assert response.status_code == 200, (path, response.text)
    assert response.json()["events"] == ["directory.StudentMovedClass"]

    async def moved() -> bool:
        g51, g52 = (await seeded.get("/classes/g5-1")).json(), (await seeded.get("/classes/g5-2")).json()
        return bool(g51.get("students") == 0 and g52.get("students") == 1)

    await eventually(moved)
    dad = await principal_for(seeded.svc.pool, "li-dad")
    assert dad.classes == {"g5-2"}


# -- operations --------------------------------------------------------------------------


async def test_health_and_readiness(seeded: Seeded) -> None:
    health = await seeded.client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "directory"}
    ready = await seeded.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "database": "ok", "kafka": "ok"}


async def test_metrics_count_appended_events(seeded: Seeded) -> None:
    assert (await seeded.client.get("/metrics")).status_code == 401  # operators only
    response = await seeded.client.get("/metrics", headers=seeded.platform)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "houqin_events_appended_total" in response.text
    assert 'houqin_events_appended_total{service="directory"}' in response.text


COMMAND_PATHS = [
    "/districts",
    "/schools",
    "/schools/{school_id}/terms",
    "/campuses",
    "/campuses/{campus_id}/rename",
    "/campuses/{campus_id}/close",
    "/classes",
    "/classes/{class_id}/teachers",
    "/classes/{class_id}/teachers/remove",
    "/staff",
    "/staff/{staff_id}/roles",
    "/staff/{staff_id}/leave",
    "/students",
    "/students/{student_id}/move",
    "/students/{student_id}/leave",
    "/parents",
    "/parents/{parent_id}/children",
]


async def test_the_openapi_document_lists_every_command(seeded: Seeded) -> None:
    response = await seeded.client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    posted = sorted(p for p, ops in paths.items() if "post" in ops and not p.startswith("/ops/"))  # operators' acts
    assert posted == sorted(COMMAND_PATHS)
    for path in COMMAND_PATHS:
        operation = paths[path]["post"]
        assert operation["tags"] == ["commands"]
        assert "requestBody" in operation
        assert {"200", "401", "403", "409", "422"} <= set(operation["responses"])
    for path in ("/healthz", "/readyz", "/metrics", "/campuses", "/classes/{class_id}", "/schools/{school_id}/terms"):
        assert "get" in paths[path]


async def test_a_class_teacher_needs_the_class_teacher_role(seeded: Seeded) -> None:
    await seeded.post(
        "/staff",
        {
            "staff_id": "zhou-t",
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": "周老师",
            "roles": ["teacher"],
            "campus_ids": ["main"],
        },
    )
    before = await seeded.event_count()
    response = await seeded.post(
        "/classes/g1-1/teachers", {"staff_id": "zhou-t", "subject": "数学", "is_class_teacher": True}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [
        {"field": "is_class_teacher", "reason": "周老师 does not have the class teacher role"}
    ]
    assert await seeded.event_count() == before


async def test_a_teacher_of_another_school_cannot_be_assigned(seeded: Seeded) -> None:
    assert (
        await seeded.post("/schools", {"school_id": "other-school", "district_id": "xinbei", "name": "另一所学校"})
    ).status_code == 200
    assert (
        await seeded.post("/campuses", {"campus_id": "other-campus", "school_id": "other-school", "name": "本部"})
    ).status_code == 200
    joined = await seeded.post(
        "/staff",
        {
            "staff_id": "qian",
            "district_id": "xinbei",
            "school_id": "other-school",
            "name": "钱老师",
            "roles": ["teacher"],
            "campus_ids": ["other-campus"],
        },
    )
    assert joined.status_code == 200, joined.text
    before = await seeded.event_count()
    response = await seeded.post("/classes/g1-1/teachers", {"staff_id": "qian", "subject": "美术"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "staff_id"
    assert await seeded.event_count() == before


async def test_a_past_leaving_keeps_its_day_and_one_before_the_enrolment_is_refused(seeded: Seeded) -> None:
    sid = f"s-{uuid4().hex[:6]}"
    body = {"student_id": sid, "name": "某", "class_id": "g1-1", "admission": "new", "on": "2020-09-01"}
    assert (await seeded.post("/students", body, seeded.platform)).status_code == 200
    before = await seeded.event_count()
    backwards = await seeded.post(f"/students/{sid}/leave", {"on": "2020-08-31", "reason": "转学"}, seeded.platform)
    assert backwards.status_code == 409, backwards.text
    assert {k: backwards.json()[k] for k in ("error", "field", "step", "step_time")} == {
        "error": "out_of_order",
        "field": "on",
        "step": "enrolled",
        "step_time": "2020-09-01",
    }
    assert await seeded.event_count() == before
    left = await seeded.post(f"/students/{sid}/leave", {"on": "2020-12-01", "reason": "转学"}, seeded.platform)
    assert left.status_code == 200, left.text
    times = await seeded.svc.pool.fetchrow(
        "SELECT occurred_at, recorded_at FROM events WHERE stream_id = $1 AND type = 'directory.StudentLeft'",
        f"student-{sid}",
    )
    assert times is not None
    assert times["occurred_at"] == datetime(2020, 12, 1, tzinfo=timezone(timedelta(hours=8)))  # the day's start
    assert abs(times["recorded_at"] - datetime.now(UTC)) < timedelta(minutes=5)
