"""Every input bounded, on the running inventory service: a body past the limit is a 413 before it
is read (for a command the lane serves, and for the same command through the framework), a NUL
character or a number its read models cannot hold is a 422 naming the field; nothing is appended."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY

from services.eventkit.app import create_app
from services.eventkit.bounds import INT4_MAX, MAX_QUANTITY
from services.eventkit.runtime import Mode
from services.inventory.service import INVENTORY
from tests.school import SchoolWorld

LIMIT = 256 * 1024
CHUNK = 64 * 1024


def lane(outcome: str) -> float:
    return REGISTRY.get_sample_value("houqin_command_lane_requests_total", {"outcome": outcome}) or 0.0


@pytest_asyncio.fixture(loop_scope="session")
async def framework(world: SchoolWorld) -> AsyncIterator[httpx.AsyncClient]:
    """The same service with the lane off (every command through the framework), on the same database."""
    settings = world.service.settings.model_copy(update={"command_lane": False})
    app = create_app(INVENTORY, settings, mode=Mode.API)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://service") as c:
        yield c


def receipt(**fields: Any) -> dict[str, Any]:
    return {"campus_id": "main", "item_id": "broom", "quantity": 5, "reason": "区里调拨"} | fields


def oversized() -> bytes:
    """A receipt whose JSON is larger than the limit (a reason far past any bound)."""
    return json.dumps(receipt(reason="长" * LIMIT)).encode()


class Chunks:
    """A body sent in 64 KiB chunks without a Content-Length, counting the chunks read."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), CHUNK):
            self.read += 1
            yield self.body[start : start + CHUNK]


def headers(world: SchoolWorld, **more: str) -> dict[str, str]:
    return world.tokens["manager-main"] | {"content-type": "application/json"} | more


@pytest.mark.parametrize("through", ["lane", "framework"])
async def test_a_body_past_the_limit_is_a_413_before_it_is_read(
    world: SchoolWorld, framework: httpx.AsyncClient, through: str
) -> None:
    client = world.client if through == "lane" else framework
    fine = await client.post("/stock/receipts", json=receipt(), headers=world.tokens["manager-main"])
    assert fine.status_code == 200, fine.text
    before, served, handed = await world.events(), lane("served"), lane("framework")

    declared = await client.post("/stock/receipts", content=oversized(), headers=headers(world))
    assert declared.status_code == 413
    assert declared.json() == {
        "error": "payload_too_large",
        "reason": f"the request body is larger than {LIMIT} bytes",
        "limit": LIMIT,
    }

    body = Chunks(oversized() * 4)  # about 3 MiB, without a Content-Length
    chunked = await client.post("/stock/receipts", content=body, headers=headers(world))
    assert chunked.status_code == 413 and chunked.json()["limit"] == LIMIT
    assert body.read == LIMIT // CHUNK + 1  # reading stopped at the chunk that passed the limit

    assert await world.events() == before
    assert (lane("served"), lane("framework")) == (served, handed)  # neither the lane nor the framework saw them


async def test_the_lane_serves_a_chunked_body_within_the_limit(world: SchoolWorld) -> None:
    served, before = lane("served"), await world.events()
    body = Chunks(json.dumps(receipt()).encode() + b" " * (3 * CHUNK))  # 4 chunks, within the limit
    response = await world.client.post("/stock/receipts", content=body, headers=headers(world))
    assert response.status_code == 200, response.text
    assert body.read == 4 and lane("served") == served + 1
    assert await world.events() == before + 1


@pytest.mark.parametrize("through", ["lane", "framework"])
async def test_a_nul_character_is_a_422_naming_the_field(
    world: SchoolWorld, framework: httpx.AsyncClient, through: str
) -> None:
    client = world.client if through == "lane" else framework
    before = await world.events()
    response = await client.post(
        "/stock/receipts", json=receipt(reason="区里\x00调拨"), headers=world.tokens["manager-main"]
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "validation_error",
        "detail": [{"field": "reason", "reason": "must not contain a NUL character"}],
    }
    item: dict[str, Any] = {"item_id": f"i-{uuid4().hex[:8]}", "school_id": "xuexiao", "name": "扫帚", "unit": "把\x00"}
    item |= {"category": "日常用品", "consumable": True, "unit_price_fen": 100, "reorder_point": 0}
    refused = await client.post("/items", json=item, headers=world.tokens["manager-main"])
    assert refused.status_code == 422 and [d["field"] for d in refused.json()["detail"]] == ["unit"]
    assert await world.events() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/stock/receipts", receipt(quantity=INT4_MAX + 1), "quantity"),
        ("/stock/receipts", receipt(quantity=MAX_QUANTITY + 1), "quantity"),
        ("/stock/receipts", receipt(quantity=2**63), "quantity"),
        (
            "/items",
            {
                "item_id": "gold",
                "school_id": "xuexiao",
                "name": "金条",
                "unit": "根",
                "category": "日常用品",
                "consumable": False,
                "unit_price_fen": INT4_MAX + 1,  # items.unit_price_fen is an integer column
                "reorder_point": 0,
            },
            "unit_price_fen",
        ),
        (
            "/requisitions",
            {
                "requisition_id": "r-overflow",
                "campus_id": "main",
                "department_id": "office",
                "recipient_kind": "person",
                "recipient_id": "huang",
                "term_id": "2020-2021-1",
                "lines": [{"item_id": "pen", "quantity": 2**40}],
            },
            "lines.0.quantity",
        ),
        (
            "/purchases",
            {
                "purchase_id": "p-overflow",
                "campus_id": "main",
                "category": "everyday",
                "lines": [{"description": "投影仪", "quantity": 1, "estimated_unit_price_fen": 2**53}],
                "reason": "多媒体教室",
            },
            "lines.0.estimated_unit_price_fen",
        ),
    ],
)
async def test_a_number_its_read_models_cannot_hold_is_a_422_naming_the_field(
    world: SchoolWorld, path: str, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post(path, body)
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["detail"]]
    assert await world.events() == before
