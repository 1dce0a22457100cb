"""Catalogues: every user-facing string in the code is in every catalogue, translated and compiled."""

from __future__ import annotations

import gettext

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALES_DIR, SOURCE_LANGUAGE
from bot.settings import PROJECT_ROOT

CATALOGUES = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())


def source_messages() -> set[str]:
    method_map = [
        ("bot/**.py", "python"),
        ("dialogues/**.py", "python"),
        ("bot/templates/**.html", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map=method_map
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_there_is_a_second_language() -> None:
    assert SOURCE_LANGUAGE in CATALOGUES and len(CATALOGUES) >= 2
    assert len(source_messages()) > 30, "extraction found the bot's strings"


@pytest.mark.parametrize("language", CATALOGUES)
def test_catalogue_has_every_message_translated_and_compiled(language: str) -> None:
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as handle:
        catalogue = read_po(handle)
    ids = {m.id for m in catalogue if m.id}
    missing = sorted(source_messages() - ids)
    assert not missing, f"{language}: run pybabel extract/update; missing {missing}"
    if language == SOURCE_LANGUAGE:
        return
    untranslated = sorted(m.id for m in catalogue if m.id and (not m.string or m.fuzzy))
    assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated}"
    compiled = gettext.GNUTranslations((po_path.with_suffix(".mo")).open("rb"))
    stale = sorted(m.id for m in catalogue if m.id and compiled.gettext(m.id) != m.string)
    assert not stale, f"{language}: compiled catalogue out of date; run pybabel compile: {stale}"
