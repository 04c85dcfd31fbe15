"""The console's dead letters in a real browser, on the whole system (real PostgreSQL and Kafka).

A hazard's escalation cannot be applied by the safety service's projection (a trigger on its
table refuses it, the fault of ``tests/eventkit/test_dead_letter_ops.py``): it is dead-lettered
and counted on the page. The operator inspects it; the fault is mended; the replay of all asks
for confirmation stating how many, then applies it once and the count falls to zero; the act is
in the history with who and why. A district admin sees the page read-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from playwright.async_api import expect

from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.envelope import TenantPath, new_envelope
from services.eventkit.store import EventStore
from services.safety.events import HazardEscalated
from tests.conftest import eventually, token_for
from tests.eventkit.test_dead_letter_ops import status, trap, untrap
from tests.gateway.browser import browser, screenshot, served, sign_in, sign_in_with_token  # noqa: F401
from tests.safety.test_hazards_api import hazard, uid

WAIT = 15_000


async def dead_lettered_escalation(system: Any) -> tuple[str, UUID, str]:
    safety = system.services["safety"]
    hazard_id = uid("console-dlq")
    reported = await safety.client.post("/hazards", json=hazard(hazard_id), headers=system.tokens["guard-main"])
    assert reported.status_code == 200, reported.text
    trigger = await trap(safety.pool, hazard_id)
    stream = f"hazard-{hazard_id}"
    first = await safety.pool.fetchrow(
        "SELECT district_id, school_id, campus_id FROM events WHERE stream_id = $1 AND version = 1", stream
    )
    escalated = new_envelope(
        HazardEscalated(hazard_id=hazard_id, authority="区教育局", escalated_by="zhou", escalated_at=datetime.now(UTC)),
        stream_id=stream,
        version=2,
        tenant=TenantPath(**dict(first)),
    )
    await EventStore(safety.pool).append(stream, 1, [escalated])

    async def dead() -> bool:
        return bool(
            await safety.pool.fetchval("SELECT count(*) FROM dead_letters WHERE event_id = $1", escalated.event_id)
        )

    await eventually(dead)
    return hazard_id, escalated.event_id, trigger


async def test_a_dead_letter_is_counted_inspected_and_replayed_once_after_confirmation(
    system: Any,
    served: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    safety = system.services["safety"]
    pool: asyncpg.Pool = safety.pool
    consumer = f"{safety.settings.group_of('projections')}/inspection_status"
    started = datetime.now(UTC) - timedelta(seconds=5)
    hazard_id, event_id, trigger = await dead_lettered_escalation(system)

    page = await sign_in(browser, served, "operator")
    # the front page's header counts it, per consumer in its title
    await page.goto("/console/tail")
    badge = page.locator("#dlq-waiting")
    await expect(badge).to_have_class(re.compile("stuck"), timeout=WAIT)
    assert f"safety · {consumer}: 1" in (await badge.get_attribute("title") or "")
    await page.goto("/console/dead-letters?service=safety")
    row = page.locator(f'tr.count[data-service="safety"][data-consumer="{consumer}"]')
    await expect(row.locator("td.open")).to_have_text("1", timeout=WAIT)
    letter = page.locator(f'tr.letter[data-event="{event_id}"]')
    await expect(letter).to_contain_text("safety.HazardEscalated")
    await expect(letter).to_contain_text(f"hazard-{hazard_id}")
    await expect(letter).to_contain_text("escalation register is closed")
    await screenshot(page, "dead-letters")

    # inspect: the envelope and its payload
    await letter.locator("a").click()
    await expect(page.locator("#payload")).to_contain_text(hazard_id, timeout=WAIT)
    await expect(page.locator("#envelope")).to_contain_text("safety.HazardEscalated")
    await expect(page.locator("form.act-replay")).to_be_visible()

    # the cause mended; replay all: a confirmation that states how many, then the replay
    await untrap(pool, trigger)
    await page.goto("/console/dead-letters?service=safety")
    await row.locator("a.replay-all").click()
    await expect(page.locator("#confirm-count")).to_contain_text("replays 1 dead letter", timeout=WAIT)
    await page.fill("#replay-all input[name=reason]", "the escalation register is open again")
    await page.click("#confirm")
    await expect(page.locator("#done")).to_contain_text("replayed 1 dead letter", timeout=WAIT)
    await expect(row.locator("td.open")).to_have_text("0")
    await expect(page.locator("#dlq-waiting")).to_have_text("0 waiting", timeout=WAIT)
    await expect(letter.locator(".badge")).to_have_text("replayed")
    history = page.locator("#history tr.act").first
    await expect(history).to_contain_text("demo-operator")
    await expect(history).to_contain_text("event.retry")
    await expect(history).to_contain_text("the escalation register is open again")
    # the act is an event of the safety service, in the tail with who did it and the stream of the acts
    await page.goto(f"/console/tail?type=operations.EventReplayed&from={started:%Y-%m-%dT%H:%M:%S}")
    act_row = page.locator(f"#tail-rows tr:has-text('operations-event-{event_id}')")
    await expect(act_row).to_contain_text("demo-operator", timeout=WAIT)

    # applied once: the hazard is escalated, and a replay of it again applies nothing
    assert await status(pool, hazard_id) == "escalated"
    ops = token_for(safety.settings, "ops-duty", Role.OPERATOR, districts=["xinbei"])
    act = {"consumer": consumer, "event_id": str(event_id), "reason": "once more"}
    again = await safety.client.post("/ops/events/retry", json=act, headers=ops)
    assert again.status_code == 200 and again.json()["retried"]["applied"] == 0
    await page.context.close()


async def test_a_watcher_sees_the_dead_letters_read_only(system: Any, served: str, browser: Any) -> None:  # noqa: F811
    page = await sign_in(browser, served, "district-admin")
    await page.goto("/console/dead-letters")
    await expect(page.locator("#read-only")).to_be_visible(timeout=WAIT)
    await expect(page.locator("#counts")).to_contain_text("does not cover")
    await expect(page.locator("a.replay-all")).to_have_count(0)
    refused = await page.request.post(
        f"{served}/console/dead-letters/safety/act",
        form={"act": "replay", "consumer": "x", "event_id": "00000000-0000-0000-0000-000000000001", "reason": "r"},
    )
    assert refused.status == 403 and re.search("does not act", await refused.text())
    unknown = await page.request.get(f"{served}/console/dead-letters/nowhere/1")
    assert unknown.status == 404
    await page.context.close()


async def test_an_operator_of_another_district_sees_and_settles_none_of_its_dead_letters(
    system: Any,
    served: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    safety = system.services["safety"]
    pool: asyncpg.Pool = safety.pool
    consumer = f"{safety.settings.group_of('projections')}/inspection_status"
    hazard_id, event_id, trigger = await dead_lettered_escalation(system)
    dead_id = await pool.fetchval("SELECT max(id) FROM dead_letters WHERE event_id = $1", event_id)
    elsewhere = Principal(subject="ops-dongcheng", roles=frozenset([Role.OPERATOR]), districts=frozenset(["dongcheng"]))
    try:
        page = await sign_in_with_token(browser, served, mint_token(system.settings, elsewhere))
        await page.goto("/console/dead-letters?service=safety")
        await expect(page.locator("#scope")).to_contain_text("dongcheng", timeout=WAIT)
        await expect(page.locator("#letters")).to_be_visible()
        assert await page.locator(f'tr.letter[data-event="{event_id}"]').count() == 0
        count = page.locator(f'tr.count[data-service="safety"][data-consumer="{consumer}"] td.open')
        assert await count.count() == 0 or await count.inner_text() == "0"
        inspected = await page.request.get(f"{served}/console/dead-letters/safety/{dead_id}")
        assert inspected.status == 403 and hazard_id not in await inspected.text()
        act = {"act": "replay", "consumer": consumer, "event_id": str(event_id), "reason": "not mine"}
        replayed = await page.request.post(f"{served}/console/dead-letters/safety/act", form=act)
        assert "refused" in await replayed.text() and "ops-dongcheng operates on no event" in await replayed.text()
        assert (await page.request.get(f"{served}/console/events/{event_id}")).status == 404
        await page.context.close()
        assert await status(pool, hazard_id) == "reported"
        assert not await pool.fetchval("SELECT count(*) FROM operations_audit WHERE actor = 'ops-dongcheng'")

        # the district's own operator sees it, where it belongs
        ours = await sign_in(browser, served, "operator")
        await ours.goto("/console/dead-letters?service=safety")
        letter = ours.locator(f'tr.letter[data-event="{event_id}"]')
        await expect(letter.locator("td.where")).to_have_text("main", timeout=WAIT)
        # and opens the event itself, which no tail has shown, from the safety service's store
        await ours.goto(f"/console/events/{event_id}")
        await expect(ours.locator("#envelope")).to_contain_text("safety.HazardEscalated", timeout=WAIT)
        await ours.context.close()
    finally:
        await untrap(pool, trigger)
        ops = token_for(safety.settings, "ops-duty", Role.OPERATOR, districts=["xinbei"])
        act = {"consumer": consumer, "event_id": str(event_id), "reason": "mended after the scope test"}
        assert (await safety.client.post("/ops/events/retry", json=act, headers=ops)).status_code == 200
