"""`carebot run`: the bot on the web, and on Telegram and WhatsApp when they are configured."""

from __future__ import annotations

import argparse
import os

from bot.runtime import build_runtime
from bot.server import serve
from bot.settings import Settings, SettingsError, load_settings
from bot.startup import StartupError
from bot.workers import serve_workers

# Each option and the setting it stands for: it goes into the environment, which worker
# processes read their settings from, so every process agrees with this one.
OVERRIDES = {"host": "CAREBOT_HOST", "port": "CAREBOT_PORT", "workers": "CAREBOT_WORKERS"}


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until stopped; `--host`, `--port` and `--workers` override the settings."""
    given = {name: getattr(args, option) for option, name in OVERRIDES.items()}
    given = {name: str(value) for name, value in given.items() if value is not None}
    if given:
        os.environ.update(given)
        try:
            settings = load_settings()
        except SettingsError as exc:
            raise StartupError(f"configuration error: {exc}") from None
    if settings.workers > 1:
        serve_workers(settings)
    else:
        serve(build_runtime(settings))
    return 0
