"""StartupError, apart from bot.runtime so the CLI can catch it without loading Rasa."""

from __future__ import annotations


class StartupError(RuntimeError):
    """Something the bot needs is not ready; the message says how to fix it.

    Raised by bot.runtime (and importable from there, as it always was)."""
