"""The seed's school (薛家实验小学 in 新北区), as the directory holds it, for service tests.

Campuses main (本部) and aoyuan (奥园校区); classes g6-1 (main) and g1-1 (aoyuan);
the staff below; students yao (transfer) and lin in g6-1, ma and qin in g1-1;
parents yao-mum and ma-dad. Staff ids are also their token subjects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx

from services.directory.service import DIRECTORY
from services.eventkit.auth import Role
from services.eventkit.runtime import ServiceDefinition
from services.eventkit.settings import Settings
from tests.conftest import RunningService, SettingsFactory, eventually, token_for

Headers = dict[str, str]


# Who is who at 薛家实验小学 (the seed's school): ids are also the token subjects.
PEOPLE: list[dict[str, Any]] = [
    {"staff_id": "zhou", "name": "周主任", "roles": ["logistics_manager"], "campus_ids": ["main"]},
    {"staff_id": "gu", "name": "顾主任", "roles": ["logistics_manager"], "campus_ids": ["main", "aoyuan"]},
    {"staff_id": "shen", "name": "沈主任", "roles": ["logistics_manager"], "campus_ids": ["aoyuan"]},
    {"staff_id": "xu-vp", "name": "徐副校长", "roles": ["vice_principal"], "campus_ids": ["main"]},
    {"staff_id": "wang-tech", "name": "王师傅", "roles": ["technician"], "campus_ids": ["main"]},
    {"staff_id": "li-guard", "name": "李师傅", "roles": ["guard"], "campus_ids": ["main"]},
    {"staff_id": "chen-clean", "name": "陈阿姨", "roles": ["cleaner"], "campus_ids": ["aoyuan"]},
    {"staff_id": "doctor-he", "name": "何医生", "roles": ["medical"], "campus_ids": ["main", "aoyuan"]},
    {"staff_id": "huang", "name": "黄金萍", "roles": ["teacher", "class_teacher"], "campus_ids": ["main"]},
    {"staff_id": "sun", "name": "孙老师", "roles": ["teacher"], "campus_ids": ["main"]},
    {"staff_id": "zhu", "name": "朱老师", "roles": ["teacher", "class_teacher"], "campus_ids": ["aoyuan"]},
    {"staff_id": "wu-vp", "name": "吴副校长", "roles": ["vice_principal"], "campus_ids": ["aoyuan"]},
    {"staff_id": "team-a", "name": "验收组 甲", "roles": ["acceptance_member"], "campus_ids": ["main", "aoyuan"]},
    {"staff_id": "team-b", "name": "验收组 乙", "roles": ["acceptance_member"], "campus_ids": ["main", "aoyuan"]},
]


async def seed(directory: RunningService, admin: Headers) -> None:
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/schools", {"school_id": "xuexiao", "district_id": "xinbei", "name": "薛家实验小学"}),
        (
            "/schools/xuexiao/terms",
            {
                "term_id": "2020-2021-1",
                "name": "2020-2021 第一学期",
                "starts_on": "2020-09-01",
                "ends_on": "2021-01-31",
            },
        ),
        ("/campuses", {"campus_id": "main", "school_id": "xuexiao", "name": "本部"}),
        ("/campuses", {"campus_id": "aoyuan", "school_id": "xuexiao", "name": "奥园校区"}),
        *[("/staff", p | {"district_id": "xinbei", "school_id": "xuexiao"}) for p in PEOPLE],
        ("/classes", {"class_id": "g6-1", "campus_id": "main", "name": "六1班", "grade": 6}),
        ("/classes", {"class_id": "g1-1", "campus_id": "aoyuan", "name": "一1班", "grade": 1}),
        ("/classes/g6-1/teachers", {"staff_id": "huang", "subject": "语文", "is_class_teacher": True}),
        ("/classes/g6-1/teachers", {"staff_id": "sun", "subject": "数学"}),
        ("/classes/g1-1/teachers", {"staff_id": "zhu", "subject": "语文", "is_class_teacher": True}),
        *[
            (
                "/students",
                {"student_id": sid, "name": name, "class_id": cls, "admission": adm, "enrolled_on": "2020-09-01"},
            )
            for sid, name, cls, adm in [
                ("yao", "姚同学", "g6-1", "transfer"),
                ("lin", "林同学", "g6-1", "new"),
                ("ma", "马同学", "g1-1", "new"),
                ("qin", "秦同学", "g1-1", "new"),
            ]
        ],
        ("/parents", {"parent_id": "yao-mum", "school_id": "xuexiao", "name": "姚妈妈"}),
        ("/parents/yao-mum/children", {"student_id": "yao", "relation": "mother"}),
        ("/parents", {"parent_id": "ma-dad", "school_id": "xuexiao", "name": "马爸爸"}),
        ("/parents/ma-dad/children", {"student_id": "ma", "relation": "father"}),
    ]
    for path, body in posts:
        response = await directory.client.post(path, json=body, headers=admin)
        assert response.status_code == 200, (path, response.text)


def tokens_for(s: Settings) -> dict[str, Headers]:
    return {
        "platform": token_for(s, "platform", Role.PLATFORM_ADMIN),
        "admin": token_for(s, "admin", Role.DISTRICT_ADMIN, districts=["xinbei"]),
        "other-admin": token_for(s, "other-admin", Role.DISTRICT_ADMIN, districts=["wujin"]),
        "manager-main": token_for(s, "zhou", Role.LOGISTICS_MANAGER, campuses=["main"]),
        "manager-both": token_for(s, "gu", Role.LOGISTICS_MANAGER, campuses=["main", "aoyuan"]),
        "manager-aoyuan": token_for(s, "shen", Role.LOGISTICS_MANAGER, campuses=["aoyuan"]),
        "vp-main": token_for(s, "xu-vp", Role.VICE_PRINCIPAL, campuses=["main"]),
        "vp-aoyuan": token_for(s, "wu-vp", Role.VICE_PRINCIPAL, campuses=["aoyuan"]),
        "team-a": token_for(s, "team-a", Role.ACCEPTANCE_MEMBER, campuses=["main", "aoyuan"]),
        "team-b": token_for(s, "team-b", Role.ACCEPTANCE_MEMBER, campuses=["main", "aoyuan"]),
        "tech-main": token_for(s, "wang-tech", Role.TECHNICIAN, campuses=["main"]),
        "guard-main": token_for(s, "li-guard", Role.GUARD, campuses=["main"]),
        "cleaner-aoyuan": token_for(s, "chen-clean", Role.CLEANER, campuses=["aoyuan"]),
        "medical": token_for(s, "doctor-he", Role.MEDICAL, campuses=["main", "aoyuan"]),
        "teacher-g6": token_for(s, "huang", Role.CLASS_TEACHER, Role.TEACHER, campuses=["main"], classes=["g6-1"]),
        "teacher2-g6": token_for(s, "sun", Role.TEACHER, campuses=["main"], classes=["g6-1"]),
        "teacher-g1": token_for(s, "zhu", Role.CLASS_TEACHER, Role.TEACHER, campuses=["aoyuan"], classes=["g1-1"]),
        "parent-yao": token_for(s, "yao-mum", Role.PARENT, classes=["g6-1"]),
    }


@dataclass
class SchoolWorld:
    """The directory and one service that mirrors it, on their own topic namespace."""

    directory: RunningService
    service: RunningService
    tokens: dict[str, Headers]

    @property
    def client(self) -> httpx.AsyncClient:
        return self.service.client

    async def post(self, path: str, body: dict[str, Any], as_: str = "manager-main", **headers: str) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.tokens[as_] | headers)

    async def get(self, path: str, as_: str = "manager-main", **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.tokens[as_])

    async def events(self) -> int:
        return int(await self.service.pool.fetchval("SELECT count(*) FROM events"))


async def school_world(
    make_settings: SettingsFactory, start_service: Any, definition: ServiceDefinition, *, suffix: str = ""
) -> SchoolWorld:
    """Starts the directory and ``definition`` and waits until the service knows the whole school."""
    ns = f"{definition.name}{suffix}{uuid4().hex[:6]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    service_settings = await make_settings(definition.name, namespace_suffix=ns)
    service = await start_service(definition, service_settings)
    tokens = tokens_for(service_settings)
    await directory.client.post(
        "/districts", json={"district_id": "xinbei", "name": "新北区"}, headers=tokens["platform"]
    )
    await seed(directory, tokens["admin"])

    async def mirrored() -> bool:
        parents = await service.pool.fetchval("SELECT count(*) FROM directory_parent_students")
        staff = await service.pool.fetchval("SELECT count(*) FROM directory_staff")
        students = await service.pool.fetchval("SELECT count(*) FROM directory_students")
        return bool(parents == 2 and staff == len(PEOPLE) and students == 4)

    await eventually(mirrored, timeout=60)
    return SchoolWorld(directory, service, tokens)
