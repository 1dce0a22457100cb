"""`carebot chat`: talk to the bot in this terminal, by hand or one JSON line per message."""

from __future__ import annotations

import argparse
import sys

from bot.channels.terminal import TerminalChat
from bot.runtime import build_runtime
from bot.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Chat until input ends; exit 2 for an unknown `--as` reference or council."""
    runtime = build_runtime(settings)
    try:
        chat = TerminalChat(
            runtime.engine, as_ref=args.as_ref, council=args.council, language=args.lang
        )
    except LookupError as exc:
        print(f"carebot chat: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.json:
        chat.run_json(sys.stdin, sys.stdout)
    else:
        chat.run_interactive()
    return 0
