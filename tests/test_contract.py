"""Every service's API against its own OpenAPI document, by generated requests.

Schemathesis draws requests from each operation of the document, valid ones and malformed
ones (wrong types, missing fields, values out of range, odd path parameters, headers too
long), sent with the token of a platform admin who holds every staff role and without a
token, to the real service in process (on PostgreSQL). No answer may be a server error, and
each must have a status the operation documents and a body matching the schema documented
for that status. Bounded and repeatable: a few examples per operation, drawn the same way
on every run (``HOUQIN_CONTRACT_EXAMPLES`` raises the count for a longer search).

What generated requests cannot reach is then sent as an operator would, and held to the
document the same way: the ``/ops`` reads with a parked row and a dead letter to list, each
act on them (release, discard, skip, retry, and a row already released), ``/metrics``, and
``/readyz`` ready and, with the database down, not ready (503).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

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
from services.eventkit.envelope import Envelope
from services.eventkit.operations import consumers_of
from services.eventkit.redaction import redact_wire
from services.eventkit.runtime import Mode
from services.eventkit.store import EventStore
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


def request_of(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """The httpx request of a schemathesis case."""
    kwargs = case.as_transport_kwargs(base_url="http://service", headers=headers)
    request = {k: kwargs[k] for k in ("method", "url", "params", "headers") if k in kwargs}
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    elif "data" in kwargs:
        data = kwargs["data"]
        request["content" if isinstance(data, (bytes, str)) else "data"] = data
    return request


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
                response = call(client.request(**request_of(case, headers)))
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


CONTRACT_DISTRICT = "contract-district"


def note(stream: str, version: int) -> Envelope:
    return Envelope(
        event_id=uuid4(), stream_id=stream, version=version, type="contract.Noted", schema_version=1,
        occurred_at=datetime.now(UTC), data={"text": "x"}, district_id=CONTRACT_DISTRICT,
    )  # fmt: skip


async def seed_operations(running: RunningService) -> tuple[list[int], str, Envelope]:
    """Two parked outbox rows (as the relay leaves records the broker refused) and a dead letter
    of a projection (its payload as the consumer keeps it), for the operator's pass."""
    pool = running.pool
    stream = f"contract-ops-{uuid4().hex[:8]}"
    noted = [note(stream, v) for v in (1, 2)]
    await EventStore(pool, notify=False).append(stream, 0, noted)
    positions = [
        await pool.fetchval(
            "DELETE FROM outbox WHERE stream_id = $1 AND position = $2 RETURNING position", stream, p["position"]
        )
        for p in await pool.fetch("SELECT position FROM outbox WHERE stream_id = $1 ORDER BY position", stream)
    ]
    for position, env in zip(positions, noted, strict=True):
        await pool.execute(
            "INSERT INTO parked_outbox (position, stream_id, event_id, type, size_bytes, reason) "
            "VALUES ($1, $2, $3, $4, 2000000, 'MessageSizeTooLargeError')",
            position, stream, env.event_id, env.type,
        )  # fmt: skip
    definition = running.runtime.definition
    reactions = [spec.reaction for spec in definition.reactions]
    consumer = consumers_of(running.settings, definition.projections, reactions)[0].label
    poisoned = noted[0].model_copy(update={"event_id": uuid4(), "stream_id": f"{stream}-dead"})
    await pool.execute(
        'INSERT INTO dead_letters (consumer, topic, partition, "offset", event_id, stream_id, reason, payload, '
        "district_id) VALUES ($1, 'contract.events', 0, 7, $2, $3, 'ValueError: cannot apply', $4, $5)",
        consumer, poisoned.event_id, poisoned.stream_id, redact_wire(poisoned.to_wire()), CONTRACT_DISTRICT,
    )  # fmt: skip
    return positions, consumer, poisoned


async def operator_pass(running: RunningService, client: httpx.AsyncClient, schema: Any) -> list[str]:
    """Each /ops read and act with what it names existing, /metrics, and /readyz ready and not:
    the status expected, and the answer held to the document. Returns the disagreements."""
    positions, consumer, poisoned = await seed_operations(running)
    operator = token_for(running.settings, "contract-operator", Role.OPERATOR, districts=[CONTRACT_DISTRICT])
    reason = {"reason": "the broker's limit was raised"}
    failures: list[str] = []

    async def send(method: str, path: str, expected: int, **parts: Any) -> httpx.Response:
        case = schema[path][method].Case(**parts)
        response = await client.request(**request_of(case, operator))
        try:
            assert response.status_code == expected, response.text
            checks = CHECKS if expected < 500 else CHECKS[1:]  # a 503 expected: not a server's error
            case.validate_response(response, checks=checks, headers=operator)
        except (AssertionError, FailureGroup) as exc:
            failures.append(f"{method} {path} as an operator ({expected}): {exc}")
        return response

    parked = await send("GET", "/ops/parked", 200)
    if parked.status_code == 200:
        assert [p["position"] for p in parked.json()["parked"]] == positions
    await send("POST", "/ops/parked/{position}/release", 200, path_parameters={"position": positions[0]}, body=reason)
    await send("POST", "/ops/parked/{position}/discard", 200, path_parameters={"position": positions[1]}, body=reason)
    await send("POST", "/ops/parked/{position}/release", 404, path_parameters={"position": positions[0]}, body=reason)
    dead = await send("GET", "/ops/dead-letters", 200, query={"consumer": consumer})
    if dead.status_code == 200:
        [letter] = dead.json()["dead_letters"]
        assert letter["event_id"] == str(poisoned.event_id) and "payload" not in letter
    act = {"consumer": consumer, "reason": "a hand repair lost its fields"}
    await send("POST", "/ops/events/skip", 200, body=act | {"event_id": str(poisoned.event_id)})
    await send("POST", "/ops/events/retry", 200, body=act | {"partition": 0, "offset": 7})
    await send("POST", "/ops/events/skip", 404, body=act | {"consumer": "no-such-consumer", "event_id": str(uuid4())})
    audit = await send("GET", "/ops/audit", 200)
    if audit.status_code == 200:
        actions = [a["action"] for a in audit.json()["audit"]]
        assert actions == ["event.retry", "event.skip", "outbox.discard", "outbox.release"], actions
    await send("GET", "/ops/lag", 200)
    await send("GET", "/metrics", 200)
    await send("GET", "/readyz", 200)

    runtime = running.runtime
    real = runtime._pool

    class Down:
        async def fetchval(self, *_: Any) -> Any:
            raise ConnectionRefusedError("the database does not answer")

    runtime._pool = Down()
    try:
        await send("GET", "/readyz", 503)
    finally:
        runtime._pool = real
    return failures


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
    failures += await operator_pass(running, client, schema)
    elapsed = time.monotonic() - started
    await client.aclose()
    assert sent > 100, sent
    assert not failures, f"{len(failures)} operations disagree with the document:\n" + "\n".join(failures)
    print(f"{service.name}: {sent} requests in {elapsed:.0f}s")  # bounded by EXAMPLES, not timed
