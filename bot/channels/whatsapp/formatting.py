"""Our messages as WhatsApp messages: texts cut to size, reply buttons, lists, template params."""

from __future__ import annotations

from dataclasses import dataclass

from pywa_async.types import Button as WaButton
from pywa_async.types import Section, SectionList, SectionRow

from bot.channels.text import PARAGRAPH_LINE_WORD
from bot.channels.text import split_text as split_any
from bot.messages import Button, OutgoingMessage

TEXT_LIMIT = 4096  # a text message's body
INTERACTIVE_TEXT_LIMIT = 1024  # the body of a message with buttons or a list
MAX_REPLY_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
# The label of the button that opens a list, and the list's one section title.
# TODO: translate (the adapter has no gettext yet).
LIST_BUTTON_LABEL = "Choose"
LIST_SECTION_TITLE = "Options"


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where possible;
    trimmed, and none at all for blank text, since WhatsApp refuses an empty message."""
    return split_any(text, limit, separators=PARAGRAPH_LINE_WORD, strip=True, cut_at_limit=True)


def _split_tail(text: str, limit: int) -> tuple[str, str]:
    """(head, tail) with the tail at most `limit` characters, cut at a boundary if possible."""
    text = text.strip()
    if len(text) <= limit:
        return "", text
    window_start = len(text) - limit
    for separator in ("\n\n", "\n", " "):
        at = text.find(separator, window_start)
        if at != -1 and len(text) - at - len(separator) >= limit // 2:
            return text[:at].rstrip(), text[at:].strip()
    return text[:window_start], text[window_start:]


@dataclass(frozen=True)
class Part:
    """One WhatsApp message: a text, or a text with reply buttons or a list."""

    text: str
    buttons: tuple[Button, ...] = ()


def plan(message: OutgoingMessage) -> list[Part]:
    """How one of our messages goes out: text over 4,096 characters in several messages, the
    buttons (at most 10, each payload once) on the last, whose body may hold 1,024."""
    buttons: list[Button] = []
    for button in message.buttons:
        if button.payload and all(b.payload != button.payload for b in buttons):
            buttons.append(button)
    buttons = buttons[:MAX_LIST_ROWS]
    if not buttons:
        # Blank text gives no parts: the sender refuses it rather than send an empty message.
        return [Part(piece) for piece in split_text(message.text)]
    head, tail = _split_tail(message.text, INTERACTIVE_TEXT_LIMIT)
    parts = [Part(piece) for piece in split_text(head)] if head else []
    # An interactive message needs a body: a message of buttons alone gets a short one.
    return [*parts, Part(tail or LIST_SECTION_TITLE, tuple(buttons))]


def keyboard(buttons: tuple[Button, ...]) -> list[WaButton] | SectionList:
    """Reply buttons for 1-3, a list for 4-10."""
    if len(buttons) <= MAX_REPLY_BUTTONS:
        return [
            WaButton(
                title=_cut(b.title, BUTTON_TITLE_LIMIT) or f"Option {i}", callback_data=b.payload
            )
            for i, b in enumerate(buttons, 1)
        ]
    rows = [
        SectionRow(title=_cut(b.title, ROW_TITLE_LIMIT) or f"Option {i}", callback_data=b.payload)
        for i, b in enumerate(buttons, 1)
    ]
    return SectionList(
        button_title=LIST_BUTTON_LABEL, sections=[Section(title=LIST_SECTION_TITLE, rows=rows)]
    )


def template_param(value: str) -> str:
    """A template body parameter as WhatsApp takes it: never blank, and no new lines, tabs or
    runs of spaces (the Graph API refuses those)."""
    return " ".join(str(value).split()) or "-"
