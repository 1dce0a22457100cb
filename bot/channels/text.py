"""Splitting long text for channels with a message size limit (Telegram and WhatsApp 4,096)."""

from __future__ import annotations


def split_text(text: str, limit: int = 4096) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where possible,
    so a long answer arrives as a few readable messages rather than being refused."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces
