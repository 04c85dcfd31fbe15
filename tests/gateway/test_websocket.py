"""The live stream over a real websocket, speaking graphql-transport-ws, to a served gateway."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any
from uuid import uuid4

import uvicorn
import websockets
from websockets.typing import Subprotocol

from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_end_to_end import REPORT, hazard


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_operator_receives_events_over_graphql_transport_ws(system: System) -> None:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(system.gateway, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: asyncio.sleep(0, server.started), timeout=10)
    received: list[dict[str, Any]] = []
    try:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": system.tokens["manager-both"]}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {
                            "query": 'subscription { events(types: ["safety.HazardReported"]) { streamId campusId } }'
                        },
                    }
                )
            )
            await asyncio.sleep(0.5)
            hid = f"ws-{uuid4().hex[:6]}"
            result = (await system.gql(REPORT, input=hazard(hid, "aoyuan"), as_="manager-aoyuan"))["data"]
            assert result["reportHazard"]["__typename"] == "Accepted"

            async def next_message() -> None:
                while not any(m["streamId"] == f"hazard-{hid}" for m in received):
                    message = json.loads(await ws.recv())
                    assert message["type"] == "next", message
                    received.append(message["payload"]["data"]["events"])

            await asyncio.wait_for(next_message(), 30)
            await ws.send(json.dumps({"id": "1", "type": "complete"}))
        assert {"streamId": f"hazard-{hid}", "campusId": "aoyuan"} in received
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)


async def test_a_subscription_without_an_operator_role_is_refused(system: System) -> None:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(system.gateway, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: asyncio.sleep(0, server.started), timeout=10)
    try:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": system.tokens["teacher-g6"]}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { events { type } }"}})
            )
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert message["type"] == "error" or (message["type"] == "next" and message["payload"].get("errors"))
            assert "needs one of the roles" in json.dumps(message)
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
