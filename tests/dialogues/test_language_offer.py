"""A message in another language: the bot offers to switch (asking in that language), once;
a crisis in that language is answered in it at once."""

from __future__ import annotations

import pytest

from tests.conftest import Chat

pytestmark = pytest.mark.slow

ARABIC_QUESTION = "هل يمكنني الحصول على مساعدة في ضريبة المجلس"


def payloads(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


def test_arabic_message_gets_an_offer_to_switch_asked_in_arabic(chat: Chat) -> None:
    turn = chat.link(council="plymouth").say(ARABIC_QUESTION)
    offer = turn.messages[-1]
    assert offer.text == "هل تريد أن أكتب لك باللغة العربية؟"
    assert [b.payload for b in offer.buttons] == ["lang:ar", "lang:en"]
    assert offer.buttons[0].title == "العربية"
    chosen = chat.press("lang:ar")
    assert chosen.language == "ar"
    # Chosen once: no more offers, and the bot now writes Arabic.
    again = chat.say(ARABIC_QUESTION)
    assert "lang:ar" not in payloads(again)
    assert again.language == "ar"


def test_saying_no_thanks_to_the_offer_keeps_english_and_stops_offering(chat: Chat) -> None:
    chat.link(council="plymouth").say(ARABIC_QUESTION)
    assert chat.press("lang:en").language == "en"
    assert "lang:ar" not in payloads(chat.say(ARABIC_QUESTION))


def test_english_messages_get_no_offer(chat: Chat) -> None:
    turn = chat.link(council="plymouth").say("can I get council tax paid")
    assert not any(p.startswith("lang:") for p in payloads(turn))


def test_a_crisis_in_arabic_is_answered_in_arabic_first(chat: Chat) -> None:
    turn = chat.link("demo-19").say("أريد أن أموت")
    assert turn.safety == "suicide_self_harm"
    assert turn.language == "ar"
    assert "999" in turn.messages[0].text
    assert any("\u0600" <= c <= "\u06ff" for c in turn.messages[0].text)


def test_a_chosen_language_is_never_second_guessed(chat: Chat) -> None:
    turn = chat.link("demo-19", language="en").say(ARABIC_QUESTION)
    assert not any(p.startswith("lang:") for p in payloads(turn))
