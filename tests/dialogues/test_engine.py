"""The dialogue engine end to end: real NLU model, real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.messages import InboundMessage
from bot.models import AuditEvent, Escalation, Message
from nlu.risk import PRIORITY
from nlu.risk.lexicon import default_lexicon
from tests.conftest import Chat

pytestmark = pytest.mark.slow


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def payloads(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


def test_council_tax_question_gets_the_council_tax_answer(chat: Chat) -> None:
    turn = chat.link("demo-19").say("can I get council tax paid")
    assert turn.intent == "council_tax"
    assert turn.topic == "council_tax"
    assert "council tax" in texts(turn).lower()
    assert "25" in texts(turn)
    assert "more:council_tax" in payloads(turn)
    assert "intent:talk_to_pa" in payloads(turn)


def test_whos_my_pa_names_the_pa_with_phone_and_hours(chat: Chat) -> None:
    turn = chat.link("demo-19").say("who's my PA")
    assert turn.intent == "pa_contact"
    reply = texts(turn)
    assert "Sam Ortiz" in reply
    assert "01632 960123" in reply
    assert "Monday to Friday" in reply and "09:00" in reply and "17:00" in reply
    assert "01632 960456" in reply  # the out-of-hours duty team


def test_another_young_person_gets_their_own_pa(chat: Chat) -> None:
    reply = texts(chat.link("demo-17").say("who is my pa"))
    assert "Priya Shah" in reply and "Sam Ortiz" not in reply


def test_anonymous_visitor_is_told_how_to_get_linked(chat: Chat) -> None:
    reply = texts(chat.link(council="plymouth").say("who's my PA"))
    assert "link code" in reply
    assert "Sam Ortiz" not in reply and "Priya Shah" not in reply
    assert "01632 960100" in reply  # the leaving care team's number


def test_age_band_changes_the_answer(chat: Chat, engine) -> None:
    young = texts(Chat(engine).link("demo-16").press("topic:leisure"))
    older = texts(Chat(engine).link("demo-19").press("topic:leisure"))
    assert young != older
    assert "18" in young


def test_anonymous_visitor_is_asked_for_their_council_once(engine) -> None:
    chat = Chat(engine, channel="web")
    first = chat.say("can u pay ma council tax")
    assert first.intent == "council_tax" and first.topic == "council_tax"
    assert sorted(payloads(first)) == [
        "council:cambridgeshire",
        "council:cheshire-east",
        "council:national",
        "council:plymouth",
    ]
    answered = chat.press("council:cambridgeshire")
    assert answered.topic == "council_tax" and "council tax" in texts(answered).lower()
    # Asked once: the next question is answered straight away, for Cambridgeshire.
    again = chat.say("what help is there with housing")
    assert again.topic == "housing" and not any(p.startswith("council:") for p in payloads(again))
    assert "Cambridgeshire" in texts(again) or "2019" in texts(again)


def test_not_sure_gives_the_national_answer_and_is_not_asked_again(engine, offer) -> None:
    chat = Chat(engine, channel="web")
    chat.say("council tax")
    national = chat.press("council:national")
    assert national.messages[0].text == offer.topic("national", "council_tax").answer
    assert chat.say("can i get help with housing").topic == "housing"
    assert not any(p.startswith("council:") for p in payloads(chat.say("uni bursary")))


def test_not_sure_on_the_web_chats_first_screen_is_not_asked_again(engine) -> None:
    # The web chat asks its council question on the page; the answer is a button press.
    chat = Chat(engine, channel="web")
    chat.press("council:national")
    housing = chat.say("can i get help with housing")
    assert housing.topic == "housing"
    assert not any(p.startswith("council:") for p in payloads(housing))


def test_anonymous_can_type_the_council_name(engine) -> None:
    chat = Chat(engine, channel="web")
    chat.say("council tax")
    assert chat.say("Cheshire East").topic == "council_tax"


def test_linked_young_people_get_their_band_of_their_councils_answer(engine, offer) -> None:
    topic = offer.topic("plymouth", "council_tax")
    band_16 = texts(Chat(engine).link("demo-16").press("topic:council_tax"))
    band_19 = texts(Chat(engine).link("demo-19").press("topic:council_tax"))
    band_24 = texts(Chat(engine).link("demo-24").press("topic:council_tax"))
    variants = {v.age_bands: v.answer for v in topic.variants}
    assert band_16 == variants[("16-17",)]
    assert band_24 == variants.get(("21-25",), topic.answer)
    assert band_19 == topic.answer
    assert "Plymouth" in band_19


def test_anonymous_with_a_council_gets_that_councils_answer(engine, offer) -> None:
    cambs = texts(Chat(engine).link(council="cambridgeshire").say("help with housing"))
    assert cambs == offer.topic("cambridgeshire", "housing").answer
    # Cambridgeshire has no council tax file, so the national baseline answers.
    tax = texts(Chat(engine).link(council="cambridgeshire").say("can i get council tax paid"))
    assert tax == offer.topic("national", "council_tax").answer


def test_amounts_are_formatted_and_circumstances_pick_variants(engine, offer) -> None:
    reply = texts(Chat(engine).link("demo-19").press("topic:university"))
    assert "£3,000" in reply and "{amount" not in reply


def test_duplicate_message_is_answered_once(chat: Chat, db_engine) -> None:
    chat.link("demo-19")
    first = chat.say("who's my PA", message_id="dup-1")
    again = chat.say("who's my PA", message_id="dup-1")
    assert first.messages and not first.duplicate
    assert again.duplicate
    # The same reply again, buttons and all (a retry after a lost response).
    assert again.messages == first.messages
    assert payloads(first) and payloads(again) == payloads(first)
    assert again.language == first.language
    with db_engine.connect() as conn:
        inbound = conn.execute(
            select(func.count()).select_from(Message).where(Message.external_id == "dup-1")
        ).scalar_one()
        identity_id = (
            select(Message.identity_id).where(Message.external_id == "dup-1").scalar_subquery()
        )
        replies = conn.execute(
            select(func.count())
            .select_from(Message)
            .where(Message.identity_id == identity_id, Message.direction == "out")
        ).scalar_one()
    assert inbound == 1
    assert replies == len(first.messages), "the replay is not stored as a second reply"


@pytest.mark.parametrize(
    ("kind", "content", "crisis"),
    [
        ("text", "can I get council tax paid", False),
        ("text", "i want to kill myself", True),
        ("button", "menu:", False),
    ],
    ids=["question", "crisis", "button"],
)
def test_the_same_inbound_message_twice_replays_the_first_turns_messages(
    engine, db_engine, kind: str, content: str, crisis: bool
) -> None:
    """A retried delivery gets the first turn's messages again, buttons included (in a crisis,
    the numbers again), without a second stored message or a second escalation."""
    chat = Chat(engine, channel="web").link(council="plymouth")
    inbound = InboundMessage(
        "web",
        chat.sender_id,
        "replay-1",
        kind=kind,
        text=content if kind == "text" else None,
        payload=content if kind == "button" else None,
    )
    first = engine.handle(inbound)
    again = engine.handle(inbound)

    assert first.messages and not first.duplicate
    assert again.duplicate is True
    assert again.messages == first.messages
    assert [m.buttons for m in again.messages] == [m.buttons for m in first.messages]
    if crisis:
        assert first.escalation is not None and again.escalation is None
        assert "116 123" in texts(again)
    else:
        assert payloads(again), "the buttons come back too"
    with db_engine.connect() as conn:
        inbound_rows = conn.execute(
            select(func.count())
            .select_from(Message)
            .where(Message.channel == "web", Message.external_id == "replay-1")
        ).scalar_one()
        opened = conn.execute(select(func.count()).select_from(Escalation)).scalar_one()
    assert inbound_rows == 1
    assert opened == (1 if crisis else 0)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("text", ""),
        ("text", "   "),
        ("text", "x" * 10_000),
        ("text", "😀🙏🔥"),
        ("sticker", None),
        ("photo", None),
        ("text", "a\x00b\ud800c"),
    ],
    ids=["empty", "spaces", "10k", "emoji", "sticker", "photo", "nul-and-surrogate"],
)
def test_bad_input_gets_a_polite_reply_and_is_kept(chat: Chat, db_engine, kind, text) -> None:
    turn = chat.link("demo-19").say(text, kind=kind)
    assert turn.messages, "every message gets a reply"
    assert all(m.text.strip() for m in turn.messages)
    with db_engine.connect() as conn:
        stored = conn.execute(
            select(Message.kind, Message.text).where(Message.direction == "in")
        ).all()
    assert len(stored) == 1 and stored[0].kind == kind
    if text and text.strip() and "\x00" not in text:
        assert stored[0].text == text.strip()


def test_forged_button_payload_gets_the_menu(chat: Chat) -> None:
    turn = chat.link("demo-19").press("topic:../../etc/passwd")
    assert turn.intent is None
    assert "topic:council_tax" in payloads(turn)


def test_crisis_message_gets_emergency_numbers_first_and_an_urgent_escalation(
    chat: Chat, db_engine
) -> None:
    turn = chat.link("demo-19").say("i want to kill myself")
    assert turn.safety == "suicide_self_harm"
    first = turn.messages[0].text
    assert "999" in first and "116 123" in first and "85258" in first
    assert turn.escalation is not None and turn.escalation["urgency"] == "urgent"
    with db_engine.connect() as conn:
        row = conn.execute(select(Escalation)).one()
    assert row.reason == "suicide_self_harm" and row.pa_id is not None


def test_thanks_and_greeting(chat: Chat) -> None:
    chat.link("demo-19")
    assert chat.say("hiya").intent == "greeting"
    assert "Jay" in texts(chat.say("hello"))
    assert chat.say("thanks so much").intent == "thanks"


def test_off_topic_gets_an_honest_reply_with_topics_and_pa(chat: Chat) -> None:
    turn = chat.link("demo-19").say("what is the weather in paris")
    assert turn.topic is None
    assert "intent:talk_to_pa" in payloads(turn)
    assert any(p.startswith("topic:") for p in payloads(turn))


def test_arabic_interface(chat: Chat) -> None:
    turn = chat.link("demo-19", language="ar").say("who's my PA")
    assert turn.language == "ar"
    assert "مستشارك الشخصي" in texts(turn)
    assert "Sam Ortiz" in texts(turn)


def test_every_risk_phrase_gets_its_risk_reply_first(engine) -> None:

    chat = Chat(engine).link("demo-19")
    # Every phrase is matched in tests/nlu/risk/test_lexicon.py; here, through the whole
    # engine, the first three of each category in each language.
    seen: dict[tuple[str, str], int] = {}
    for phrase in default_lexicon().phrases:
        key = (phrase.category, phrase.language)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 3:
            continue
        turn = chat.say(phrase.shown)
        expected = default_lexicon().match(phrase.shown)
        # Its own category, or a more urgent one the risk classifier also raised.
        assert turn.safety is not None, phrase
        assert PRIORITY.index(turn.safety) <= PRIORITY.index(expected), phrase
        assert turn.escalation is not None and turn.escalation["urgency"] == "urgent", phrase
        if expected in ("suicide_self_harm", "abuse_violence", "medical_emergency"):
            assert "999" in turn.messages[0].text, phrase


@pytest.mark.parametrize(
    "text",
    [
        "what is the weather in paris",
        "asdfghjkl",
        "who won the league",
        "hmm",
        "can you do my maths homework",
        "?",
        "ok so",
    ],
)
def test_fallback_always_offers_topics_and_the_pa(engine, text: str) -> None:
    turn = Chat(engine).link("demo-19").say(text)
    assert turn.intent in ("out_of_scope", "nlu_fallback") and turn.safety is None
    buttons = payloads(turn)
    assert "intent:talk_to_pa" in buttons
    assert sum(p.startswith("topic:") for p in buttons) >= 2


def test_a_lone_help_gets_the_emergency_numbers(engine) -> None:
    """ "help" on its own is read as possible risk (the risk classifier's urgent rule): the
    numbers at once, rather than a menu of topics."""
    turn = Chat(engine).link("demo-19").say("help")
    assert turn.safety is not None
    assert "116 123" in texts(turn)


def test_language_can_be_chosen_from_a_menu(chat: Chat) -> None:
    chat.link("demo-19")
    menu = chat.say("/language")
    assert menu.intent == "language_change"
    titles = {b.title: b.payload for m in menu.messages for b in m.buttons}
    assert titles["العربية"] == "lang:ar" and titles["English"] == "lang:en"
    chosen = chat.press("lang:ar")
    assert chosen.language == "ar"
    assert chat.say("who's my PA").language == "ar"


def test_stop_is_recorded_and_explained(chat: Chat, db_engine) -> None:

    turn = chat.link("demo-19").say("/stop")
    assert turn.intent == "data_delete"
    assert "won't send you messages" in texts(turn)
    with db_engine.connect() as conn:
        assert (
            conn.execute(
                select(AuditEvent.action).where(AuditEvent.action == "stop_requested")
            ).scalar_one()
            == "stop_requested"
        )


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ar", "ما هي افضل وصفة للكبسة"),  # the best recipe for kabsa
        ("fa_AF", "بهترین فلم هندی امسال کدام است"),  # the best Indian film this year
    ],
)
def test_unsure_in_another_language_offers_every_way_on_at_once(
    engine, language: str, text: str
) -> None:
    """At the first miss: topics in their language, their PA and Easy English, not a
    second failure before help."""
    turn = Chat(engine).link("demo-19", language=language).say(text)
    assert turn.intent in ("out_of_scope", "nlu_fallback")
    assert turn.language == language
    buttons = payloads(turn)
    assert "intent:talk_to_pa" in buttons
    assert "lang:en_easy" in buttons
    assert sum(p.startswith("topic:") for p in buttons) >= 2
    assert turn.escalation is None  # help offered, nobody alarmed yet
