"""Every service's OpenAPI document: each command with a summary, its errors and valid examples."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from services import registry
from services.eventkit.app import create_app
from services.eventkit.commands import Command
from services.eventkit.runtime import ServiceDefinition

DEFINITIONS = [service.load() for service in registry.SERVICES]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_endpoint_is_described_and_every_command_has_valid_examples(definition: ServiceDefinition) -> None:
    doc = create_app(definition).openapi()
    posts = 0
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert op.get("summary"), f"{method.upper()} {path} has no summary"
            if method != "post" or path.startswith("/ops/"):  # the operators' acts are not commands
                continue
            posts += 1
            assert {"403", "409", "422"} <= set(op["responses"]), path
            body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
            assert body.get("examples"), f"POST {path} has no example"
    table = next(s for s in registry.SERVICES if s.name == definition.name).load_commands()
    assert posts >= len(table.specs) >= 5  # every command of the table was walked


UNAUTHENTICATED = {"/healthz", "/readyz"}  # /metrics and /ops/*: operators


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_the_bearer_token_and_the_command_headers_are_documented(definition: ServiceDefinition) -> None:
    doc = create_app(definition).openapi()
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            expected: list[dict[str, list[str]]] | None = None if path in UNAUTHENTICATED else [{"bearer": []}]
            assert op.get("security") == expected, f"{method.upper()} {path}"
            if method == "post" and not path.startswith("/ops/"):
                headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
                assert {"Idempotency-Key", "X-Causation-Id"} <= headers, path
                assert resolve(doc, op["responses"]["200"]["content"]["application/json"]["schema"])["title"] == (
                    "CommandResult"
                )


def _subclasses(cls: type[Command]) -> list[type[Command]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def test_every_example_is_a_command_its_model_accepts() -> None:
    checked = 0
    for model in _subclasses(Command):
        extra = model.model_config.get("json_schema_extra") or {}
        assert isinstance(extra, dict)
        examples = extra.get("examples", [])
        assert isinstance(examples, list)
        for example in examples:
            model.model_validate(example)
            checked += 1
    assert checked >= 80


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_no_route_hops_to_a_worker_thread(definition: ServiceDefinition) -> None:
    """A plain ``def`` endpoint or dependency runs in a thread pool: a thread hop on every request."""
    from fastapi.dependencies.models import Dependant
    from fastapi.routing import APIRoute

    def sync_calls(dependant: Dependant) -> list[str]:
        found = [] if dependant.call is None or inspect.iscoroutinefunction(dependant.call) else [repr(dependant.call)]
        return found + [c for d in dependant.dependencies for c in sync_calls(d)]

    app = create_app(definition)
    routers = [app.router, *definition.routers]  # the app's own routes, and those it includes
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 10
    offenders = {r.path: calls for r in routes if (calls := sync_calls(r.dependant))}
    assert offenders == {}


def _ref(op: dict[str, Any], status: str) -> str:
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    return str(schema["$ref"]).rsplit("/", 1)[-1]


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_error_a_route_can_answer_is_documented_with_the_project_s_body(definition: ServiceDefinition) -> None:
    doc = create_app(definition).openapi()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            statuses = set(op["responses"])
            assert {"400", "413"} <= statuses, f"{method.upper()} {path}"
            if path in UNAUTHENTICATED:
                continue
            assert {"401", "403", "503"} <= statuses, f"{method.upper()} {path}"
            assert _ref(op, "401") == _ref(op, "403") == "ErrorResponse"
            assert _ref(op, "503") == "UnavailableResponse"
            if "{" in path:
                assert _ref(op, "404") == "ErrorResponse", f"{method.upper()} {path}"
            if op.get("parameters") or "requestBody" in op:
                assert _ref(op, "422") == "ValidationErrorResponse", f"{method.upper()} {path}"
            if method == "post" and "operations" not in op.get("tags", ()):  # a command
                assert _ref(op, "409") == "ConflictResponse", path
                assert _ref(op, "413") == "PayloadTooLargeResponse", path
    conflict = doc["components"]["schemas"]["ConflictResponse"]
    assert {"step", "step_time", "now"} <= set(conflict["properties"])


def _typed(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether a JSON schema names its fields (an object of known properties, or a list of
    them; a page: its rows): not ``{}`` nor an object of any keys (``additionalProperties``)."""
    schema = resolve(doc, schema)
    if schema.get("type") == "array":
        return _typed(doc, schema["items"])
    properties = schema.get("properties", {})
    if "items" in properties and "next_cursor" in properties:  # a page: its rows too
        return _typed(doc, properties["items"])
    return bool(properties)


def _untyped_answers(doc: dict[str, Any]) -> list[str]:
    """Each operation's status whose JSON body is not typed (or that documents no body)."""
    untyped = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                content = response.get("content", {})
                if path == "/metrics" and status == "200":  # Prometheus's text format
                    assert set(content) == {"text/plain"}, content
                    continue
                schema = content.get("application/json", {}).get("schema", {})
                if not _typed(doc, schema):
                    untyped.append(f"{method.upper()} {path} {status}")
    return untyped


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_route_documents_the_fields_of_each_answer(definition: ServiceDefinition) -> None:
    """Every GET and POST (the domain's, the probes, the operators' /ops reads and acts): its 200
    and each error it documents name their fields, /readyz its 503 too."""
    doc = create_app(definition).openapi()
    methods = {m for operations in doc["paths"].values() for m in operations}
    assert methods == {"get", "post"}
    assert _untyped_answers(doc) == []
    ready = doc["paths"]["/readyz"]["get"]
    assert (_ref(ready, "200"), _ref(ready, "503")) == ("Ready", "NotReady")
    ops = [op for path, operations in doc["paths"].items() if path.startswith("/ops/") for op in operations.values()]
    assert len(ops) == 16
    assert {_ref(op, "202" if "202" in op["responses"] else "200") for op in ops} == {
        "Lag", "ParkedRows", "Released", "Discarded", "DeadLetters", "Skipped", "Retried", "AuditLog",
        "DeadLetterCounts", "DeadLetterDetail", "ParkedEvent", "ReplayedAll",  # the console's dead letters
        "Projections", "ProjectionState", "RebuildStarted",  # and its rebuilds
        "Envelope",  # one stored event, for the console's envelope page
    }  # fmt: skip
    assert "payload" not in resolve(doc, {"$ref": "#/components/schemas/DeadLetter"})["properties"]


def test_the_gateway_documents_its_probes() -> None:
    from gateway.app import create_gateway

    doc = create_gateway(live=False).openapi()
    probes = {
        "paths": {p: doc["paths"][p] for p in ("/healthz", "/readyz", "/metrics")},
        "components": doc["components"],
    }
    assert _untyped_answers(probes) == []
    ready = doc["paths"]["/readyz"]["get"]
    assert (_ref(ready, "200"), _ref(ready, "503")) == ("GatewayReady", "GatewayNotReady")
    assert set(doc["components"]["schemas"]["GatewayReady"]["required"]) == {"status", *registry.NAMES}


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_page_takes_count_and_documents_its_total(definition: ServiceDefinition) -> None:
    doc = create_app(definition).openapi()
    pages = 0
    for path, operations in doc["paths"].items():
        op = operations.get("get")
        if op is None or "application/json" not in op["responses"]["200"]["content"]:  # /metrics is text
            continue
        body = resolve(doc, op["responses"]["200"]["content"]["application/json"]["schema"])
        if "next_cursor" not in body.get("properties", {}):
            continue
        pages += 1
        (count,) = [p for p in op["parameters"] if p["name"] == "count"]
        assert count["in"] == "query" and not count.get("required"), path
        assert count["schema"]["type"] == "boolean" and count["schema"]["default"] is False, path
        assert "total" in count["description"], path
        total = body["properties"]["total"]
        assert {"type": "integer", "minimum": 0} in total["anyOf"] and "count=true" in total["description"], path
        assert "total" not in body.get("required", []), path
    # every service lists several things a page at a time; the report service one (its reports)
    assert pages >= (1 if definition.name == "report" else 5)


def test_a_page_is_documented_by_its_rows_and_held_to_them_when_reads_are_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx
    from fastapi import APIRouter, FastAPI
    from pydantic import ValidationError

    from services.eventkit.queries import VALIDATE_READS, Page, Row, page_route

    class Thing(Row):
        thing_id: str
        count: int

    router = APIRouter()

    @page_route(router, "/things", Thing, summary="Things")
    async def things(bad: bool = False) -> Page:
        return Page(items=[{"thing_id": "t1", "count": "many" if bad else 3}])

    app = FastAPI()
    app.include_router(router)
    doc = app.openapi()
    page = resolve(doc, doc["paths"]["/things"]["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    assert resolve(doc, page["properties"]["items"]["items"])["title"] == "Thing"

    async def get(bad: bool) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get("/things", params={"bad": bad})

    import asyncio

    monkeypatch.delenv(VALIDATE_READS, raising=False)
    assert asyncio.run(get(False)).json() == {"items": [{"thing_id": "t1", "count": 3}], "next_cursor": None}
    assert asyncio.run(get(True)).json()["items"][0]["count"] == "many"  # as read: not validated in production
    monkeypatch.setenv(VALIDATE_READS, "1")
    with pytest.raises(ValidationError):
        asyncio.run(get(True))


def test_a_page_asked_to_count_runs_its_endpoint_counting_and_must_carry_a_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    import httpx
    from fastapi import APIRouter, FastAPI

    from services.eventkit.queries import COUNTING, VALIDATE_READS, Page, Row, page_route

    router = APIRouter()
    seen: list[bool] = []

    @page_route(router, "/things", Row, summary="Things")
    async def things(counted: bool = True) -> Page:
        seen.append(COUNTING.get())
        return Page(items=[{"thing_id": "t1"}], total=1 if counted and COUNTING.get() else None)

    app = FastAPI()
    app.include_router(router)

    async def get(**params: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get("/things", params=params)

    monkeypatch.setenv(VALIDATE_READS, "1")
    assert asyncio.run(get()).json() == {"items": [{"thing_id": "t1"}], "next_cursor": None}
    assert asyncio.run(get(count="true")).json() == {"items": [{"thing_id": "t1"}], "next_cursor": None, "total": 1}
    assert seen == [False, True] and COUNTING.get() is False
    assert asyncio.run(get(count="nonsense")).status_code == 422
    with pytest.raises(AssertionError, match="answered no total"):  # a read that forgot to count
        asyncio.run(get(count="true", counted="false"))
