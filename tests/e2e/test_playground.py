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
    # The project's own mock Teams: a MASH team, a chair, a social worker, police, health, a DSL, a paediatrician.
    shutil.copy(E2E.parent.parent / ".m365agentsplayground.yml", tmp_path / ".m365agentsplayground.yml")
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


@pytest.fixture
async def page(playground):
    from playwright.async_api import async_playwright, expect

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists(), "Debian chromium is not installed: run `make test`"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 2200})
            await page.goto(playground, wait_until="networkidle")
            await expect(page.get_by_text("Connected.")).to_be_visible(timeout=30_000)
            yield page
        finally:
            await browser.close()


async def say(page, text: str) -> None:
    composer = page.locator("[contenteditable='true']").first
    await composer.click()
    await composer.type(text)
    await composer.press("Enter")


async def test_help_in_the_playground_gets_the_bots_answer(page):
    from playwright.async_api import expect

    if True:
        if True:
            await say(page, "help")
            # The message itself (a rendered paragraph), not the chat list's preview of it.
            answer = page.locator("p", has_text="convenes and follows through child protection strategy discussions")
            await expect(answer).to_be_visible(timeout=30_000)
            await expect(answer.locator("strong", has_text="City & Hackney Safeguarding Children Partnership")).to_be_visible()
            await page.screenshot(path=str(ARTIFACTS / "playground-help.png"))


async def test_a_chair_convenes_a_discussion_in_the_playground(page, bot_on_a_port, tmp_path):
    """The whole /strategy flow as a person does it, with the local meeting provider."""
    from playwright.async_api import expect

    await say(page, "/strategy")
    await expect(page.get_by_text("1 of 5 · The child")).to_be_visible(timeout=30_000)
    card = page.locator(".ac-adaptiveCard").last
    await card.get_by_label("Case reference").fill("CR-77001")
    await card.get_by_label("Child's initials (never the name)").fill("JD")
    await card.get_by_role("button", name="Next").click()
    # Nothing said about the date of birth: the card says so, and keeps what was typed.
    await expect(page.get_by_text("⚠ Enter the date of birth, or tick 'Unborn'.")).to_be_visible(timeout=30_000)
    card = page.locator(".ac-adaptiveCard").last
    await expect(card.get_by_label("Case reference")).to_have_value("CR-77001")
    await card.get_by_text("Unborn", exact=True).click()
    await card.get_by_role("button", name="Next").click()

    await expect(page.get_by_text("2 of 5 · The concern")).to_be_visible(timeout=30_000)
    card = page.locator(".ac-adaptiveCard").last
    await card.get_by_role("combobox", name="Concerns (choose all that apply)").click()
    await page.get_by_text("Serious physical injury", exact=True).click()
    await page.keyboard.press("Escape")
    await card.get_by_text("Significant medical implications").click()
    await card.get_by_role("button", name="Next").click()

    await expect(page.get_by_text("3 of 5 · Assessment and invitees")).to_be_visible(timeout=30_000)
    card = page.locator(".ac-adaptiveCard").last
    await expect(card.get_by_text("Deadline: by 17:00 today", exact=False)).to_be_visible()
    await expect(card.get_by_text("Dr Casey Example (fictional)", exact=False)).to_be_visible()
    await card.get_by_role("button", name="Next").first.click()

    await expect(page.get_by_text("4 of 5 · When")).to_be_visible(timeout=30_000)
    await page.locator(".ac-adaptiveCard").last.get_by_role("button", name="Next").first.click()
    await expect(page.get_by_text("5 of 5 · Confirm")).to_be_visible(timeout=30_000)
    card = page.locator(".ac-adaptiveCard").last
    await expect(card.get_by_text("no invitation is sent", exact=False)).to_be_visible()
    await card.get_by_role("button", name="Create the meeting").click()

    final = page.locator(".ac-adaptiveCard").last
    await expect(final.get_by_text("Strategy discussion CR-77001 (JD)")).to_be_visible(timeout=30_000)
    await expect(final.get_by_text("nothing was sent", exact=False)).to_be_visible()
    await expect(final.get_by_text("Quorum not yet confirmed")).to_be_visible()
    await final.screenshot(path=str(ARTIFACTS / "playground-convened.png"))
    await page.screenshot(path=str(ARTIFACTS / "playground-convened-page.png"), full_page=True)
    assert len(list((tmp_path / "invitations").glob("*.ics"))) == 1


async def test_the_ladder_for_an_overdue_action_in_the_playground(page, playground, bot_on_a_port, tmp_path, clock):
    """One overdue action chased up the whole ladder, with the clock moved as the README describes:
    the owner and the chair (both the Playground's user) get cards in Teams; the police lead and
    the chair's manager, who are not in Teams, get emails (.eml files in local mode)."""
    from datetime import datetime, timedelta, timezone

    from playwright.async_api import expect

    from app import CHASER
    from storage.models import Action, Discussion, Obligation

    bst = timezone(timedelta(hours=1))
    config = (await (await bot_on_a_port.http.get(f"{playground}_internal/v1/testConfig")).json())["config"]
    user, tenant = config["currentUser"], config["tenantId"]
    reference = {"serviceUrl": f"{playground}_connector", "channelId": "msteams", "bot": {"id": config["bot"]["id"]},
                 "conversation": {"id": config["personalChat"]["id"], "conversationType": "personal", "tenantId": tenant}}
    held, due = datetime(2027, 5, 28, 16, 30, tzinfo=bst), datetime(2027, 6, 1, 17, 0, tzinfo=bst)
    clock.set(held)
    async with bot_on_a_port.services.uow() as uow:
        discussion = uow.discussions.add(Discussion(
            case_reference="CR-900", child_initials="KL", profile="hackney", status="recorded", chair_aad_id=user["aadObjectId"],
            chair_name=user["name"], chair_user_id=user["id"], tenant_id=tenant, conversation_id=reference["conversation"]["id"],
            conversation_reference=reference, facts={"received_at": held.isoformat()}, meeting_start=held, created_at=held,
            updated_at=held))
        discussion.actions.append(Action(number=1, child_initials="KL", description="Police checks on the household",
                                         owner_agency="police", owner_name=user["name"], owner_aad_object_id=user["id"],
                                         due_at=due, created_at=held, updated_at=held))
        await uow.session.flush()
        await uow.obligations.add_once(Obligation(
            key=f"{discussion.id}:action:1", kind="action", discussion_id=discussion.id, subject_type="action", subject_id="1",
            owner_agency="police", due_at=due, rule_source="agreed at the discussion", created_at=held, updated_at=held))
        await uow.commit()

    sweep = bot_on_a_port.server.app[CHASER].sweep
    for moment in (datetime(2027, 5, 30, 3, 0, tzinfo=bst), datetime(2027, 6, 1, 9, 0, tzinfo=bst),
                   datetime(2027, 6, 2, 13, 0, tzinfo=bst), datetime(2027, 6, 3, 13, 0, tzinfo=bst),
                   datetime(2027, 6, 4, 13, 0, tzinfo=bst)):
        clock.set(moment)
        await sweep()
    await expect(page.get_by_text("Due today: Strategy discussion CR-900 (KL)")).to_be_visible(timeout=30_000)
    await expect(page.get_by_text("Overdue (escalated to you as chair): Strategy discussion CR-900 (KL)")).to_be_visible()
    mails = sorted(p.read_text() for p in (tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 2
    assert any("To: ppu.di@hackney.example.org" in m and "escalated to you as agency lead" in m for m in mails)
    assert any("To: social.care.manager@hackney.example.org" in m and "escalated to you as manager" in m for m in mails)
    await page.screenshot(path=str(ARTIFACTS / "playground-ladder.png"), full_page=True)
