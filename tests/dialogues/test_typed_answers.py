"""Typing an answer to a question asked with buttons works like pressing the button: yes/no/ok,
the button's own words, common misspellings and the shipped languages."""

from __future__ import annotations

import pytest

from dialogues.typed_answers import button_for, typed_class
from tests.conftest import Chat

DELETE = [("Yes, delete them", "privacy:delete_yes"), ("No, keep them", "privacy:delete_no")]
STOP = [("Yes, stop messages", "privacy:stop_yes"), ("No, keep them", "privacy:stop_no")]
CHECKIN = [("Good", "kit:good"), ("OK", "kit:ok"), ("Not good", "kit:not_good")]
OPTIN = [("Yes", "optin:yes"), ("No", "optin:no"), ("Not sure", "optin:not_sure")]
SAFE = [("Yes, I'm safe", "safe:yes"), ("No", "safe:no"), ("Talk to my PA", "intent:talk_to_pa")]
TOPICS = [("Council tax", "topic:council_tax"), ("Housing", "topic:housing")]


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def payloads(turn) -> list[str]:
    return [b.payload for m in turn.messages for b in m.buttons]


@pytest.mark.parametrize(
    ("typed", "buttons", "expected"),
    [
        ("yes", DELETE, "privacy:delete_yes"),
        ("Yep!!", DELETE, "privacy:delete_yes"),
        ("yea", STOP, "privacy:stop_yes"),
        ("nah", DELETE, "privacy:delete_no"),
        ("No thanks.", STOP, "privacy:stop_no"),
        ("yes, delete them", DELETE, "privacy:delete_yes"),  # the button's own words
        ("no keep tem", DELETE, "privacy:delete_no"),  # misspelt title
        ("ok", CHECKIN, "kit:ok"),
        ("Good 👍", CHECKIN, "kit:good"),
        ("not gd", CHECKIN, "kit:not_good"),
        ("NOT GOOD", CHECKIN, "kit:not_good"),
        ("yes", OPTIN, "optin:yes"),
        ("no", OPTIN, "optin:no"),
        ("idk", OPTIN, "optin:not_sure"),
        ("dunno yet", OPTIN, None),  # not a phrase we know: left to the classifier
        ("ok", OPTIN, "optin:yes"),  # "ok" agrees to a yes/no question
        ("no", SAFE, "safe:no"),
        ("im safe", SAFE, "safe:yes"),
        ("council tax", TOPICS, "topic:council_tax"),
        ("housng", TOPICS, "topic:housing"),
        # Translations (drafts awaiting native speakers, like the stop words).
        ("نعم", DELETE, "privacy:delete_yes"),  # Arabic
        ("لا", OPTIN, "optin:no"),
        ("بله", OPTIN, "optin:yes"),  # Dari
        ("هو", OPTIN, "optin:yes"),  # Pashto
        ("نەخێر", OPTIN, "optin:no"),  # Sorani
        ("Po", OPTIN, "optin:yes"),  # Albanian
        ("ኣይፋል", OPTIN, "optin:no"),  # Tigrinya
        ("không", OPTIN, "optin:no"),  # Vietnamese
        ("Vâng", OPTIN, "optin:yes"),
    ],
)
def test_a_typed_answer_stands_for_the_button(typed, buttons, expected) -> None:
    assert button_for(typed, buttons) == expected


def test_ok_never_deletes_or_stops_anything() -> None:
    """Deleting and stopping need a real yes: "ok" could be a reply to something else."""
    assert button_for("ok", DELETE) is None
    assert button_for("okay", STOP) is None
    assert button_for("yes", DELETE) == "privacy:delete_yes"


def test_nothing_is_read_into_a_message_that_is_not_an_answer() -> None:
    assert button_for("yes", []) is None  # no buttons offered
    assert button_for("yes but what about my rent", OPTIN) is None
    assert button_for("", OPTIN) is None
    assert button_for("no", CHECKIN) is None  # "no" is not one of good / ok / not good
    assert button_for("hou", TOPICS) is None  # too short to guess a misspelling
    # Two titles as close as each other: ask again rather than guess.
    assert button_for("councel", [("Council tax", "topic:a"), ("Council home", "topic:b")]) is None
    assert typed_class("not sure yet") == "not_sure" and typed_class("yes please") == "yes"


def test_typing_yes_confirms_deleting_and_no_keeps(engine) -> None:
    pressed = Chat(engine).link("demo-19")
    pressed.say("/stop delete my data")
    by_button = pressed.press("privacy:delete_yes")

    typed = Chat(engine).link("demo-18")
    asked = typed.say("/stop delete my data")
    assert payloads(asked) == ["privacy:delete_yes", "privacy:delete_no"]
    kept = typed.say("no")
    assert kept.intent == "data_delete" and "privacy:delete_yes" not in payloads(kept)
    typed.say("/stop delete my data")
    done = typed.say("Yes")
    assert done.intent == "data_delete"
    assert texts(done) == texts(by_button)


def test_ok_to_the_deletion_question_deletes_nothing(engine) -> None:
    chat = Chat(engine).link("demo-19")
    chat.say("/stop delete my data")
    turn = chat.say("ok")
    assert turn.intent != "data_delete"
    # Asked again, with the same buttons, rather than guessed either way.
    assert texts(turn) == "Sorry, is that a yes or a no?"
    assert [b.payload for b in turn.messages[0].buttons] == [
        "privacy:delete_yes",
        "privacy:delete_no",
    ]
    # Still theirs: the next message is answered as the same person.
    assert "Jay" in texts(chat.say("hello"))


def test_typing_no_to_are_you_safe_is_the_same_as_pressing_no(engine) -> None:
    typed = Chat(engine).link("demo-19")
    typed.say("my boyfriend is hitting me")
    asked = typed.say("ok")
    assert asked.messages[0].text.startswith("Are you safe right now?")
    answer = typed.say("no")

    pressed = Chat(engine).link("demo-18")
    pressed.say("my boyfriend is hitting me")
    pressed.say("ok")
    by_button = pressed.press("safe:no")
    assert answer.intent == "safe_answer"
    assert texts(answer).replace("Jay", "X") == texts(by_button).replace("Jordan", "X")


def test_a_risk_typed_where_buttons_were_offered_is_still_a_risk(engine) -> None:
    chat = Chat(engine).link("demo-19")
    chat.say("/stop delete my data")
    turn = chat.say("i want to kill myself")
    assert turn.safety == "suicide_self_harm"


def test_a_bare_answer_only_a_classifier_reads_as_risk_answers_the_question(engine) -> None:
    # The risk classifier scores "i dont know" as distress; to our own question it is "not sure".
    chat = Chat(engine).link("demo-20-9m")
    chat.say("wat happens wen i turn 21")
    turn = chat.say("i dont know")
    assert turn.safety is None
    assert "I'll ask again nearer your birthday." in texts(turn)


def test_are_you_safe_is_never_answered_by_a_guess(engine) -> None:
    # After "Are you safe right now?", an unsure answer stays on the safety path.
    chat = Chat(engine).link("demo-19")
    chat.say("my boyfriend is hitting me")
    asked = chat.say("ok")
    assert asked.messages[0].text.startswith("Are you safe right now?")
    turn = chat.say("i dont know")
    assert turn.intent != "safe_answer"
    assert turn.safety is not None


def test_a_lexicon_risk_in_an_answer_word_position_is_still_a_risk(engine) -> None:
    chat = Chat(engine).link("demo-20-9m")
    chat.say("wat happens wen i turn 21")
    turn = chat.say("not sure i want to live")
    assert turn.safety == "suicide_self_harm"
