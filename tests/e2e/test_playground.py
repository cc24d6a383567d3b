"""End to end in a real browser: the Microsoft 365 Agents Playground (the local Teams client)
against the running bot, driven by Playwright on Debian's Chromium."""
from __future__ import annotations

import asyncio
import contextlib
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


@contextlib.asynccontextmanager
async def running_playground(bot_url: str, cwd: Path):
    """The Playground against the bot, with the project's own mock Teams (.m365agentsplayground.yml:
    a MASH team, a chair, a social worker, police, health, a DSL, a paediatrician)."""
    assert PLAYGROUND.exists(), "the Agents Playground is not installed: run `make test` (npm ci in tests/e2e)"
    port = _free_port()
    shutil.copy(E2E.parent.parent / ".m365agentsplayground.yml", cwd / ".m365agentsplayground.yml")
    env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none", "BROWSER": "none"}
    process = await asyncio.create_subprocess_exec(
        str(PLAYGROUND), "-e", bot_url, "-c", "msteams", "--dt", "-p", str(port), cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
    seen = []

    async def listening() -> None:
        while "Listening on" not in (line := (await process.stdout.readline()).decode()):
            if not line:
                raise RuntimeError("the Playground exited: " + "".join(seen))
            seen.append(line)

    try:
        await asyncio.wait_for(listening(), 60)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        await process.wait()


@pytest.fixture
async def playground(bot_on_a_port, tmp_path):
    async with running_playground(bot_on_a_port.url, tmp_path) as url:
        yield url


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

    await say(page, "help")
    # The message itself (a rendered paragraph), not the chat list's preview of it.
    answer = page.locator("p", has_text="convenes and follows through child protection strategy discussions")
    await expect(answer).to_be_visible(timeout=30_000)
    await expect(answer.locator("strong", has_text="City & Hackney Safeguarding Children Partnership")).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "playground-help.png"))


def current_card(page):
    return page.locator(".ac-adaptiveCard").last


async def answer_the_concern(page, concern: str, *, medical: bool = False) -> None:
    """Step 2 of the wizard, as the chair fills it: one concern from the list, perhaps the medical tick."""
    from playwright.async_api import expect

    await expect(page.get_by_text("2 of 5 · The concern")).to_be_visible(timeout=30_000)
    card = current_card(page)
    await card.get_by_role("combobox", name="Concerns (choose all that apply)").click()
    await page.get_by_text(concern, exact=True).click()
    await page.keyboard.press("Escape")
    if medical:
        await card.get_by_text("Significant medical implications").click()
    await card.get_by_role("button", name="Next").click()


async def take_the_first_time(page) -> None:
    """Step 4: the first proposed time; waits for the confirm card."""
    from playwright.async_api import expect

    await expect(page.get_by_text("4 of 5 · When")).to_be_visible(timeout=30_000)
    await current_card(page).get_by_role("button", name="Next").first.click()
    await expect(page.get_by_text("5 of 5 · Confirm")).to_be_visible(timeout=30_000)


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
    # Back from the concern card with something typed on it, as the client sends it: it is kept.
    await expect(page.get_by_text("2 of 5 · The concern")).to_be_visible(timeout=30_000)
    await current_card(page).get_by_label("Referring agency (no personal names)").fill("school")
    await current_card(page).get_by_role("button", name="Back").click()
    await expect(page.get_by_text("1 of 5 · The child")).to_be_visible(timeout=30_000)
    await current_card(page).get_by_role("button", name="Next").click()
    await expect(page.get_by_text("2 of 5 · The concern")).to_be_visible(timeout=30_000)
    await expect(current_card(page).get_by_label("Referring agency (no personal names)")).to_have_value("school")
    # Emptied, then Back and Next: it stays empty (the client leaves an empty box out of what it sends).
    await current_card(page).get_by_label("Referring agency (no personal names)").fill("")
    await current_card(page).get_by_role("button", name="Back").click()
    await expect(page.get_by_text("1 of 5 · The child")).to_be_visible(timeout=30_000)
    await current_card(page).get_by_role("button", name="Next").click()
    await expect(page.get_by_text("2 of 5 · The concern")).to_be_visible(timeout=30_000)
    await expect(current_card(page).get_by_label("Referring agency (no personal names)")).to_have_value("")
    await answer_the_concern(page, "Serious physical injury", medical=True)

    await expect(page.get_by_text("3 of 5 · Assessment and invitees")).to_be_visible(timeout=30_000)
    # Back, as a tired chair does: the concern card comes back with what was typed on it.
    await current_card(page).get_by_role("button", name="Back").click()
    await expect(page.get_by_text("2 of 5 · The concern")).to_be_visible(timeout=30_000)
    await expect(current_card(page).get_by_label("Concern received: time (24-hour, e.g. 09:05)")).to_have_value("10:00")
    await current_card(page).get_by_role("button", name="Next").click()
    await expect(page.get_by_text("3 of 5 · Assessment and invitees")).to_be_visible(timeout=30_000)
    card = page.locator(".ac-adaptiveCard").last
    await expect(card.get_by_text("Deadline: by 17:00 today", exact=False)).to_be_visible()
    await expect(card.get_by_text("Dr Casey Example (fictional)", exact=False)).to_be_visible()
    await card.get_by_role("button", name="Next").first.click()
    await take_the_first_time(page)
    card = current_card(page)
    await expect(card.get_by_text("no invitation is sent", exact=False)).to_be_visible()
    await card.get_by_role("button", name="Create the meeting").click()

    final = page.locator(".ac-adaptiveCard").last
    await expect(final.get_by_text("Strategy discussion CR-77001 (JD)")).to_be_visible(timeout=30_000)
    await expect(final.get_by_text("nothing was sent", exact=False)).to_be_visible()
    await expect(final.get_by_text("Quorum not yet confirmed")).to_be_visible()
    await final.screenshot(path=str(ARTIFACTS / "playground-convened.png"))
    await page.screenshot(path=str(ARTIFACTS / "playground-convened-page.png"), full_page=True)
    assert len(list((tmp_path / "invitations").glob("*.ics"))) == 1

    # Moving the meeting past today's deadline: refused without a reason (what was typed stays), then recorded.
    await final.get_by_label("Move to: date").fill("2026-11-24")
    await final.get_by_label("Move to: time").fill("10:00")
    await final.get_by_role("button", name="Move the meeting").click()
    await expect(page.get_by_text("That is after the statutory deadline: record why it cannot be sooner.")).to_be_visible(timeout=30_000)
    card = current_card(page)
    await expect(card.get_by_label("Move to: date")).to_have_value("November 24, 2026")  # kept (the picker shows it this way)
    await card.get_by_label("If after the deadline: why it cannot be sooner").fill("The paediatrician can only examine tomorrow")
    await card.get_by_role("button", name="Move the meeting").click()
    await expect(page.get_by_text("⚠ The meeting is after the statutory deadline", exact=False)).to_be_visible(timeout=30_000)
    await current_card(page).screenshot(path=str(ARTIFACTS / "playground-moved-past-deadline.png"))


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


@pytest.fixture
async def team_bot(tmp_path, clock):
    """The bot with the Playground's own people as its contacts directory."""
    from tests.conftest import ROOT

    bot = await start_bot(make_settings(tmp_path, contacts_file=ROOT / "storage/directories/playground.yaml"), clock)
    yield bot
    await stop_bot(bot)


@pytest.fixture
async def team_playground(team_bot, tmp_path):
    async with running_playground(team_bot.url, tmp_path) as url:
        yield url


async def test_the_journey_of_a_discussion_through_the_mash_channel(team_playground, team_bot, tmp_path):
    """The chair convenes in the MASH channel in the browser; the police officer accepts; the chair
    records two actions; health replies `A1 done` in the thread. The Playground's UI shows one
    user at a time, so the other people's steps go through its HTTP API (as they would through
    their own Teams), and the chair's recording cards are pressed through the same API."""
    from playwright.async_api import async_playwright, expect

    from sqlalchemy import select

    from storage.models import Effect
    from tests.test_bot.chair import inputs_of, texts_of

    api = team_bot.http
    shot = ARTIFACTS / "journey"
    shot.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 2200})
        await page.goto(team_playground, wait_until="networkidle")
        await expect(page.get_by_text("Connected.")).to_be_visible(timeout=30_000)

        # 1. The chair types /strategy in the MASH channel, opens the card, fills it, confirms.
        await page.get_by_label("MASH - Strategy discussions").click()
        await expect(page.get_by_role("button", name="Post")).to_be_visible(timeout=30_000)
        post = page.locator("[contenteditable='true']").first  # the channel's "Start a new post" box
        await post.click()
        await post.type("@Strat")  # in a channel, as in Teams, the bot hears only what mentions it
        await page.get_by_role("menuitem", name="Strategy Bot").click()  # the mention suggestion
        await post.type(" strategy")
        await page.get_by_role("button", name="Post").click()
        await expect(page.get_by_text("Only the chair and the people invited can open the details.")).to_be_visible(timeout=30_000)
        await page.locator(".ac-adaptiveCard").last.get_by_role("button", name="Open").click()
        await expect(page.get_by_text("1 of 5 · The child")).to_be_visible(timeout=30_000)
        card = page.locator(".ac-adaptiveCard").last
        await card.get_by_label("Case reference").fill("CR-31337")
        await card.get_by_label("Child's initials (never the name)").fill("MN")
        await card.get_by_text("Unborn", exact=True).click()
        await card.get_by_role("button", name="Next").click()
        await answer_the_concern(page, "Physical abuse")
        await expect(page.get_by_text("3 of 5 · Assessment and invitees")).to_be_visible(timeout=30_000)
        await current_card(page).get_by_role("button", name="Next").first.click()
        await take_the_first_time(page)
        await current_card(page).get_by_role("button", name="Create the meeting").click()
        # The press answered first (the card replaced): draining before it arrived left the invitations' cards in flight.
        await expect(current_card(page).get_by_role("button", name="Create the meeting")).to_have_count(0, timeout=30_000)
        await team_bot.services.drain()
        await page.screenshot(path=str(shot / "1-convened.png"), full_page=True)
        async with team_bot.services.uow() as uow:
            discussion = (await uow.discussions.by_case_reference("CR-31337"))[0]
            discussion = await uow.discussions.get(discussion.id)
            police = next(i for i in discussion.invitations if i.agency == "police")
            thread, card_id = discussion.conversation_id, discussion.card_activity_id
        assert discussion.status == "convened" and thread.startswith("channel-strategy")
        # Each invitee's personal card reached them in the Playground (its people are "user-id-…", not Entra ids).
        async with team_bot.services.uow() as uow:
            personal = (await uow.session.execute(select(Effect).where(Effect.kind == "teams.personal"))).scalars().all()
        assert personal and {e.state for e in personal} == {"done"}, [(e.key, e.state, e.last_error) for e in personal]

        # 2. The police officer accepts (her own Teams: the Playground's API, as DS Priya Shah).
        accept = {"name": "adaptiveCard/action", "from": {"id": "user-id-police"}, "conversation": {"id": thread},
                  "replyToId": card_id, "value": {"action": {"type": "Action.Execute", "verb": "rsvp.accept",
                                                             "data": {"discussion_id": discussion.id, "invitation_id": police.id}},
                                                  "trigger": "manual"}}
        answered = await api.post(f"{team_playground}_conversation/v1/invoke", json=accept)
        assert answered.status == 200, await answered.text()
        assert "Your reply: **accepted**" in texts_of((await answered.json())["value"])
        await page.locator(".ac-adaptiveCard").last.get_by_role("button", name="Open").click()
        await expect(page.get_by_text("Police").first).to_be_visible()
        await expect(page.get_by_text("✓ confirmed").nth(1)).to_be_visible(timeout=30_000)  # social care and now police
        await page.screenshot(path=str(shot / "2-police-accepted.png"), full_page=True)

        # 3. The chair records the discussion with two actions (the agenda's ten cards, pressed through the API).
        shown = {}  # the card last answered: each press carries its version, as a button on it would

        async def press(verb: str, data: dict) -> dict:
            version = next((a["data"]["version"] for a in shown.get("actions", []) if "version" in a.get("data", {})), None)
            data = {"discussion_id": discussion.id, **({"version": version} if version is not None else {}), **data}
            body = {**accept, "from": {"id": "user-id-chair"},
                    "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}}
            response = await api.post(f"{team_playground}_conversation/v1/invoke", json=body)
            assert response.status == 200, await response.text()
            shown.clear()
            shown.update((await response.json())["value"])
            return dict(shown)

        team_bot.services.clock.set(discussion.meeting_start)  # its record is written once the meeting has begun
        card = await press("record.open", {})
        answers = {k: ("attended" if k.startswith("attendance_") else v) for k, v in inputs_of(card).items()}
        for step, values in (("attendance", answers), ("household", {"household": "Mother, 1 Example Road"}),
                             ("purpose", {"reason": "Bruise", "purpose": "Decide s47"}),
                             ("concerns", {"concerns": "Bruise", "severity": "Moderate", "impact": "Pain"}),
                             ("background", {"background": "None", "risk": "Injury", "protective": "Grandmother",
                                             "whereabouts": "At home with grandmother"})):
            card = await press("record.next", {"step": step, **values})
        card = await press("record.add_decision", {"step": "decisions", "decision_child": "MN", "decision_kind": "s47_joint",
                                                   "decision_reasoning": "Unexplained bruising to an infant"})
        card = await press("record.next", {"step": "decisions"})
        card = await press("record.next", {"step": "plan", "seen_alone": "n/a: unborn", "shared_with_family": "The s47 decision",
                                           "legal_action": "None at present", "cp_medical": "true"})
        for what, agency, owner, email in (("Health visitor to visit", "health", "Nurse Tom Evans", "tom.evans@nhs.example.org"),
                                           ("Police checks", "police", "DS Priya Shah", "priya.shah@police.example.org")):
            card = await press("record.add_action", {"step": "actions", "action_child": "MN", "action_what": what,
                                                     "action_agency": agency, "action_owner": owner, "action_email": email,
                                                     "action_due": "2 working days"})
        card = await press("record.edit_action", {"step": "actions", "number": 2})  # A2 needs more words: edit it
        assert inputs_of(card)["action_what"] == "Police checks"
        card = await press("record.add_action", {"step": "actions", **inputs_of(card), "action_what": "Police checks on the household"})
        assert "A2 (MN)**: Police checks on the household" in texts_of(card)
        card = await press("record.next", {"step": "actions"})
        card = await press("record.next", {"step": "distribution", **inputs_of(card)})
        card = await press("record.finalise", {"step": "next"})
        assert "Record finalised" in texts_of(card), texts_of(card)
        await expect(page.get_by_text("A1 · CR-31337 (MN)")).to_be_visible(timeout=30_000)
        await page.screenshot(path=str(shot / "3-recorded.png"), full_page=True)

        # 4. Health replies in the thread, as Nurse Tom Evans: `A1 done`. The Playground's message API posts
        # as the user at the keyboard, so the reply is delivered to the bot as Teams delivers it, from her,
        # with the Playground as the connector: the answer and the updated card appear in the browser.
        config = (await (await api.get(f"{team_playground}_internal/v1/testConfig")).json())["config"]
        health = next(u for u in config["users"] if u["id"] == "user-id-health")
        reply = {"type": "message", "id": "reply-a1-done", "channelId": "msteams", "serviceUrl": f"{team_playground}_connector",
                 "from": {"id": health["id"], "name": health["name"], "aadObjectId": health["aadObjectId"]},
                 "conversation": {"id": thread, "conversationType": "channel", "tenantId": config["tenantId"]},
                 "recipient": {"id": config["bot"]["id"], "name": "Strategy Bot"}, "text": "A1 done", "textFormat": "plain",
                 "channelData": {"tenant": {"id": config["tenantId"]}}}
        assert (await api.post(team_bot.url, json=reply)).status == 201
        await expect(page.locator("p", has_text="A1 (CR-31337): completed. Recorded for Nurse Tom Evans (health)")).to_be_visible(
            timeout=30_000)
        await expect(page.get_by_text("Status").first).to_be_visible()
        await page.screenshot(path=str(shot / "4-action-done.png"), full_page=True)
        await browser.close()
