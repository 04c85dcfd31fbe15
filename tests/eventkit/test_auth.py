"""Principals, scopes and tokens: HS256 in development, an OIDC issuer's JWKS in production."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from services.eventkit.auth import Principal, Role, TokenVerifier, mint_token
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, Unauthenticated
from services.eventkit.settings import Settings

AOYUAN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")


def test_a_campus_scope_covers_that_campus_only() -> None:
    manager = Principal(subject="m", roles=frozenset([Role.LOGISTICS_MANAGER]), campuses=frozenset(["aoyuan"]))
    assert manager.covers(AOYUAN) and not manager.covers(MAIN)
    manager.require(AOYUAN, Role.LOGISTICS_MANAGER)
    with pytest.raises(Forbidden):
        manager.require(MAIN, Role.LOGISTICS_MANAGER)
    with pytest.raises(Forbidden):
        manager.require(AOYUAN, Role.VICE_PRINCIPAL)


def test_a_district_scope_covers_everything_under_it() -> None:
    admin = Principal(subject="a", roles=frozenset([Role.DISTRICT_ADMIN]), districts=frozenset(["xinbei"]))
    assert admin.covers(AOYUAN) and admin.covers(MAIN)
    assert not admin.covers(TenantPath(district_id="wujin", school_id="s", campus_id="c"))


async def test_a_development_token_round_trips() -> None:
    settings = Settings(jwt_secret="k" * 32)
    principal = Principal(
        subject="huang",
        name="黄老师",
        roles=frozenset([Role.CLASS_TEACHER]),
        campuses=frozenset(["main"]),
        classes=frozenset(["g6c1"]),
    )
    assert await TokenVerifier(settings).verify(mint_token(settings, principal)) == principal


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        jwt.encode({"sub": "x", "exp": int(time.time()) + 60}, "another-key-of-enough-length-000", algorithm="HS256"),
        jwt.encode({"sub": "x", "exp": int(time.time()) - 60}, "k" * 32, algorithm="HS256"),  # expired
        jwt.encode({"sub": "x"}, "k" * 32, algorithm="HS256"),  # no expiry
        jwt.encode({"sub": "x", "exp": int(time.time()) + 60}, "", algorithm="none"),
    ],
)
async def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(Unauthenticated):
        await TokenVerifier(Settings(jwt_secret="k" * 32)).verify(token)


@pytest.fixture
def issuer() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    """An OIDC issuer's JWKS endpoint on 127.0.0.1."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [jwk | {"kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    server.shutdown()


async def test_a_production_token_is_verified_against_the_issuers_jwks(issuer: tuple[str, rsa.RSAPrivateKey]) -> None:
    url, key = issuer
    settings = Settings(jwt_jwks_url=url, jwt_issuer="https://id.example.edu", jwt_audience="houqin")
    claims = Principal(subject="guard-1", roles=frozenset([Role.GUARD]), campuses=frozenset(["aoyuan"])).claims()
    now = int(time.time())
    good = jwt.encode(
        claims | {"iss": "https://id.example.edu", "aud": "houqin", "exp": now + 60},
        key,
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    principal = await TokenVerifier(settings).verify(good)
    assert principal.subject == "guard-1" and principal.campuses == {"aoyuan"}

    wrong_audience = jwt.encode(
        claims | {"iss": "https://id.example.edu", "aud": "other", "exp": now + 60},
        key,
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthenticated):
        await TokenVerifier(settings).verify(wrong_audience)
    # a development token is worth nothing once an issuer is configured
    with pytest.raises(Unauthenticated):
        await TokenVerifier(settings).verify(mint_token(settings, Principal(subject="x")))
