"""Editors see unanswered questions without names, numbers, emails or postcodes."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import sessionmaker

from bot.clock import FixedClock
from bot.dashboard.masking import Masker
from tests.bot.dashboard.helpers import Account, add_message


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("ring me on 07700 900123 pls", "ring me on [number] pls"),
        ("my email is jay.k@example.com", "my email is [email]"),
        ("I live at 4 Hill St PL1 2AA", "I live at 4 Hill St [postcode]"),
        ("hi my name is Kofi, help", "hi my name is [name], help"),
        ("tell sam ortiz I said hi", "tell [name] [name] I said hi"),
        ("can jay get a bus pass", "can [name] get a bus pass"),
        ("what about council tax", "what about council tax"),
    ],
)
def test_what_identifies_someone_is_masked(text: str, masked: str) -> None:
    assert Masker(["Jay", "Sam Ortiz"]).mask(text) == masked


def test_the_unanswered_page_never_shows_a_name_or_number(
    browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    now = clock.now()
    add_message(
        sessions,
        "demo-19",
        now,
        "its Jay, call me on 07700 900123 or jay@example.org about my flat",
        intent="nlu_fallback",
    )
    page = browser("editor").get("/staff/unanswered")
    assert page.status_code == 200
    assert "07700" not in page.text and "jay@example.org" not in page.text
    assert "call me on [number]" in page.text
    assert "Jay," not in page.text
