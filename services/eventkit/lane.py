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

The lane reads FastAPI's internals (how it plans a route and its dependencies, how it keeps an
included router), which a FastAPI release may rename or reshape. When the lane's table is built
(on the first POST) ``missing_internals`` checks every one of those reads against the installed
FastAPI; if any is missing or not as expected, the lane serves nothing, every request goes to
the framework, and one warning names what is missing.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import fastapi
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Body,
    Cookie,
    Depends,
    FastAPI,
    Header,
    Query,
    Request,
    Response,
    Security,
    WebSocket,
    params,
)
from fastapi.requests import HTTPConnection
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer, SecurityScopes
from fastapi.security.base import SecurityBase
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.eventkit.body_limit import replay
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
    key: tuple[Any, str]  # what the framework caches its value under for one request


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


def _unwrapped(call: Any) -> Any:
    """``call`` without ``functools.partial`` and ``functools.wraps`` layers, as FastAPI looks at it."""
    while isinstance(call, functools.partial):
        call = call.func
    return inspect.unwrap(call)


def _needs_the_framework(d: Any) -> bool:
    """Whether a FastAPI ``Dependant`` asks for something only the framework gives: the
    response, background tasks, a websocket or connection, query, header or cookie parameters,
    security (a scheme such as ``HTTPBearer()``, ``Security`` scopes or ``SecurityScopes``: the
    framework solves and caches those by scope), or a ``max_concurrency`` limit."""
    return bool(
        d.query_params
        or d.header_params
        or d.cookie_params
        or d.response_param_name
        or d.background_tasks_param_name
        or d.websocket_param_name
        or d.http_connection_param_name
        or d.security_scopes_param_name
        or d.own_oauth_scopes
        or d.parent_oauth_scopes
        or d.concurrency is not None
        or isinstance(_unwrapped(d.call), SecurityBase)
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
    key = (sub.call, sub.scope or "")  # the framework's cache key, for a dependency without scopes
    return Dependency(sub.name, sub.call, sub.request_param_name, needs, bool(sub.use_cache), key)  # type: ignore[arg-type]


def lane_route(route: BaseRoute) -> LaneRoute | None:
    """The lane's plan for ``route``, or None if the framework must serve it."""
    if not isinstance(route, APIRoute) or route.methods != {"POST"} or not is_command_endpoint(route.endpoint):
        return None
    d = route.dependant
    if _needs_the_framework(d) or len(d.body_params) != 1:
        return None
    if route.max_body_size is not None:  # the framework answers an oversized body with a 413
        return None
    body = d.body_params[0]
    info = body.field_info
    if not isinstance(info, params.Body) or isinstance(info, params.Form) or info.embed:
        return None
    annotation = info.annotation
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
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
    if dependency.use_cache and dependency.key in cache:
        return cache[dependency.key]
    kwargs: dict[str, Any] = {}
    if dependency.request_param is not None:
        kwargs[dependency.request_param] = request
    for need in dependency.needs:
        value = await solve(need, request, cache)
        if need.name is not None:
            kwargs[need.name] = value
    value = await dependency.call(**kwargs)
    cache.setdefault(dependency.key, value)  # as the framework: kept even if this one asked not to reuse
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
    included_router = _included_router_type()
    for entry in app.router.routes:
        if not isinstance(entry, included_router):
            ordered.append(entry)
            continue
        included: Any = entry
        # what ``include_router`` added: a prefix, dependencies or a body limit the routes do not
        # show, or dependency overrides that are not the app's
        context = included.include_context
        provider = context.dependency_overrides_provider
        added = bool(context.prefix or context.dependencies or context.max_body_size is not None) or (
            provider is not None and provider is not app
        )
        if id(included.original_router) not in by_id or added:
            return None
        ordered.extend(included.original_router.routes)
    return ordered


# What the lane reads of the framework is not its public API: the ``Dependant`` FastAPI builds
# for a route and its dependencies, the ``APIRoute``'s plan (``dependant``, ``max_body_size``,
# the body and path fields' ``validate``), Starlette's ``path_regex`` and ``param_convertors``,
# and the entry ``include_router`` leaves in the app's routes (``original_router``,
# ``include_context``). ``missing_internals`` builds a few routes with the installed FastAPI and
# checks each of those reads gives what the lane expects; if any does not, the lane serves nothing.


class _ProbeBody(BaseModel):
    text: str


async def _probe_effect(request: Request) -> None:
    return None


async def _probe_needs(request: Request) -> str:
    return ""


async def _probe_reader(request: Request, needs: Annotated[str, Depends(_probe_needs, use_cache=False)]) -> str:
    return needs


async def _probe_command(
    thing: str, body: _ProbeBody, request: Request, reader: Annotated[str, Depends(_probe_reader)]
) -> None:
    return None


async def _probe_framework(  # every kind of parameter the lane leaves to the framework
    q: Annotated[str, Query()],
    h: Annotated[str, Header()],
    c: Annotated[str, Cookie()],
    response: Response,
    tasks: BackgroundTasks,
    websocket: WebSocket,
    connection: HTTPConnection,
    scopes: SecurityScopes,
    scheme: Annotated[Any, Depends(HTTPBearer(auto_error=False))],
    scoped: Annotated[str, Security(_probe_reader, scopes=["probe"])],
    limited: Annotated[str, Depends(_probe_needs, max_concurrency=1)],
    per_request: Annotated[str, Depends(_probe_needs, scope="request")],
    body: Annotated[_ProbeBody, Body(embed=True)],
) -> None:
    return None


@functools.cache
def _included_router_type() -> type:
    """The kind of entry ``include_router`` adds to the app's routes."""
    app = FastAPI()
    app.include_router(APIRouter())
    return type(app.router.routes[-1])


def _names(fields: Any) -> list[str]:
    return [f.name for f in fields]


_FRAMEWORK_PARAMETERS = {  # Dependant attribute: the _probe_framework parameter that sets it
    "query_params": "q",
    "header_params": "h",
    "cookie_params": "c",
    "response_param_name": "response",
    "background_tasks_param_name": "tasks",
    "websocket_param_name": "websocket",
    "http_connection_param_name": "connection",
    "security_scopes_param_name": "scopes",
}


def missing_internals() -> list[str]:
    """What the lane reads of FastAPI's and Starlette's internals and does not find, or finds in
    another shape, in the installed versions (empty: the lane may serve)."""
    problems: list[str] = []

    def expect(what: str, read: Callable[[], Any], ok: Callable[[Any], bool]) -> None:
        try:
            value = read()
        except Exception as exc:
            problems.append(f"{what}: {type(exc).__name__}: {exc}")
            return
        try:
            good = ok(value)
        except Exception as exc:
            problems.append(f"{what}: {type(exc).__name__}: {exc}")
            return
        if not good:
            problems.append(f"{what}: {value!r}")

    try:
        router = APIRouter(dependencies=[Depends(_probe_effect)])
        router.post("/probe/{thing}")(_probe_command)
        router.post("/framework")(_probe_framework)
        router.post("/limited", max_body_size=10)(_probe_command)
        app = FastAPI()
        app.include_router(router)
        app.include_router(router, prefix="/p", dependencies=[Depends(_probe_effect)], max_body_size=10)
        probes: list[Any] = list(router.routes)
        command, framework, limited = probes
        included = _included_router_type()
    except Exception as exc:
        return [f"building routes to check: {type(exc).__name__}: {exc}"]
    if not all(isinstance(r, APIRoute) for r in (command, framework, limited)):
        return [f"APIRouter.post made {[type(r).__name__ for r in probes]}"]
    d: Any = command.dependant
    f: Any = framework.dependant

    # the route and Starlette's matching of its path
    expect("APIRoute.methods", lambda: command.methods, lambda v: v == {"POST"})
    expect("APIRoute.endpoint", lambda: command.endpoint, lambda v: v is _probe_command)
    expect("APIRoute.path", lambda: command.path, lambda v: v == "/probe/{thing}")
    expect("APIRoute.max_body_size", lambda: (command.max_body_size, limited.max_body_size), lambda v: v == (None, 10))
    expect(
        "APIRoute.param_convertors",
        lambda: command.param_convertors,
        lambda v: list(v) == ["thing"] and isinstance(v["thing"], StringConvertor) and v["thing"].convert("x") == "x",
    )
    expect(
        "APIRoute.path_regex",
        lambda: command.path_regex.match("/probe/x").groupdict(),
        lambda v: v == {"thing": "x"},
    )

    # the endpoint's Dependant: path, body, request
    expect("Dependant.path_params", lambda: _names(d.path_params), lambda v: v == ["thing"])
    expect("Dependant.request_param_name", lambda: d.request_param_name, lambda v: v == "request")
    expect("Dependant.body_params", lambda: _names(d.body_params), lambda v: v == ["body"])
    expect(
        "ModelField.field_info (body)",
        lambda: d.body_params[0].field_info,
        lambda v: isinstance(v, params.Body) and not isinstance(v, params.Form) and v.annotation is _ProbeBody,
    )
    expect(
        "FieldInfo.embed",
        lambda: (d.body_params[0].field_info.embed, f.body_params[0].field_info.embed),
        lambda v: not v[0] and v[1] is True,
    )
    expect(
        "ModelField.validate (body)",
        lambda: (
            d.body_params[0].validate({"text": "t"}, {}, loc=("body",)),
            d.body_params[0].validate({}, {}, loc=("body",))[1],
        ),
        lambda v: v[0][0] == _ProbeBody(text="t") and not v[0][1] and bool(v[1]),
    )
    expect(
        "ModelField.validate (path)",
        lambda: d.path_params[0].validate("x", {}, loc=("path", "thing")),
        lambda v: v[0] == "x" and not v[1],
    )

    # what sends a route to the framework: unset on the command, set by each kind of parameter
    def on_both(attribute: str) -> tuple[Any, Any]:
        return getattr(d, attribute), getattr(f, attribute)

    def only_framework_sets(parameter: str, v: tuple[Any, Any]) -> bool:
        return not v[0] and (v[1] == parameter or (isinstance(v[1], list) and _names(v[1]) == [parameter]))

    for attribute, parameter in _FRAMEWORK_PARAMETERS.items():
        expect(
            f"Dependant.{attribute}",
            functools.partial(on_both, attribute),
            functools.partial(only_framework_sets, parameter),
        )
    expect(
        "Dependant.dependencies (framework)",
        lambda: _names(f.dependencies),
        lambda v: v == [None, "scheme", "scoped", "limited", "per_request"],
    )
    if not problems:
        _, scheme, scoped, limited_dep, per_request = f.dependencies
        expect(
            "Dependant.call (security scheme)", lambda: _unwrapped(scheme.call), lambda v: isinstance(v, SecurityBase)
        )
        expect(
            "Dependant.own_oauth_scopes",
            lambda: (d.own_oauth_scopes, scoped.own_oauth_scopes),
            lambda v: not v[0] and v[1] == ["probe"],
        )
        expect(
            "Dependant.parent_oauth_scopes",
            lambda: (d.parent_oauth_scopes, scoped.dependencies[0].parent_oauth_scopes),
            lambda v: not v[0] and v[1] == ["probe"],
        )
        expect(
            "Dependant.concurrency",
            lambda: (d.concurrency, limited_dep.concurrency),
            lambda v: v[0] is None and v[1] is not None,
        )
        expect("Dependant.scope", lambda: (scoped.scope, per_request.scope), lambda v: v == (None, "request"))

    # the dependencies the lane solves: the router's (for its effect), then the endpoint's
    expect("Dependant.dependencies", lambda: [(s.name, s.call) for s in d.dependencies],
           lambda v: v == [(None, _probe_effect), ("reader", _probe_reader)])  # fmt: skip
    if not problems:
        reader = d.dependencies[1]
        expect(
            "Dependant (sub-dependency)",
            lambda: [
                (s.name, s.call, s.request_param_name, s.use_cache, s.path_params, s.body_params, s.dependencies)
                for s in reader.dependencies
            ],
            lambda v: v == [("needs", _probe_needs, "request", False, [], [], [])],
        )
        expect("Dependant.use_cache", lambda: reader.use_cache, lambda v: v is True)
    if not problems:
        expect("the lane's plan of a command", lambda: _needs_the_framework(d), lambda v: v is False)
        expect("the lane's plan of its dependencies", lambda: [_dependency(s) for s in d.dependencies],
               lambda v: None not in v)  # fmt: skip
        expect("the lane's refusals", lambda: [_dependency(s) for s in f.dependencies[1:4]], lambda v: v == [None] * 3)

    # the entries include_router adds to the app's routes
    expect(
        "include_router's entry",
        lambda: [type(e) for e in app.router.routes[-2:]],
        lambda v: v == [included, included] and not issubclass(included, Route | Mount),
    )
    plain: Any = app.router.routes[-2]
    prefixed: Any = app.router.routes[-1]
    expect("original_router", lambda: (plain.original_router, prefixed.original_router),
           lambda v: v[0] is router and v[1] is router and v[0].routes == [command, framework, limited])  # fmt: skip
    expect(
        "include_context",
        lambda: [
            (c.prefix, len(c.dependencies), c.max_body_size, c.dependency_overrides_provider)
            for c in (plain.include_context, prefixed.include_context)
        ],
        lambda v: v == [("", 0, None, app), ("/p", 1, 10, app)],
    )
    expect(
        "FastAPI app",
        lambda: (app.router.dependencies, app.dependency_overrides, app.exception_handlers),
        lambda v: v[0] == [] and v[1] == {} and isinstance(v[2], dict) and HTTPException in v[2],
    )
    return problems


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
    """Which routes the lane serves: none if the installed FastAPI's internals are not as the lane
    reads them (``missing_internals``: one warning then), if the app has dependencies of its own,
    or includes a router with a prefix, dependencies or a body limit (its routes would not say all
    of it)."""
    problems = missing_internals()
    if problems:
        log.warning(
            "command lane off, every command goes through the framework: FastAPI %s is not as the lane reads it (%s)",
            fastapi.__version__,
            "; ".join(problems),
            extra={"missing": problems},
        )
        return LaneTable({}, ())
    exact: dict[str, LaneRoute] = {}
    patterned: list[LaneRoute] = []
    ordered = routes_in_order(app, routers)
    if ordered is None or app.router.dependencies:
        log.warning(
            "command lane off, every command goes through the framework: the app has %s",
            "dependencies of its own"
            if ordered is not None
            else "a router the lane was not given, or one included with a prefix, dependencies or a body limit",
        )
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
                await self.app(scope, replay(messages, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replayed = replay(messages, receive)
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
