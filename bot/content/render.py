"""Turns a topic into the text a particular young person is sent: variant, language, amounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.numbers import format_currency

from bot.content.model import AMOUNT_PLACEHOLDER, Amount, Topic
from bot.i18n import EASY_ENGLISH, SOURCE_LANGUAGE, Translator


@dataclass(frozen=True)
class Rendered:
    """A topic's text as one young person is sent it, amounts filled in."""

    topic_id: str
    title: str
    answer: str
    detail: str | None
    language: str  # the language the text is actually in
    # Said first when the text is not in the language the young person chose.
    notice: str | None = None


def _money(amount: Amount, translator: Translator, today: date) -> str:
    if not amount.valid_on(today):
        # Never state a figure outside its dates: the honest answer is "ask".
        return translator.gettext("(ask your PA for the current amount)")
    pattern = "¤#,##0" if float(amount.value).is_integer() else "¤#,##0.00"
    return format_currency(
        amount.value,
        amount.currency,
        format=pattern,
        locale=translator.locale,
        currency_digits=False,
    )


def _fill(text: str | None, topic: Topic, translator: Translator, today: date) -> str | None:
    if text is None:
        return None
    return AMOUNT_PLACEHOLDER.sub(
        lambda m: _money(topic.amounts[m.group(1)], translator, today), text
    )


def render(
    topic: Topic,
    *,
    band: str | None,
    conditions: frozenset[str],
    translator: Translator,
    today: date,
) -> Rendered:
    """The first variant for their age band and conditions (else the main answer), in their
    language, else Easy English, else English with a notice; only current translations are used."""
    index = topic.pick(band, conditions)
    title, answer, detail = topic.title, topic.answer, topic.detail
    if index is not None:
        variant = topic.variants[index]
        answer, detail = variant.answer, variant.detail or topic.detail
    language, notice = SOURCE_LANGUAGE, None
    wanted = translator.language
    if wanted != SOURCE_LANGUAGE:
        # Their language; else Easy English (plain words read best by someone learning
        # English); else the English. A stale translation may state facts the English no
        # longer does, so it is never used.
        for candidate in dict.fromkeys((wanted, EASY_ENGLISH)):
            translation = topic.translations.get(candidate)
            if translation is None or translation.source_hash != topic.english_hash():
                continue
            title, language = translation.title, candidate
            if index is not None and translation.variants:
                answer, detail = translation.variants[index]
                detail = detail or translation.detail
            else:
                answer, detail = translation.answer, translation.detail
            break
        if language != wanted:
            notice = (
                translator.gettext(
                    "This answer isn't in your language yet, so here it is in simple English."
                )
                if language == EASY_ENGLISH
                else translator.gettext(
                    "This answer isn't translated yet, so here it is in English."
                )
            )
    return Rendered(
        topic_id=topic.id,
        title=title,
        answer=_fill(answer, topic, translator, today) or "",
        detail=_fill(detail, topic, translator, today),
        language=language,
        notice=notice,
    )
