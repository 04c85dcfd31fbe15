"""The console's lag page: every service of the registry with a status colour, outbox and
consumer figures from each service's ``/ops/lag`` (which now tells the oldest pending event's age
and each consumer's last error), a service that does not answer shown as down, the watch's
thresholds and its bounded ring buffer; and the page in a real browser."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from gateway.console.lag import LagWatch
from services import registry
from services.eventkit.auth import Role
from tests.conftest import eventually, token_for
from tests.gateway.browser import browser, screenshot, served, sign_in  # noqa: F401


def _console(system: Any, as_: str = "platform") -> httpx.AsyncClient:
    headers = system.tokens[as_]
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=system.gateway), base_url="http://gateway", headers=headers
    )


async def test_a_service_tells_its_oldest_pending_event_and_each_consumer_s_last_error(system: Any) -> None:
    safety = system.services["safety"]

    async def with_a_projection() -> dict[str, Any] | None:
        # a projection is listed once it has applied an event (the school's enrolments open health files)
        lag: dict[str, Any] = (await safety.client.get("/ops/lag", headers=system.tokens["platform"])).json()
        return lag if lag["projections"] else None

    body = await eventually(with_a_projection, timeout=30)
    assert body["outbox_oldest_s"] is None or body["outbox_oldest_s"] >= 0
    assert body["consumer_groups"] and all(g["handled"] >= 0 for g in body["consumer_groups"])
    projection = body["projections"][0]
    group = next(g for g in body["consumer_groups"] if projection["name"] in g["handlers"])
    runner = next(r for r in safety.runtime.runners if r.group_id == group["group"])
    label = runner.label(next(h for h in runner.handlers if h.name == projection["name"]))
    await safety.pool.execute(
        'INSERT INTO dead_letters (consumer, topic, partition, "offset", event_id, reason, district_id) '
        "VALUES ($1, $2, 0, 0, $3, $4, 'xinbei')",
        label, "t", uuid4(), "x" * 400 + " cannot apply",
    )  # fmt: skip
    for who in (system.tokens["platform"], token_for(safety.settings, "ops-xb", Role.OPERATOR, districts=["xinbei"])):
        after = (await safety.client.get("/ops/lag", headers=who)).json()
        shown = next(p for p in after["projections"] if p["name"] == projection["name"])
        assert shown["last_error"] == "x" * 300 and shown["group"] == group["group"]
        assert next(g for g in after["consumer_groups"] if g["group"] == group["group"])["last_error"] == "x" * 300
    # an error quotes its event: another district's operator does not read it
    theirs = token_for(safety.settings, "ops-dc", Role.OPERATOR, districts=["dongcheng"])
    elsewhere = (await safety.client.get("/ops/lag", headers=theirs)).json()
    assert next(p for p in elsewhere["projections"] if p["name"] == projection["name"])["last_error"] is None
    await safety.pool.execute("DELETE FROM dead_letters WHERE consumer = $1", label)


async def test_the_page_shows_every_service_and_one_that_does_not_answer_is_down(system: Any) -> None:
    async with _console(system) as console:
        page = await console.get("/console/lag")
        assert page.status_code == 200 and 'hx-get="/console/lag/table"' in page.text and "<svg" in page.text
        for service in registry.NAMES:
            assert f'id="service-{service}"' in page.text
        assert "https://" not in page.text  # no CDN
        system.transport.down.add("canteen")
        try:
            table = await console.get("/console/lag/table", headers={"HX-Request": "true"})
            assert table.status_code == 200 and "<html" not in table.text
            row = table.text.split('id="service-canteen"')[1].split("</tr>")[0]
            assert row.lstrip().startswith('data-status="down"')
            assert "does not answer" in row
        finally:
            system.transport.down.discard("canteen")
        admin = await console.get("/console/lag", headers=system.tokens["admin"])
        assert admin.status_code == 200 and "no-access" in admin.text  # a district admin watches, runs no servers


async def test_without_a_token_the_fragment_asks_for_a_sign_in(system: Any) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=system.gateway), base_url="http://g") as anon:
        answer = await anon.get("/console/lag/table", headers={"HX-Request": "true"})
        assert answer.status_code == 401 and answer.headers["hx-redirect"] == "/console/sign-in"


def test_behind_then_stuck_and_the_ring_buffer_is_bounded() -> None:
    watch = LagWatch(behind_after_s=10, stuck_after_s=60, sample_every_s=5, keep_s=60)
    assert watch.status("g", 0, 1, now=0) == ("healthy", None)
    assert watch.status("g", 5, 1, now=1)[0] == "healthy"  # a burst, being worked off
    assert watch.status("g", 5, 2, now=12)[0] == "behind"  # waiting 11 s, still moving
    assert watch.status("g", 5, 2, now=71)[0] == "behind"  # no progress for 59 s
    assert watch.status("g", 5, 2, now=73) == ("stuck", 72)
    assert watch.status("g", 4, 3, now=74)[0] == "behind"  # it moved again
    assert watch.status("g", 0, 3, now=75) == ("healthy", None)
    for t in range(0, 1000):
        watch.sample(float(t), {"safety": t})
    assert len(watch.samples) == 13 and watch.samples[-1][0] == 995.0


async def test_the_page_in_a_browser_shows_every_service_with_a_colour(served: str, browser: Any, system: Any) -> None:  # noqa: F811
    context = await browser.new_context(base_url=served, viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = await context.new_page()
    await page.goto("/console/sign-in")
    token = system.tokens["platform"]["Authorization"].removeprefix("Bearer ")
    await page.fill("textarea[name=token]", token)
    await page.click("form button[type=submit], form input[type=submit]")
    await page.wait_for_url("**/console/**")
    await page.goto("/console/lag")
    await page.wait_for_selector("#lag-table", timeout=10_000)
    for service in registry.NAMES:
        badge = page.locator(f"#service-{service} td:nth-child(2) .lag-status")
        await badge.wait_for(timeout=10_000)
        colour = await badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour in ("rgb(46, 125, 50)", "rgb(239, 108, 0)", "rgb(198, 40, 40)"), (service, colour)

    async def polled() -> bool:  # the fragment is fetched again: the chart gets a second sample
        return bool(await page.locator("#lag-chart polyline").count())

    await eventually(polled, timeout=20)
    await screenshot(page, "lag")
    await context.close()
