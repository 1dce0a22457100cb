"""`carebot staff add-pa|deactivate|reactivate|unlock|role|reset-password|reassign|duty`: the
account actions, on the domain functions in bot.advisers (the parser is in staff_cli)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.advisers import accounts, caseload, password_reset
from bot.settings import Settings

Action = Callable[[Session, Settings, argparse.Namespace, datetime], list[str]]


def _reset_link(session: Session, account, settings: Settings, now: datetime) -> list[str]:  # type: ignore[no-untyped-def]
    link = password_reset.make_link(
        session,
        account,
        by=None,
        now=now,
        public_url=settings.public_url,
        email_enabled=settings.email_enabled,
    )
    if link.emailed:
        return [f"a password link was emailed to {account.email} (works once, for 24 hours)"]
    return [f"password link for {account.email} (works once, for 24 hours):", link.url]


def add_pa(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    added = accounts.add_pa(
        session,
        name=args.name,
        email=args.email,
        phone=args.phone,
        team_id=args.team_id,
        by=None,
        now=now,
    )
    session.flush()
    return [
        f"PA record {added.pa.id} and staff account {added.account.id} created",
        *_reset_link(session, added.account, settings, now),
    ]


def reassign(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    from_pa = accounts.pa_by_email(session, args.from_email)
    to_pa = accounts.pa_by_email(session, args.to_email)
    ids = None
    if args.ref:
        people = {yp.ref: yp.id for yp in caseload.caseload_of(session, from_pa)}
        missing = sorted(set(args.ref) - set(people))
        if missing:
            raise accounts.AccountError(f"not on that caseload: {', '.join(missing)}")
        ids = {people[ref] for ref in args.ref}
    moved = caseload.reassign(
        session,
        from_pa,
        to_pa,
        young_person_ids=ids,
        by=None,
        now=now,
        default_language=settings.default_language,
    )
    return [
        f"moved {moved.moved} young people and {moved.escalations} open escalations "
        f"to PA record {to_pa.id}; {moved.told} will be told by message, "
        f"{moved.not_told} have no chat to tell them on"
    ]


def deactivate(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    account = accounts.account_by_email(session, args.email)
    done = accounts.deactivate(session, account, by=None, now=now)
    return [
        f"staff account {account.id} deactivated; {done.sessions_ended} sessions ended",
        *(f"warning: {w}" for w in done.warnings),
    ]


def reactivate(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    account = accounts.account_by_email(session, args.email)
    accounts.reactivate(session, account, by=None, now=now)
    return [f"staff account {account.id} reactivated"]


def unlock(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    account = accounts.account_by_email(session, args.email)
    accounts.unlock(session, account, by=None, now=now)
    return [f"staff account {account.id} unlocked"]


def role(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    account = accounts.account_by_email(session, args.email)
    accounts.change_role(session, account, args.role, by=None, now=now)
    return [f"staff account {account.id} is now {args.role}"]


def duty(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    on = args.duty_on is not None
    account = accounts.account_by_email(session, args.duty_on if on else args.duty_off)
    accounts.set_duty(session, account, on, by=None, now=now)
    return [f"staff account {account.id} {'on' if on else 'off'} the duty rota"]


def reset_password(
    session: Session, settings: Settings, args: argparse.Namespace, now: datetime
) -> list[str]:
    return _reset_link(session, accounts.account_by_email(session, args.email), settings, now)


ACTIONS: dict[str, Action] = {
    "add-pa": add_pa,
    "reassign": reassign,
    "deactivate": deactivate,
    "reactivate": reactivate,
    "unlock": unlock,
    "role": role,
    "duty": duty,
    "reset-password": reset_password,
}


def run(session: Session, settings: Settings, args: argparse.Namespace, now: datetime) -> list[str]:
    """One account action inside the caller's transaction; returns what to print."""
    return ACTIONS[args.staff_command](session, settings, args, now)
