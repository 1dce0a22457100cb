"""`carebot staff add|list`: dashboard accounts, made from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.advisers import auth
from bot.advisers.accounts import AccountError
from bot.advisers.staff import ROLES, StaffError, create_staff
from bot.clock import SystemClock
from bot.dashboard import staff_manage
from bot.db import current_revision, head_revision, make_engine, session_factory
from bot.models import PersonalAdviser, StaffAccount
from bot.settings import Settings

PASSWORD_ENV = "CAREBOT_STAFF_PASSWORD"


def add_staff(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    pa_email: str | None = None,
    team_id: int | None = None,
    now: datetime,
) -> StaffAccount:
    """`carebot staff add`: like create_staff, naming the PA record by its email."""
    pa_id = None
    if pa_email:
        pa = session.execute(
            select(PersonalAdviser).where(PersonalAdviser.email == pa_email.strip().lower())
        ).scalar_one_or_none()
        if pa is None:
            raise StaffError("there is no PA record with that email (see `carebot people`)")
        pa_id = pa.id
    return create_staff(
        session,
        email=email,
        name=name,
        role=role,
        password=password,
        pa_id=pa_id,
        team_id=team_id,
        now=now,
    )


def read_password(
    env: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] | None = None,
) -> str:
    """From CAREBOT_STAFF_PASSWORD when set (scripts), else typed twice without echo."""
    env = os.environ if env is None else env
    prompt = prompt or getpass.getpass
    from_env = env.get(PASSWORD_ENV)
    if from_env:
        password = from_env
    else:
        password = prompt("Password for the new account: ")
        if prompt("The same password again: ") != password:
            raise StaffError("the two passwords differ")
    if len(password) < auth.MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {auth.MIN_PASSWORD_LENGTH} characters")
    return password


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `carebot staff` and its actions to the command line."""
    staff = subparsers.add_parser("staff", help="dashboard accounts for PAs, managers and editors")
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="create an account (password from CAREBOT_STAFF_PASSWORD, or asked twice)",
    )
    add.add_argument("--email", required=True, help="the log-in email")
    add.add_argument("--name", required=True, help="the name colleagues see")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--pa-email",
        metavar="PA_RECORD_EMAIL",
        help="for a PA: the email on their PA record (young people name their PA by it)",
    )
    add.add_argument("--team-id", type=int, metavar="ID", help="the team (needed for a manager)")
    actions.add_parser("list", help="list accounts (no passwords, no hashes)")
    new_pa = actions.add_parser(
        "add-pa",
        help="a new PA in one step: their PA record and their log-in (prints a password link)",
    )
    new_pa.add_argument("--email", required=True, help="their work email (log-in and PA record)")
    new_pa.add_argument("--name", required=True, help="the name young people and colleagues see")
    new_pa.add_argument("--phone", required=True, help="the number young people are given")
    new_pa.add_argument("--team-id", type=int, required=True, metavar="ID", help="their team")
    for name, text in (
        ("deactivate", "stop an account logging in; its sessions end at once"),
        ("reactivate", "let a deactivated account log in again"),
        ("unlock", "forget an account's failed log-ins on every device"),
        (
            "reset-password",
            "make a one-time password link (emailed when SMTP is set, else printed)",
        ),
    ):
        actions.add_parser(name, help=text).add_argument("email", metavar="EMAIL")
    role = actions.add_parser("role", help="change an account's role")
    role.add_argument("email", metavar="EMAIL")
    role.add_argument("role", choices=ROLES)
    move = actions.add_parser(
        "reassign", help="move a PA's caseload (or --ref only) to another PA; each is told"
    )
    move.add_argument("--from", dest="from_email", required=True, metavar="EMAIL")
    move.add_argument("--to", dest="to_email", required=True, metavar="EMAIL")
    move.add_argument(
        "--ref", action="append", metavar="REF", help="move only this young person (repeatable)"
    )
    duty = actions.add_parser("duty", help="put someone on their team's duty rota, or take off")
    on_off = duty.add_mutually_exclusive_group(required=True)
    on_off.add_argument("--on", dest="duty_on", metavar="EMAIL")
    on_off.add_argument("--off", dest="duty_off", metavar="EMAIL")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot staff ACTION`: returns the exit status (2 when the action is refused)."""
    engine = make_engine(settings.database_url)
    if current_revision(engine) != head_revision(engine):
        print(
            "carebot staff: the database is not up to date; run `carebot db upgrade`",
            file=sys.stderr,
        )
        return 2
    sessions = session_factory(engine)
    if args.staff_command in staff_manage.ACTIONS:
        try:
            with sessions.begin() as session:
                lines = staff_manage.run(session, settings, args, SystemClock().now())
        except AccountError as exc:
            print(f"carebot staff {args.staff_command}: {exc}", file=sys.stderr)
            return 2
        print("\n".join(lines))
        return 0
    if args.staff_command == "add":
        try:
            password = read_password()
            with sessions.begin() as session:
                staff = add_staff(
                    session,
                    email=args.email,
                    name=args.name,
                    role=args.role,
                    password=password,
                    pa_email=args.pa_email,
                    team_id=args.team_id,
                    now=SystemClock().now(),
                )
                staff_id = staff.id
        except StaffError as exc:
            print(f"carebot staff add: {exc}", file=sys.stderr)
            return 2
        print(f"staff account {staff_id} created ({args.role})")
        return 0
    with sessions() as session:
        rows = session.execute(select(StaffAccount).order_by(StaffAccount.id)).scalars().all()
        for s in rows:
            state = "active" if s.active else "inactive"
            team = str(s.team_id) if s.team_id is not None else "-"
            print(
                f"{s.id:<5} {s.role:<8} {s.email:<35} {s.name:<25} team {team:<4} "
                f"{state}{' telegram' if s.telegram_chat_id else ''}"
            )
    return 0
