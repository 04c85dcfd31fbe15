"""Every input bounded, at the gateway: a body past its limit is a 413 before it is read, and a
mutation's input past a bound (a NUL character, a quantity no read model holds) is refused naming
the field; nothing reaches a service, nothing is appended."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.eventkit.bounds import INT4_MAX, MAX_QUANTITY
from tests.gateway.conftest import System

LIMIT = 256 * 1024

RECEIVE = """mutation($input: ReceiveStockInput!) { receiveStock(input: $input) {
    __typename ... on Accepted { version } ... on InvalidInput { errors { field reason } } } }"""


async def appended(system: System) -> int:
    return sum([int(await s.pool.fetchval("SELECT count(*) FROM events")) for s in system.services.values()])


def receipt(**fields: Any) -> dict[str, Any]:
    return {"campusId": "main", "itemId": "broom", "quantity": 5, "reason": "区里调拨"} | fields


async def chunks(body: bytes, read: list[int]) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        read.append(start)
        yield body[start : start + 64 * 1024]


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_past_the_gateways_limit_is_a_413_before_it_is_read(system: System, chunked: bool) -> None:
    assert system.settings.gateway_max_body_bytes == LIMIT
    before, calls = await appended(system), dict(system.transport.calls)
    body = json.dumps({"query": RECEIVE, "variables": {"input": receipt(reason="长" * LIMIT)}}).encode()
    headers = system.tokens["manager-main"] | {"content-type": "application/json"}
    read: list[int] = []
    content: Any = chunks(body * 4, read) if chunked else body
    response = await system.client.post("/graphql", content=content, headers=headers)
    assert response.status_code == 413
    assert response.json() == {
        "error": "payload_too_large",
        "reason": f"the request body is larger than {LIMIT} bytes",
        "limit": LIMIT,
    }
    if chunked:
        assert len(read) == 5  # reading stopped at the chunk that passed the limit
    assert dict(system.transport.calls) == calls and await appended(system) == before


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"reason": "区里\x00调拨"}, "reason", "must not contain a NUL character"),
        ({"itemId": "broom\x00"}, "itemId", "String should match pattern '^[a-z0-9][a-z0-9-]{1,62}$'"),
        ({"quantity": MAX_QUANTITY + 1}, "quantity", f"Input should be less than or equal to {MAX_QUANTITY}"),
    ],
)
async def test_a_mutation_input_past_a_bound_names_the_field(
    system: System, fields: dict[str, Any], field: str, reason: str
) -> None:
    before, calls = await appended(system), dict(system.transport.calls)
    answer = (await system.gql(RECEIVE, input=receipt(**fields)))["data"]["receiveStock"]
    assert answer == {"__typename": "InvalidInput", "errors": [{"field": field, "reason": reason}]}
    assert system.transport.calls["inventory"] == calls.get("inventory", 0)  # refused at the gateway
    assert await appended(system) == before


async def test_a_quantity_past_a_graphql_int_is_refused_by_the_schema(system: System) -> None:
    before = await appended(system)
    answer = await system.gql(RECEIVE, input=receipt(quantity=INT4_MAX + 1))
    assert answer.get("data") is None and "quantity" in answer["errors"][0]["message"]
    assert await appended(system) == before


async def test_a_receipt_within_the_bounds_is_accepted(system: System) -> None:
    item: dict[str, Any] = {
        "item_id": "mop",
        "school_id": "xuexiao",
        "name": "拖把",
        "unit": "把",
        "category": "日常用品",
    }
    item |= {"consumable": True, "unit_price_fen": INT4_MAX, "reorder_point": MAX_QUANTITY}
    inventory = system.services["inventory"].client
    catalogued = await inventory.post("/items", json=item, headers=system.tokens["manager-main"])
    assert catalogued.status_code == 200, catalogued.text
    before = await appended(system)
    answer = (await system.gql(RECEIVE, input=receipt(itemId="mop", quantity=MAX_QUANTITY)))["data"]["receiveStock"]
    assert answer["__typename"] == "Accepted"
    assert await appended(system) == before + 1
