"""The console's live tail: the stream sends what the operator's filters and scope let through,
from a point in time then live; a malformed "from" is refused naming the field; the envelope
page withholds an injury's details from an operator; and in a real browser a reported hazard
appears within a second, a filter hides it, another district's admin never sees it."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx

from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.redaction import WITHHELD
from tests.conftest import eventually
from tests.gateway.browser import browser, screenshot, served, sign_in, sign_in_with_token  # noqa: F401
from tests.gateway.conftest import System
from tests.gateway.test_cameras_comms import send
from tests.gateway.test_end_to_end import REPORT, hazard

ROW_ID = re.compile(r'id="ev-([0-9a-f-]{36})"')
STREAM = re.compile(r'<td class="mono">([^<]+) @\d+</td>')


def operator(system: System) -> dict[str, str]:
    principal = Principal(subject="op-tail", roles=frozenset([Role.OPERATOR]), districts=frozenset(["xinbei"]))
    return {"Authorization": f"Bearer {mint_token(system.settings, principal)}"}


class Stream:
    """A tail's server-sent events as they come: (event, data) in order."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def rows(self) -> list[str]:
        return [data for event, data in self.messages if event == "row"]

    def live(self) -> bool:
        return any(event == "status" and "live" in data for event, data in self.messages)

    def rows_before_live(self) -> list[str]:
        rows: list[str] = []
        for event, data in self.messages:
            if event == "status":
                return rows
            rows.append(data)
        raise AssertionError("not live yet")


@asynccontextmanager
async def tail(base: str, headers: dict[str, str], **params: str) -> AsyncIterator[Stream]:
    stream = Stream()

    async def read() -> None:
        async with (
            httpx.AsyncClient(base_url=base, timeout=None) as client,
            client.stream("GET", "/console/tail/stream", params=params, headers=headers) as response,
        ):
            assert response.status_code == 200, await response.aread()
            event, data = "message", []
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "":
                    if data:
                        stream.messages.append((event, "\n".join(data)))
                    event, data = "message", []

    task = asyncio.create_task(read())
    try:
        await eventually(lambda: _live(stream, task), timeout=60)
        yield stream
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass


async def _live(stream: Stream, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # its error, if any
    return stream.live()


async def report(system: System) -> str:
    hid = f"tail-{uuid4().hex[:8]}"
    answer = await system.gql(REPORT, as_="guard-main", input=hazard(hid))
    assert answer["data"]["reportHazard"]["__typename"] == "Accepted", answer
    return hid


async def test_a_malformed_from_or_a_too_long_filter_is_refused(system: System, served: str) -> None:  # noqa: F811
    headers = operator(system)
    async with httpx.AsyncClient(base_url=served) as client:
        bad = await client.get("/console/tail/stream", params={"from": "yesterday"}, headers=headers)
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "from"
        page = await client.get("/console/tail", params={"from": "2024-13-45"}, headers=headers)
        assert page.status_code == 422 and 'id="tail-error"' in page.text and "from:" in page.text
        long = await client.get("/console/tail/stream", params={"type": "x" * 201}, headers=headers)
        assert long.status_code == 422 and "type" in long.text
        teacher = await client.get("/console/tail/stream", headers=system.tokens["teacher-g6"])
        assert teacher.status_code == 403
        missing = await client.get(f"/console/events/{uuid4()}", headers=headers)
        assert missing.status_code == 404 and "Not among the recent events" in missing.text


async def test_the_stream_filters_keeps_to_the_scope_and_replays_from_a_time(system: System, served: str) -> None:  # noqa: F811
    start = datetime.now(UTC) - timedelta(seconds=5)
    async with (
        tail(served, operator(system), type="safety.HazardReported") as hazards,
        tail(served, operator(system), type="safety.NoSuchEvent") as none,
    ):
        hid = await report(system)
        row = await eventually(lambda: _row_with(hazards, hid), timeout=30)
        assert "safety.HazardReported" in row and "/console/events/" in row and "follow" in row
        assert not any(hid in r for r in none.rows())
        found = STREAM.search(row)
        assert found is not None
        stream_id = found.group(1)
    # from a time: the history first (up to the end at the start), then "live"
    async with tail(served, operator(system), **{"from": start.isoformat(), "stream": stream_id}) as replay:
        history = replay.rows_before_live()
        assert history and all(hid in r for r in history)
        assert "safety.HazardReported" in history[0]
    async with tail(served, system.tokens["other-admin"], **{"from": start.isoformat()}) as other:
        assert not any(hid in r for r in other.rows_before_live())  # another district's
    async with tail(served, system.tokens["admin"], **{"from": start.isoformat(), "stream": stream_id}) as admin:
        assert admin.rows_before_live()


async def _row_with(stream: Stream, text: str) -> str | None:
    return next((r for r in stream.rows() if text in r), None)


async def test_the_envelope_page_withholds_an_injury_s_details_from_an_operator(system: System, served: str) -> None:  # noqa: F811
    start = datetime.now(UTC) - timedelta(seconds=5)
    injury = f"inj-{uuid4().hex[:8]}"
    fields = {"injuryId": injury, "studentId": "lin", "setting": "BREAK", "at": "2020-10-19T09:40:00+08:00",
              "injury": "课间追逐撞到门框", "firstAid": "医务室处理"}  # fmt: skip
    await send(system, "reportInjury", "teacher-g6", fields=fields)

    async def replayed() -> str | None:
        async with tail(served, operator(system), type="safety.InjuryReported", **{"from": start.isoformat()}) as s:
            return next((r for r in s.rows_before_live() if injury in r), None)

    row = await eventually(replayed, timeout=30)
    match = ROW_ID.search(row)
    assert match is not None
    event_id = match.group(1)
    async with httpx.AsyncClient(base_url=served) as client:
        page = await client.get(f"/console/events/{event_id}", headers=operator(system))
        assert page.status_code == 200 and WITHHELD in page.text and "撞到门框" not in page.text
        assert "safety.InjuryReported" in page.text and injury in page.text
        admin = await client.get(f"/console/events/{event_id}", headers=system.tokens["admin"])
        assert admin.status_code == 200 and "撞到门框" in admin.text  # a district admin reads injuries
        other = await client.get(f"/console/events/{event_id}", headers=system.tokens["other-admin"])
        assert other.status_code == 404  # not in their scope: as if unknown


async def test_in_a_browser_a_hazard_appears_a_filter_hides_it_and_a_health_field_is_withheld(
    system: System,
    served: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    start = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S")
    page = await sign_in(browser, served, "operator")
    await page.goto("/console/tail")
    await page.wait_for_selector("#tail-state.ok", timeout=30_000)
    hid = await report(system)
    reported = time.monotonic()
    await page.wait_for_selector(f"#tail-rows tr:has-text('{hid}')", timeout=5_000)
    assert time.monotonic() - reported < 1.0
    await screenshot(page, "tail")

    # pause: no new row; resume: rows again
    await page.click("#tail-pause")
    paused = await report(system)
    await page.click("#tail-resume")
    await page.wait_for_selector("#tail-state.ok", timeout=30_000)
    after = await report(system)
    await page.wait_for_selector(f"#tail-rows tr:has-text('{after}')", timeout=10_000)
    assert await page.locator(f"#tail-rows tr:has-text('{paused}')").count() == 0

    # a filter hides it (the history from the start, then live)
    await page.goto(f"/console/tail?type=safety.HazardClosed&from={start}")
    await page.wait_for_selector("#tail-state.ok", timeout=30_000)
    assert await page.locator(f"#tail-rows tr:has-text('{hid}')").count() == 0
    await page.goto(f"/console/tail?type=safety.HazardReported&from={start}")
    await page.wait_for_selector(f"#tail-rows tr:has-text('{hid}')", timeout=30_000)

    # an injury's details are withheld on the envelope page
    injury = f"inj-{uuid4().hex[:8]}"
    await page.goto("/console/tail?type=safety.InjuryReported")
    await page.wait_for_selector("#tail-state.ok", timeout=30_000)
    fields = {"injuryId": injury, "studentId": "lin", "setting": "BREAK", "at": "2020-10-19T09:40:00+08:00",
              "injury": "体育课扭伤脚踝", "firstAid": "冰敷"}  # fmt: skip
    await send(system, "reportInjury", "teacher-g6", fields=fields)
    await page.click(f"#tail-rows tr:has-text('{injury}') a.type", timeout=10_000)
    await page.wait_for_selector("#payload", timeout=10_000)
    payload = await page.inner_text("#payload")
    assert WITHHELD in payload and "扭伤" not in payload
    await page.context.close()

    # an operator, and an admin, of another district see none of xinbei's events
    operator = Principal(subject="ops-wujin", roles=frozenset([Role.OPERATOR]), districts=frozenset(["wujin"]))
    for token in (mint_token(system.settings, operator), system.tokens["other-admin"]["Authorization"][7:]):
        elsewhere = await sign_in_with_token(browser, served, token)
        await elsewhere.goto(f"/console/tail?from={start}")
        await elsewhere.wait_for_selector("#tail-state.ok", timeout=30_000)
        await page_has_no(elsewhere, hid, injury)
        await elsewhere.context.close()


async def page_has_no(page: Any, *texts: str) -> None:
    for text in texts:
        assert await page.locator(f"#tail-rows tr:has-text('{text}')").count() == 0
