"""Every service's API against its own OpenAPI document, by generated requests.

Schemathesis draws requests from each operation of the document, valid ones and malformed
ones (wrong types, missing fields, values out of range, odd path parameters, headers too
long), sent with the token of a platform admin who holds every staff role and without a
token, to the real service in process (on PostgreSQL). No answer may be a server error, and
each must have a status the operation documents and a body matching the schema documented
for that status. Bounded and repeatable: a few examples per operation, drawn the same way
on every run (``HOUQIN_CONTRACT_EXAMPLES`` raises the count for a longer search).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import hypothesis
import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services import registry
from services.directory.service import DIRECTORY
from services.eventkit.auth import STAFF_ROLES, Role
from services.eventkit.runtime import Mode
from tests.conftest import RunningService, ServiceStarter, SettingsFactory, token_for

pytestmark = [
    pytest.mark.infra,
    # schemathesis's own strategies draw from ``random`` (its concern, not the services')
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

EXAMPLES = int(os.environ.get("HOUQIN_CONTRACT_EXAMPLES", "5"))
"""Generated requests per operation, per mode (valid and malformed) and per caller."""

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Not negative_data_rejection: the caller's token is added to every request, so a generated
# request "without Authorization" (which it counts as malformed) is rightly answered 200.
UNTESTED = {"/metrics"}  # Prometheus's text format, not JSON


def run_cases(
    schema: Any,
    call: Callable[[Coroutine[Any, Any, httpx.Response]], httpx.Response],
    client: httpx.AsyncClient,
    headers: dict[str, str],
) -> tuple[int, list[str]]:
    """Sends each operation's generated requests (in this thread; the app runs on the test's loop)."""
    sent = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in UNTESTED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=strategy)
            def check(case: Any) -> None:
                nonlocal sent
                kwargs = case.as_transport_kwargs(base_url="http://service", headers=headers)
                request = {k: kwargs[k] for k in ("method", "url", "params", "headers") if k in kwargs}
                if "json" in kwargs:
                    request["json"] = kwargs["json"]
                elif "data" in kwargs:
                    data = kwargs["data"]
                    request["content" if isinstance(data, (bytes, str)) else "data"] = data
                response = call(client.request(**request))
                sent += 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                check()
            except hypothesis.errors.Unsatisfiable:  # nothing to make malformed (no parameter, no body)
                continue
            except FailureGroup as exc:
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
            except AssertionError as exc:
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}")
    return sent, failures


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def directory(make_settings: SettingsFactory, start_service: ServiceStarter) -> RunningService:
    service: RunningService = await start_service(DIRECTORY, await make_settings("directory"), Mode.API)
    return service


async def events(service: RunningService) -> int:
    count: int = await service.pool.fetchval("SELECT count(*) FROM events")
    return count


@pytest.mark.parametrize("where", ["query", "path"])
async def test_a_nul_character_in_the_url_is_a_422_naming_the_parameter(directory: RunningService, where: str) -> None:
    admin = token_for(directory.settings, "root", Role.PLATFORM_ADMIN)
    url = "/campuses?school_id=a%00b" if where == "query" else "/campuses/a%00b"
    response = await directory.client.get(url, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json() == {
        "error": "validation_error",
        "detail": [{"field": "school_id" if where == "query" else "path", "reason": "a NUL character is not allowed"}],
    }
    before = await events(directory)
    response = await directory.client.post(
        "/campuses/a%00b/rename", json={"name": "x"}, headers=admin | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert await events(directory) == before


async def test_a_body_that_is_not_text_is_refused_in_the_project_shape(directory: RunningService) -> None:
    admin = token_for(directory.settings, "root", Role.PLATFORM_ADMIN)
    before = await events(directory)
    response = await directory.client.post(
        "/districts", content=b"\x02\xff\xfe", headers=admin | {"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    body = response.json()
    assert body["error"] in ("bad_request", "validation_error"), body
    assert await events(directory) == before


async def test_an_unknown_route_and_method_answer_in_the_project_shape(directory: RunningService) -> None:
    response = await directory.client.get("/no-such-route")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "reason": "Not Found"}
    response = await directory.client.delete("/districts")
    assert response.status_code == 405
    assert response.json() == {"error": "method_not_allowed", "reason": "Method Not Allowed"}


@pytest.mark.parametrize("service", registry.SERVICES, ids=lambda s: s.name)
async def test_every_answer_agrees_with_the_openapi_document(
    service: registry.Service, start_service: ServiceStarter, make_settings: SettingsFactory
) -> None:
    settings = await make_settings(service.name, namespace_suffix=f"contract{service.name}")
    running = await start_service(service.load(), settings, Mode.API)
    # a server error is an answer here (a 500 to check), not an exception out of the app
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app, raise_app_exceptions=False), base_url="http://service"
    )
    doc = (await client.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(doc)
    loop = asyncio.get_running_loop()

    def call(request: Coroutine[Any, Any, httpx.Response]) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=30)

    # a platform admin who also holds every staff role: the reads and commands get past the role checks
    admin = token_for(settings, "contract-admin", Role.PLATFORM_ADMIN, *(STAFF_ROLES - {Role.PLATFORM_ADMIN}))
    started = time.monotonic()
    sent = 0
    failures: list[str] = []
    for headers in (admin, {}):
        n, found = await asyncio.to_thread(run_cases, schema, call, client, headers)
        sent += n
        failures += found
    elapsed = time.monotonic() - started
    await client.aclose()
    assert sent > 100, sent
    assert not failures, f"{len(failures)} operations disagree with the document:\n" + "\n".join(failures)
    assert elapsed < 60, f"{sent} requests took {elapsed:.0f}s"
