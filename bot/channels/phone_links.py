"""UK phone numbers in the bot's messages, as tap-to-call (and tap-to-text) links.

The web chat sends each message as plain `text` plus `parts`: the same text cut into pieces,
where a phone number carries an `href` (`tel:+441632960123`, `tel:999`, `sms:85258`). The
page builds text nodes and links from the parts, so no message text is ever parsed as HTML.
Telegram and WhatsApp never see parts (their apps link numbers themselves).

What counts as a number (and what does not):
- UK numbers from 0, 10 or 11 digits, in any usual grouping ("01632 960 123", "0800 068 4141",
  "08000 121 700", "020 7946 0000", "(01632) 960123", "+44 (0)1632 960123"), and Childline's
  "0800 1111"; linked as E.164 (`tel:+44...`).
- Emergency and short numbers standing alone: 999, 112, 111, 101, and 116 xxx (116 123).
- Five-digit text short codes (6xxxx-8xxxx) only beside a text keyword in capitals or the
  word text/SMS ("text SHOUT to 85258", in any language the bot speaks): `sms:85258`.
- Never a number inside a word or reference ("demo-19"), an amount ("£2,000", "999p",
  "50%"), a decimal, a date or a time ("03/03/2025", "24/7", "9-5", "10:30").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

# A run of digit groups, each separated by one space (or no-break space) or hyphen, with an
# optional +44 (and "(0)") or a bracketed area code in front.
_CANDIDATE = re.compile(
    r"(?:(?P<intl>\+44)[ \u00a0]?(?:\(0\)[ \u00a0]?)?|\((?P<area>0[0-9]{2,5})\)[ \u00a0]?)?"
    r"(?P<body>[0-9]+(?:[ \u00a0\u202f-][0-9]+)*)"
)
_GROUP = re.compile(r"[0-9]+")
# Before a number: not a letter, digit, amount sign, decimal point, date/time separator,
# reference joiner or another country's "+".
_BAD_BEFORE = re.compile(r"[A-Za-z0-9_£$€.,/#+\-]")
# After a number: not a letter, digit or "%" / "£" / "p" of an amount...
_BAD_AFTER = re.compile(r"[A-Za-z0-9_%£$€]")
# ...and not a decimal point, thousands comma, date/time separator or hyphen then a digit.
_JOINERS = ".,/:-"
SHORT_NUMBERS = frozenset({"999", "112", "111", "101"})
# Single 8-digit UK number (Childline).
SPECIAL_NATIONAL = frozenset({"08001111"})
# A text keyword in capitals ("SHOUT") or the word text/SMS, near a short code.
_SMS_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:[A-Z]{3,15}|[Tt]ext|TEXT|[Tt]xt|[Ss]ms|SMS)(?![A-Za-z])"
)
_SMS_WINDOW = 60  # characters either side, within the same line


@dataclass(frozen=True)
class Link:
    """One number found in a text: where it is (`text[start:end]`) and the tel: or sms: href."""

    start: int
    end: int
    href: str


def _national_href(digits: str) -> str | None:
    """tel: href for a UK number written from 0 (national format), or None."""
    if digits in SPECIAL_NATIONAL:
        return f"tel:+44{digits[1:]}"
    if len(digits) in (10, 11) and digits[0] == "0" and digits[1] != "0":
        return f"tel:+44{digits[1:]}"
    return None


def _sms_context(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    before = text[max(line_start, start - _SMS_WINDOW) : start]
    after = text[end : min(line_end, end + _SMS_WINDOW)]
    return bool(_SMS_CONTEXT.search(before) or _SMS_CONTEXT.search(after))


def _plain_href(text: str, groups: list[str], start: int, end: int) -> str | None:
    """The href for digit groups written without a prefix, or None if not a number."""
    digits = "".join(groups)
    if digits[0] == "0":
        # National format: an area code of 2-6 digits first, then groups of 2-8.
        if len(groups) > 1 and not (
            2 <= len(groups[0]) <= 6 and all(2 <= len(g) <= 8 for g in groups[1:])
        ):
            return None
        return _national_href(digits)
    if len(groups) == 1 and digits in SHORT_NUMBERS:
        return f"tel:{digits}"
    if digits.startswith("116") and len(digits) == 6 and groups[0] in ("116", digits):
        return f"tel:{digits}"
    if (
        len(groups) == 1
        and len(digits) == 5
        and digits[0] in "678"
        and _sms_context(text, start, end)
    ):
        return f"sms:{digits}"
    return None


def _right_ok(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    after = text[end]
    if _BAD_AFTER.match(after):
        return False
    return not (after in _JOINERS and end + 1 < len(text) and text[end + 1].isdigit())


def _left_ok(text: str, start: int) -> bool:
    return start == 0 or not _BAD_BEFORE.match(text[start - 1])


def _in_candidate(text: str, match: re.Match[str]) -> list[Link]:
    """The numbers in one run of digit groups: the longest valid number from the first
    group, then from wherever that one ended (a run may hold a number and other digits,
    "0800 1111 24/7")."""
    spans = [(g.start(), g.end()) for g in _GROUP.finditer(text, match.start("body"), match.end())]
    found: list[Link] = []
    if match.group("intl") or match.group("area"):
        # A prefixed number takes the whole run or the longest part of it that fits.
        for stop in range(len(spans), 0, -1):
            end = spans[stop - 1][1]
            digits = "".join(text[a:b] for a, b in spans[:stop])
            if match.group("intl"):
                href = f"tel:+44{digits}" if len(digits) in (9, 10) and digits[0] != "0" else None
            else:
                href = _national_href(match.group("area") + digits)
            if href and _left_ok(text, match.start()) and _right_ok(text, end):
                found.append(Link(match.start(), end, href))
                spans = spans[stop:]
                break
        # With no prefixed number here, the digits are read alone below (and the group
        # after "+44" is never a number from 0 on its own).
    first = 0
    while first < len(spans):
        start = spans[first][0]
        # A group after a hyphen belongs to whatever came before it ("demo-19", "9-5").
        if text[start - 1 : start] == "-" or not _left_ok(text, start):
            first += 1
            continue
        for stop in range(len(spans), first, -1):
            end = spans[stop - 1][1]
            href = _plain_href(text, [text[a:b] for a, b in spans[first:stop]], start, end)
            if href and _right_ok(text, end):
                found.append(Link(start, end, href))
                first = stop
                break
        else:
            first += 1
    return found


def find(text: str) -> list[Link]:
    """Every phone number in `text`, in order, with the href to call or text it."""
    links: list[Link] = []
    for match in _CANDIDATE.finditer(text):
        links.extend(_in_candidate(text, match))
    return links


def parts(text: str) -> list[dict[str, str]]:
    """`text` as pieces the page draws: {"text": ...} and {"text": ..., "href": ...}."""
    pieces: list[dict[str, str]] = []
    at = 0
    for link in find(text):
        if link.start > at:
            pieces.append({"text": text[at : link.start]})
        pieces.append({"text": text[link.start : link.end], "href": link.href})
        at = link.end
    if at < len(text) or not pieces:
        pieces.append({"text": text[at:]})
    return pieces


def linked_html(text: str) -> Markup:
    """`text` escaped for HTML, with its numbers as links (for the page's own lines).
    Everything is escaped, even text Jinja already marked safe (a translation)."""
    out = Markup("")
    for piece in parts(str(text)):
        if "href" in piece:
            out += Markup('<a href="{}">{}</a>').format(piece["href"], piece["text"])
        else:
            out += escape(piece["text"])
    return out
