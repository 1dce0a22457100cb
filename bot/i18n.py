"""Translations (gettext catalogues under locales/) and locale-aware formatting with Babel."""

from __future__ import annotations

import gettext
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_day_names
from babel.support import NullTranslations, Translations

from bot.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"
# The language source strings are written in; it needs no catalogue to work.
SOURCE_LANGUAGE = "en"
# Easy English for ESOL learners: its own catalogue and content translations, selectable
# like any language (short sentences, common words, about CEFR A2).
EASY_ENGLISH = "en_easy"
# How a language is named in the language menu when Babel's own name is not the one its
# speakers look for.
OWN_NAMES = {EASY_ENGLISH: "Easy English", "fa_AF": "دری", "ckb": "کوردیی سۆرانی"}
# Right-to-left scripts, for the web chat's dir attribute.
_RTL = {"ar", "fa", "ps", "ckb", "he", "ur"}


@lru_cache(maxsize=4)
def available_languages(locales_dir: Path = LOCALES_DIR) -> tuple[str, ...]:
    """Languages with a compiled catalogue, plus the source language.

    Read once per process (it is on every message's path); catalogues are compiled before
    the bot starts, so a new language needs a restart anyway."""
    found = (
        {p.name for p in locales_dir.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()}
        if locales_dir.is_dir()
        else set()
    )
    return tuple(sorted(found | {SOURCE_LANGUAGE}))


def normalise_language(code: str | None) -> str | None:
    """'AR', 'ar-SA' and 'ar_SA' all mean a shipped 'ar'; None when nothing shipped fits."""
    if not code:
        return None
    code = code.strip().replace("-", "_")
    shipped = available_languages()
    for candidate in (code, code.lower(), code.split("_")[0].lower()):
        if candidate in shipped:
            return candidate
    return None


@lru_cache(maxsize=32)
def translations(language: str) -> NullTranslations:
    catalogue = Translations.load(str(LOCALES_DIR), [language], DOMAIN)
    if isinstance(catalogue, Translations):
        return catalogue
    if language == SOURCE_LANGUAGE:
        # Source strings are English already; the catalogue only lets staff reword them.
        return NullTranslations()
    raise LookupError(f"no compiled catalogue for {language!r} in {LOCALES_DIR}")


# Formatting conventions per language where the bare code would pick another country's.
_FORMAT_LOCALE = {"en": "en_GB", EASY_ENGLISH: "en_GB"}


@lru_cache(maxsize=64)
def babel_locale(language: str) -> Locale:
    # Cached: every turn makes a Translator, and parsing a locale each time showed in profiles.
    language = _FORMAT_LOCALE.get(language, language)
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LANGUAGE)


def is_rtl(language: str) -> bool:
    return language.split("_")[0] in _RTL


class Translator:
    """gettext plus formatting for one language; handlers get one per turn."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = babel_locale(language)
        self._catalogue: gettext.NullTranslations = translations(language)

    def gettext(self, message: str) -> str:
        return self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue.ngettext(singular, plural, n)

    def time(self, value: time) -> str:
        return format_time(value, format="short", locale=self.locale)

    def day(self, value: date) -> str:
        """'Monday 3 March': the weekday and date, no year (how the bot writes dates)."""
        return format_date(value, format="EEEE d MMMM", locale=self.locale)

    def when(self, at: datetime, now: datetime, tz_name: str) -> str:
        """'17:00 today', '17:00 tomorrow', '17:00 on Monday' or '17:00 on Monday 3 March',
        in the council's time zone, so a young person knows exactly when to expect a reply."""
        tz = ZoneInfo(tz_name)
        local, today = at.astimezone(tz), now.astimezone(tz).date()
        clock = format_time(local.time(), format="short", locale=self.locale)
        days = (local.date() - today).days
        if days <= 0:
            return self.gettext("{time} today").format(time=clock)
        if days == 1:
            return self.gettext("{time} tomorrow").format(time=clock)
        pattern = "EEEE" if days < 7 else "EEEE d MMMM"
        day = format_date(local.date(), format=pattern, locale=self.locale)
        return self.gettext("{time} on {day}").format(time=clock, day=day)

    def working_days(self, pattern: str) -> str:
        """'1111100' -> 'Monday to Friday' (or a list when the days are not in a row)."""
        names = get_day_names("wide", locale=self.locale)  # 0 = Monday
        days = [i for i, flag in enumerate(pattern[:7]) if flag == "1"]
        if not days:
            return ""
        if len(days) == 1:
            return names[days[0]]
        if days == list(range(days[0], days[-1] + 1)):
            return self.gettext("{first} to {last}").format(
                first=names[days[0]], last=names[days[-1]]
            )
        return ", ".join(names[d] for d in days)
