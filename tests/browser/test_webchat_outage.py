"""In a real browser, a message the server could not keep (the database failed) still shows
the server's lines, with the numbers, instead of "that message didn't send"."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.support import WAIT_MS, Bot
from tests.support.database import table_gone

pytestmark = [pytest.mark.slow]


async def test_a_crisis_message_shows_the_numbers_when_the_database_fails(
    bot: Bot, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 420, "height": 860})
    page = await context.new_page()
    await page.goto(f"{bot.url}/")
    answers = page.locator("#log .bubble.bot")
    await expect(answers.first).to_be_visible(timeout=WAIT_MS)
    greeted = await answers.count()
    with table_gone(bot.db, "channel_identities"):
        await page.fill("#text", "i want to kill myself")
        await page.click("#composer button[type=submit]")
        await expect(answers).to_have_count(greeted + 2, timeout=WAIT_MS)
    shown = "\n".join(await answers.all_inner_texts())
    assert "116 123" in shown and "999" in shown
    assert "Sorry, something went wrong on my side" in shown
    assert "didn't send" not in shown
    await context.close()
