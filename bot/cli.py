"""The `carebot` command: run the bot, chat in a terminal, train NLU, manage the database."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

# Before anything can import Rasa: no telemetry, ever.
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("carebot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carebot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run", help="start the bot: web chat on http://127.0.0.1:8080, Telegram if configured"
    )
    run.add_argument("--host", help="interface to listen on (default: CAREBOT_HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default: CAREBOT_PORT or 8080)")

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

    from bot.dashboard import staff_cli

    staff_cli.register(sub)
    from bot.keeping_in_touch import schedule_cli

    schedule_cli.register(sub)
    from bot import ops_cli

    ops_cli.register(sub)
    return parser


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bot.runtime import build_runtime
    from bot.server import serve

    settings = replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    serve(build_runtime(settings))
    return 0


def _cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.terminal import TerminalChat
    from bot.runtime import build_runtime

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


def _cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import ContentError, load_offer
    from nlu import training

    try:
        examples = load_offer(settings.content_dir).examples_by_topic()
    except ContentError as exc:
        print(f"carebot train: content error: {exc}", file=sys.stderr)
        return 1
    from nlu.risk.classifier import load_or_train

    # Cached by its data: retrained only when nlu/data/risk changed.
    load_or_train(settings.model_path.parent)
    if args.if_changed and training.is_current(settings.model_path, examples):
        print(f"NLU model is up to date: {settings.model_path}")
        return 0
    path = training.train(settings.model_path, examples)
    print(f"NLU model written to {path}")
    return 0


def _cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import current_revision, make_engine, upgrade

    engine = make_engine(settings.database_url)
    if args.db_command == "upgrade":
        upgrade(engine)
    print(f"database schema revision: {current_revision(engine)}")
    return 0


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    import secrets

    from bot.db import make_engine, session_factory
    from bot.demo import STAFF, load_demo_data

    # The demo staff password is made once per data folder and kept beside the database
    # (readable by this user only), so a demo never ships a password everyone knows.
    password_file = settings.data_dir / "demo-staff-password.txt"
    if password_file.is_file():
        password = password_file.read_text(encoding="utf-8").strip()
    else:
        password = secrets.token_urlsafe(12)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.touch(mode=0o600)
        password_file.write_text(password + "\n", encoding="utf-8")
    with session_factory(make_engine(settings.database_url)).begin() as session:
        added = load_demo_data(session, refresh=args.refresh, staff_password=password)
    print(f"demo data loaded ({added} young people added)")
    print(
        f"demo dashboard logins ({', '.join(email for email, *_ in STAFF[:2])}, ...): "
        f"password in {password_file}"
    )
    return 0


def _cmd_people(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.clock import SystemClock, age_band, age_on
    from bot.db import make_engine, session_factory
    from bot.models import YoungPerson

    today = SystemClock().now().date()
    rows = []
    with session_factory(make_engine(settings.database_url))() as session:
        for yp in session.execute(select(YoungPerson).order_by(YoungPerson.ref)).scalars():
            age = age_on(yp.date_of_birth, today)
            rows.append(
                {
                    "ref": yp.ref,
                    "name": yp.preferred_name,
                    "council": yp.council_id,
                    "age": age,
                    "age_band": age_band(age),
                    "support_status": yp.support_status,
                    "pa": yp.pa.name if yp.pa else None,
                }
            )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(
                f"{r['ref']:<18} {r['name']:<10} {r['council']:<15} age {r['age']:<3} "
                f"{r['support_status']:<10} PA: {r['pa'] or '-'}"
            )
    return 0


def _cmd_content(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content_cli import check, show

    if args.content_command == "check":
        return check(settings)
    return show(
        settings,
        args.topic,
        council=args.council,
        age=args.age,
        language=args.lang,
        conditions=args.condition,
    )


def _cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.nlu_eval import TestFileError, evaluate, format_report, read_examples, write_confusion
    from bot.risk_eval import evaluate_risk, format_risk_report
    from bot.runtime import load_interpreter, load_risk_detector
    from dialogues.understanding import Understander
    from nlu.risk.data import RiskDataError, is_risk_file, read_messages

    path = Path(args.file)
    understander = Understander(load_interpreter(settings), load_risk_detector(settings))
    if is_risk_file(path):
        try:
            messages = read_messages(path)
        except RiskDataError as exc:
            print(f"carebot nlu eval: {exc}", file=sys.stderr)
            return 2
        report = evaluate_risk(understander, messages)
        print(format_risk_report(report, show_misses=args.misses))
        return 0
    try:
        examples = read_examples(path)
    except TestFileError as exc:
        print(f"carebot nlu eval: {exc}", file=sys.stderr)
        return 2
    report = evaluate(understander, examples)
    print(format_report(report))
    if args.misses:
        print("\nrouted wrongly (labelled -> routed: text):")
        for gold, routed, text in report.misses(examples):
            print(f"  {gold} -> {routed}: {text}")
    image = (
        Path(args.confusion) if args.confusion else settings.data_dir / "nlu-eval" / "confusion.png"
    )
    print(f"\nconfusion matrix: {write_confusion(report, image)}")
    return 0


def _cmd_config(settings: Settings, args: argparse.Namespace) -> int:
    from bot import ops_cli

    return ops_cli.run_config(settings, args)


def _cmd_duty(settings: Settings, args: argparse.Namespace) -> int:
    from bot import ops_cli

    return ops_cli.run_duty(settings, args)


def _cmd_staff(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dashboard import staff_cli

    return staff_cli.run(settings, args)


def _cmd_schedule(settings: Settings, args: argparse.Namespace) -> int:
    from bot.keeping_in_touch import schedule_cli

    return schedule_cli.run(settings, args)


COMMANDS = {
    "run": _cmd_run,
    "schedule": _cmd_schedule,
    "staff": _cmd_staff,
    "config": _cmd_config,
    "duty": _cmd_duty,
    "chat": _cmd_chat,
    "train": _cmd_train,
    "db": _cmd_db,
    "demo-data": _cmd_demo,
    "people": _cmd_people,
    "content": _cmd_content,
    "nlu": _cmd_nlu,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"carebot: configuration error: {exc}", file=sys.stderr)
        return 2
    from bot.logsafe import configure_logging
    from bot.runtime import StartupError

    configure_logging(settings.log_level)
    try:
        return COMMANDS[args.command](settings, args)
    except StartupError as exc:
        print(f"carebot: cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
