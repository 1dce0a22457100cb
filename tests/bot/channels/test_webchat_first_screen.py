"""The web chat's first screen (who runs it, that it is a bot, what is kept and for how long,
a link to the privacy notice), the privacy notice itself, and phone numbers as tap-to-call
parts in what the page is sent."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.requests import Request

from bot.channels.webchat import COOKIE
from bot.channels.webchat_pages import Pages
from bot.content.model import Council
from bot.db import session_factory
from bot.i18n import available_languages, is_rtl
from bot.models import ChannelIdentity, Message, StaffAccount

XSHIRE = Council(id="xshire", name="Xshire County Council", short_name="Xshire", owner="x")


def request(query: str = "") -> Request:
    return Request({"type": "http", "method": "GET", "query_string": query.encode(), "headers": []})


def text_of(page: str) -> str:
    """The page's visible words, roughly: tags out, entities decoded, spaces squeezed."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def pages(default: str | None, *councils: Council) -> Pages:
    return Pages(
        default_language="en",
        default_council=default,
        councils=lambda: {c.id: c for c in councils},
    )


# -- the first screen, from the council's content (no model needed) -------------------------


def test_the_first_screen_names_the_council_and_says_it_is_a_bot() -> None:
    page = pages("xshire", XSHIRE).chat(request())
    words = text_of(page)
    assert "This chat is run by Xshire County Council." in words
    assert "This is an automatic chat: you are talking to a bot, not a person." in words
    assert "We keep what you write here for up to 12 months, then delete it." in words
    assert '<a id="privacy-link" href="/privacy?lang=en&amp;council=xshire"' in page
    # The page already knows the council: the bot's council question is not asked.
    assert "Which council looked after you?" not in words
    # The intro comes first in the conversation, before any message.
    assert page.index('id="log"') < page.index('id="intro"') < page.index('id="composer"')


@pytest.mark.parametrize(("months", "said"), [(6, "6 months"), (24, "24 months"), (1, "1 month")])
def test_the_privacy_line_says_the_councils_own_retention_period(months: int, said: str) -> None:
    council = Council(
        id="xshire", name="Xshire", short_name="X", owner="x", retention_months=months
    )
    words = text_of(pages("xshire", council).chat(request()))
    assert f"We keep what you write here for up to {said}, then delete it." in words
    notice = text_of(pages("xshire", council).privacy(request()))
    assert f"Messages are kept for up to {said}, then deleted." in notice


def test_without_a_council_the_page_is_neutral_and_asks_the_bots_council_question() -> None:
    other = Council(id="yshire", name="Yshire Council", short_name="Yshire", owner="y")
    longer = Council(id="zshire", name="Z", short_name="Zshire", owner="z", retention_months=24)
    page = pages(None, XSHIRE, other, longer).chat(request())
    words = text_of(page)
    assert "run by" not in words
    assert "Ask about help from your council, or your PA" in words  # a neutral name
    assert "Which council looked after you? Then I can tell you what they offer." in words
    assert re.findall(r'data-payload="(council:[a-z-]+)"', page) == [
        "council:xshire",
        "council:yshire",
        "council:zshire",
        "council:national",  # "Not sure": the national answer, as the bot's own buttons
    ]
    # Before they say which council, the longest any council keeps (never made up).
    assert "for up to 24 months" in words
    # A council's own site presets it: the page names that council instead.
    preset = text_of(pages(None, XSHIRE, other).chat(request("council=yshire")))
    assert "This chat is run by Yshire Council." in preset
    assert "Which council looked after you?" not in preset


def test_a_made_up_council_in_the_address_falls_back_to_the_default() -> None:
    page = pages("xshire", XSHIRE).chat(request('council=nowhere&lang=xx"'))
    assert "This chat is run by Xshire County Council." in text_of(page)
    assert 'data-council="nowhere"' in page  # the engine asks, as before


def test_the_page_safety_line_has_tap_to_call_links() -> None:
    page = pages("xshire", XSHIRE).chat(request())
    assert '<a href="tel:999">999</a>' in page
    assert '<a href="tel:116123">116 123</a>' in page


def test_the_forget_step_says_nothing_is_deleted() -> None:
    page = pages("xshire", XSHIRE).chat(request())
    confirm = page[page.index('id="forget-confirm"') :]
    assert confirm.startswith('id="forget-confirm" class="confirm" hidden>')
    words = text_of(confirm)
    assert "Forget this device?" in words
    assert "This does not delete your messages or your record." in words
    assert "Yes, forget this device" in words and "Cancel" in words
    assert 'data-payload="privacy:delete"' in confirm  # the separate delete flow


def test_the_privacy_notice_states_the_facts_from_the_code() -> None:
    words = text_of(pages("xshire", XSHIRE).privacy(request("lang=en")))
    for fact in (
        "Xshire County Council runs this chat. It is responsible for your information "
        "(the data controller).",
        "This is an automatic chat: you are talking to a bot, not a person.",
        "Messages are kept for up to 12 months, then deleted.",
        "deleted up to 12 months after the request is closed",
        "It lasts up to 180 days.",  # the visitor cookie's max-age
        "We don't log your internet (IP) address.",
        "Each time staff open your messages, it is recorded.",
        'write "delete my data" in the chat',
        "Your PA will be told.",
        "The council must keep its own records about you (your case records).",
        'tap "Forget this device" under the chat',
        "ask your PA or the council",
    ):
        assert fact in words, fact
    other = Council(id="yshire", name="Yshire Council", short_name="Yshire", owner="y")
    neutral = text_of(pages(None, XSHIRE, other).privacy(request()))
    assert "The council that looked after you runs this chat." in neutral


# -- over HTTP, with the real app ------------------------------------------------------------


@pytest.fixture
def default_council() -> str:
    return "plymouth"


def chat(client: httpx.Client, text: str, n: int) -> httpx.Response:
    body = {"message_id": f"first-{n:04d}-abcdef", "text": text}
    return client.post(
        "/api/chat", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )


@pytest.mark.slow
def test_the_running_bot_names_its_default_council_from_content(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    words = text_of(page.text)
    # CAREBOT_DEFAULT_COUNCIL=plymouth; the name and period come from council.yml.
    assert "This chat is run by Plymouth City Council." in words
    assert "for up to 12 months" in words
    other = text_of(client.get("/", params={"council": "cambridgeshire"}).text)
    assert "This chat is run by Cambridgeshire County Council." in other
    notice = client.get("/privacy", params={"lang": "en", "council": "plymouth"})
    assert notice.status_code == 200
    assert notice.headers["content-type"].startswith("text/html")
    assert "Plymouth City Council runs this chat." in text_of(notice.text)
    assert "script-src 'self'" in notice.headers["content-security-policy"]


@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(set(available_languages()) - {"en"}))
def test_the_first_screen_and_notice_are_in_the_visitors_language(
    client: httpx.Client, language: str
) -> None:
    english_chat = text_of(client.get("/", params={"lang": "en"}).text)
    english_notice = text_of(client.get("/privacy", params={"lang": "en"}).text)
    page = client.get("/", params={"lang": language}).text
    notice = client.get("/privacy", params={"lang": language}).text
    direction = "rtl" if is_rtl(language) else "ltr"
    for html in (page, notice):
        assert f'<html lang="{language}" dir="{direction}">' in html
    words, notice_words = text_of(page), text_of(notice)
    for sentence in (
        "This is an automatic chat: you are talking to a bot, not a person.",
        "Privacy notice",
        "Forget this device?",
    ):
        assert sentence in english_chat and sentence not in words, (language, sentence)
    assert "Plymouth City Council" in words and "12" in words
    for sentence in (
        "runs this chat. It is responsible for your information (the data controller).",
        "To get a copy of the information the council holds about you",
        "Each time staff open your messages, it is recorded.",
    ):
        assert sentence in english_notice and sentence not in notice_words, (language, sentence)
    assert "delete my data" in notice_words  # the command itself stays as the bot reads it


@pytest.mark.slow
def test_numbers_in_replies_and_pushed_messages_come_as_tel_parts(
    client: httpx.Client, db_engine: Engine
) -> None:
    client.get("/")
    reply = chat(client, "who is my pa", 1)
    assert reply.status_code == 200
    (message,) = reply.json()["messages"]
    # Anonymous: the leaving care team's number (demo data, Ofcom's drama range).
    assert "01632 960100" in message["text"]
    assert {"text": "01632 960100", "href": "tel:+441632960100"} in message["parts"]
    assert "".join(p["text"] for p in message["parts"]) == message["text"]

    # A PA's message pushed to the chat: the same parts, on /api/updates.
    token = client.cookies[COOKIE]
    with session_factory(db_engine).begin() as session:
        identity = session.execute(
            select(ChannelIdentity).where(ChannelIdentity.external_id == token)
        ).scalar_one()
        staff = session.execute(select(StaffAccount)).scalars().first()
        last = session.execute(select(Message.created_at).order_by(Message.id.desc())).scalar()
        session.add(
            Message(
                identity_id=identity.id,
                direction="out",
                channel="web",
                kind="text",
                text="It's Sam. Call me on 01632 960123, not 999 unless it's an emergency.",
                source="pa",
                author_staff_id=staff.id if staff else None,
                created_at=last + timedelta(seconds=1),
            )
        )
    pushed = client.get("/api/updates", params={"after": 0}).json()["messages"]
    assert len(pushed) == 1
    hrefs = [p.get("href") for p in pushed[0]["parts"] if "href" in p]
    assert hrefs == ["tel:+441632960123", "tel:999"]
    assert "".join(p["text"] for p in pushed[0]["parts"]) == pushed[0]["text"]


@pytest.mark.slow
def test_what_the_notice_and_the_forget_step_say_to_do_works(client: httpx.Client) -> None:
    """'write "delete my data"' (the notice) and "Delete my messages" (the forget step) both
    reach the bot's own delete question, which asks before deleting anything; "stop" stops."""
    client.get("/")
    typed = chat(client, "delete my data", 1).json()["messages"]
    assert "Do you want me to delete your messages?" in typed[-1]["text"]
    assert [b["payload"] for b in typed[-1]["buttons"]] == [
        "privacy:delete_yes",
        "privacy:delete_no",
    ]
    body = {"message_id": "first-0002-abcdef", "payload": "privacy:delete"}
    pressed = client.post(
        "/api/chat", content=json.dumps(body), headers={"Content-Type": "application/json"}
    ).json()["messages"]
    assert "Do you want me to delete your messages?" in pressed[-1]["text"]
    stopped = chat(client, "stop", 3).json()["messages"]
    assert "I won't send you messages unless you write to me first." in stopped[0]["text"]
