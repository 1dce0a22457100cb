"""The web chat on a phone (390x844): the first screen says which council runs it, that it is
an automatic chat, what is kept and for how long, and links to the privacy notice; phone
numbers in the bot's and the PA's messages are tap-to-call links; "Forget this device" asks
first, then leaves this browser an anonymous visitor (after a reload too) while the young
person's record and messages stay. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select

from bot.channels.webchat import COOKIE
from bot.db import session_factory
from bot.models import ChannelIdentity, Message, StaffAccount
from tests.browser.support import LINKED, SAM, WAIT_MS, Bot, say, shot

pytestmark = [pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
NOT_LINKED = "isn't linked to your record"
PA_MESSAGE = '<img src=x onerror="document.title=1"> Hi Jay, it\'s Sam. Call me on 01632 960123.'


async def phone_chat(browser: Browser, bot: Bot, path: str = "/") -> tuple[BrowserContext, Page]:
    context = await browser.new_context(base_url=bot.url, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    await page.goto(path)
    await expect(page.locator("#log .bubble.bot").first).to_be_visible()
    return context, page


async def visitor_token(context: BrowserContext) -> str:
    return next(c["value"] for c in await context.cookies() if c["name"] == COOKIE)


def push_pa_message(bot: Bot, token: str, text: str) -> None:
    """What the outbox stores when Sam replies from the dashboard to this web chat."""
    with session_factory(bot.db).begin() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == token)
        ).scalar_one()
        sam = session.execute(select(StaffAccount).where(StaffAccount.email == SAM)).scalar_one()
        session.add(
            Message(
                identity_id=identity.id,
                young_person_id=identity.young_person_id,
                direction="out",
                channel="web",
                kind="text",
                text=text,
                source="pa",
                author_staff_id=sam.id,
                created_at=bot.clock.now(),
            )
        )


def messages_of(bot: Bot, ref: str) -> int:
    yp = bot.young_person(ref)
    with session_factory(bot.db)() as session:
        return session.execute(
            select(func.count(Message.id)).where(Message.young_person_id == yp.id)
        ).scalar_one()


async def test_first_screen_tap_to_call_and_forget_this_device(bot: Bot, browser: Browser) -> None:
    context, page = await phone_chat(browser, bot)

    # -- the first screen, before anything else, without scrolling ---------------------------
    intro = page.locator("#intro")
    await expect(intro).to_contain_text("This chat is run by Plymouth City Council.")
    await expect(intro).to_contain_text(
        "This is an automatic chat: you are talking to a bot, not a person."
    )
    await expect(intro).to_contain_text(
        "We keep what you write here for up to 12 months, then delete it."
    )
    await expect(page.locator(".bar .status")).to_have_text("Plymouth City Council")
    box = await intro.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    # It comes before the bot's first message.
    assert await page.locator("#log > *").first.get_attribute("id") == "intro"
    safety = page.locator(".safety a")
    assert [await a.get_attribute("href") for a in await safety.all()] == [
        "tel:999",
        "tel:116123",
    ]
    await shot(page, "webchat-phone-01-first-screen")

    # The privacy link opens the full notice (in a new tab: the chat stays as it was).
    async with context.expect_page() as opened:
        await page.get_by_role("link", name="Privacy notice").click()
    notice = await opened.value
    await expect(notice.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    await expect(notice.locator("#controller")).to_have_text(
        "Plymouth City Council runs this chat. It is responsible for your information "
        "(the data controller)."
    )
    await expect(notice.locator("#retention")).to_have_text(
        "Messages are kept for up to 12 months, then deleted."
    )
    await expect(notice.locator("#delete")).to_contain_text('write "delete my data" in the chat')
    assert "/privacy?lang=en&council=plymouth" in notice.url
    await shot(notice, "webchat-phone-02-privacy-notice")
    await notice.close()

    # -- a number in the bot's answer is a tap-to-call link ------------------------------------
    await say(page, "who is my pa", NOT_LINKED)
    answer = page.locator("#log .bubble.bot").filter(has_text=NOT_LINKED).last
    team = answer.locator("a.tel")
    await expect(team).to_have_text("01632 960100")
    assert await team.get_attribute("href") == "tel:+441632960100"
    await shot(page, "webchat-phone-03-tap-to-call")

    # -- linked, a PA's message with a number (and HTML that must stay text) ------------------
    code = await asyncio.to_thread(bot.link_code, "demo-19")
    await say(page, f"link {code}", LINKED)
    token = await visitor_token(context)
    await asyncio.to_thread(push_pa_message, bot, token, PA_MESSAGE)
    pushed = page.locator("#log .bubble.pushed")
    await expect(pushed).to_have_count(1, timeout=WAIT_MS)
    await expect(pushed).to_contain_text("Sam Ortiz, your PA")
    await expect(pushed).to_contain_text(PA_MESSAGE)  # the markup shown as the text it is
    assert await pushed.locator("img").count() == 0
    assert await pushed.locator("a.tel").get_attribute("href") == "tel:+441632960123"
    assert await page.title() != "1"
    before = await asyncio.to_thread(messages_of, bot, "demo-19")
    await shot(page, "webchat-phone-04-pa-message-tap-to-call")

    # -- forget this device: asked first; Cancel changes nothing --------------------------------
    forget = page.get_by_role("button", name="Forget this device", exact=True)
    confirm = page.locator("#forget-confirm")
    await expect(confirm).to_be_hidden()
    await forget.click()
    await expect(confirm).to_be_visible()
    await expect(confirm).to_contain_text("This does not delete your messages or your record.")
    await shot(page, "webchat-phone-05-forget-confirm")
    await confirm.get_by_role("button", name="Cancel").click()
    await expect(confirm).to_be_hidden()
    assert await visitor_token(context) == token
    await expect(page.locator("#log")).to_contain_text(LINKED)

    await forget.click()
    await confirm.get_by_role("button", name="Yes, forget this device").click()
    log = page.locator("#log")
    await expect(log).to_contain_text(
        "Done. This phone no longer shows your chat. Nothing was deleted."
    )
    await expect(log).not_to_contain_text(LINKED)
    await expect(log).not_to_contain_text("Sam Ortiz")
    await expect(page.locator("#intro")).to_be_visible()  # the first screen stays
    # The page starts again as a new visitor: a fresh greeting, not to Jay.
    await expect(log.locator(".bubble.bot").filter(has_text="Hi. I can tell you")).to_be_visible()
    assert await visitor_token(context) != token
    await shot(page, "webchat-phone-06-forgotten")

    # -- a reload is anonymous: nothing of Jay's comes back --------------------------------------
    async with page.expect_response(lambda r: "/api/updates" in r.url) as polled:
        await page.reload()
    assert (await (await polled.value).json())["messages"] == []
    await expect(page.locator("#log .bubble.bot").first).to_be_visible()
    await say(page, "who is my pa", NOT_LINKED)
    await expect(page.locator("#log")).not_to_contain_text("Sam Ortiz")
    await expect(page.locator("#log .bubble.pushed")).to_have_count(0)
    await shot(page, "webchat-phone-07-after-reload")

    # Jay's record and messages are still there for Sam (deleting is "delete my data").
    assert await asyncio.to_thread(messages_of, bot, "demo-19") == before
    await context.close()


async def test_the_first_screen_reads_right_to_left_in_arabic(bot: Bot, browser: Browser) -> None:
    context, page = await phone_chat(browser, bot, "/?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    intro = page.locator("#intro")
    for line in ("#intro", "#intro .runs", "#intro .privacy-line"):
        direction = await page.locator(line).evaluate("el => getComputedStyle(el).direction")
        assert direction == "rtl", line
    text = await intro.inner_text()
    assert "Plymouth City Council" in text and "12" in text
    assert any("\u0600" <= c <= "\u06ff" for c in text), text
    await expect(page.locator("#privacy-link")).to_have_text("إشعار الخصوصية")
    # The Samaritans number stays in reading order inside right-to-left text.
    samaritans = page.locator(".safety a[href='tel:116123']")
    await expect(samaritans).to_have_text("116 123")
    assert await samaritans.evaluate("el => getComputedStyle(el).direction") == "ltr"
    await shot(page, "webchat-phone-08-first-screen-arabic")
    async with context.expect_page() as opened:
        await page.locator("#privacy-link").click()
    notice = await opened.value
    assert await notice.get_attribute("html", "dir") == "rtl"
    # Every line reads right to left, even one that starts with the council's English name.
    for line in ("#controller", "#retention", "#delete"):
        direction = await notice.locator(line).evaluate("el => getComputedStyle(el).direction")
        assert direction == "rtl", line
    await expect(notice.get_by_role("heading", level=1)).to_have_text("إشعار الخصوصية")
    await shot(notice, "webchat-phone-09-privacy-notice-arabic")
    await context.close()
