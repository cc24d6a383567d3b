"""End to end in a real browser: the Microsoft 365 Agents Playground (the local Teams client)
against the running bot, driven by Playwright on Debian's Chromium."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
from pathlib import Path

import pytest

from tests.conftest import make_settings, start_bot, stop_bot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

E2E = Path(__file__).resolve().parent
PLAYGROUND = E2E / "node_modules" / ".bin" / "agentsplayground"
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = E2E.parent.parent / "data" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def bot_on_a_port(tmp_path, clock):
    bot = await start_bot(make_settings(tmp_path), clock)
    yield bot
    await stop_bot(bot)


@pytest.fixture
async def playground(bot_on_a_port, tmp_path):
    assert PLAYGROUND.exists(), "the Agents Playground is not installed: run `make test` (npm ci in tests/e2e)"
    port = _free_port()
    env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none", "BROWSER": "none"}
    process = await asyncio.create_subprocess_exec(
        str(PLAYGROUND), "-e", bot_on_a_port.url, "-c", "msteams", "--dt", "-p", str(port),
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )
    seen = []

    async def listening() -> None:
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise RuntimeError("the Playground exited: " + "".join(seen))
            seen.append(line)
            if "Listening on" in line:
                return

    await asyncio.wait_for(listening(), 60)
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    await process.wait()


async def test_help_in_the_playground_gets_the_bots_answer(playground):
    from playwright.async_api import async_playwright, expect

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), "Debian chromium is not installed: run `make test`"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(playground, wait_until="networkidle")
            await expect(page.get_by_text("Connected.")).to_be_visible(timeout=30_000)
            composer = page.locator("[contenteditable='true']").first
            await composer.click()
            await composer.type("help")
            await composer.press("Enter")
            # The message itself (a rendered paragraph), not the chat list's preview of it.
            answer = page.locator("p", has_text="convenes and follows through child protection strategy discussions")
            await expect(answer).to_be_visible(timeout=30_000)
            await expect(answer.locator("strong", has_text="City & Hackney Safeguarding Children Partnership")).to_be_visible()
            await page.screenshot(path=str(ARTIFACTS / "playground-help.png"))
        finally:
            await browser.close()
