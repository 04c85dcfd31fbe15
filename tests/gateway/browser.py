"""The console in a real browser: the whole system of ``tests/gateway/conftest.py`` served over
HTTP on 127.0.0.1, and headless Chromium (Debian's ``chromium``, installed by ``./houqin``:
Playwright's own browser download cannot work here) driven by Playwright.

A test signs in as a development user (``sign_in``), opens pages and reads them as a user does.
Screenshots (``screenshot``) go to ``build/screenshots/`` on every run, and to the README's
``docs/console-<name>.png`` only when ``HOUQIN_SCREENSHOTS=docs``: a test run leaves the
checkout as it found it."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn

from services.eventkit.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def served(system: Any) -> AsyncIterator[str]:
    """The system's gateway over real HTTP (its lifespan is the system fixture's)."""
    config = uvicorn.Config(system.gateway, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{config.port}"
    server.should_exit = True
    await task


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail("no chromium: ./houqin installs Debian's chromium package (bash infra/browser/install.sh)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        await chromium.close()


async def sign_in(browser: Any, base: str, user: str = "operator") -> Any:
    """A new page signed in as a development user of the demo district (``operator``,
    ``district-admin`` or ``platform-admin``)."""
    context = await browser.new_context(base_url=base, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    await page.goto("/console/sign-in")
    await page.click(f"#demo-{user}")
    await page.wait_for_url("**/console/**")
    return page


async def sign_in_with_token(browser: Any, base: str, token: str) -> Any:
    """A new page signed in with a token, as production signs in (pasted in the sign-in form)."""
    context = await browser.new_context(base_url=base, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    await page.goto("/console/sign-in")
    await page.fill("textarea[name=token]", token)
    await page.click("button[type=submit]:has-text('Sign in')")
    await page.wait_for_url(lambda url: "/console/" in url and "/sign-in" not in url)
    return page


def screenshots_dir() -> Path:
    """Where pictures go: the README's ``docs/`` when asked for, else the ignored ``build/screenshots``."""
    if os.environ.get("HOUQIN_SCREENSHOTS") == "docs":
        return ROOT / "docs"
    return ROOT / "build" / "screenshots"


async def screenshot(page: Any, name: str) -> None:
    """``console-<name>.png``: the README's pictures, made by the tests that check the pages."""
    folder = screenshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"console-{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 0, f"the screenshot {path} is empty"
