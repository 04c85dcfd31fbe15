"""The console's projections page: each service's projections against the store's head, a
rebuild started from the page (platform admins only: a projection holds every district's rows)
with its progress while it runs, refused while one runs, who started it shown; in process, and
in real headless Chromium, where the rebuilt projection then equals a clean rebuild."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from services.directory.projections.roster import ROSTER
from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.projection import lock_key, rebuild, rebuild_lock_key, schema_rows
from services.eventkit.store import EventStore
from tests.conftest import eventually
from tests.gateway.browser import browser, screenshot, served, sign_in  # noqa: F401


def console_of(
    system: Any, principal: Principal | None = None, headers: dict[str, str] | None = None
) -> httpx.AsyncClient:
    if principal is not None:
        headers = {"Authorization": f"Bearer {mint_token(system.settings, principal)}"}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=system.gateway), base_url="http://g", headers=headers)


OPERATOR = Principal(subject="ops-zhao", roles=frozenset([Role.OPERATOR]), districts=frozenset(["xinbei"]))
PLATFORM = Principal(subject="ops-platform", roles=frozenset([Role.PLATFORM_ADMIN]))


async def test_the_page_lists_projections_and_only_platform_admins_rebuild(system: Any) -> None:
    async with console_of(system, OPERATOR) as console:  # a district's operator reads the status only
        page = await console.get("/console/projections")
        assert page.status_code == 200 and 'id="row-directory-roster"' in page.text
        assert 'id="rebuild-platform-only"' in page.text and 'id="rebuild-directory-roster"' not in page.text
        refused = await console.post("/console/projections/directory/roster/rebuild", data={"reason": "x"})
        assert refused.status_code == 403 and "every district" in refused.text
    async with console_of(system, PLATFORM) as console:
        page = await console.get("/console/projections")
        assert page.status_code == 200
        assert 'id="row-directory-roster"' in page.text and 'id="rebuild-directory-roster"' in page.text
        assert 'hx-trigger="every 1s"' not in page.text  # nothing polls while nothing rebuilds
        empty = await console.post("/console/projections/directory/roster/rebuild", data={"reason": " "})
        assert empty.status_code == 422 and "say why" in empty.text
        unknown = await console.post("/console/projections/nowhere/roster/rebuild", data={"reason": "x"})
        assert unknown.status_code == 404
        too_long = await console.post("/console/projections/directory/roster/rebuild", data={"reason": "x" * 501})
        assert too_long.status_code == 422
        other = await asyncpg.connect(system.services["directory"].settings.dsn)
        try:  # a rebuild from the command line holds the lock: refused with a clear message
            await other.execute("SELECT pg_advisory_lock($1)", rebuild_lock_key(ROSTER.schema))
            busy = await console.post("/console/projections/directory/roster/rebuild", data={"reason": "x"})
            assert busy.status_code == 409 and "running already" in busy.text and "hx-swap-oob" in busy.text
            assert 'hx-trigger="every 1s"' in busy.text  # and its state is followed
        finally:
            await other.close()
    async with console_of(system, headers=system.tokens["admin"]) as console:  # a district admin watches only
        page = await console.get("/console/projections")
        assert page.status_code == 200 and 'id="projections-read-only"' in page.text and "rebuild-" not in page.text
        refused = await console.post("/console/projections/directory/roster/rebuild", data={"reason": "x"})
        assert refused.status_code == 403
    async with console_of(system, headers=system.tokens["teacher-g6"]) as console:
        assert (await console.get("/console/projections")).status_code == 403


async def test_a_rebuild_started_from_the_page_completes_and_equals_a_clean_rebuild(
    system: Any,
    served: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    directory = system.services["directory"]
    page = await sign_in(browser, served, "platform-admin")
    await page.goto("/console/projections")
    await page.wait_for_selector("#row-directory-roster", timeout=10_000)
    live = await schema_rows(directory.pool, ROSTER.schema)

    # the rebuild's swap waits for this transaction's share of the projection's lock: it runs until released
    holder = await asyncpg.connect(directory.settings.dsn)
    try:
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock_shared($1)", lock_key(ROSTER.schema))
            await page.fill("#rebuild-directory-roster input[name=reason]", "after the roster fix")
            await page.click("#rebuild-directory-roster button")
            cell = page.locator("#cell-directory-roster")
            await cell.locator(".badge.rebuilding").wait_for(timeout=10_000)
            await page.wait_for_function(
                "document.querySelector('#cell-directory-roster progress')?.value > 0", timeout=20_000
            )
            text = await cell.inner_text()
            assert "events replayed" in text and "left" in text and "platform-admin" in text, text
            # a second one is refused on the page, with the reason
            await page.fill("#rebuild-directory-roster input[name=reason]", "again")
            await page.click("#rebuild-directory-roster button")
            await page.locator("#message-directory-roster", has_text="running already").wait_for(timeout=5_000)
            await screenshot(page, "projections")
    finally:
        await holder.close()

    await cell.locator(".last-rebuild.ok").wait_for(timeout=30_000)  # polling saw it end
    assert "last rebuild done" in await cell.inner_text()
    history = page.locator("#history-directory .history-row").first
    assert "platform-admin" in await history.inner_text() and "after the roster fix" in await history.inner_text()

    rebuilt = await schema_rows(directory.pool, ROSTER.schema)
    assert rebuilt == live
    await rebuild(directory.pool, EventStore(directory.pool), ROSTER)  # a clean rebuild
    assert await schema_rows(directory.pool, ROSTER.schema) == rebuilt

    async def audited() -> bool:
        return bool(
            await directory.pool.fetchval(
                "SELECT count(*) FROM operations_audit WHERE action = 'projection.rebuild' AND actor = 'platform-admin'"
            )
        )

    assert await eventually(audited, timeout=5)
    await page.context.close()
