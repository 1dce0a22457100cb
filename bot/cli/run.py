"""`carebot run`: the bot on the web, and on Telegram and WhatsApp when they are configured."""

from __future__ import annotations

import argparse
from dataclasses import replace

from bot.runtime import build_runtime
from bot.server import serve
from bot.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Serve until stopped; `--host` and `--port` override the settings."""
    settings = replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    serve(build_runtime(settings))
    return 0
