"""The demo's signing when a campaign was issued before the safety service knew every parent."""

from __future__ import annotations

import json

import httpx
import pytest

from demo.loader import DemoLoader
from services.eventkit.settings import Settings

# A parent the issue missed is outside the campus and no party yet: the campaign does not exist
# to them (404); a member of staff of the campus is told they have no agreement.
MISSED = [
    (404, {"error": "not_found", "reason": "agreement campaign aoyuan-2020-2021-1 does not exist"}),
    (403, {"error": "forbidden", "reason": "ma-dad has no agreement in campaign c"}),
]


@pytest.mark.parametrize(("status", "refusal"), MISSED)
async def test_a_party_the_issue_missed_gets_the_campaign_issued_again_then_signs(
    status: int, refusal: dict[str, str]
) -> None:
    sent: list[tuple[str, str]] = []
    issued_to_ma = False

    def safety(request: httpx.Request) -> httpx.Response:
        nonlocal issued_to_ma
        sent.append((request.url.path, json.loads(request.content or b"{}").get("party_id", "")))
        if request.url.path.endswith("/issue"):
            issued_to_ma = True  # by now the mirror knows ma-dad
            return httpx.Response(200, json={"stream_id": "x", "version": 3, "events": [], "event_ids": []})
        if not issued_to_ma:
            return httpx.Response(status, json=refusal)
        return httpx.Response(200, json={"stream_id": "x", "version": 4, "events": [], "event_ids": []})

    client = httpx.AsyncClient(transport=httpx.MockTransport(safety), base_url="http://safety")
    loader = DemoLoader({"safety": client}, Settings(service="safety"))
    await loader.sign("aoyuan-2020-2021-1", "ma-dad", "shen", "2020-09-04T17:10:00+08:00")
    assert sent == [
        ("/agreement-campaigns/aoyuan-2020-2021-1/sign", "ma-dad"),
        ("/agreement-campaigns/aoyuan-2020-2021-1/issue", ""),
        ("/agreement-campaigns/aoyuan-2020-2021-1/sign", "ma-dad"),
    ]
    assert loader.done == 2
    await client.aclose()


async def test_a_refusal_other_than_a_missed_issue_is_raised_at_once() -> None:
    sent: list[str] = []

    def safety(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(422, json={"error": "invalid_input", "field": "at", "reason": "before the campaign"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(safety), base_url="http://safety")
    loader = DemoLoader({"safety": client}, Settings(service="safety"))
    with pytest.raises(RuntimeError, match="422"):
        await loader.sign("aoyuan-2020-2021-1", "ma-dad", "shen", "2020-09-04T17:10:00+08:00")
    assert sent == ["/agreement-campaigns/aoyuan-2020-2021-1/sign"]
    await client.aclose()
