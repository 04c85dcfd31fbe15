"""HOUQIN_ENVIRONMENT=production: a service and the gateway, started as they are served, refuse
unsafe token settings and introspection with one paragraph saying what to set; the API's
description (/openapi.json, /docs, /redoc) is off unless asked for."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from services.eventkit.app import create_app
from services.eventkit.settings import DEVELOPMENT_SECRET, EX_CONFIG, Settings, UnsafeSettings
from services.safety.service import SAFETY

ROOT = Path(__file__).resolve().parents[1]
SERVICE = [sys.executable, "-m", "services.safety", "serve"]
GATEWAY = [sys.executable, "-m", "gateway"]
KEY = "a-private-key-of-the-district-0123456789"
SAFE = {
    "HOUQIN_ENVIRONMENT": "production",
    "HOUQIN_JWT_SECRET": KEY,
    "HOUQIN_JWT_ISSUER": "https://id.xinbei.edu",
    "HOUQIN_JWT_AUDIENCE": "houqin",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def environment(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment without any HOUQIN_* setting, and ``settings``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")} | settings


def start(command: list[str], settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "--port", str(free_port())],
        cwd=ROOT,
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


CASES = [
    # (settings, what the message must name, what it must not)
    ({"HOUQIN_ENVIRONMENT": "production"}, ["development key", "HOUQIN_JWT_ISSUER", "HOUQIN_JWT_AUDIENCE"], []),
    (SAFE | {"HOUQIN_JWT_SECRET": DEVELOPMENT_SECRET}, ["development key", "HOUQIN_JWT_JWKS_URL"], ["ISSUER"]),
    (SAFE | {"HOUQIN_JWT_SECRET": "short"}, ["shorter than 32 bytes"], ["development key"]),
    (SAFE | {"HOUQIN_JWT_ISSUER": ""}, ["HOUQIN_JWT_ISSUER"], ["AUDIENCE", "development key"]),
    ({k: v for k, v in SAFE.items() if k != "HOUQIN_JWT_AUDIENCE"}, ["HOUQIN_JWT_AUDIENCE"], ["ISSUER"]),
    # an identity provider's keys, but no issuer or audience: JWKS or shared key alike
    (
        {"HOUQIN_ENVIRONMENT": "production", "HOUQIN_JWT_JWKS_URL": "https://id.xinbei.edu/jwks.json"},
        ["HOUQIN_JWT_ISSUER", "HOUQIN_JWT_AUDIENCE"],
        ["development key"],
    ),
]


# Each case once, on the service or the gateway in turn (their check is the same; each entry point
# is held to three cases), rather than twelve starts of a process.
STARTS = [(SERVICE if i % 2 == 0 else GATEWAY, *case) for i, case in enumerate(CASES)]


@pytest.mark.parametrize(
    ("command", "settings", "named", "unnamed"),
    STARTS,
    ids=[f"{'service' if c is SERVICE else 'gateway'}-{i}" for i, (c, *_) in enumerate(STARTS)],
)
def test_production_refuses_to_start_on_unsafe_token_settings(
    command: list[str], settings: dict[str, str], named: list[str], unnamed: list[str]
) -> None:
    started = start(command, settings)
    assert started.returncode == EX_CONFIG, started.stderr
    message = started.stderr.strip()
    assert "\n" not in message, message  # one paragraph
    assert message.startswith("houqin ") and "refuses to start with HOUQIN_ENVIRONMENT=production" in message
    for words in named:
        assert words in message, (words, message)
    for words in unnamed:
        assert words not in message, (words, message)
    assert ".env.example" in message
    assert KEY not in message


def test_the_gateway_refuses_introspection_in_production() -> None:
    started = start(GATEWAY, SAFE | {"HOUQIN_INTROSPECTION": "true"})
    assert started.returncode == EX_CONFIG
    assert "introspection is on" in started.stderr and "HOUQIN_INTROSPECTION" in started.stderr
    assert "ISSUER" not in started.stderr


def test_a_service_refuses_in_every_mode() -> None:
    started = subprocess.run(
        [*SERVICE, "--mode", "relay"],
        cwd=ROOT,
        env=environment({"HOUQIN_ENVIRONMENT": "production"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == EX_CONFIG and "development key" in started.stderr


def test_the_gateway_starts_on_safe_production_settings() -> None:
    """The refusals are not all there is: with a private key, an issuer and an audience it serves."""
    port = free_port()
    process = subprocess.Popen(
        [*GATEWAY, "--port", str(port)], cwd=ROOT, env=environment(SAFE), stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                healthz = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the gateway did not answer"
                time.sleep(0.3)
        assert healthz.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).status_code == 404
    finally:
        process.terminate()
        process.wait(30)


def test_the_app_factories_refuse_unsafe_production_settings_too() -> None:
    with pytest.raises(UnsafeSettings):
        create_app(SAFETY, Settings(service="safety", environment="production"))
    with pytest.raises(UnsafeSettings):
        create_gateway(GatewaySettings(**safe_settings(), introspection=True), live=False)


def safe_settings() -> dict[str, Any]:
    return {
        "environment": "production",
        "jwt_secret": KEY,
        "jwt_issuer": "https://id.xinbei.edu",
        "jwt_audience": "houqin",
    }


DOCS = ["/openapi.json", "/docs", "/redoc"]


async def statuses(app: FastAPI) -> list[int]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        return [(await client.get(path)).status_code for path in DOCS]


async def test_the_api_description_is_off_in_production_unless_asked_for() -> None:
    service = create_app(SAFETY, Settings(service="safety", **safe_settings()))
    gateway = create_gateway(GatewaySettings(**safe_settings()), live=False)
    assert await statuses(service) == [404, 404, 404]
    assert await statuses(gateway) == [404, 404, 404]
    asked = Settings(service="safety", api_docs=True, **safe_settings())
    assert await statuses(create_app(SAFETY, asked)) == [200, 200, 200]
    assert await statuses(create_app(SAFETY, Settings(service="safety"))) == [200, 200, 200]  # development
    assert await statuses(create_gateway(GatewaySettings(), live=False)) == [200, 200, 200]
    off = GatewaySettings(api_docs=False)
    assert await statuses(create_gateway(off, live=False)) == [404, 404, 404]
