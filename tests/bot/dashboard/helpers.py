"""Helpers for dashboard tests: log in through the real form, read tokens, make records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.models import Base, ChannelIdentity, Escalation, Message, YoungPerson

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password: str
    role: str
    pa_id: int | None
    team_id: int | None


def login_token(client: TestClient) -> str:
    page = client.get("/staff/login")
    assert page.status_code == 200, page.text
    match = _LOGIN_TOKEN.search(page.text)
    assert match, "the login form carries a login_token"
    return match.group(1)


def log_in(client: TestClient, account: Account, *, next_url: str | None = None) -> Any:
    """Logs in through the form, as a browser would; returns the POST's response."""
    data = {
        "login_token": login_token(client),
        "email": account.email,
        "password": account.password,
    }
    if next_url is not None:
        data["next"] = next_url
    response = client.post("/staff/login", data=data)
    assert response.status_code == 303, response.text
    return response


def csrf_token(client: TestClient, path: str = "/staff/me") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = _CSRF.search(page.text)
    assert match, f"{path} carries a csrf_token"
    return match.group(1)


def young_person(session: Session, ref: str) -> YoungPerson:
    return session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()


def chat_for(
    session: Session, ref: str, now: datetime, *, channel: str = "telegram", external: str = ""
) -> ChannelIdentity:
    """A chat linked to the young person `ref` (made once per ref and channel)."""
    yp = young_person(session, ref)
    external = external or f"{channel}-{ref}-secret-external-id"
    identity = session.execute(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external
        )
    ).scalar_one_or_none()
    if identity is None:
        identity = ChannelIdentity(
            channel=channel,
            external_id=external,
            young_person_id=yp.id,
            created_at=now,
            last_seen_at=now,
        )
        session.add(identity)
        session.flush()
    return identity


def make_escalation(
    sessions: sessionmaker,
    ref: str,
    now: datetime,
    *,
    reason: str = "asked_for_pa",
    urgency: str = "normal",
    status: str = "open",
    created_ago: timedelta = timedelta(hours=1),
    due_in: timedelta | None = timedelta(hours=4),
    excerpt: str | None = "can someone call me",
    **extra: Any,
) -> int:
    """An escalation for the young person `ref`, routed to their PA and team; returns its id."""
    with sessions.begin() as session:
        yp = young_person(session, ref)
        identity = chat_for(session, ref, now)
        esc = Escalation(
            identity_id=identity.id,
            young_person_id=yp.id,
            pa_id=yp.pa_id,
            team_id=yp.pa.team_id if yp.pa else None,
            reason=reason,
            urgency=urgency,
            excerpt=excerpt,
            status=status,
            routing=extra.pop("routing", "in_hours"),
            duty_notified=extra.pop("duty_notified", False),
            created_at=now - created_ago,
            due_at=None if due_in is None else now + due_in,
            **extra,
        )
        if status != "open":
            esc.acknowledged_at = now - created_ago / 2
        if status == "resolved":
            esc.resolved_at = now - created_ago / 4
        session.add(esc)
        session.flush()
        return int(esc.id)


def add_message(
    sessions: sessionmaker,
    ref: str,
    now: datetime,
    text: str | None,
    *,
    direction: str = "in",
    kind: str = "text",
    source: str = "bot",
    intent: str | None = None,
    author_staff_id: int | None = None,
    channel: str = "telegram",
) -> int:
    with sessions.begin() as session:
        identity = chat_for(session, ref, now, channel=channel)
        message = Message(
            identity_id=identity.id,
            young_person_id=identity.young_person_id,
            direction=direction,
            channel=channel,
            kind=kind,
            text=text,
            intent=intent,
            source=source,
            author_staff_id=author_staff_id,
            created_at=now,
        )
        session.add(message)
        session.flush()
        return int(message.id)


def dump_database(sessions: sessionmaker) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused request changed nothing."""
    with sessions() as session:
        return {
            table.name: sorted(
                (tuple(row) for row in session.execute(table.select()).all()), key=repr
            )
            for table in Base.metadata.sorted_tables
        }
