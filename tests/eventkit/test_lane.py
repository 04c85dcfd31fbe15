"""Which routes the command lane serves (``services.eventkit.lane``); its answers are compared
with the framework's in ``tests/safety/test_command_lane.py``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.directory.service import DIRECTORY
from services.eventkit.app import create_app
from services.eventkit.commands import CommandResult
from services.eventkit.lane import build_table, may_share_a_path
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
    for definition in (SAFETY, INVENTORY, DIRECTORY):
        app = create_app(definition, Settings(service=definition.name))
        table = build_table(app, definition.routers)
        commands = [
            r for router in definition.routers for r in router.routes if isinstance(r, APIRoute) and "POST" in r.methods
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
