"""`carebot content check` and `carebot content show`: the content tools for council staff."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bot.clock import age_band
from bot.content import CONDITIONS, NATIONAL, check_offer
from bot.i18n import SOURCE_LANGUAGE, Translator, available_languages, normalise_language
from bot.settings import Settings
from dialogues.context import Reply
from dialogues.handlers.offer import compose_answer, compose_detail
from nlu import training_data


def run(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot content check|show`: returns the exit status."""
    if args.content_command == "check":
        return check(settings)
    return show(
        settings,
        args.topic,
        council=args.council,
        age=args.age,
        language=args.lang,
        conditions=args.condition,
    )


def check(settings: Settings, *, today: date | None = None) -> int:
    """`carebot content check`: every problem printed; exit 1 when any is an error."""
    languages = [code for code in available_languages() if code != SOURCE_LANGUAGE]
    result = check_offer(settings.content_dir, today=today, languages=languages)
    for problem in result.problems:
        print(problem)
    if (
        result.offer is not None
        and settings.model_path.is_file()
        and not training_data.is_current(settings.model_path, result.offer.examples_by_topic())
    ):
        print(
            "note: example questions changed since the NLU model was trained; "
            "run `carebot train` (the bot keeps the old model until then)"
        )
    print(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)")
    return 1 if result.errors else 0


def _print(reply: Reply) -> None:
    for message in reply.messages:
        print(message.text)
        if message.buttons:
            print("  " + "  ".join(f"[{b.title}]" for b in message.buttons))


def show(
    settings: Settings,
    topic_id: str,
    *,
    council: str,
    age: int,
    language: str,
    conditions: list[str],
    today: date | None = None,
) -> int:
    """`carebot content show`: what the bot would send about a topic, and after [More detail];
    exit 2 for an unknown council, topic, age, condition or language."""
    result = check_offer(settings.content_dir, today=today)
    if result.offer is None:
        print(
            f"carebot content show: the content has errors; run `carebot content check` "
            f"({result.errors[0]})",
            file=sys.stderr,
        )
        return 1
    offer = result.offer
    if council != NATIONAL and council not in offer.councils:
        known = ", ".join([*offer.council_ids(), NATIONAL])
        print(
            f"carebot content show: no council {council!r}; expected one of {known}",
            file=sys.stderr,
        )
        return 2
    if offer.topic(council, topic_id) is None:
        known = ", ".join(sorted(offer.topic_ids()))
        print(
            f"carebot content show: no topic {topic_id!r}; expected one of {known}", file=sys.stderr
        )
        return 2
    band = age_band(age)
    if band is None:
        print(f"carebot content show: age {age} is outside 16-25", file=sys.stderr)
        return 2
    unknown = sorted(set(conditions) - set(CONDITIONS))
    if unknown:
        print(
            f"carebot content show: unknown condition {unknown[0]!r}; expected one of "
            f"{', '.join(CONDITIONS)}",
            file=sys.stderr,
        )
        return 2
    code = normalise_language(language)
    if code is None:
        print(
            f"carebot content show: no language {language!r}; expected one of "
            f"{', '.join(available_languages())}",
            file=sys.stderr,
        )
        return 2
    kwargs = {
        "band": band,
        "conditions": frozenset(conditions),
        "t": Translator(code),
        "today": today or date.today(),
    }
    council_id = None if council == NATIONAL else council
    _print(compose_answer(offer, council_id, topic_id, **kwargs))
    print("\n--- after [More detail] ---")
    _print(compose_detail(offer, council_id, topic_id, **kwargs))
    return 0
