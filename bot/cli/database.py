"""`carebot db`, `carebot demo-data` and `carebot people`: the database, without the NLU model."""

from __future__ import annotations

import argparse
import json
import secrets

from sqlalchemy import select

from bot.clock import SystemClock, age_band, age_on
from bot.db import current_revision, make_engine, session_factory, upgrade
from bot.demo import STAFF, load_demo_data
from bot.models import YoungPerson
from bot.settings import Settings
from bot.startup import open_database


def db(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot db upgrade|current`: migrate (upgrade only), then print the schema revision."""
    engine = make_engine(settings.database_url)
    if args.db_command == "upgrade":
        upgrade(engine)
    print(f"database schema revision: {current_revision(engine)}")
    return 0


def demo_data(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot demo-data [--refresh]`: fictional councils, PAs, young people and staff."""
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
    with session_factory(open_database(settings.database_url)).begin() as session:
        added = load_demo_data(session, refresh=args.refresh, staff_password=password)
    print(f"demo data loaded ({added} young people added)")
    print(
        f"demo dashboard logins ({', '.join(email for email, *_ in STAFF[:2])}, ...): "
        f"password in {password_file}"
    )
    return 0


def people(settings: Settings, args: argparse.Namespace) -> int:
    """`carebot people [--json]`: every young person with their age, council, status and PA."""
    today = SystemClock().now().date()
    rows = []
    with session_factory(open_database(settings.database_url))() as session:
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
