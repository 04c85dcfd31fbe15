"""The gateway's clients over real sockets (the other gateway tests route calls in process)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.clients import Caller, ServiceClients, ServiceError, ServiceUnavailable, service_path
from gateway.settings import GatewaySettings
from tests.conftest import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "params": dict(request.query_params),
            "authorization": request.headers.get("authorization"),
            "correlation_id": request.headers.get("x-correlation-id"),
            "body": (await request.json()) if request.method == "POST" else None,
        }
    )


async def refuse(_: Request) -> JSONResponse:
    return JSONResponse({"error": "forbidden", "reason": "not your campus"}, status_code=403)


async def fail(_: Request) -> Response:
    return Response("boom", status_code=500)


async def slow(_: Request) -> JSONResponse:
    await asyncio.sleep(3)
    return JSONResponse({})


SERVICE = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/echo/{rest:path}", echo),
        Route("/refuse", refuse),
        Route("/fail", fail),
        Route("/slow", slow),
    ]
)


@pytest_asyncio.fixture
async def service_port() -> AsyncIterator[int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(SERVICE, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: asyncio.sleep(0, server.started), timeout=10)
    yield port
    server.should_exit = True
    await asyncio.wait_for(serving, 10)


async def test_calls_over_the_network_forward_the_caller_and_map_every_failure(service_port: int) -> None:
    settings = GatewaySettings(
        safety_url=f"http://127.0.0.1:{service_port}",
        directory_url=f"http://127.0.0.1:{free_port()}",  # nobody listens there
        service_timeout_s=0.5,
    )
    clients = ServiceClients(settings)
    caller = Caller(clients, "Bearer token-1", "corr-1")
    try:
        got = await caller.get("safety", "/echo", campus_id="main", limit=100, after=None)
        assert got == {
            "path": "/echo",
            "raw_path": "/echo",
            "query": "campus_id=main&limit=100",
            "params": {"campus_id": "main", "limit": "100"},  # None is left out
            "authorization": "Bearer token-1",
            "correlation_id": "corr-1",
            "body": None,
        }
        flags = await caller.get("safety", "/echo", open_only=True, closed=False, ids=["a b", "c/d"], name="食堂&1")
        assert flags["query"] == "open_only=true&closed=false&ids=a%20b&ids=c%2Fd&name=%E9%A3%9F%E5%A0%82%261"
        # an id's encoded dots stay encoded on the wire: no ``..`` for the service to resolve
        dots = await caller.get("safety", service_path("/echo/{id}", id=".."))
        assert dots["raw_path"] == "/echo/%2E%2E"
        posted = await caller.request("safety", "POST", "/echo", json={"a": [1, "二"]})
        assert posted["body"] == {"a": [1, "二"]}
        for _ in range(20):  # kept-alive connections go on answering
            assert (await caller.get("safety", "/echo"))["path"] == "/echo"

        with pytest.raises(ServiceError) as refused:
            await caller.get("safety", "/refuse")
        assert refused.value.status == 403 and refused.value.body["reason"] == "not your campus"
        with pytest.raises(ServiceUnavailable, match="answered 500"):
            await caller.get("safety", "/fail")
        with pytest.raises(ServiceUnavailable, match="timed out"):
            await caller.get("safety", "/slow")
        with pytest.raises(ServiceUnavailable, match="directory"):
            await caller.get("directory", "/campuses")
        assert caller.calls == {"safety": 27, "directory": 1}
    finally:
        await clients.aclose()
