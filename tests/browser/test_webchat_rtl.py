"""The Arabic web chat reads right to left in a real browser (screenshot kept as an artifact
in test-artifacts/browser/), with numbers and English names still readable."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.browser.support import ARTIFACTS, WAIT_MS

pytestmark = [pytest.mark.slow]


async def test_the_arabic_web_chat_is_right_to_left(bot, browser: Browser) -> None:
    context = await browser.new_context(viewport={"width": 420, "height": 860})
    page = await context.new_page()
    await page.goto(f"{bot.url}/?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ar"
    direction = await page.evaluate("getComputedStyle(document.querySelector('.phone')).direction")
    assert direction == "rtl"
    # The greeting comes in Arabic.
    first = page.locator("#log .bubble.bot").first
    await expect(first).to_be_visible(timeout=WAIT_MS)
    await page.fill("#text", "من هو المستشار الشخصي الخاص بي؟")
    await page.click("#composer button[type=submit]")
    answers = page.locator("#log .bubble.bot")
    await expect(answers).not_to_have_count(1, timeout=WAIT_MS)
    last = answers.last
    # Each bubble takes its own direction from its text, so a phone number or an English
    # name inside Arabic stays in reading order.
    assert await last.get_attribute("dir") == "auto"
    text = await last.inner_text()
    assert any("\u0600" <= c <= "\u06ff" for c in text), text
    bubble_direction = await last.evaluate("el => getComputedStyle(el).direction")
    assert bubble_direction == "rtl"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "arabic-web-chat.png"), full_page=True)
    await context.close()
