"""The seed's school (薛家实验小学 in 新北区, ``demo.school``), as the directory holds it, for service tests.

The part of it the tests use: campuses main (本部) and aoyuan (奥园校区); classes g6-1 (main)
and g1-1 (aoyuan); its staff but the rest of the logistics office (``OFFICE_WORKERS``, the
demo's); students yao (transfer) and lin in g6-1, ma and qin in g1-1; parents yao-mum and
ma-dad. Here wang-tech works on main only (a test assigns him on Aoyuan
and is refused). Staff ids are also their token subjects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import uuid4

import httpx

from demo.school import ADMIN, OFFICE_WORKERS, PLATFORM, SEED, District
from services.directory.service import DIRECTORY
from services.eventkit.auth import Role, mint_token
from services.eventkit.runtime import ServiceDefinition
from services.eventkit.settings import Settings
from tests.conftest import RunningService, SettingsFactory, eventually, token_for

Headers = dict[str, str]


class Directory(Protocol):
    """A running directory service, in process or not: a client on its API."""

    @property
    def client(self) -> httpx.AsyncClient: ...


SCHOOL = SEED.only(
    schools=["xuexiao"],
    classes=["g6-1", "g1-1"],
    staff=[s.staff_id for s in SEED.staff if s not in OFFICE_WORKERS],
    students=["yao", "lin", "ma", "qin"],
    parents=["yao-mum", "ma-dad"],
).with_staff("wang-tech", campus_ids=("main",))

CANTEEN_STAFF = ("jiang-cook", "han-canteen", "yuan-cook")
"""The canteen's tests add these canteen workers of the office (two on main, one on Aoyuan)."""

CANTEEN_SCHOOL = SEED.only(
    schools=["xuexiao"],
    classes=["g6-1", "g1-1"],
    staff=[s.staff_id for s in SEED.staff if s not in OFFICE_WORKERS or s.staff_id in CANTEEN_STAFF],
    students=["yao", "lin", "ma", "qin"],
    parents=["yao-mum", "ma-dad"],
).with_staff("wang-tech", campus_ids=("main",))
"""The tests' school with the canteen workers of :data:`CANTEEN_STAFF` (``school_world(school=...)``)."""

# Who is who at 薛家实验小学 (the seed's school): ids are also the token subjects.
PEOPLE: list[dict[str, Any]] = [
    {"staff_id": s.staff_id, "name": s.name, "roles": list(s.roles), "campus_ids": list(s.campus_ids)}
    for s in SCHOOL.staff
]


async def register_district(directory: Directory, platform: Headers) -> httpx.Response:
    """The school's district (新北区), registered by the platform admin; ``seed`` writes the rest."""
    (command,) = [command for command in SCHOOL.commands() if command.as_ == PLATFORM]
    return await directory.client.post(command.path, json=command.body, headers=platform)


async def seed(directory: Directory, admin: Headers, school: District | None = None) -> None:
    """Writes the school into the directory, once the platform admin registered its district."""
    for command in (school or SCHOOL).commands():
        if command.as_ != ADMIN:
            continue
        response = await directory.client.post(command.path, json=command.body, headers=admin)
        assert response.status_code == 200, (command.path, response.text)


def tokens_for(s: Settings, school: District | None = None) -> dict[str, Headers]:
    def of(who: str) -> Headers:
        return {"Authorization": f"Bearer {mint_token(s, (school or SCHOOL).principal(who))}"}

    canteen: dict[str, Headers] = (
        {"cook-main": of("jiang-cook"), "canteen-main": of("han-canteen"), "cook-aoyuan": of("yuan-cook")}
        if school is not None and school.staff != SCHOOL.staff
        else {}
    )

    return {
        "platform": token_for(s, "platform", Role.PLATFORM_ADMIN),
        "admin": token_for(s, "admin", Role.DISTRICT_ADMIN, districts=[SCHOOL.district_id]),
        "other-admin": token_for(s, "other-admin", Role.DISTRICT_ADMIN, districts=["wujin"]),
        "manager-main": of("zhou"),
        "manager-both": of("gu"),
        "manager-aoyuan": of("shen"),
        "vp-main": of("xu-vp"),
        "vp-aoyuan": of("wu-vp"),
        "team-a": of("team-a"),
        "team-b": of("team-b"),
        "tech-main": of("wang-tech"),
        "guard-main": of("li-guard"),
        "cleaner-aoyuan": of("chen-clean"),
        "medical": of("doctor-he"),
        "teacher-g6": of("huang"),
        "teacher2-g6": of("sun"),
        "teacher-g1": of("zhu"),
        "parent-yao": of("yao-mum"),
        "parent-ma": of("ma-dad"),
    } | canteen


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
    make_settings: SettingsFactory,
    start_service: Any,
    definition: ServiceDefinition,
    *,
    suffix: str = "",
    school: District | None = None,
) -> SchoolWorld:
    """Starts the directory and ``definition`` and waits until the service knows the whole school
    (the tests' :data:`SCHOOL`, or another cut of the seed's such as :data:`CANTEEN_SCHOOL`)."""
    school = school or SCHOOL
    ns = f"{definition.name}{suffix}{uuid4().hex[:6]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    service_settings = await make_settings(definition.name, namespace_suffix=ns)
    service = await start_service(definition, service_settings)
    tokens = tokens_for(service_settings, school)
    await register_district(directory, tokens["platform"])
    await seed(directory, tokens["admin"], school)

    async def mirrored() -> bool:
        parents = await service.pool.fetchval("SELECT count(*) FROM directory_parent_students")
        staff = await service.pool.fetchval("SELECT count(*) FROM directory_staff")
        students = await service.pool.fetchval("SELECT count(*) FROM directory_students")
        return bool(parents == len(school.parents) and staff == len(school.staff) and students == len(school.students))

    async def health_records_opened() -> bool:
        """The safety service opens a health record for each enrolled student, a reaction to the
        directory's events that may come after the mirror: a test counting the store's events
        must not count those arriving under it."""
        if definition.name != "safety":
            return True
        opened = await service.pool.fetchval("SELECT count(*) FROM events WHERE type = 'safety.HealthRecordOpened'")
        return bool(opened >= len(school.students))

    await eventually(mirrored, timeout=60)
    await eventually(health_records_opened, timeout=60)
    return SchoolWorld(directory, service, tokens)
