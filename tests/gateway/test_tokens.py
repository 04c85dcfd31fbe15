"""Tokens and headers at the gateway: roles granted per campus, another audience or issuer, an
OAuth scope string, bounded headers, and no token in a log line."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
import pytest_asyncio

from gateway.app import create_gateway
from services.eventkit.auth import Grant, Principal, Role, mint_token
from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_end_to_end import REPORT, hazard

ISSUER, AUDIENCE = "https://id.xinbei.edu", "houqin"
SPLIT = Principal(
    subject="gu",
    name="顾",
    grants=frozenset([Grant(role=Role.LOGISTICS_MANAGER, campus="main"), Grant(role=Role.TEACHER, campus="aoyuan")]),
)
ESCALATE = """mutation($id: ID!, $input: EscalateHazardInput!) { escalateHazard(hazardId: $id, input: $input) {
    __typename ... on Accepted { version } ... on Forbidden { message } } }"""
INCIDENTS = "query { incidents(first: 500) { nodes { injuryId campusId detailsWithheld injury firstAid } } }"
HAZARDS = "query { hazards(first: 100) { nodes { hazardId } } }"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def with_token(system: System, name: str, principal: Principal) -> str:
    system.tokens[name] = {"Authorization": f"Bearer {mint_token(system.settings, principal)}"}
    return name


async def safety_events(system: System) -> int:
    return int(await system.services["safety"].pool.fetchval("SELECT count(*) FROM events"))


async def report(system: System, campus: str, as_: str) -> str:
    hid = uid("h")
    result = (await system.gql(REPORT, as_=as_, input=hazard(hid, campus)))["data"]["reportHazard"]
    assert result["__typename"] == "Accepted", result
    return hid


async def test_a_manager_on_one_campus_who_teaches_on_another_escalates_only_on_the_first(system: System) -> None:
    split = with_token(system, "split", SPLIT)
    on_main, on_aoyuan = await report(system, "main", "manager-main"), await report(system, "aoyuan", "manager-aoyuan")
    before = await safety_events(system)
    refused = await system.gql(ESCALATE, as_=split, id=on_aoyuan, input={"authority": "区教育局"})
    assert refused["data"]["escalateHazard"]["__typename"] == "Forbidden", refused
    assert await safety_events(system) == before
    accepted = await system.gql(ESCALATE, as_=split, id=on_main, input={"authority": "区教育局"})
    assert accepted["data"]["escalateHazard"]["__typename"] == "Accepted", accepted
    # a teacher on aoyuan still reports a hazard there
    assert await report(system, "aoyuan", split)


async def test_injury_details_through_the_gateway_follow_the_grants(system: System) -> None:
    split = with_token(system, "split", SPLIT)
    safety = system.services["safety"].client
    on_main, on_aoyuan = uid("inj"), uid("inj")
    for iid, student, as_ in ((on_main, "lin", "teacher-g6"), (on_aoyuan, "ma", "teacher-g1")):
        body = {
            "injury_id": iid,
            "student_id": student,
            "setting": "break",
            "at": "2020-10-12T10:05:00+08:00",
            "injury": "追逐时摔倒",
            "first_aid": "清洗消毒",
        }
        response = await safety.post("/injuries", json=body, headers=system.tokens[as_])
        assert response.status_code == 200, response.text

    async def both() -> dict[str, Any] | None:
        nodes = (await system.gql(INCIDENTS, as_=split))["data"]["incidents"]["nodes"]
        found = {n["injuryId"]: n for n in nodes if n["injuryId"] in (on_main, on_aoyuan)}
        return found if len(found) == 2 else None

    found = await eventually(both)
    assert found[on_main]["detailsWithheld"] is False and found[on_main]["injury"] == "追逐时摔倒"
    assert found[on_aoyuan]["detailsWithheld"] is True and found[on_aoyuan]["injury"] is None


@pytest_asyncio.fixture(loop_scope="session")
async def strict(system: System) -> AsyncIterator[httpx.AsyncClient]:
    """A second gateway before the same services, accepting only one issuer's tokens for one audience."""
    settings = system.settings.model_copy(update={"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE})
    app = create_gateway(settings, transport=system.transport, live=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client,
    ):
        yield client


def token(system: System, **claims: Any) -> dict[str, str]:
    body = Principal(subject="zhou", roles=frozenset([Role.LOGISTICS_MANAGER]), campuses=frozenset(["main"])).claims()
    signed = jwt.encode(body | {"exp": int(time.time()) + 600} | claims, system.settings.jwt_secret, "HS256")
    return {"Authorization": f"Bearer {signed}"}


@pytest.mark.parametrize(
    "claims",
    [{"aud": "another-app", "iss": ISSUER}, {"aud": AUDIENCE, "iss": "https://id.elsewhere.edu"}, {"iss": ISSUER}],
    ids=["audience", "issuer", "no-audience"],
)
async def test_a_token_for_another_audience_or_issuer_is_a_401_at_the_gateway(
    system: System, strict: httpx.AsyncClient, claims: dict[str, Any]
) -> None:
    calls, before = sum(system.transport.calls.values()), await safety_events(system)
    query = {"query": REPORT, "variables": {"input": hazard(uid("h"), "main")}}
    refused = await strict.post("/graphql", json=query, headers=token(system, **claims))
    assert refused.status_code == 401, refused.text
    assert refused.headers["www-authenticate"] == "Bearer" and "invalid token" in refused.json()["detail"]
    assert sum(system.transport.calls.values()) == calls and await safety_events(system) == before
    good = await strict.post("/graphql", json=query, headers=token(system, aud=AUDIENCE, iss=ISSUER))
    assert good.json()["data"]["reportHazard"]["__typename"] == "Accepted", good.text


async def test_an_oauth_scope_string_covers_nothing_and_a_malformed_claim_is_a_401(system: System) -> None:
    system.tokens["oauth"] = token(system, scope="openid profile")
    body = await system.gql(HAZARDS, as_="oauth")
    assert body["data"]["hazards"]["nodes"] == []
    system.tokens["oauth-mapped"] = token(system, scope="openid", houqin_scope={"campuses": ["main"]})
    await report(system, "main", "oauth-mapped")
    malformed = await system.client.post(
        "/graphql", json={"query": HAZARDS}, headers=token(system, grants=[{"role": "teacher"}])
    )
    assert malformed.status_code == 401 and "grant" in malformed.text


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Correlation-ID", b"\xff\xfe"),
        ("X-Correlation-ID", b"c" * 201),
        ("Idempotency-Key", b"\xc3\x28"),
        ("Idempotency-Key", b"k" * 201),
        ("Authorization", "Bearer 令牌".encode()),
        ("Authorization", b"Bearer " + b"a" * 8200),
    ],
)
async def test_a_header_too_long_or_not_text_is_a_422_at_the_gateway(system: System, header: str, value: bytes) -> None:
    headers: dict[str, Any] = dict(system.tokens["manager-main"]) | {header: value}
    calls, before = sum(system.transport.calls.values()), await safety_events(system)
    query = {"query": REPORT, "variables": {"input": hazard(uid("h"), "main")}}
    response = await system.client.post("/graphql", json=query, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == header
    assert sum(system.transport.calls.values()) == calls and await safety_events(system) == before


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(root.handlers[0].formatter)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.setLevel(level)
        root.removeHandler(handler)


async def test_no_token_reaches_a_gateway_log_line(system: System) -> None:
    accepted = system.tokens["manager-main"]["Authorization"].removeprefix("Bearer ")
    forged = jwt.encode({"sub": "zhou", "exp": int(time.time()) + 60}, "not-the-key-of-the-district-0000", "HS256")
    with captured_logs() as out:
        refused = await system.client.post(
            "/graphql", json={"query": HAZARDS}, headers={"Authorization": f"Bearer {forged}"}
        )
        assert refused.status_code == 401 and forged not in refused.text
        assert (await system.gql(HAZARDS))["data"]["hazards"] is not None
        assert (await system.gql(REPORT, input=hazard(uid("h"), "main")))["data"]["reportHazard"]["__typename"]
    lines = out.getvalue()
    assert "HTTP Request" in lines  # the gateway's calls to the services were logged, without their headers
    for secret in (accepted, forged, accepted.split(".")[2], forged.split(".")[2]):
        assert secret not in lines
