"""The console's sign-in: a page asked for without a token goes to the sign-in; a token (pasted,
or a development user's) is kept in an HttpOnly cookie for the console only; a bad token is
refused with the reason; production offers no development users; a teacher is no operator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from services.eventkit.auth import Principal, Role, mint_token

SECRET = "console-test-secret-of-at-least-32-bytes!"


async def client_of(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_gateway(settings, live=False)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://g") as client:
        yield client


@pytest_asyncio.fixture
async def console() -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_of(GatewaySettings(jwt_secret=SECRET, log_json=False, log_level="WARNING")):
        yield client


async def test_a_page_without_a_token_goes_to_the_sign_in(console: httpx.AsyncClient) -> None:
    answer = await console.get("/console/whoami")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/sign-in?next=/console/whoami"
    hx = await console.get("/console/whoami", headers={"HX-Request": "true"})
    assert hx.status_code == 401 and hx.headers["hx-redirect"] == "/console/sign-in"


async def test_a_development_user_signs_in_and_the_cookie_is_the_console_s_only(console: httpx.AsyncClient) -> None:
    page = await console.get("/console/sign-in")
    assert page.status_code == 200 and 'id="demo-operator"' in page.text
    signed = await console.post("/console/sign-in", data={"demo_user": "operator", "next": "/console/whoami"})
    assert signed.status_code == 303 and signed.headers["location"] == "/console/whoami"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/console" in cookie and "SameSite=strict" in cookie
    me = await console.get("/console/whoami")
    assert me.json() == {"subject": "demo-operator", "roles": ["operator"], "can_act": True}
    elsewhere = await console.post("/console/sign-in", data={"demo_user": "operator", "next": "https://evil.example/"})
    assert elsewhere.headers["location"] == "/console/tail"  # never sent to another site
    out = await console.post("/console/sign-out")
    assert out.status_code == 303 and (await console.get("/console/whoami")).status_code == 303


async def test_a_pasted_token_is_checked_and_a_teacher_is_no_operator(console: httpx.AsyncClient) -> None:
    bad = await console.post("/console/sign-in", data={"token": "not.a.token"})
    assert bad.status_code == 401 and 'id="sign-in-error"' in bad.text
    settings = GatewaySettings(jwt_secret=SECRET)
    teacher = mint_token(settings, Principal(subject="huang", roles=frozenset([Role.TEACHER])))
    signed = await console.post("/console/sign-in", data={"token": teacher})
    assert signed.status_code == 303
    assert (await console.get("/console/whoami")).status_code == 403
    unknown = await console.post("/console/sign-in", data={"demo_user": "root"})
    assert unknown.status_code == 422


async def test_production_offers_no_development_user() -> None:
    production = GatewaySettings(
        jwt_secret=SECRET, jwt_issuer="https://id.example", jwt_audience="houqin", environment="production",
        log_json=False, log_level="WARNING",
    )  # fmt: skip
    async for client in client_of(production):
        page = await client.get("/console/sign-in")
        assert "Development sign-in" not in page.text
        refused = await client.post("/console/sign-in", data={"demo_user": "operator"})
        assert refused.status_code == 422
