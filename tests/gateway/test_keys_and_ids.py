"""The gateway's calls to the services: every mutation carries an Idempotency-Key (its own if the
client sent none) and is sent once more after a dropped answer, so it is applied once; a client's
id travels as one encoded path segment, never reaching another route."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID, uuid4

import httpx

from tests.gateway.conftest import System


class Recording(httpx.AsyncBaseTransport):
    """Passes every call on to the service and records it; ``drop``: the answer to the first POST
    to that path is lost after the service handled it (the connection drops)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, drop: str | None = None) -> None:
        self.inner = inner
        self.drop = drop
        self.seen: list[tuple[str, bytes, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.raw_path, request.headers.get("idempotency-key")))
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path == self.drop:
            self.drop = None
            await response.aread()  # handled and committed: only the answer is lost
            raise httpx.ReadError("the connection dropped before the answer", request=request)
        return response


@contextmanager
def recorded(system: System, service: str, drop: str | None = None) -> Iterator[Recording]:
    original = system.transport.transports[service]
    recording = Recording(original, drop)
    system.transport.transports[service] = recording  # type: ignore[assignment]
    try:
        yield recording
    finally:
        system.transport.transports[service] = original  # type: ignore[assignment]


RECEIVE = """mutation($input: ReceiveStockInput!) { receiveStock(input: $input) {
  __typename ... on Accepted { streamId events eventIds duplicate } } }"""


async def received(system: System, item_id: str) -> int:
    return int(
        await system.services["inventory"].pool.fetchval(
            "SELECT count(*) FROM events WHERE type = 'inventory.StockReceived' AND data->>'item_id' = $1", item_id
        )
    )


async def test_a_receipt_whose_answer_was_lost_is_sent_again_with_its_key_and_received_once(system: System) -> None:
    item = f"chalk-{uuid4().hex[:6]}"
    registered = await system.services["inventory"].client.post(
        "/items",
        json={"item_id": item, "school_id": "xuexiao", "name": "粉笔", "unit": "盒", "category": "日常用品",
              "consumable": True, "unit_price_fen": 300, "reorder_point": 5},
        headers=system.tokens["manager-main"],
    )  # fmt: skip
    assert registered.status_code == 200, registered.text
    goods = {"campusId": "main", "itemId": item, "quantity": 12, "reason": "区里调拨"}
    with recorded(system, "inventory", drop="/stock/receipts") as calls:
        answer = (await system.gql(RECEIVE, input=goods))["data"]["receiveStock"]
    assert answer["__typename"] == "Accepted" and answer["events"] == ["inventory.StockReceived"], answer
    assert answer["duplicate"] is False  # the command of this very mutation, applied by its first delivery
    posts = [(path, key) for method, path, key in calls.seen if method == "POST"]
    assert len(posts) == 2 and posts[0] == posts[1] and posts[0][0] == b"/stock/receipts"
    key = posts[0][1]
    assert key is not None and UUID(key).version == 4  # the gateway's own key, the same both times
    assert await received(system, item) == 1
    stored = await system.services["inventory"].pool.fetchval(
        "SELECT array_agg(event_id::text) FROM events WHERE type = 'inventory.StockReceived' AND data->>'item_id' = $1",
        item,
    )
    assert stored == answer["eventIds"]

    # two mutations are two commands: each its own key, each received
    with recorded(system, "inventory") as calls:
        second = (await system.gql(RECEIVE, input=goods))["data"]["receiveStock"]
    assert second["__typename"] == "Accepted" and second["duplicate"] is False
    ((_, _, other_key),) = [c for c in calls.seen if c[0] == "POST"]
    assert other_key is not None and other_key != key
    assert await received(system, item) == 2


HAZARD = """query($id: ID!) { hazard(hazardId: $id) { hazardId } }"""
CAMPUS = """query($id: ID!) { campus(campusId: $id) { campusId name } }"""
ESCALATE = """mutation($id: ID!) { escalateHazard(hazardId: $id, input: {authority: "区教育局"}) { __typename
  ... on NotFound { message } ... on InvalidInput { errors { field reason } } ... on Accepted { streamId } } }"""


async def test_an_id_is_one_encoded_segment_and_never_reaches_another_route(system: System) -> None:
    safety_events = await system.services["safety"].pool.fetchval("SELECT count(*) FROM events")
    cases = {
        "../campuses/main": b"/hazards/..%2Fcampuses%2Fmain",
        "a?b=c": b"/hazards/a%3Fb%3Dc",
        "x/../../y": b"/hazards/x%2F..%2F..%2Fy",
        "..": b"/hazards/%2E%2E",
        "h#frag": b"/hazards/h%23frag",
    }
    for hazard_id, path in cases.items():
        with recorded(system, "safety") as calls:
            body = await system.gql(HAZARD, id=hazard_id)
        assert body["data"] == {"hazard": None} and "errors" not in body, (hazard_id, body)
        assert [(m, p) for m, p, _ in calls.seen] == [("GET", path)], hazard_id

        with recorded(system, "safety") as calls:
            body = await system.gql(ESCALATE, id=hazard_id)
        assert body["data"]["escalateHazard"]["__typename"] == "NotFound", (hazard_id, body)
        assert [(m, p) for m, p, _ in calls.seen] == [("POST", path + b"/escalate")], hazard_id

    # a campus id that would have been the parents' route: the directory answers no campus
    with recorded(system, "directory") as calls:
        body = await system.gql(CAMPUS, as_="admin", id="../parents/yao-mum")
    assert body["data"] == {"campus": None} and "errors" not in body, body
    assert [(m, p) for m, p, _ in calls.seen] == [("GET", b"/campuses/..%2Fparents%2Fyao-mum")]

    # an empty id names nothing: refused before any call
    with recorded(system, "safety") as calls:
        empty = await system.gql(HAZARD, id="")
        refused = (await system.gql(ESCALATE, id=""))["data"]["escalateHazard"]
    assert empty["data"] == {"hazard": None}
    assert empty["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "hazard_id"}
    assert refused == {
        "__typename": "InvalidInput",
        "errors": [{"field": "hazardId", "reason": "hazard_id must not be empty"}],
    }
    assert calls.seen == []
    assert await system.services["safety"].pool.fetchval("SELECT count(*) FROM events") == safety_events
