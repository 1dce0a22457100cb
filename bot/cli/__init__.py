"""The `carebot` command: run the bot, chat in a terminal, train NLU, manage the database."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

# Before anything can import Rasa: no telemetry, ever.
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from bot import ops_cli
from bot.dashboard import staff_cli
from bot.keeping_in_touch import schedule_cli
from bot.logsafe import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.startup import StartupError

Handler = Callable[[Settings, argparse.Namespace], int]

# Each command's handler as "module:function" (like an entry point), imported only when that
# command runs: run, chat, train and nlu load Rasa and TensorFlow (seconds); the rest never do.
COMMANDS: dict[str, str] = {
    "run": "bot.cli.run:run",
    "schedule": "bot.keeping_in_touch.schedule_cli:run",
    "staff": "bot.dashboard.staff_cli:run",
    "config": "bot.ops_cli:run_config",
    "duty": "bot.ops_cli:run_duty",
    "chat": "bot.cli.chat:run",
    "train": "bot.cli.train:run",
    "db": "bot.cli.database:db",
    "demo-data": "bot.cli.database:demo_data",
    "people": "bot.cli.database:people",
    "content": "bot.content_cli:run",
    "nlu": "bot.cli.evaluate:run",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carebot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", help="start the bot: web chat on http://127.0.0.1:8080, Telegram if configured"
    )
    run.add_argument("--host", help="interface to listen on (default: CAREBOT_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default: CAREBOT_PORT or 8080)")
    run.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="web processes sharing the port (default: CAREBOT_WORKERS or 1)",
    )

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument(
        "--json",
        action="store_true",
        help="scripted mode: one message per input line, one JSON object per output line",
    )
    chat.add_argument(
        "--as",
        dest="as_ref",
        metavar="REF",
        help="speak as this young person (see `carebot people`)",
    )
    chat.add_argument(
        "--council", metavar="ID", help="council of an anonymous visitor, e.g. plymouth"
    )
    chat.add_argument("--lang", metavar="CODE", help="language, e.g. en or ar")

    train = sub.add_parser("train", help="train the NLU model")
    train.add_argument(
        "--if-changed",
        action="store_true",
        help="skip when the model matches its training data and config",
    )

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply migrations up to the newest")
    db_sub.add_parser("current", help="print the schema revision")

    demo = sub.add_parser("demo-data", help="load fictional councils, PAs and young people")
    demo.add_argument("--refresh", action="store_true", help="re-base demo ages on today's date")

    content = sub.add_parser("content", help="check or preview the local-offer content files")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    content_sub.add_parser("check", help="validate every content file; exit 1 on errors")
    show = content_sub.add_parser(
        "show", help="print exactly what the bot would send about a topic"
    )
    show.add_argument("topic", help="topic id, e.g. council_tax")
    show.add_argument(
        "--council", required=True, metavar="ID", help="council id, or national for the baseline"
    )
    show.add_argument("--age", required=True, type=int, metavar="N", help="the young person's age")
    show.add_argument("--lang", default="en", metavar="CODE", help="language (default en)")
    show.add_argument(
        "--condition",
        action="append",
        default=[],
        metavar="NAME",
        help="a circumstance, e.g. in_higher_education (repeatable)",
    )

    nlu = sub.add_parser("nlu", help="measure the bot's understanding")
    nlu_sub = nlu.add_subparsers(dest="nlu_command", required=True, metavar="ACTION")
    evaluate = nlu_sub.add_parser(
        "eval", help="score a labelled test file (Rasa NLU YAML) through the whole message path"
    )
    evaluate.add_argument("file", help="test file, e.g. tests/nlu/heldout.yml")
    evaluate.add_argument(
        "--confusion",
        metavar="PNG",
        help="where to write the confusion matrix "
        "(default: <CAREBOT_DATA_DIR>/nlu-eval/confusion.png)",
    )
    evaluate.add_argument("--misses", action="store_true", help="list every message routed wrongly")

    people = sub.add_parser("people", help="list young people")
    people.add_argument("--json", action="store_true", help="print JSON")

    staff_cli.register(sub)
    schedule_cli.register(sub)
    ops_cli.register(sub)
    return parser


def handler(command: str) -> Handler:
    """The function that runs `command`, imported now: only that command's imports load."""
    module, _, function = COMMANDS[command].partition(":")
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `carebot` command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"carebot: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        # Imported after logging is set up, as the commands' own imports always were.
        return handler(args.command)(settings, args)
    except StartupError as exc:
        print(f"carebot: cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
