"""The staff pages on a phone (390 px wide, as PAs use them out on visits): away and cover,
the team inbox and its filters, the advisers page, and every page fitting the screen.

Screenshots go to test-artifacts/browser/ (names starting "phone-") for reviewers."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.db import session_factory
from bot.models import Escalation, PersonalAdviser, StaffAccount
from tests.browser.support import ARTIFACTS, PASSWORD, SAM, WAIT_MS, Bot, log_in

pytestmark = [pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
PRIYA = "priya.shah@example.org"
MANAGER = "morgan.lee@example.org"


async def phone_page(browser: Browser, bot: Bot) -> Page:
    context = await browser.new_context(
        base_url=bot.url, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return await context.new_page()


async def fits(page: Page, name: str) -> None:
    """Nothing runs off the side of the screen, and a screenshot for reviewers."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"phone-{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


def staff_id(bot: Bot, email: str) -> int:
    with session_factory(bot.db)() as session:
        return session.execute(
            select(StaffAccount.id).where(StaffAccount.email == email)
        ).scalar_one()


async def test_a_pa_marks_themself_away_and_the_cover_colleague_acts_on_a_phone(
    bot: Bot, browser: Browser
) -> None:
    sam = await phone_page(browser, bot)
    await log_in(sam)
    await expect(sam.get_by_role("heading", level=1)).to_have_text("My escalations")
    await fits(sam, "01-pa-home")
    await sam.get_by_role("link", name="My settings").click()
    # Notification safety: it says who is told, and Sam cannot switch every channel off.
    told = sam.get_by_text("New escalations for you go to:")
    await expect(told).to_contain_text(f"your email, {SAM}")
    await sam.get_by_label("Email me about escalations").uncheck()
    await sam.get_by_role("button", name="Save").first.click()
    await expect(sam.get_by_role("alert")).to_contain_text("keep at least one way to be told")
    await expect(sam.get_by_label("Email me about escalations")).to_be_checked()
    await fits(sam, "01b-pa-settings-refused")
    await sam.get_by_role("link", name="Set away dates and cover").click()
    await expect(sam.get_by_role("heading", level=1)).to_have_text("Away and cover")
    today = bot.clock.now().date()
    await sam.get_by_label("First day away").fill(today.isoformat())
    await sam.get_by_label("Last day away").fill((today + timedelta(days=7)).isoformat())
    await sam.get_by_label("Who covers").select_option(label="Priya Shah (PA)")
    await sam.get_by_role("button", name="Save").click()
    await expect(sam.get_by_role("heading", level=1)).to_have_text("My settings")
    await expect(sam.get_by_text("You are marked away; Priya Shah is covering.")).to_be_visible()
    await fits(sam, "02-pa-away-set")
    await sam.get_by_role("link", name="Set away dates and cover").click()
    await expect(sam.locator(".card")).to_contain_text("Sam Ortiz is away now")
    await expect(sam.locator(".card")).to_contain_text("New escalations go to Priya Shah")

    esc_id = await asyncio.to_thread(bot.ask_for_pa, "demo-19", "phone-jay-0001")
    with session_factory(bot.db)() as session:
        esc = session.get(Escalation, esc_id)
        assert esc is not None and esc.cover_staff_id == staff_id(bot, PRIYA)

    priya = await phone_page(browser, bot)
    await log_in(priya, PRIYA)
    row = priya.locator("tr").filter(has=priya.get_by_role("link", name=f"#{esc_id}"))
    await expect(row).to_contain_text("Jay")
    await expect(row).to_contain_text("Sam Ortiz")
    await expect(row).to_contain_text("Cover: Priya Shah")
    await fits(priya, "03-cover-home")
    await row.get_by_role("link", name=f"#{esc_id}").click()
    await expect(priya.get_by_role("heading", level=1)).to_have_text(f"Escalation #{esc_id}")
    await fits(priya, "04-cover-escalation")
    await priya.get_by_role("button", name="Acknowledge").click()
    await expect(priya.locator(".facts")).to_contain_text("by Priya Shah")

    await sam.goto("/staff/me/away")
    await sam.get_by_role("button", name="I'm back").click()
    await expect(sam.get_by_text("You are not marked away.")).to_be_visible()


async def test_a_manager_filters_the_team_inbox_and_sets_the_duty_rota_on_a_phone(
    bot: Bot, browser: Browser
) -> None:
    kai = await asyncio.to_thread(bot.ask_for_pa, "demo-16", "phone-kai-0001")
    bot.clock.advance(timedelta(days=2))
    mo = await asyncio.to_thread(bot.ask_for_pa, "demo-17", "phone-mo-0001")

    page = await phone_page(browser, bot)
    await log_in(page, MANAGER)
    await page.get_by_role("link", name="Team inbox").click()
    await expect(page.get_by_role("link", name=f"#{kai}")).to_be_visible()
    await expect(page.get_by_role("link", name=f"#{mo}")).to_be_visible()
    await fits(page, "05-team-inbox")
    await page.get_by_label("Overdue only").check()
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(re.compile(r"overdue=1"))
    await expect(page.get_by_role("link", name=f"#{kai}")).to_be_visible()
    await expect(page.get_by_role("link", name=f"#{mo}")).to_have_count(0)
    await page.get_by_label("Overdue only").uncheck()
    await page.get_by_label("PA", exact=True).select_option(label="Priya Shah")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("link", name=f"#{mo}")).to_be_visible()
    await expect(page.get_by_role("link", name=f"#{kai}")).to_have_count(0)
    await fits(page, "06-team-inbox-filtered")

    await page.get_by_role("link", name="Advisers").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Advisers")
    priya_row = page.locator("tr").filter(has_text="Priya Shah")
    await priya_row.get_by_role("button", name="Put on duty").click()
    await expect(priya_row.locator(".tag")).to_contain_text("On duty")
    await fits(page, "07-advisers")
    with session_factory(bot.db)() as session:
        priya = session.get(StaffAccount, staff_id(bot, PRIYA))
        assert priya is not None and priya.on_duty


async def test_every_staff_page_fits_a_phone(bot: Bot, browser: Browser) -> None:
    esc_id = await asyncio.to_thread(bot.ask_for_pa, "demo-19", "phone-jay-0002")
    jay = bot.young_person("demo-19")
    with session_factory(bot.db)() as session:
        sam_pa = session.execute(
            select(PersonalAdviser.id).where(PersonalAdviser.email == SAM)
        ).scalar_one()
    pages = {
        SAM: [
            "/staff/",
            f"/staff/escalations/{esc_id}",
            "/staff/young-people",
            f"/staff/young-people/{jay.id}",
            "/staff/me",
            "/staff/me/away",
        ],
        MANAGER: [
            "/staff/",
            "/staff/team",
            "/staff/team/advisers",
            f"/staff/team/advisers/{sam_pa}/away",
            "/staff/audit",
            "/staff/young-people",
        ],
    }
    for email, paths in pages.items():
        page = await phone_page(browser, bot)
        await log_in(page, email, PASSWORD)
        await expect(page.get_by_role("button", name="Log out")).to_be_visible()
        for n, path in enumerate(paths):
            response = await page.goto(path)
            assert response is not None and response.status == 200, path
            await fits(page, f"page-{email.split('@')[0]}-{n}")
    # The log-in page itself, before anyone has logged in.
    page = await phone_page(browser, bot)
    await page.goto("/staff/login")
    await fits(page, "page-login")
