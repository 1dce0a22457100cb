"""Splitting long text for channels with a message size limit (Telegram and WhatsApp 4,096)."""

from __future__ import annotations

# Where a cut may fall, best first.
LINE_THEN_WORD = ("\n", " ")
PARAGRAPH_LINE_WORD = ("\n\n", "\n", " ")


def split_text(
    text: str,
    limit: int = 4096,
    *,
    separators: tuple[str, ...] = LINE_THEN_WORD,
    strip: bool = False,
    cut_at_limit: bool = False,
) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where possible,
    so a long answer arrives as a few readable messages rather than being refused.

    A cut goes at the last of the first `separators` found in the second half of the window
    (else hard at `limit`). `cut_at_limit` also looks at the character just past the limit,
    so a piece may fill the limit exactly (its cut must then be past half-way, not at it).

    Empty text: by default there is always at least one piece (`[""]` for ""), for a caller
    that must send something to carry its buttons. With `strip`, the text is trimmed and blank
    text gives no pieces at all, for a channel that refuses a blank message: the caller then
    decides what to send instead, and an empty piece can never reach it.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    # Each caller's cut points are kept exactly as they were before the splitters were one.
    reach = limit + 1 if cut_at_limit else limit
    shortest = limit // 2 + 1 if cut_at_limit else limit // 2
    pieces: list[str] = []
    rest = text.strip() if strip else text
    while len(rest) > limit:
        window = rest[:reach]
        cut = limit
        for separator in separators:
            at = window.rfind(separator)
            if at >= shortest:
                cut = at
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not (pieces or strip):
        pieces.append(rest)
    return pieces
