"""The oversight tab in a real browser (headless Debian Chromium, Playwright): every view with the
seeded discussions, the statutory return downloaded and parsed, and axe-core (npm, tests/e2e) finding
no serious or critical accessibility problem in Teams' light, dark and high-contrast themes."""
import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import make_settings, start_bot, stop_bot
from tests.test_tab.seed import seed

pytestmark = [pytest.mark.browser, pytest.mark.slow]
E2E = Path(__file__).resolve().parents[1] / "e2e"
AXE = E2E / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


@pytest.fixture
async def tab(tmp_path, clock):
    settings = make_settings(tmp_path)
    bot = await start_bot(settings, clock)
    await seed(settings.sqlalchemy_url)
    yield str(bot.server.make_url("/tab"))
    await stop_bot(bot)


@pytest.fixture
async def page(tab):
    from playwright.async_api import async_playwright

    assert AXE.exists(), "run `make test` (npm ci in tests/e2e installs axe-core)"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            # The page's own CSP allows only its scripts; axe is injected by the test, as a browser extension would be.
            # A browser on another zone than the partnership's: times are the service's own (a trial's, on UTC, were an hour early).
            context = await browser.new_context(bypass_csp=True, accept_downloads=True, viewport={"width": 1280, "height": 1400},
                                                timezone_id="America/New_York")
            page = await context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(tab)
            await page.wait_for_selector("body[data-ready=true]", timeout=20_000)
            yield page
            assert errors == []
        finally:
            await browser.close()


async def serious_problems(page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in json.loads(result)["violations"]
            if v["impact"] in ("serious", "critical")]


async def test_every_view_shows_the_seeded_discussions_and_passes_axe_in_every_theme(page):
    from playwright.async_api import expect

    await expect(page.locator("#local-banner")).to_be_visible()
    mine = page.locator("#view-mine table")
    await expect(mine.locator("tbody tr")).to_have_count(3)
    await expect(mine).to_contain_text("CR-4 (AB)")
    await expect(mine).to_contain_text("1 of 2 coming (Police, Health)")
    await expect(mine).to_contain_text("A1 (Health), due Thu, 19/11/2026, 17:00 (agreed at the discussion: Tue, 17/11/2026, 17:00)")

    await page.click("#tab-overdue")
    overdue = page.locator("#view-overdue")
    await expect(overdue.locator("h3")).to_have_text(["Children's social care", "Health", "Police"])
    await expect(overdue).to_contain_text("escalate lead to DI Lead by teams")
    await expect(overdue).to_contain_text("(agreed at the discussion: Tue, 17/11/2026, 17:00)")  # A1: a new date given since
    await expect(overdue).to_contain_text("3 days late (0 working days)")  # the police update: Friday 17:00 to Monday 10:00

    await page.click("#tab-timeliness")
    timeliness = page.locator("#view-timeliness")
    await timeliness.locator("input[name=from]").fill("2026-11-01")
    await timeliness.locator("input[name=to]").fill("2026-11-30")
    await timeliness.locator("button[type=submit]").click()
    await expect(timeliness.locator("svg.chart")).to_have_count(3)
    await expect(timeliness).to_contain_text("Median time from concern to discussion: 25 hours")
    await expect(timeliness.locator("table").first.locator("tbody tr").last).to_contain_text("75 %")

    for theme in ("default", "dark", "contrast"):  # as TeamsJS reports the theme
        await page.evaluate(f"document.body.className = 'theme-{theme}'")
        for view in ("mine", "overdue", "timeliness", "return"):
            await page.click(f"#tab-{view}")
            await page.wait_for_selector(f"#view-{view}[data-loaded=true]")
            assert await serious_problems(page) == [], (theme, view)


async def test_the_statutory_return_is_downloaded_and_parses(page):
    from playwright.async_api import expect

    await page.click("#tab-return")
    section = page.locator("#view-return")
    await section.locator("input[name=from]").fill("2026-11-01")
    await section.locator("input[name=to]").fill("2026-11-30")
    await section.locator("button[type=submit]").click()
    await expect(section.locator("table").first).to_contain_text("CR-1")
    async with page.expect_download() as info:
        await section.get_by_role("button", name="Download CSV").click()
    download = await info.value
    rows = list(csv.DictReader(io.StringIO(Path(await download.path()).read_text())))
    assert [(r["LAchildID"], r["S47ActualStartDate"], r["InitialCPCtarget"]) for r in rows] == [("CR-1", "2026-11-02", "2026-11-23")]


async def test_a_chair_snoozes_an_overdue_item_with_a_reason(page):
    from playwright.async_api import expect

    await page.click("#tab-overdue")
    item = page.locator("#view-overdue li", has_text="A1").first
    await item.locator("summary").click()
    await item.get_by_role("button", name="Snooze A1 on CR-4").click()  # no reason: the browser asks for it
    await expect(item.get_by_role("status")).to_have_count(0)
    await item.get_by_label("Reason").fill("Waiting for the hospital's report")
    await item.get_by_role("button", name="Snooze A1 on CR-4").click()
    await expect(item.get_by_role("status")).to_contain_text("Snoozed until")
