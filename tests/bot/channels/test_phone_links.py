"""The number finder behind the web chat's tap-to-call links: UK numbers become tel: (or, for
a text short code, sms:) links; dates, amounts, postcodes and references never do."""

from __future__ import annotations

import pytest
import yaml

from bot.channels.phone_links import find, linked_html, parts
from bot.i18n import Translator, available_languages
from bot.settings import PROJECT_ROOT


def links(text: str) -> list[tuple[str, str]]:
    return [(text[link.start : link.end], link.href) for link in find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In danger now? Call 999.", [("999", "tel:999")]),
        ("Samaritans: 116 123 (free, any time)", [("116 123", "tel:116123")]),
        ("NHS 111: call 111", [("111", "tel:111"), ("111", "tel:111")]),
        ("Emergency 112 or police 101.", [("112", "tel:112"), ("101", "tel:101")]),
        ("Papyrus HOPELINE247: call 0800 068 4141", [("0800 068 4141", "tel:+448000684141")]),
        ("Childline: call 0800 1111", [("0800 1111", "tel:+448001111")]),
        ("Childline 0800 1111 24/7", [("0800 1111", "tel:+448001111")]),
        ("Helpline: 0808 2000 247, 24/7", [("0808 2000 247", "tel:+448082000247")]),
        ("Modern Slavery: 08000 121 700.", [("08000 121 700", "tel:+448000121700")]),
        ("Shelter 0808 800 4444", [("0808 800 4444", "tel:+448088004444")]),
        (
            "Your PA is Sam Ortiz. Phone 01632 960 123, Monday to Friday 9-5.",
            [("01632 960 123", "tel:+441632960123")],
        ),
        ("Duty team: 01632 960456", [("01632 960456", "tel:+441632960456")]),
        ("Text 07700 900123 any time", [("07700 900123", "tel:+447700900123")]),
        ("London 020 7946 0000", [("020 7946 0000", "tel:+442079460000")]),
        ("01632960123", [("01632960123", "tel:+441632960123")]),
        ("0800-068-4141", [("0800-068-4141", "tel:+448000684141")]),
        ("(01632) 960 456", [("(01632) 960 456", "tel:+441632960456")]),
        ("+44 (0)1632 960123", [("+44 (0)1632 960123", "tel:+441632960123")]),
        ("+447700900123.", [("+447700900123", "tel:+447700900123")]),
        ("Call 01632\u00a0960\u00a0123", [("01632\u00a0960\u00a0123", "tel:+441632960123")]),
        ("Shout: text SHOUT to 85258", [("85258", "sms:85258")]),
        ("Text SHOUT to 85258.", [("85258", "sms:85258")]),
        ("Shout: أرسل كلمة SHOUT في رسالة نصية إلى الرقم 85258", [("85258", "sms:85258")]),
        ("اتصل بـ999 الآن", [("999", "tel:999")]),
        (
            "Call 999, Samaritans 116 123 or text SHOUT to 85258.",
            [("999", "tel:999"), ("116 123", "tel:116123"), ("85258", "sms:85258")],
        ),
        (
            "Papyrus (under 35) 0800 068 4141 or 0808 800 4444",
            [("0800 068 4141", "tel:+448000684141"), ("0808 800 4444", "tel:+448088004444")],
        ),
    ],
)
def test_phone_numbers_become_links(text: str, expected: list[tuple[str, str]]) -> None:
    assert links(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Up to £2,000 a year",  # money
        "£3000 bursary, £999 grant, 999p, 50% off",
        "99.9 and 999.50 and 111,000",  # decimals, thousands
        "on 03/03/2025, 2025-03-03, 01-02-2025 or Monday 3 March 2026",  # dates
        "open 9-5, 09:00-17:00, 10:30 and 24/7",  # times
        "ages 16-17, 18-20 and 21-25; years 2024-2025",
        "Your reference is demo-19 (or demo-116123, #999, ref/01632960123)",
        "Postcode PL1 2AA, PL6 5UN, CB3 0AP",
        "Code AB12345 and room B999",
        "85258 on its own is just a number",  # a short code needs a text keyword
        "about 70000 people",
        "+1 555 0100 is not a UK number",
        "0800 is not a number; nor is 0800 12",
        "Call 116 12 or 1161234",
        "1999 and 9999 and 99999",
    ],
)
def test_things_that_are_not_phone_numbers_stay_text(text: str) -> None:
    assert links(text) == []


def test_parts_put_the_text_back_together() -> None:
    text = "Your PA: 01632 960 123. In danger? Call 999"
    pieces = parts(text)
    assert "".join(p["text"] for p in pieces) == text
    assert pieces == [
        {"text": "Your PA: "},
        {"text": "01632 960 123", "href": "tel:+441632960123"},
        {"text": ". In danger? Call "},
        {"text": "999", "href": "tel:999"},
    ]
    assert parts("") == [{"text": ""}]
    assert parts("no numbers") == [{"text": "no numbers"}]


def test_the_pages_own_lines_are_escaped_around_the_links() -> None:
    html = str(linked_html('<b onclick="x">&</b> Call 999'))
    assert html == ('&lt;b onclick=&#34;x&#34;&gt;&amp;&lt;/b&gt; Call <a href="tel:999">999</a>')


def _safety_services() -> dict:
    with (PROJECT_ROOT / "offer_content" / "safety_services.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)["services"]


def test_every_safety_number_the_bot_gives_is_a_link() -> None:
    services = _safety_services()
    assert services, "the safety numbers file was read"
    for service in services.values():
        if service.get("phone"):
            line = f"{service['name']}: call {service['phone']}"
            found = dict(links(line))
            assert found.get(service["phone"], "").startswith("tel:"), line


@pytest.mark.parametrize("language", available_languages())
def test_a_text_short_code_is_an_sms_link_in_every_language(language: str) -> None:
    """The safety reply's "{name}: text {word} to {number}" line, as each catalogue words it."""
    shout = _safety_services()["shout"]
    line = (
        Translator(language)
        .gettext("{name}: text {word} to {number}")
        .format(name=shout["name"], word=shout["text_word"], number=shout["text_number"])
    )
    assert (shout["text_number"], f"sms:{shout['text_number']}") in links(line), line


@pytest.mark.parametrize("language", available_languages())
def test_the_page_safety_line_links_999_and_samaritans(language: str) -> None:
    line = Translator(language).gettext("In danger now? Call 999. Samaritans: 116 123.")
    found = dict(links(line))
    assert found.get("999") == "tel:999", line
    assert found.get("116 123") == "tel:116123", line
