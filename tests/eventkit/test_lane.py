"""Which routes the command lane serves (``services.eventkit.lane``); its answers are compared
with the framework's in ``tests/safety/test_command_lane.py``."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import fastapi.dependencies.utils
import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from prometheus_client import REGISTRY
from pydantic import BaseModel

from services.directory.service import DIRECTORY
from services.eventkit.app import create_app, service_routers
from services.eventkit.commands import CommandResult
from services.eventkit.lane import CommandLane, build_table, may_share_a_path, missing_internals
from services.eventkit.routes import command_route
from services.eventkit.settings import Settings
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY


class Close(BaseModel):
    reason: str


async def caller(request: Request) -> str:
    return request.headers.get("x-caller", "")


Caller = Annotated[str, Depends(caller)]


def result(stream_id: str) -> CommandResult:
    return CommandResult(stream_id=stream_id, version=1, events=[], event_ids=[], duplicate=False)


def test_every_command_route_of_the_services_is_on_the_lane() -> None:
    assert missing_internals() == []  # the installed FastAPI has every internal the lane reads, as it reads it
    for definition in (SAFETY, INVENTORY, DIRECTORY):
        app = create_app(definition, Settings(service=definition.name))
        table = build_table(app, service_routers(definition))
        commands = [
            r
            for router in definition.routers
            for r in router.routes
            if isinstance(r, APIRoute) and r.methods == {"POST"}
        ]
        assert commands and len(table) == len(commands), definition.name
        assert table.match("/healthz") is None


def test_a_path_an_earlier_post_route_may_take_stays_with_the_framework() -> None:
    router = APIRouter()

    @router.post("/things/{thing_id}/{verb}")
    async def anything(thing_id: str, verb: str) -> dict[str, str]:
        return {}

    @command_route(router, "/things/special/close", "Close the special thing")
    async def close_special(cmd: Close, who: Caller) -> CommandResult:
        return result("special")

    @command_route(router, "/things/{thing_id}/archive/now", "Archive a thing")
    async def archive(thing_id: str, cmd: Close, who: Caller) -> CommandResult:
        return result(thing_id)

    @command_route(router, "/things", "Add a thing")
    async def add(cmd: Close, who: Caller) -> CommandResult:
        return result("new")

    app = FastAPI()
    app.include_router(router)
    table = build_table(app, [router])
    assert table.match("/things/special/close") is None  # the earlier route takes it
    found = table.match("/things/t1/archive/now")
    assert found is not None and found[1] == {"thing_id": "t1"}
    assert table.match("/things") is not None and table.match("/things/") is None


def test_routes_the_lane_cannot_serve_are_left_to_the_framework() -> None:
    router = APIRouter()

    @command_route(router, "/with-query", "A command with a query parameter")
    async def with_query(cmd: Close, dry_run: Annotated[bool, Query()] = False) -> CommandResult:
        return result("q")

    def sync_caller(request: Request) -> str:
        return ""

    @command_route(router, "/with-sync-dependency", "A command with a plain def dependency")
    async def with_sync(cmd: Close, who: Annotated[str, Depends(sync_caller)]) -> CommandResult:
        return result("s")

    async def tenant(x_tenant: Annotated[str, Header()]) -> str:
        return x_tenant

    @command_route(router, "/with-header-dependency", "A command whose dependency reads a declared header")
    async def with_header(cmd: Close, who: Annotated[str, Depends(tenant)]) -> CommandResult:
        return result("h")

    @command_route(router, "/with-int/{n:int}", "A command with a typed path")
    async def with_int(n: int, cmd: Close) -> CommandResult:
        return result("i")

    @router.post("/not-a-command")
    async def plain(cmd: Close) -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    assert len(build_table(app, [router])) == 0


def test_a_router_included_with_a_prefix_or_dependencies_is_left_to_the_framework() -> None:
    router = APIRouter(prefix="/v2")  # a router's own prefix is in its routes' paths

    @command_route(router, "/things", "Add a thing")
    async def add(cmd: Close, who: Caller) -> CommandResult:
        return result("new")

    app = FastAPI()
    app.include_router(router)
    assert build_table(app, [router]).match("/v2/things") is not None
    for include in ({"prefix": "/outer"}, {"dependencies": [Depends(caller)]}):
        app = FastAPI()
        app.include_router(router, **include)  # type: ignore[arg-type]
        assert len(build_table(app, [router])) == 0, include


def test_paths_share_unless_a_literal_segment_differs() -> None:
    def post(path: str) -> APIRoute:
        async def endpoint() -> None:
            return None

        return APIRoute(path, endpoint, methods=["POST"])

    assert may_share_a_path(post("/hazards/{id}/assign"), "/hazards/x/assign")
    assert not may_share_a_path(post("/hazards/{id}/assign"), "/hazards/{id}/verify")
    assert not may_share_a_path(post("/hazards"), "/hazards/{id}/verify")
    assert may_share_a_path(post("/files/{rest:path}"), "/files/a/b")
    assert not may_share_a_path(APIRoute("/hazards/{id}/x", post("/").endpoint, methods=["GET"]), "/hazards/{id}/x")


# A FastAPI release that renames or reshapes what the lane reads: the lane must serve nothing.


def dependant_without(name: str) -> type:
    """FastAPI's ``Dependant`` as a release without the field ``name`` would build it."""
    kept = [
        (f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory))
        for f in dataclasses.fields(Dependant)
        if f.name != name
    ]
    return dataclasses.make_dataclass("Dependant", kept, slots=True)


class DependantRenamed(Dependant):
    """A release that keeps a route's ``SecurityScopes`` parameter under another name: the old
    one is still there, and always None (how ``security_requirements`` went, unnoticed)."""

    __slots__ = ("scopes_parameter",)

    @property  # type: ignore[override]
    def security_scopes_param_name(self) -> str | None:
        return None

    @security_scopes_param_name.setter
    def security_scopes_param_name(self, value: str | None) -> None:
        self.scopes_parameter = value


SIMULATIONS: dict[str, Callable[[], type]] = {
    "a field removed": lambda: dependant_without("websocket_param_name"),
    "a field renamed": lambda: DependantRenamed,
}
WHAT_IS_MISSING = {"a field removed": "websocket_param_name", "a field renamed": "security_scopes_param_name"}


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def warnings() -> Iterator[list[logging.LogRecord]]:
    """The lane's warnings (its logger is the services' own, which need not reach the root's)."""
    handler = Kept()
    logger = logging.getLogger("services.eventkit.lane")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize("simulation", list(SIMULATIONS))
def test_the_check_finds_what_a_release_removed_or_reshaped(
    simulation: str, monkeypatch: pytest.MonkeyPatch, warnings: list[logging.LogRecord]
) -> None:
    monkeypatch.setattr(fastapi.dependencies.utils, "Dependant", SIMULATIONS[simulation]())
    problems = missing_internals()
    assert problems, simulation
    missing = WHAT_IS_MISSING[simulation]
    assert any(missing in p for p in problems), problems
    app = create_app(SAFETY, Settings(service=SAFETY.name))  # its routes built as this release would
    assert len(build_table(app, SAFETY.routers)) == 0
    assert len(warnings) == 1 and missing in warnings[0].getMessage()


def test_a_dependant_class_without_an_attribute_turns_the_lane_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(Dependant, "security_scopes_param_name")
    assert any("security_scopes_param_name" in p for p in missing_internals())


async def member(request: Request) -> str:
    caller = request.headers.get("x-caller")
    if not caller:
        raise HTTPException(401, "who are you")
    return caller


def small_service(lane: bool) -> FastAPI:
    """Two commands (one with a path parameter) behind a router-wide check, with and without the lane."""
    router = APIRouter(dependencies=[Depends(member)])

    @command_route(router, "/things", "Add a thing")
    async def add(cmd: Close, who: Caller) -> CommandResult:
        return result(f"{cmd.reason}-{who}")

    @command_route(router, "/things/{thing_id}/close", "Close a thing")
    async def close(thing_id: str, cmd: Close, request: Request) -> CommandResult:
        if thing_id == "none":
            raise HTTPException(404, "no such thing")
        return result(thing_id)

    app = FastAPI()
    if lane:
        app.add_middleware(CommandLane, routers=[router])
    app.include_router(router)
    return app


REQUESTS: list[tuple[str, str, dict[str, str], bytes]] = [  # method, path, headers, body
    ("POST", "/things", {"x-caller": "c1", "content-type": "application/json"}, b'{"reason": "r"}'),
    ("POST", "/things", {"content-type": "application/json"}, b'{"reason": "r"}'),
    ("POST", "/things", {"x-caller": "c1", "content-type": "application/json"}, b'{"reason": 1}'),
    ("POST", "/things", {"x-caller": "c1", "content-type": "application/json"}, b'{"reason": '),
    ("POST", "/things", {"x-caller": "c1", "content-type": "text/plain"}, b'{"reason": "r"}'),
    ("POST", "/things/t1/close", {"x-caller": "c1", "content-type": "application/json"}, b'{"reason": "r"}'),
    ("POST", "/things/none/close", {"x-caller": "c1", "content-type": "application/json"}, b'{"reason": "r"}'),
    ("POST", "/things/", {"x-caller": "c1", "content-type": "application/json"}, b'{"reason": "r"}'),
    ("POST", "/elsewhere", {"x-caller": "c1", "content-type": "application/json"}, b"{}"),
    ("GET", "/things", {"x-caller": "c1"}, b""),
]
LANED = 4  # a valid body to a command (the 401 and 404 too): the rest the lane leaves to the framework anyway


def lane_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("houqin_command_lane_requests_total", {"outcome": outcome}) or 0.0


@pytest.mark.parametrize("simulation", [None, *SIMULATIONS])
async def test_with_a_release_that_is_not_as_the_lane_reads_it_the_framework_answers_everything(
    simulation: str | None, monkeypatch: pytest.MonkeyPatch, warnings: list[logging.LogRecord]
) -> None:
    laned, plain = small_service(lane=True), small_service(lane=False)
    answers: dict[bool, list[Any]] = {True: [], False: []}
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=laned), base_url="http://s") as to_laned,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://s") as to_plain,
    ):
        for client in (to_laned, to_plain):  # the framework sets up its included routes (no POST: no lane yet)
            assert (await client.get("/nowhere")).status_code == 404
        if simulation is not None:  # from here on, FastAPI builds a Dependant as that release would
            monkeypatch.setattr(fastapi.dependencies.utils, "Dependant", SIMULATIONS[simulation]())
        served = lane_count("served")
        for method, path, headers, body in REQUESTS:
            for is_laned, client in ((True, to_laned), (False, to_plain)):
                response = await client.request(method, path, headers=headers, content=body)
                answers[is_laned].append((response.status_code, response.content, sorted(response.headers.items())))
    assert answers[True] == answers[False]
    assert {a[0] for a in answers[True]} >= {200, 401, 404, 405, 422}
    if simulation is None:
        assert lane_count("served") - served == LANED and warnings == []
    else:
        assert lane_count("served") - served == 0
        assert len(warnings) == 1, [w.getMessage() for w in warnings]
        assert WHAT_IS_MISSING[simulation] in warnings[0].getMessage()
