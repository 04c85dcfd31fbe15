"""The demo's signing when a campaign was issued before the safety service knew every parent."""

from __future__ import annotations

import json

import httpx

from demo.loader import DemoLoader
from services.eventkit.settings import Settings


async def test_a_party_the_issue_missed_gets_the_campaign_issued_again_then_signs() -> None:
    sent: list[tuple[str, str]] = []
    issued_to_ma = False

    def safety(request: httpx.Request) -> httpx.Response:
        nonlocal issued_to_ma
        sent.append((request.url.path, json.loads(request.content or b"{}").get("party_id", "")))
        if request.url.path.endswith("/issue"):
            issued_to_ma = True  # by now the mirror knows ma-dad
            return httpx.Response(200, json={"stream_id": "x", "version": 3, "events": [], "event_ids": []})
        if not issued_to_ma:
            return httpx.Response(403, json={"error": "forbidden", "reason": "ma-dad has no agreement in campaign c"})
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
