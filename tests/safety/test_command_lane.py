"""The command lane answers exactly as the framework does.

The same requests go to the running safety service (lane on, as served) and to a second app
on the same database with the lane off; each pair's answers must be equal: status, body and
headers, once the ids that differ by construction (the entity ids each side uses, and the
random event ids) are set aside.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest_asyncio
from prometheus_client import REGISTRY

from services.directory.service import DIRECTORY
from services.eventkit.app import create_app
from services.eventkit.runtime import Mode, ServiceDefinition
from services.safety.service import SAFETY
from tests.conftest import RunningService
from tests.safety.conftest import SafetyWorld
from tests.safety.test_hazards_api import hazard as report

UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Case:
    name: str
    path: str  # "{id}" is the side's own entity id
    body: bytes | None = None
    json_body: dict[str, Any] | None = None
    as_: str | None = "guard-main"
    headers: dict[str, str] | None = None
    content_type: str | None = "application/json"


@asynccontextmanager
async def without_lane(service: RunningService, definition: ServiceDefinition) -> AsyncIterator[httpx.AsyncClient]:
    """The same service with the lane off, on the same database (API only)."""
    settings = service.settings.model_copy(update={"command_lane": False})
    app = create_app(definition, settings, mode=Mode.API)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://service") as c:
        yield c


@pytest_asyncio.fixture(loop_scope="session")
async def plain(world: SafetyWorld) -> AsyncIterator[httpx.AsyncClient]:
    async with without_lane(world.safety, SAFETY) as client:
        yield client


async def send(client: httpx.AsyncClient, world: SafetyWorld, case: Case, entity: str, key: str) -> httpx.Response:
    headers = {"x-correlation-id": f"case-{case.name}"} | (world.tokens[case.as_] if case.as_ else {})
    if case.content_type is not None:
        headers["content-type"] = case.content_type
    for name, value in (case.headers or {}).items():
        headers[name] = value.replace("{key}", key)
    if case.json_body is not None:
        content = json.dumps(case.json_body).replace("{id}", entity).encode()
    else:
        content = case.body or b""
    return await client.post(case.path.replace("{id}", entity), content=content, headers=headers)


def normalised(response: httpx.Response, entity: str, key: str) -> tuple[int, bytes, list[tuple[str, str]]]:
    body = UUID.sub(b"<uuid>", response.content.replace(entity.encode(), b"<id>").replace(key.encode(), b"<key>"))
    headers = sorted((k, v) for k, v in response.headers.items() if k != "content-length")
    return response.status_code, body, headers


async def test_the_lane_answers_every_kind_of_request_as_the_framework_does(
    world: SafetyWorld, plain: httpx.AsyncClient
) -> None:
    ids = {side: f"lane-{side.lower()}-{uuid4().hex[:8]}" for side in ("L", "P")}
    keys = {side: f"key-{side}-{uuid4().hex[:8]}" for side in ("L", "P")}
    ESCALATE = {"authority": "区教育局", "at": "2020-10-13T09:00:00+08:00"}
    cases = [
        Case("reported", "/hazards", json_body=report("{id}"), headers={"Idempotency-Key": "{key}"}),
        Case("retried", "/hazards", json_body=report("{id}"), headers={"Idempotency-Key": "{key}"}),
        Case("reported-again", "/hazards", json_body=report("{id}")),
        Case("bad-severity", "/hazards", json_body=report("{id}-2", severity="bogus")),
        Case("missing-field", "/hazards", json_body={"hazard_id": "{id}-2", "campus_id": "main"}),
        Case("unknown-field", "/hazards", json_body=report("{id}-3", colour="red")),
        Case("not-json", "/hazards", body=b'{"hazard_id": '),
        Case("empty", "/hazards", body=b""),
        Case("null", "/hazards", body=b"null"),
        Case("array", "/hazards", body=b"[]"),
        Case("text-plain", "/hazards", json_body=report("{id}-4"), content_type="text/plain"),
        Case("charset", "/hazards", json_body=report("{id}-5"), content_type="application/json; charset=utf-8"),
        Case("no-content-type", "/hazards", json_body=report("{id}-6"), content_type=None),
        Case("no-token", "/hazards", json_body=report("{id}-7"), as_=None),
        Case("other-campus", "/hazards", json_body=report("{id}-8", campus="aoyuan")),
        Case("unknown-campus", "/hazards", json_body=report("{id}-9", campus="nowhere")),
        Case("long-key", "/hazards", json_body=report("{id}-10"), headers={"Idempotency-Key": "k" * 201}),
        Case("long-causation", "/hazards", json_body=report("{id}-11"), headers={"X-Causation-Id": "c" * 201}),
        Case("trailing-slash", "/hazards/", json_body=report("{id}-12")),
        Case("unknown-hazard", "/hazards/{id}-none/escalate", json_body={"authority": "区教育局"}, as_="manager-main"),
        Case("guard-escalates", "/hazards/{id}/escalate", json_body={"authority": "区教育局"}),
        Case("escalated", "/hazards/{id}/escalate", json_body=ESCALATE, as_="manager-main"),
        Case("rectified", "/hazards/{id}/rectify", json_body={"at": "2020-10-20T10:00+08:00"}, as_="manager-main"),
        Case("verified-by-fixer", "/hazards/{id}/verify", json_body={"passed": True}, as_="manager-main"),
        Case("bad-verify", "/hazards/{id}/verify", json_body={"passed": "perhaps"}, as_="manager-both"),
        Case("verified", "/hazards/{id}/verify", json_body={"passed": True}, as_="manager-both"),
    ]
    served, handed_over = lane_count("served"), lane_count("framework")
    statuses = set()
    for case in cases:
        laned = await send(world.client, world, case, ids["L"], keys["L"])
        framed = await send(plain, world, case, ids["P"], keys["P"])
        assert normalised(laned, ids["L"], keys["L"]) == normalised(framed, ids["P"], keys["P"]), case.name
        statuses.add(laned.status_code)
    # the cases did cover every kind of answer, and the lane did serve those it could
    assert {200, 401, 403, 404, 409, 422} <= statuses, statuses
    lane_cases = {"bad-severity", "missing-field", "unknown-field", "not-json", "empty", "null", "array",
                  "text-plain", "charset", "no-content-type", "bad-verify", "trailing-slash"}  # fmt: skip
    header_cases = {"long-key", "long-causation"}  # refused before the lane (the correlation middleware)
    assert lane_count("served") - served == len(cases) - len(lane_cases) - len(header_cases)
    # every input error went to the framework (the trailing slash matched no command route)
    assert lane_count("framework") - handed_over == len(lane_cases) - 1
    # and both sides did append the same: one report (the retry appended nothing), escalated, rectified, verified
    for side in ("L", "P"):
        versions = await world.safety.pool.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = 'hazard-' || $1", ids[side]
        )
        assert versions == 4, side


def lane_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("houqin_command_lane_requests_total", {"outcome": outcome}) or 0.0


async def test_router_checks_and_endpoints_that_take_the_request_answer_the_same(world: SafetyWorld) -> None:
    """The directory's commands: a role check on the router (a dependency of a dependency) and
    endpoints that take the request itself."""
    ids = {side: f"lane-{side.lower()}-{uuid4().hex[:8]}" for side in ("L", "P")}
    campus = {"campus_id": "{id}", "school_id": "xuexiao", "name": "新校区"}
    cases = [
        Case("not-an-admin", "/campuses", json_body=campus, as_="manager-main"),
        Case("opened", "/campuses", json_body=campus, as_="admin"),
        Case("opened-again", "/campuses", json_body=campus, as_="admin"),
        Case("no-school", "/campuses", json_body=campus | {"school_id": "nowhere"}, as_="admin"),
        Case("renamed", "/campuses/{id}/rename", json_body={"name": "东校区"}, as_="admin"),
        Case("unnamed", "/campuses/{id}/rename", json_body={"name": ""}, as_="admin"),
        Case("no-token", "/campuses/{id}/close", json_body={}, as_=None),
    ]
    served = lane_count("served")
    statuses = set()
    async with without_lane(world.directory, DIRECTORY) as plain_directory:
        for case in cases:
            laned = await send(world.directory.client, world, case, ids["L"], "unused-key")
            framed = await send(plain_directory, world, case, ids["P"], "unused-key")
            assert normalised(laned, ids["L"], "unused-key") == normalised(framed, ids["P"], "unused-key"), case.name
            statuses.add(laned.status_code)
    assert {200, 401, 403, 409} <= statuses, statuses
    # the empty name, and the closing without its fields (a 401 first: the framework solves the
    # dependencies before it validates the body), went to the framework
    assert lane_count("served") - served == len(cases) - 2
