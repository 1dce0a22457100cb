"""Every required topic renders for every sample council and age band, in one message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.content import AGE_BANDS, NATIONAL, REQUIRED_TOPICS, Offer, render
from bot.content.first_message import SCREEN_LINES, screen_lines
from bot.i18n import Translator
from dialogues.handlers.offer import compose_answer, compose_detail

COUNCILS = ("plymouth", "cambridgeshire", "cheshire-east", NATIONAL)
TODAY = date(2026, 11, 22)
TELEGRAM_LIMIT = 4096


@pytest.mark.parametrize("council", COUNCILS)
@pytest.mark.parametrize("band", AGE_BANDS)
def test_every_required_topic_renders(offer: Offer, council: str, band: str) -> None:
    t = Translator("en")
    council_id = None if council == NATIONAL else council
    for topic_id in REQUIRED_TOPICS:
        topic = offer.topic(council_id, topic_id)
        assert topic is not None, f"{council} has no {topic_id}, not even from the baseline"
        reply = compose_answer(
            offer, council_id, topic_id, band=band, conditions=frozenset(), t=t, today=TODAY
        )
        (message,) = reply.messages
        assert 10 < len(message.text) <= 600, (council, topic_id, band)
        assert "{" not in message.text and "}" not in message.text
        assert "intent:talk_to_pa" in [b.payload for b in message.buttons]
        more = compose_detail(
            offer, council_id, topic_id, band=band, conditions=frozenset(), t=t, today=TODAY
        )
        assert all(len(m.text) <= TELEGRAM_LIMIT for m in more.messages)


def test_councils_override_the_baseline(offer: Offer) -> None:
    assert offer.topic("plymouth", "council_tax").council_id == "plymouth"
    assert offer.topic("cambridgeshire", "council_tax").council_id == NATIONAL
    assert offer.topic(None, "housing").council_id == NATIONAL


def test_variant_choice_by_band_and_condition(offer: Offer) -> None:
    topic = offer.topic("plymouth", "council_tax")
    t = Translator("en")
    sixteen = render(topic, band="16-17", conditions=frozenset(), translator=t, today=TODAY)
    nineteen = render(topic, band="18-20", conditions=frozenset(), translator=t, today=TODAY)
    assert sixteen.answer != nineteen.answer
    assert nineteen.answer == topic.answer
    national = offer.topic(None, "council_tax")
    outside = [v for v in national.variants if "lives_outside_area" in v.conditions]
    assert outside, "the national council tax answer has a variant for living elsewhere"
    away = render(
        national,
        band="18-20",
        conditions=frozenset({"lives_outside_area"}),
        translator=t,
        today=TODAY,
    )
    assert away.answer == outside[0].answer


def test_amounts_render_in_pounds_and_never_outside_their_dates(offer: Offer) -> None:
    topic = offer.topic("plymouth", "university")
    t = Translator("en")
    now = render(topic, band="18-20", conditions=frozenset(), translator=t, today=TODAY)
    assert "£3,000" in now.answer
    before = render(
        topic, band="18-20", conditions=frozenset(), translator=t, today=date(2020, 1, 1)
    )
    assert "£3,000" not in before.answer and "ask your PA for the current amount" in before.answer


def test_untranslated_topic_says_so_in_the_chosen_language(offer: Offer) -> None:
    topic = replace(offer.topic("plymouth", "council_tax"), translations={})
    rendered = render(
        topic, band="18-20", conditions=frozenset(), translator=Translator("ar"), today=TODAY
    )
    assert rendered.language == "en" and rendered.answer == topic.answer
    assert rendered.notice and any("\u0600" <= c <= "\u06ff" for c in rendered.notice)


def test_translated_topic_is_sent_in_the_chosen_language(offer: Offer) -> None:
    topic = offer.topic("plymouth", "council_tax")
    rendered = render(
        topic, band="18-20", conditions=frozenset(), translator=Translator("ar"), today=TODAY
    )
    assert rendered.language == "ar" and rendered.notice is None
    assert rendered.answer == topic.translations["ar"].answer


def test_a_language_without_a_translation_falls_back_to_easy_english_with_a_notice(
    offer: Offer,
) -> None:
    topic = offer.topic("plymouth", "council_tax")
    assert "ps" not in topic.translations and "en_easy" in topic.translations
    rendered = render(
        topic, band="18-20", conditions=frozenset(), translator=Translator("ps"), today=TODAY
    )
    assert rendered.language == "en_easy"
    assert rendered.answer == topic.translations["en_easy"].answer
    assert rendered.notice == Translator("ps").gettext(
        "This answer isn't in your language yet, so here it is in simple English."
    )
    assert (
        rendered.notice
        != "This answer isn't in your language yet, so here it is in simple English."
    )


SHIPPED = ("en", "en_easy", "ar", "fa_AF", "ps", "ckb", "sq", "ti", "vi")


@pytest.mark.parametrize("language", SHIPPED)
def test_the_answer_bubble_fits_one_screen_even_with_the_not_translated_notice(
    offer: Offer, language: str
) -> None:

    t = Translator(language)
    noticed = 0
    for council in COUNCILS:
        council_id = None if council == NATIONAL else council
        for band in AGE_BANDS:
            for topic_id in offer.topic_ids():
                reply = compose_answer(
                    offer, council_id, topic_id, band=band, conditions=frozenset(), t=t, today=TODAY
                )
                *before, answer = reply.messages
                where = (language, council, band, topic_id)
                assert screen_lines(answer.text) <= SCREEN_LINES, where
                assert "more:" + topic_id in [b.payload for b in answer.buttons] or not before
                if before:
                    # The notice goes first, on its own, with no buttons to lose.
                    (notice,) = before
                    assert not notice.buttons and screen_lines(notice.text) <= 3, where
                    noticed += 1
    if language in ("ps", "ckb", "sq", "ti", "vi"):
        assert noticed, f"{language}: expected some answers in English with the notice"
