"""The command lane: a command's POST served without the web framework's per-request machinery.

At a district's peak a service takes well over a thousand commands a second on one event
loop, and the framework's share of each (matching the path against every route, solving the
dependencies, the exception and exit-stack middlewares) cost more CPU than the command's own
decision (bench/README.md, "Commands over HTTP"). The lane serves the ordinary case itself:

- a POST to a route made by ``services.eventkit.routes.command_route``, whose endpoint takes
  only path parameters, one JSON body model, and dependencies that read the request alone;
- with ``Content-Type: application/json`` and a body that parses and that the route's own
  body field accepts (the same validation, with the same field, the framework would run).

Everything else goes to the framework untouched, with the body it would have read: a refused
field, bad JSON, another content type, an unknown path. So every input error is answered by
the framework itself, as before. An error the command raises (403, 404, 409, 503...) goes to
the app's own exception handlers; anything they do not handle goes on to the outer error
middleware (a 500), as it would have. ``tests/eventkit/test_lane.py`` sends the same requests
with and without the lane and compares the answers.

A route is only laned if no route before it could take the same POST (the framework answers
with the first that matches), and never while ``app.dependency_overrides`` is set.
``HOUQIN_COMMAND_LANE=false`` turns the lane off.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.eventkit.metrics import COMMAND_LANE
from services.eventkit.routes import is_command_endpoint

log = logging.getLogger(__name__)

JSON = b"application/json"
SERVED = COMMAND_LANE.labels("served")
HANDED_OVER = COMMAND_LANE.labels("framework")


@dataclass(frozen=True)
class Dependency:
    """A dependency the lane can solve itself: an async callable of the request and of other such
    dependencies (``name`` None: declared for its effect, such as a router's role check)."""

    name: str | None
    call: Any
    request_param: str | None
    needs: tuple[Dependency, ...]
    use_cache: bool


@dataclass(frozen=True)
class LaneRoute:
    """A command route the lane serves, with what it needs to call the endpoint."""

    route: APIRoute
    body_name: str
    body_field: Any  # FastAPI's ModelField for the body: its ``validate`` is the framework's
    path_fields: tuple[tuple[str, Any], ...]  # (parameter name, ModelField)
    dependencies: tuple[Dependency, ...]
    request_param: str | None  # the endpoint's own ``request: Request``, if it takes one

    @property
    def regex(self) -> re.Pattern[str]:
        return self.route.path_regex


def _needs_the_framework(d: Any) -> bool:
    """Whether a FastAPI ``Dependant`` asks for something only the framework gives: the
    response, background tasks, a websocket or connection, security scopes, query, header or
    cookie parameters."""
    return bool(
        d.query_params
        or d.header_params
        or d.cookie_params
        or d.response_param_name
        or d.background_tasks_param_name
        or getattr(d, "websocket_param_name", None)
        or getattr(d, "http_connection_param_name", None)
        or getattr(d, "security_scopes_param_name", None)
        or getattr(d, "security_requirements", None)
    )


def _dependency(sub: Any) -> Dependency | None:
    """``sub`` (a FastAPI ``Dependant``) as the lane solves it, or None if it cannot."""
    if not inspect.iscoroutinefunction(sub.call):  # a plain def runs in a thread; a generator has an exit
        return None
    if _needs_the_framework(sub) or sub.path_params or sub.body_params:
        return None
    needs = tuple(_dependency(d) for d in sub.dependencies)
    if any(n is None for n in needs):
        return None
    return Dependency(sub.name, sub.call, sub.request_param_name, needs, bool(sub.use_cache))  # type: ignore[arg-type]


def lane_route(route: BaseRoute) -> LaneRoute | None:
    """The lane's plan for ``route``, or None if the framework must serve it."""
    if not isinstance(route, APIRoute) or route.methods != {"POST"} or not is_command_endpoint(route.endpoint):
        return None
    d = route.dependant
    if _needs_the_framework(d) or len(d.body_params) != 1:
        return None
    body = d.body_params[0]
    annotation = body.field_info.annotation
    if getattr(body.field_info, "embed", False) or not (
        isinstance(annotation, type) and issubclass(annotation, BaseModel)
    ):
        return None
    if any(not isinstance(c, StringConvertor) for c in route.param_convertors.values()):
        return None
    dependencies = tuple(_dependency(sub) for sub in d.dependencies)
    if any(dep is None for dep in dependencies):
        return None
    path_fields = tuple((f.name, f) for f in d.path_params)
    if {name for name, _ in path_fields} != set(route.param_convertors):
        return None
    return LaneRoute(route, body.name, body, path_fields, dependencies, d.request_param_name)  # type: ignore[arg-type]


async def solve(dependency: Dependency, request: Request, cache: dict[Any, Any]) -> Any:
    """Its value for this request: what it needs first, in order, each solved once per request
    (as the framework does, unless it asked not to be cached)."""
    if dependency.use_cache and dependency.call in cache:
        return cache[dependency.call]
    kwargs: dict[str, Any] = {}
    if dependency.request_param is not None:
        kwargs[dependency.request_param] = request
    for need in dependency.needs:
        value = await solve(need, request, cache)
        if need.name is not None:
            kwargs[need.name] = value
    value = await dependency.call(**kwargs)
    if dependency.use_cache:
        cache[dependency.call] = value
    return value


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/") if path.strip("/") else []


def _is_literal(segment: str) -> bool:
    return "{" not in segment


def _no_literal_differs(theirs: list[str], ours: list[str]) -> bool:
    """Whether no segment, side by side, is a literal in both and a different one."""
    return not any(_is_literal(a) and _is_literal(b) and a != b for a, b in zip(theirs, ours, strict=False))


def may_share_a_path(earlier: BaseRoute, template: str) -> bool:
    """Whether a request for a path of ``template`` could be taken by ``earlier`` (conservative:
    True unless some segment is a different literal in both, or they cannot have as many)."""
    ours = _segments(template)
    if isinstance(earlier, APIRoute | Route):
        if earlier.methods is not None and "POST" not in earlier.methods:
            return False
        theirs = _segments(earlier.path)
        if any(":" in s for s in theirs + ours):  # a converter (``{p:path}``...): may span segments
            return True
        return len(theirs) == len(ours) and _no_literal_differs(theirs, ours)
    if isinstance(earlier, Mount):  # takes every path under its prefix
        prefix = _segments(earlier.path)
        return len(prefix) <= len(ours) and _no_literal_differs(prefix, ours)
    return True  # a kind of route the lane does not know: it may take anything


def routes_in_order(app: FastAPI, routers: Sequence[APIRouter]) -> list[BaseRoute] | None:
    """The app's routes in the order the framework tries them, the included routers' in place
    (None if the app holds a route group the lane cannot see into)."""
    ordered: list[BaseRoute] = []
    by_id = {id(r): r for r in routers}
    for entry in app.router.routes:
        included = getattr(entry, "original_router", None)  # how FastAPI keeps an included router
        if included is None:
            ordered.append(entry)
            continue
        # what ``include_router`` added: a prefix, dependencies or a body limit the routes do not show
        context = getattr(entry, "include_context", None)
        added = context is not None and bool(
            getattr(context, "prefix", None)
            or getattr(context, "dependencies", None)
            or getattr(context, "max_body_size", None) is not None
        )
        if id(included) not in by_id or added:
            return None
        ordered.extend(included.routes)
    return ordered


@dataclass(frozen=True)
class LaneTable:
    exact: dict[str, LaneRoute]
    patterned: tuple[LaneRoute, ...]

    def match(self, path: str) -> tuple[LaneRoute, dict[str, str]] | None:
        exact = self.exact.get(path)
        if exact is not None:
            return exact, {}
        for candidate in self.patterned:
            m = candidate.regex.match(path)
            if m is not None:
                return candidate, m.groupdict()
        return None

    def __len__(self) -> int:
        return len(self.exact) + len(self.patterned)


def build_table(app: FastAPI, routers: Sequence[APIRouter]) -> LaneTable:
    """Which routes the lane serves: none if the app has dependencies of its own, or includes a
    router with a prefix, dependencies or a body limit (its routes would not say all of it)."""
    exact: dict[str, LaneRoute] = {}
    patterned: list[LaneRoute] = []
    ordered = routes_in_order(app, routers)
    if ordered is None or app.router.dependencies:
        return LaneTable({}, ())
    for i, route in enumerate(ordered):
        plan = lane_route(route)
        if plan is None:
            continue
        if any(may_share_a_path(earlier, plan.route.path) for earlier in ordered[:i]):
            log.info(
                "command route left to the framework: an earlier route may take it", extra={"path": plan.route.path}
            )
            continue
        if plan.route.param_convertors:
            patterned.append(plan)
        else:
            exact[plan.route.path] = plan
    return LaneTable(exact, tuple(patterned))


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` as if nothing had been read from it yet."""
    pending = list(messages)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return again


class CommandLane:
    """ASGI middleware (inside the correlation middleware, outside the framework's exception
    handling): see the module's docstring."""

    def __init__(self, app: ASGIApp, routers: Sequence[APIRouter]) -> None:
        self.app = app
        self.routers = list(routers)
        self.table: LaneTable | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        app: FastAPI = scope["app"]
        table = self.table
        if table is None:
            table = self.table = build_table(app, self.routers)
        found = table.match(scope["path"])
        if found is None or app.dependency_overrides:
            await self.app(scope, receive, send)
            return
        content_type = None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
                break
        if content_type is None or content_type.lower() != JSON:
            HANDED_OVER.inc()
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client went away: the framework answers that
                HANDED_OVER.inc()
                await self.app(scope, _replay(messages, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = _replay(messages, receive)
        kwargs = self._arguments(found, b"".join(chunks))
        if kwargs is None:
            HANDED_OVER.inc()
            await self.app(scope, replayed, send)
            return
        SERVED.inc()
        plan = found[0]
        request = Request(scope, replayed, send)
        if plan.request_param is not None:
            kwargs[plan.request_param] = request
        try:
            cache: dict[Any, Any] = {}
            for dependency in plan.dependencies:
                value = await solve(dependency, request, cache)
                if dependency.name is not None:
                    kwargs[dependency.name] = value
            response = await plan.route.endpoint(**kwargs)
        except Exception as exc:
            handled = await self._handle(app, request, exc)
            if handled is None:
                raise
            response = handled
        await response(scope, replayed, send)

    @staticmethod
    def _arguments(found: tuple[LaneRoute, dict[str, str]], body: bytes) -> dict[str, Any] | None:
        """The endpoint's body and path arguments, validated as the framework would; None if
        anything is off (the framework then answers, with its own error)."""
        plan, raw_params = found
        if not body:
            return None
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        value, errors = plan.body_field.validate(parsed, {}, loc=("body",))
        if errors:
            return None
        kwargs: dict[str, Any] = {plan.body_name: value}
        convertors = plan.route.param_convertors
        for name, field in plan.path_fields:
            param, errors = field.validate(convertors[name].convert(raw_params[name]), {}, loc=("path", name))
            if errors:
                return None
            kwargs[name] = param
        return kwargs

    @staticmethod
    async def _handle(app: FastAPI, request: Request, exc: Exception) -> Any:
        """The app's own answer to ``exc``, as its exception middleware would give it; None for
        what that middleware would not handle (the outer error middleware then makes a 500)."""
        handlers = app.exception_handlers
        handler = None
        if isinstance(exc, HTTPException):
            handler = handlers.get(exc.status_code)
        if handler is None:
            for cls in type(exc).__mro__:
                if cls is Exception:
                    break
                if cls in handlers:
                    handler = handlers[cls]
                    break
        if handler is None:
            return None
        if inspect.iscoroutinefunction(handler):
            return await handler(request, exc)
        return await run_in_threadpool(handler, request, exc)
