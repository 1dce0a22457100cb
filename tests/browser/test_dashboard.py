"""The PA dashboard in a real browser: headless Debian Chromium driven by Playwright's async
API, against the real app under uvicorn. The young person's side is the real web chat page,
so a PA's reply is seen arriving the way they would see it (the page polls every 4 s).

Screenshots of the key pages go to test-artifacts/browser/ for reviewers."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect

from tests.browser.support import (
    CODE,
    LINKED,
    PASSWORD,
    SAM,
    WAIT_MS,
    Bot,
    log_in,
    new_page,
    open_chat,
    say,
    shot,
)

pytestmark = [pytest.mark.slow]


async def test_login_wrong_password_then_right_then_logout(bot: Bot, browser: Browser) -> None:
    page = await new_page(browser, bot)
    await log_in(page, password="not-the-password")
    await expect(page.get_by_role("alert")).to_contain_text("Email or password not recognised")
    await expect(page).to_have_url(re.compile(r"/staff/login$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in to the staff dashboard")
    await expect(page.get_by_label("Email")).to_have_value(SAM)  # kept; the password is not
    await expect(page.get_by_label("Password")).to_have_value("")
    await expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    await shot(page, "01-login-wrong-password")

    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/staff/$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("My escalations")
    await expect(page.locator("p.who")).to_contain_text("Sam Ortiz")
    await expect(page.get_by_text("Nothing needs you right now.")).to_be_visible()
    await shot(page, "02-my-escalations-empty")
    await page.get_by_role("link", name="Young people").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    session_cookies = await page.context.cookies()
    assert any(c["path"] == "/staff" for c in session_cookies), session_cookies

    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(re.compile(r"/staff/login$"))
    await expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    # Back to the caseload: the browser must ask the server again, which wants a log-in.
    await page.go_back()
    await expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/young-people$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in to the staff dashboard")
    await expect(page.get_by_text("Jay")).to_have_count(0)
    await page.goto("/staff/young-people")
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/young-people$"))

    # The old session cookie, put back by hand, was revoked at logout.
    await page.context.add_cookies(session_cookies)
    await page.goto("/staff/young-people")
    await expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/young-people$"))
    await shot(page, "03-logged-out")


async def test_pa_acknowledges_an_escalation(bot: Bot, browser: Browser) -> None:
    # Kai's request waits two days, past its deadline; Jay's comes in now.
    overdue_id = await asyncio.to_thread(bot.ask_for_pa, "demo-16", "browser-kai-0001")
    bot.clock.advance(timedelta(days=2))
    esc_id = await asyncio.to_thread(bot.ask_for_pa, "demo-19", "browser-jay-0001")

    page = await new_page(browser, bot)
    await log_in(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("My escalations")
    overdue_row = page.locator("tr").filter(has=page.get_by_role("link", name=f"#{overdue_id}"))
    row = page.locator("tr").filter(has=page.get_by_role("link", name=f"#{esc_id}"))
    await expect(overdue_row).to_have_class(re.compile(r"\boverdue\b"))
    await expect(overdue_row.locator(".tag-overdue")).to_have_text("Overdue")
    await expect(overdue_row).to_contain_text("Kai")
    await expect(row).to_contain_text("Jay")
    await expect(row).to_contain_text("Asked for their PA")
    await expect(row).to_contain_text("Open")
    await expect(row).not_to_have_class(re.compile(r"\boverdue\b"))
    # Overdue first.
    await expect(page.locator("tbody tr").first).to_contain_text(f"#{overdue_id}")
    await shot(page, "04-my-escalations-overdue")

    await row.get_by_role("link", name=f"#{esc_id}").click()
    await expect(page).to_have_url(re.compile(rf"/staff/escalations/{esc_id}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Escalation #{esc_id}")
    await expect(page.locator(".card")).to_contain_text("Jay")
    await expect(page.locator(".conversation")).to_contain_text("i want to talk to my pa")
    await page.get_by_role("button", name="Acknowledge").click()

    await expect(page).to_have_url(re.compile(rf"/staff/escalations/{esc_id}$"))
    await expect(page.locator(".card .tag").first).to_have_text("Acknowledged")
    await expect(page.locator(".facts")).to_contain_text("Acknowledged")
    await expect(page.locator(".facts")).to_contain_text("by Sam Ortiz")
    await expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    await shot(page, "05-escalation-acknowledged")
    (esc,) = bot.escalations_for("demo-19")
    assert esc.id == esc_id and esc.status == "acknowledged"
    assert esc.acknowledged_at is not None

    await page.get_by_role("link", name="My escalations").click()
    await expect(row).to_contain_text("Acknowledged")
    await expect(page.locator("tbody tr").first).to_contain_text(f"#{overdue_id}")


async def test_pa_reply_reaches_the_young_persons_web_chat(bot: Bot, browser: Browser) -> None:
    code = await asyncio.to_thread(bot.link_code, "demo-19")
    chat = await open_chat(browser, bot)
    await say(chat, f"link {code}", LINKED)
    await say(chat, "i want to talk to my pa", "Sam Ortiz")
    (esc,) = bot.escalations_for("demo-19")

    page = await new_page(browser, bot)
    await log_in(page)
    await page.get_by_role("link", name=f"#{esc.id}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Escalation #{esc.id}")
    await expect(page.locator(".facts")).to_contain_text("on Web chat")
    reply = "Hi Jay, it's Sam. I'll call you at 2pm."
    await page.get_by_label("Your message to Jay").press_sequentially(reply)
    await page.get_by_role("button", name="Send reply").click()

    await expect(page).to_have_url(re.compile(rf"/staff/escalations/{esc.id}$"))
    replies = page.locator("section").filter(
        has=page.get_by_role("heading", name="Your team's replies")
    )
    await expect(replies).to_contain_text(reply)
    await expect(replies).to_contain_text("Sam Ortiz")
    await expect(page.locator(".card .tag").first).to_have_text("Acknowledged")
    await shot(page, "06-escalation-replied")

    # The chat page polls every 4 s: the reply shows up as a new bubble on its own.
    pushed = chat.locator("#log .bubble.pushed")
    await expect(pushed).to_have_count(1, timeout=WAIT_MS)
    # It says who wrote it: their PA, not the bot.
    await expect(pushed.locator(".from")).to_have_text("Sam Ortiz, your PA")
    await expect(pushed).to_have_text("Sam Ortiz, your PA" + reply)
    await shot(chat, "07-web-chat-pa-reply")

    await page.reload()
    await expect(replies.locator("tbody tr").first).to_contain_text("Sent")
    await expect(pushed).to_have_count(1)  # shown once, not on every poll


async def test_pa_makes_a_link_code_that_links_a_web_chat(bot: Bot, browser: Browser) -> None:
    page = await new_page(browser, bot)
    await log_in(page)
    await page.get_by_role("link", name="Young people").click()
    await page.get_by_role("link", name="Jay", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Jay")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("demo-19")
    await expect(page.get_by_text("No chat is linked to this record yet.")).to_be_visible()
    record = page.url
    await shot(page, "08-young-person")

    await page.get_by_role("button", name="Make a link code").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Link code for Jay")
    code = (await page.get_by_label("Link code").inner_text()).strip()
    assert CODE.match(code), code
    # Made Monday 23 November 2026 10:00 (UTC, which is London time in November): 7 days.
    await expect(page.locator(".card")).to_contain_text("expires Mon 30 Nov 2026, 10:00")
    await expect(page.locator(".card")).to_contain_text(f"link {code}")
    await shot(page, "09-link-code")

    await page.get_by_role("link", name="Back to the record").click()
    await expect(page).to_have_url(record)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Jay")
    assert code not in await page.content()  # shown once only

    chat = await open_chat(browser, bot)
    await say(chat, f"link {code}", LINKED)
    await shot(chat, "10-web-chat-linked")

    await page.reload()
    await expect(page.get_by_text("No chat is linked to this record yet.")).to_have_count(0)
    await expect(page.locator("section").filter(has_text="Linked chats")).to_contain_text(
        "Web chat, last seen"
    )

    # The code works once: another browser typing it is not linked to Jay.
    other = await open_chat(browser, bot)
    bot_bubbles = other.locator("#log .bubble.bot")
    before = await bot_bubbles.count()
    await other.locator("#text").press_sequentially(f"link {code}")
    await other.get_by_role("button", name="Send").click()
    await expect(bot_bubbles).not_to_have_count(before, timeout=WAIT_MS)
    await expect(other.locator("#log")).not_to_contain_text(LINKED)
