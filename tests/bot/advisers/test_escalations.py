"""Escalations and their staff notifications, on SQLite and PostgreSQL: routing, deadlines,
reuse, privacy of notifications, the PA's actions and re-escalation of overdue ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.advisers import escalations
from bot.advisers.escalations import EscalationError
from bot.clock import FixedClock
from bot.db import session_factory
from bot.keeping_in_touch import hold
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    Council,
    Escalation,
    OutboxItem,
    PersonalAdviser,
    StaffAccount,
    Team,
    YoungPerson,
)
from tests.conftest import MONDAY_10AM

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql

PUBLIC_URL = "https://bot.example.org/"
DUTY_EMAIL = "duty@plymouth.example.org"
# What the young person wrote: none of it may reach a notification.
SECRET_TEXT = "I'm Kai and I got kicked out of 12 Acacia Avenue, I have nowhere to sleep"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@dataclass
class Staff:
    sam: StaffAccount  # PA account for Sam Ortiz, with Telegram
    priya: StaffAccount  # PA account for Priya Shah, email only
    manager: StaffAccount  # Plymouth team manager, email and Telegram
    team: Team
    council: Council


@pytest.fixture
def session(db_engine: Engine, demo: None) -> Iterator[Session]:
    s = session_factory(db_engine)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


def _pa(session: Session, name: str) -> PersonalAdviser:
    return session.execute(select(PersonalAdviser).where(PersonalAdviser.name == name)).scalar_one()


def _yp(session: Session, ref: str) -> YoungPerson:
    return session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()


def _account(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    team: Team,
    pa: PersonalAdviser | None = None,
    telegram_chat_id: str | None = None,
    notify_email: bool = True,
    notify_telegram: bool = True,
    active: bool = True,
) -> StaffAccount:
    account = StaffAccount(
        email=email,
        name=name,
        role=role,
        password_hash="not-a-real-hash",
        team_id=team.id,
        pa_id=pa.id if pa else None,
        telegram_chat_id=telegram_chat_id,
        notify_email=notify_email,
        notify_telegram=notify_telegram,
        active=active,
        failed_logins=0,
        created_at=MONDAY_10AM,
    )
    session.add(account)
    return account


@pytest.fixture
def staff(session: Session) -> Staff:
    sam_pa = _pa(session, "Sam Ortiz")
    team = sam_pa.team
    team.duty_email = DUTY_EMAIL
    sam = _account(
        session,
        email="sam.ortiz@example.org",
        name="Sam Ortiz",
        role="pa",
        team=team,
        pa=sam_pa,
        telegram_chat_id="7001",
    )
    priya = _account(
        session,
        email="priya.shah@example.org",
        name="Priya Shah",
        role="pa",
        team=team,
        pa=_pa(session, "Priya Shah"),
    )
    manager = _account(
        session,
        email="manager@plymouth.example.org",
        name="Morgan Lee",
        role="manager",
        team=team,
        telegram_chat_id="7100",
    )
    session.commit()
    return Staff(sam=sam, priya=priya, manager=manager, team=team, council=team.council)


def _identity(
    session: Session, yp: YoungPerson | None, *, channel: str = "telegram", external_id: str = ""
) -> ChannelIdentity:
    identity = ChannelIdentity(
        channel=channel,
        external_id=external_id or f"ext-{uuid.uuid4().hex[:8]}",
        young_person_id=yp.id if yp else None,
        created_at=MONDAY_10AM,
        last_seen_at=MONDAY_10AM,
    )
    session.add(identity)
    session.flush()
    return identity


def _open(
    session: Session,
    ref: str | None,
    *,
    now: datetime = MONDAY_10AM,
    reason: str = "asked_for_pa",
    urgency: str = escalations.NORMAL,
    text: str | None = SECRET_TEXT,
    identity: ChannelIdentity | None = None,
    team: Team | None = None,
) -> escalations.Opened:
    yp = _yp(session, ref) if ref else None
    identity = identity or _identity(session, yp)
    return escalations.open_escalation(
        session,
        identity=identity,
        young_person=yp,
        team=team,
        reason=reason,
        urgency=urgency,
        text=text,
        now=now,
        public_url=PUBLIC_URL,
    )


def _outbox(session: Session, **where: object) -> list[OutboxItem]:
    query = select(OutboxItem).order_by(OutboxItem.id)
    for column, value in where.items():
        query = query.where(getattr(OutboxItem, column) == value)
    return list(session.execute(query).scalars())


def _sent_to(session: Session, **where: object) -> list[tuple[str, str, str]]:
    return [(o.channel, o.address, o.purpose) for o in _outbox(session, **where)]


def _audit(session: Session, esc: Escalation) -> list[tuple[str, str]]:
    rows = session.execute(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "escalation", AuditEvent.subject_id == str(esc.id))
        .order_by(AuditEvent.id)
    ).scalars()
    return [(a.actor, a.action) for a in rows]


def _link(esc: Escalation) -> str:
    return f"https://bot.example.org/staff/escalations/{esc.id}"


# --- routing --------------------------------------------------------------------------------


def test_in_hours_goes_to_the_pa_only(session: Session, staff: Staff) -> None:
    opened = _open(session, "demo-16")  # Sam Ortiz, Monday 10:00
    esc = opened.escalation
    assert opened.repeat is False
    assert esc.routing == escalations.IN_HOURS
    assert esc.duty_notified is False
    assert esc.status == escalations.OPEN
    assert esc.pa_id == staff.sam.pa_id
    assert esc.team_id == staff.team.id
    assert esc.young_person_id == _yp(session, "demo-16").id
    assert esc.created_at == MONDAY_10AM
    assert _sent_to(session) == [
        ("email", "sam.ortiz@example.org", "escalation_new"),
        ("telegram", "7001", "escalation_new"),
    ]
    email, telegram = _outbox(session)
    assert email.staff_id == staff.sam.id
    assert telegram.staff_id == staff.sam.id
    assert email.escalation_id == esc.id
    assert email.young_person_id == esc.young_person_id
    assert email.identity_id is None  # a staff notification, not a message to the young person
    assert email.status == "pending"
    assert email.not_before == MONDAY_10AM
    assert email.attempts == 0
    assert email.subject == "New escalation"
    assert email.body == (
        f"There is a new escalation (#{esc.id}) for you on the leaving care bot dashboard.\n"
        f"Open it: {_link(esc)}"
    )
    assert telegram.body == email.body + "\nReply to this message to answer them here."
    assert _audit(session, esc) == [("bot", "escalation_opened")]


def test_in_hours_pa_without_telegram_gets_email_only(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-17").escalation  # Priya Shah, Monday 10:00
    assert esc.routing == escalations.IN_HOURS
    assert _sent_to(session) == [("email", "priya.shah@example.org", "escalation_new")]


def test_out_of_hours_tells_the_pa_and_the_duty_inbox(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16", now=utc(2026, 11, 23, 22, 0)).escalation  # 22:00 London
    assert esc.routing == escalations.OUT_OF_HOURS
    assert esc.duty_notified is True
    assert _sent_to(session) == [
        ("email", "sam.ortiz@example.org", "escalation_new"),
        ("telegram", "7001", "escalation_new"),
        ("email", DUTY_EMAIL, "escalation_new"),
    ]
    duty = _outbox(session, address=DUTY_EMAIL)[0]
    assert duty.staff_id is None
    assert duty.body == (
        f"Duty: there is a new escalation (#{esc.id}); the young person's PA is not available "
        f"now.\nOpen it: {_link(esc)}"
    )


def test_out_of_hours_follows_the_pas_own_hours(session: Session, staff: Staff) -> None:
    # Monday 16:45: Sam (to 17:00) is working, Priya (to 16:30) is not.
    at = utc(2026, 11, 23, 16, 45)
    assert _open(session, "demo-16", now=at).escalation.routing == escalations.IN_HOURS
    assert _open(session, "demo-17", now=at).escalation.routing == escalations.OUT_OF_HOURS
    # Friday morning: Priya does not work Fridays.
    friday = utc(2026, 11, 27, 10, 0)
    assert _open(session, "demo-20", now=friday).escalation.routing == escalations.OUT_OF_HOURS


def test_out_of_hours_in_summer_uses_london_time(session: Session, staff: Staff) -> None:
    # 16:30 UTC in June is 17:30 in London: Sam has finished.
    esc = _open(session, "demo-16", now=utc(2026, 6, 15, 16, 30)).escalation
    assert esc.routing == escalations.OUT_OF_HOURS
    # 8:30 UTC in June is 9:30 in London: Sam is working.
    esc = _open(session, "demo-18", now=utc(2026, 6, 15, 8, 30)).escalation
    assert esc.routing == escalations.IN_HOURS


def test_bank_holiday_is_out_of_hours(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16", now=utc(2026, 12, 28, 11, 0)).escalation  # Boxing Day obs.
    assert esc.routing == escalations.OUT_OF_HOURS
    assert esc.duty_notified is True


def test_pa_away(session: Session, staff: Staff) -> None:
    """Away with no cover named: the duty route and the manager, not the PA on leave."""
    _pa(session, "Sam Ortiz").away = True
    esc = _open(session, "demo-16").escalation
    assert esc.routing == escalations.PA_AWAY
    assert esc.duty_notified is True
    assert _sent_to(session) == [
        ("email", DUTY_EMAIL, "escalation_new"),
        ("email", "manager@plymouth.example.org", "escalation_new"),
        ("telegram", "7100", "escalation_new"),
    ]
    assert escalations.told_of(esc) == {"duty", "managers"}


def _away(pa: PersonalAdviser, start: date, end: date | None, cover: StaffAccount | None) -> None:
    pa.away_from, pa.away_until = start, end
    pa.cover_staff_id = cover.id if cover is not None else None


def test_away_dates_with_cover_send_routine_ones_to_the_cover(
    session: Session, staff: Staff
) -> None:
    today = MONDAY_10AM.date()
    _away(_pa(session, "Sam Ortiz"), today, today + timedelta(days=4), staff.priya)
    session.flush()
    esc = _open(session, "demo-16").escalation
    assert esc.routing == escalations.PA_AWAY
    assert esc.cover_staff_id == staff.priya.id
    assert esc.duty_notified is False  # a colleague has it; duty is not needed
    assert _sent_to(session) == [("email", "priya.shah@example.org", "escalation_new")]
    assert escalations.told_of(esc) == {"cover"}
    assert escalations.cover_name(session, esc) == "Priya Shah"
    assert "covering for them" in _outbox(session)[0].body


def test_an_urgent_one_while_away_tells_cover_duty_and_manager_at_once(
    session: Session, staff: Staff
) -> None:
    today = MONDAY_10AM.date()
    _away(_pa(session, "Sam Ortiz"), today - timedelta(days=1), None, staff.priya)
    session.flush()
    esc = _open(session, "demo-16", reason="crisis", urgency=escalations.URGENT).escalation
    assert esc.routing == escalations.PA_AWAY
    assert {address for _, address, _ in _sent_to(session)} == {
        "priya.shah@example.org",
        DUTY_EMAIL,
        "manager@plymouth.example.org",
        "7100",
    }
    assert escalations.told_of(esc) == {"cover", "duty", "managers"}


@pytest.mark.parametrize(
    ("start", "end"),
    [(1, 3), (-5, -1)],  # days from today: leave not started yet, and leave already over
)
def test_outside_the_away_dates_the_pa_gets_it(
    session: Session, staff: Staff, start: int, end: int
) -> None:
    today = MONDAY_10AM.date()
    _away(
        _pa(session, "Sam Ortiz"),
        today + timedelta(days=start),
        today + timedelta(days=end),
        staff.priya,
    )
    session.flush()
    esc = _open(session, "demo-16").escalation
    assert esc.routing == escalations.IN_HOURS
    assert esc.cover_staff_id is None
    assert escalations.told_of(esc) == {"pa"}


def test_an_inactive_cover_is_not_sent_anything(session: Session, staff: Staff) -> None:
    today = MONDAY_10AM.date()
    _away(_pa(session, "Sam Ortiz"), today, today, staff.priya)
    staff.priya.active = False
    session.flush()
    esc = _open(session, "demo-16").escalation
    assert esc.cover_staff_id is None
    assert esc.duty_notified is True
    assert escalations.told_of(esc) == {"duty", "managers"}


def test_with_no_duty_inbox_duty_is_not_counted_as_told(session: Session, staff: Staff) -> None:
    """Out of hours with no duty email and nobody on the rota: the PA is told, and the
    escalation says so (the bot must not say it told the duty team)."""
    staff.team.duty_email = None
    session.flush()
    esc = _open(session, "demo-16", now=utc(2026, 11, 23, 22, 0)).escalation
    assert esc.routing == escalations.OUT_OF_HOURS
    assert escalations.told_of(esc) == {"pa"}


def test_the_duty_rota_is_told_out_of_hours(session: Session, staff: Staff) -> None:
    staff.team.duty_email = None
    staff.priya.on_duty = True
    session.flush()
    esc = _open(session, "demo-16", now=utc(2026, 11, 23, 22, 0)).escalation
    assert escalations.told_of(esc) == {"pa", "duty"}
    assert ("email", "priya.shah@example.org", "escalation_new") in _sent_to(session)


def test_no_pa_tells_the_manager_and_duty(session: Session, staff: Staff) -> None:
    session.add(
        YoungPerson(
            ref="no-pa-19",
            preferred_name="Robin",
            date_of_birth=date(2007, 5, 1),
            council_id="plymouth",
            pa_id=None,
            created_at=MONDAY_10AM,
        )
    )
    session.flush()
    esc = _open(session, "no-pa-19", team=staff.team).escalation
    assert esc.routing == escalations.NO_PA
    assert esc.duty_notified is True
    assert esc.pa_id is None
    assert esc.team_id == staff.team.id
    assert _sent_to(session) == [
        ("email", DUTY_EMAIL, "escalation_new"),
        ("email", "manager@plymouth.example.org", "escalation_new"),
        ("telegram", "7100", "escalation_new"),
    ]
    assert {o.staff_id for o in _outbox(session, channel="telegram")} == {staff.manager.id}
    # The PAs are not told about someone who is not theirs.
    assert _outbox(session, staff_id=staff.sam.id) == []
    assert _outbox(session, staff_id=staff.priya.id) == []


def test_anonymous_with_a_known_team(session: Session, staff: Staff) -> None:
    esc = _open(session, None, team=staff.team).escalation
    assert esc.routing == escalations.ANONYMOUS
    assert esc.young_person_id is None
    assert esc.pa_id is None
    assert esc.team_id == staff.team.id
    assert esc.duty_notified is True
    assert esc.due_at == utc(2026, 11, 24, 17, 0)
    assert _sent_to(session) == [
        ("email", DUTY_EMAIL, "escalation_new"),
        ("email", "manager@plymouth.example.org", "escalation_new"),
        ("telegram", "7100", "escalation_new"),
    ]


def test_anonymous_with_no_council(session: Session, staff: Staff) -> None:
    esc = _open(session, None, team=None).escalation
    assert esc.routing == escalations.ANONYMOUS
    assert esc.team_id is None
    assert esc.due_at is None
    assert _outbox(session) == []


def test_inactive_and_opted_out_staff_are_not_notified(session: Session, staff: Staff) -> None:
    staff.sam.active = False
    esc = _open(session, "demo-16").escalation
    assert _outbox(session, escalation_id=esc.id, staff_id=staff.sam.id) == []

    staff.priya.notify_email = False
    staff.priya.telegram_chat_id = "7002"
    esc = _open(session, "demo-17").escalation
    assert _sent_to(session, escalation_id=esc.id) == [("telegram", "7002", "escalation_new")]

    staff.priya.notify_telegram = False
    staff.priya.notify_email = True
    esc = _open(session, "demo-20").escalation
    assert _sent_to(session, escalation_id=esc.id) == [
        ("email", "priya.shah@example.org", "escalation_new")
    ]


def test_urgent_notification_subject(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16", reason="crisis", urgency=escalations.URGENT).escalation
    email = _outbox(session, channel="email")[0]
    assert email.subject == "Urgent: a young person needs you"
    assert email.body.startswith(f"There is an urgent escalation (#{esc.id}) for you")


# --- due_at ------------------------------------------------------------------------------------


def test_urgent_is_due_within_the_councils_minutes(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16", reason="crisis", urgency=escalations.URGENT).escalation
    assert esc.due_at == MONDAY_10AM + timedelta(minutes=60)
    # Out of hours too: urgent deadlines do not wait for the office to open.
    late = utc(2026, 11, 28, 3, 0)  # Saturday 3am
    esc = _open(session, "demo-18", reason="crisis", urgency=escalations.URGENT, now=late)
    assert esc.escalation.due_at == utc(2026, 11, 28, 4, 0)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (MONDAY_10AM, utc(2026, 11, 24, 17, 0)),  # Monday 10:00 -> Tuesday 17:00
        (utc(2026, 11, 27, 16, 0), utc(2026, 11, 30, 17, 0)),  # Friday 16:00 -> Monday 17:00
        (utc(2026, 11, 23, 22, 0), utc(2026, 11, 24, 17, 0)),  # Monday night -> Tuesday
        # Christmas Eve -> Tuesday 29th (Christmas, the weekend and Boxing Day observed off).
        (utc(2026, 12, 24, 10, 0), utc(2026, 12, 29, 17, 0)),
        (utc(2026, 12, 23, 15, 0), utc(2026, 12, 24, 17, 0)),
        # Friday 23 October (BST) -> Monday 26th 17:00 GMT, after the clocks go back.
        (utc(2026, 10, 23, 10, 0), utc(2026, 10, 26, 17, 0)),
        # Friday 27 March (GMT) -> Monday 30th 17:00 BST = 16:00 UTC.
        (utc(2026, 3, 27, 10, 0), utc(2026, 3, 30, 16, 0)),
    ],
)
def test_normal_is_due_by_the_end_of_the_next_working_day(
    session: Session, staff: Staff, now: datetime, due: datetime
) -> None:
    esc = _open(session, "demo-16", now=now).escalation
    assert esc.due_at == due


def test_council_deadlines_are_per_council(session: Session, staff: Staff) -> None:
    staff.council.normal_ack_working_days = 2
    staff.council.urgent_ack_minutes = 30
    session.flush()
    normal = _open(session, "demo-16").escalation
    urgent = _open(session, "demo-18", reason="crisis", urgency=escalations.URGENT).escalation
    assert normal.due_at == utc(2026, 11, 25, 17, 0)  # Wednesday
    assert urgent.due_at == MONDAY_10AM + timedelta(minutes=30)
    # Another council keeps the defaults.
    cambs = _open(session, "demo-cambs-19").escalation
    assert cambs.due_at == utc(2026, 11, 24, 17, 0)


def test_council_office_hours_set_the_normal_deadline(session: Session, staff: Staff) -> None:
    staff.council.office_close = time(16)
    session.flush()
    assert _open(session, "demo-16").escalation.due_at == utc(2026, 11, 24, 16, 0)


def test_due_for_directly(session: Session, staff: Staff) -> None:
    council = staff.council
    assert escalations.due_for(council, escalations.URGENT, MONDAY_10AM) == utc(2026, 11, 23, 11, 0)
    assert escalations.due_for(council, escalations.NORMAL, MONDAY_10AM) == utc(2026, 11, 24, 17, 0)
    council.normal_ack_working_days = 0  # by the end of today
    assert escalations.due_for(council, escalations.NORMAL, MONDAY_10AM) == utc(2026, 11, 23, 17, 0)


# --- reuse ----------------------------------------------------------------------------------------


def test_second_open_escalation_for_the_same_reason_is_reused(
    session: Session, staff: Staff
) -> None:
    yp = _yp(session, "demo-16")
    identity = _identity(session, yp)
    first = _open(session, "demo-16", identity=identity)
    before = len(_outbox(session))
    later = MONDAY_10AM + timedelta(minutes=5)
    second = _open(session, "demo-16", identity=identity, now=later)
    assert second.repeat is True
    assert second.escalation.id == first.escalation.id
    assert len(_outbox(session)) == before == 2
    assert session.execute(select(Escalation)).scalars().all() == [first.escalation]
    assert _audit(session, first.escalation) == [
        ("bot", "escalation_opened"),
        ("bot", "escalation_repeated"),
    ]


def test_reuse_spans_the_young_persons_chats(session: Session, staff: Staff) -> None:
    yp = _yp(session, "demo-16")
    first = _open(session, "demo-16", identity=_identity(session, yp, channel="telegram"))
    second = _open(session, "demo-16", identity=_identity(session, yp, channel="web"))
    assert second.repeat is True
    assert second.escalation.id == first.escalation.id


def test_a_different_reason_or_an_acknowledged_one_is_not_reused(
    session: Session, staff: Staff
) -> None:
    yp = _yp(session, "demo-16")
    identity = _identity(session, yp)
    first = _open(session, "demo-16", identity=identity).escalation
    other = _open(session, "demo-16", identity=identity, reason="not_understood")
    assert other.repeat is False
    assert other.escalation.id != first.id
    escalations.acknowledge(session, first, staff.sam, MONDAY_10AM)
    again = _open(session, "demo-16", identity=identity)
    assert again.repeat is False
    assert again.escalation.id not in (first.id, other.escalation.id)


def test_anonymous_reuse_is_per_chat(session: Session, staff: Staff) -> None:
    identity = _identity(session, None)
    first = _open(session, None, identity=identity, team=staff.team)
    assert _open(session, None, identity=identity, team=staff.team).repeat is True
    elsewhere = _open(session, None, team=staff.team)
    assert elsewhere.repeat is False
    assert elsewhere.escalation.id != first.escalation.id


# --- privacy --------------------------------------------------------------------------------------


def test_notifications_never_carry_what_was_written_or_names(
    session: Session, staff: Staff
) -> None:
    session.add(
        YoungPerson(
            ref="no-pa-20",
            preferred_name="Robin",
            date_of_birth=date(2006, 5, 1),
            council_id="plymouth",
            created_at=MONDAY_10AM,
        )
    )
    session.flush()
    _open(session, "demo-16")
    _open(session, "demo-16", now=utc(2026, 11, 23, 22, 0), reason="crisis", urgency="urgent")
    _pa(session, "Priya Shah").away = True
    _open(session, "demo-17")
    _open(session, "no-pa-20", team=staff.team)
    _open(session, None, team=staff.team)
    overdue = escalations.reescalate_overdue(session, utc(2026, 12, 1, 9, 0), public_url=PUBLIC_URL)
    assert len(overdue) == 5
    items = _outbox(session)
    assert len(items) >= 15
    forbidden = [
        "Kai",
        "Mo",
        "Robin",
        "Sam",
        "Ortiz",
        "Priya",
        "Morgan",
        "Acacia",
        "kicked out",
        "nowhere",
        "demo-16",
        "demo-17",
        "no-pa-20",
    ]
    for item in items:
        text = f"{item.subject}\n{item.body}"
        for word in forbidden:
            assert word not in text, (item.purpose, item.address, word)
    # The escalation itself keeps an excerpt for the dashboard.
    stored = session.execute(select(Escalation).order_by(Escalation.id)).scalars().first()
    assert stored.excerpt == SECRET_TEXT


def test_excerpt_is_collapsed_and_shortened(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16", text="  help\n\nme   please ").escalation
    assert esc.excerpt == "help me please"
    long = "x" * 200
    esc = _open(session, "demo-18", text=long).escalation
    assert esc.excerpt == "x" * 139 + "…"
    assert len(esc.excerpt) == escalations.EXCERPT_CHARS
    exact = "y" * 140
    assert _open(session, "demo-19", text=exact).escalation.excerpt == exact
    assert _open(session, "demo-22", text=None).escalation.excerpt is None
    assert _open(session, "demo-20-9m", text="").escalation.excerpt is None


# --- staff actions --------------------------------------------------------------------------------


def test_acknowledge(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    at = MONDAY_10AM + timedelta(minutes=12)
    escalations.acknowledge(session, esc, staff.sam, at)
    assert esc.status == escalations.ACKNOWLEDGED
    assert esc.acknowledged_at == at
    assert esc.acknowledged_by_id == staff.sam.id
    # A second acknowledgement changes nothing.
    escalations.acknowledge(session, esc, staff.manager, at + timedelta(minutes=1))
    assert esc.acknowledged_at == at
    assert esc.acknowledged_by_id == staff.sam.id
    session.flush()
    assert _audit(session, esc) == [
        ("bot", "escalation_opened"),
        (f"staff:{staff.sam.id}", "escalation_acknowledged"),
    ]


def test_acknowledge_a_resolved_one_raises(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    escalations.resolve(session, esc, staff.sam, MONDAY_10AM)
    with pytest.raises(EscalationError, match="already resolved"):
        escalations.acknowledge(session, esc, staff.sam, MONDAY_10AM)


def test_reply_queues_a_message_on_the_young_persons_chat(session: Session, staff: Staff) -> None:
    yp = _yp(session, "demo-16")
    identity = _identity(session, yp, channel="telegram", external_id="424242")
    esc = _open(session, "demo-16", identity=identity).escalation
    at = MONDAY_10AM + timedelta(minutes=3)
    item = escalations.reply(session, esc, staff.sam, "  Hi, I'll call you at 2pm.  ", at)
    assert item.id is not None
    assert item.channel == "telegram"
    assert item.address == "424242"
    assert item.purpose == "pa_reply"
    assert item.identity_id == identity.id
    assert item.young_person_id == yp.id
    assert item.escalation_id == esc.id
    assert item.author_staff_id == staff.sam.id
    assert item.staff_id is None
    assert item.body == "Hi, I'll call you at 2pm."
    assert item.buttons == []
    assert item.status == "pending"
    assert item.not_before == at
    assert item.dedupe_key is None
    assert esc.status == escalations.ACKNOWLEDGED
    assert esc.acknowledged_at == at
    assert esc.acknowledged_by_id == staff.sam.id
    assert esc.handling_staff_id == staff.sam.id
    assert esc.handling_since == at
    actor = f"staff:{staff.sam.id}"
    assert _audit(session, esc) == [
        ("bot", "escalation_opened"),
        (actor, "escalation_acknowledged"),
        (actor, "conversation_taken_over"),
        (actor, "pa_replied"),
    ]
    replied = session.execute(
        select(AuditEvent).where(AuditEvent.action == "pa_replied")
    ).scalar_one()
    assert replied.detail == {"young_person_id": yp.id, "outbox_id": item.id}
    assert replied.at == at


def test_reply_on_a_web_chat(session: Session, staff: Staff) -> None:
    yp = _yp(session, "demo-16")
    identity = _identity(session, yp, channel="web", external_id="visitor-abc")
    esc = _open(session, "demo-16", identity=identity).escalation
    item = escalations.reply(session, esc, staff.sam, "Hello", MONDAY_10AM)
    assert (item.channel, item.address) == ("web", "visitor-abc")


def test_a_second_reply_does_not_take_over_again(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    first = escalations.reply(session, esc, staff.sam, "one", MONDAY_10AM)
    later = MONDAY_10AM + timedelta(minutes=1)
    second = escalations.reply(session, esc, staff.manager, "two", later)
    assert second.id != first.id
    assert second.author_staff_id == staff.manager.id
    assert esc.handling_staff_id == staff.sam.id
    assert esc.handling_since == MONDAY_10AM
    assert [a for _, a in _audit(session, esc)].count("conversation_taken_over") == 1
    assert [a for _, a in _audit(session, esc)].count("pa_replied") == 2
    assert len(_outbox(session, purpose="pa_reply")) == 2


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_reply_must_have_text(session: Session, staff: Staff, text: str) -> None:
    esc = _open(session, "demo-16").escalation
    with pytest.raises(EscalationError, match="Write a message before sending"):
        escalations.reply(session, esc, staff.sam, text, MONDAY_10AM)
    assert _outbox(session, purpose="pa_reply") == []
    assert esc.status == escalations.OPEN
    assert esc.handling_staff_id is None


def test_reply_length_limit(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    with pytest.raises(EscalationError, match="under 4000 characters"):
        escalations.reply(session, esc, staff.sam, "a" * 4001, MONDAY_10AM)
    assert _outbox(session, purpose="pa_reply") == []
    assert esc.status == escalations.OPEN
    item = escalations.reply(session, esc, staff.sam, "a" * 4000, MONDAY_10AM)
    assert len(item.body) == 4000


def test_reply_on_a_resolved_escalation_raises(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    escalations.resolve(session, esc, staff.sam, MONDAY_10AM)
    with pytest.raises(EscalationError, match="resolved"):
        escalations.reply(session, esc, staff.sam, "hello", MONDAY_10AM)
    assert _outbox(session, purpose="pa_reply") == []


def test_handling_returns_the_escalation_being_handled(session: Session, staff: Staff) -> None:
    yp = _yp(session, "demo-16")
    identity = _identity(session, yp)
    other_chat = _identity(session, yp, channel="web")
    unrelated = _identity(session, _yp(session, "demo-18"))
    quiet = _open(session, "demo-16", identity=identity, reason="not_understood").escalation
    esc = _open(session, "demo-16", identity=identity).escalation
    assert escalations.handling(session, identity) is None
    escalations.acknowledge(session, quiet, staff.sam, MONDAY_10AM)
    assert escalations.handling(session, identity) is None  # acknowledged is not handling
    escalations.reply(session, esc, staff.sam, "I'm here", MONDAY_10AM)
    session.flush()
    assert escalations.handling(session, identity) is esc
    assert escalations.handling(session, other_chat) is esc  # all their chats
    assert escalations.handling(session, unrelated) is None


def test_hand_back(session: Session, staff: Staff) -> None:
    identity = _identity(session, _yp(session, "demo-16"))
    esc = _open(session, "demo-16", identity=identity).escalation
    escalations.hand_back(session, esc, staff.sam, MONDAY_10AM)  # not handled: nothing to do
    session.flush()
    assert _audit(session, esc) == [("bot", "escalation_opened")]
    escalations.reply(session, esc, staff.sam, "hello", MONDAY_10AM)
    later = MONDAY_10AM + timedelta(minutes=30)
    escalations.hand_back(session, esc, staff.sam, later)
    session.flush()
    assert esc.handling_staff_id is None
    assert esc.handling_since is None
    assert esc.status == escalations.ACKNOWLEDGED  # still not resolved
    assert escalations.handling(session, identity) is None
    assert _audit(session, esc)[-1] == (f"staff:{staff.sam.id}", "conversation_handed_back")
    handed = session.execute(
        select(AuditEvent).where(AuditEvent.action == "conversation_handed_back")
    ).scalar_one()
    assert handed.at == later


def test_resolve(session: Session, staff: Staff) -> None:
    identity = _identity(session, _yp(session, "demo-16"))
    esc = _open(session, "demo-16", identity=identity).escalation
    escalations.reply(session, esc, staff.sam, "hello", MONDAY_10AM)
    at = MONDAY_10AM + timedelta(hours=1)
    escalations.resolve(session, esc, staff.manager, at)
    session.flush()
    assert esc.status == escalations.RESOLVED
    assert esc.resolved_at == at
    assert esc.resolved_by_id == staff.manager.id
    assert esc.acknowledged_by_id == staff.sam.id  # kept from the reply
    assert esc.acknowledged_at == MONDAY_10AM
    assert esc.handling_staff_id is None
    assert escalations.handling(session, identity) is None
    assert escalations.active_for(session, identity) == []
    actor = f"staff:{staff.manager.id}"
    assert _audit(session, esc)[-2:] == [
        (actor, "conversation_handed_back"),
        (actor, "escalation_resolved"),
    ]
    # Resolving again changes nothing.
    escalations.resolve(session, esc, staff.sam, at + timedelta(hours=1))
    session.flush()
    assert esc.resolved_by_id == staff.manager.id
    assert [a for _, a in _audit(session, esc)].count("escalation_resolved") == 1


def test_resolve_an_open_one_acknowledges_it(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    escalations.resolve(session, esc, staff.sam, MONDAY_10AM)
    session.flush()
    assert esc.acknowledged_at == MONDAY_10AM
    assert esc.acknowledged_by_id == staff.sam.id
    assert _audit(session, esc) == [
        ("bot", "escalation_opened"),
        (f"staff:{staff.sam.id}", "escalation_resolved"),
    ]


def test_actions_are_persisted(db_engine: Engine, session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    item = escalations.reply(session, esc, staff.sam, "hello", MONDAY_10AM)
    session.commit()
    with session_factory(db_engine)() as fresh:
        stored = fresh.get(Escalation, esc.id)
        assert stored.status == escalations.ACKNOWLEDGED
        assert stored.handling_staff_id == staff.sam.id
        assert stored.acknowledged_at == MONDAY_10AM
        assert fresh.get(OutboxItem, item.id).body == "hello"


# --- messages while handling ---------------------------------------------------------------------


def test_new_message_while_handling_tells_that_pa_once(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation
    escalations.new_message_while_handling(session, esc, now=MONDAY_10AM, public_url=PUBLIC_URL)
    assert _outbox(session, purpose="conversation_message") == []  # nobody handling yet
    escalations.reply(session, esc, staff.sam, "hello", MONDAY_10AM)
    at = MONDAY_10AM + timedelta(minutes=2)
    escalations.new_message_while_handling(session, esc, now=at, public_url=PUBLIC_URL)
    # The same notification queued twice (a redelivered message) is queued once.
    escalations.new_message_while_handling(session, esc, now=at, public_url=PUBLIC_URL)
    session.commit()  # the duplicate's savepoint rollback leaves the transaction usable
    items = _outbox(session, purpose="conversation_message")
    assert [(o.channel, o.address) for o in items] == [
        ("email", "sam.ortiz@example.org"),
        ("telegram", "7001"),
    ]
    assert items[0].subject == "New message"
    assert items[0].body == (
        f"New message in the conversation you are handling (#{esc.id}).\nOpen it: {_link(esc)}"
    )
    assert session.get(Escalation, esc.id).handling_staff_id == staff.sam.id


# --- re-escalation -------------------------------------------------------------------------------


def _commit_reescalate(session: Session, now: datetime) -> list[int]:
    moved = escalations.reescalate_overdue(session, now, public_url=PUBLIC_URL)
    session.commit()
    return moved


def test_reescalate_overdue_only_at_the_deadline_and_once(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16").escalation  # due Tuesday 17:00
    session.commit()
    assert esc.due_at == utc(2026, 11, 24, 17, 0)
    assert _commit_reescalate(session, utc(2026, 11, 24, 16, 59, 59)) == []
    assert esc.reescalated_at is None
    at = utc(2026, 11, 24, 17, 0)
    assert _commit_reescalate(session, at) == [esc.id]
    assert _commit_reescalate(session, at) == []
    assert _commit_reescalate(session, at + timedelta(hours=5)) == []
    stored = session.get(Escalation, esc.id)
    assert stored.reescalated_at == at
    assert stored.duty_notified is True
    assert stored.status == escalations.OPEN  # still waiting for someone to pick it up
    assert _sent_to(session, purpose="escalation_overdue") == [
        ("email", "manager@plymouth.example.org", "escalation_overdue"),
        ("telegram", "7100", "escalation_overdue"),
        ("email", DUTY_EMAIL, "escalation_overdue"),
    ]
    email = _outbox(session, purpose="escalation_overdue")[0]
    assert email.staff_id == staff.manager.id
    assert email.not_before == at
    assert email.subject == "Overdue: escalation not acknowledged"
    assert email.body == (
        f"Escalation #{esc.id} (normal) was not acknowledged by its deadline and has been "
        f"passed to you.\nOpen it: {_link(esc)}"
    )
    assert _audit(session, esc) == [
        ("bot", "escalation_opened"),
        ("bot", "escalation_reescalated"),
    ]
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "escalation_reescalated")
    ).scalar_one()
    assert event.detail == {
        "young_person_id": esc.young_person_id,
        "due_at": "2026-11-24T17:00:00+00:00",
    }
    # The PA is not sent the overdue notice: it has gone past them.
    assert _outbox(session, purpose="escalation_overdue", staff_id=staff.sam.id) == []


def test_reescalate_urgent_after_an_hour(session: Session, staff: Staff) -> None:
    esc = _open(session, "demo-16", reason="crisis", urgency=escalations.URGENT).escalation
    session.commit()
    assert _commit_reescalate(session, MONDAY_10AM + timedelta(minutes=59)) == []
    assert _commit_reescalate(session, MONDAY_10AM + timedelta(minutes=61)) == [esc.id]
    assert _outbox(session, purpose="escalation_overdue")[0].body.startswith(
        f"Escalation #{esc.id} (urgent) was not acknowledged"
    )


def test_acknowledged_and_resolved_ones_are_not_reescalated(session: Session, staff: Staff) -> None:
    acked = _open(session, "demo-16").escalation
    resolved = _open(session, "demo-18").escalation
    waiting = _open(session, "demo-19").escalation
    escalations.acknowledge(session, acked, staff.sam, MONDAY_10AM + timedelta(hours=1))
    escalations.resolve(session, resolved, staff.sam, MONDAY_10AM + timedelta(hours=1))
    session.commit()
    assert _commit_reescalate(session, utc(2026, 11, 30, 9, 0)) == [waiting.id]
    assert {o.escalation_id for o in _outbox(session, purpose="escalation_overdue")} == {waiting.id}
    assert session.get(Escalation, acked.id).reescalated_at is None
    assert session.get(Escalation, resolved.id).reescalated_at is None


def test_reescalate_orders_by_deadline_and_skips_undated(session: Session, staff: Staff) -> None:
    later = _open(session, "demo-16", now=utc(2026, 11, 24, 10, 0)).escalation
    earlier = _open(session, "demo-18").escalation
    _open(session, None, team=None)  # anonymous, no council: no deadline
    session.commit()
    assert _commit_reescalate(session, utc(2026, 12, 7, 9, 0)) == [earlier.id, later.id]


def test_reescalate_in_separate_transactions_notifies_once(
    db_engine: Engine, session: Session, staff: Staff
) -> None:
    esc = _open(session, "demo-16").escalation
    session.commit()
    sessions = session_factory(db_engine)
    clock = FixedClock(utc(2026, 11, 25, 9, 0))
    for _ in range(2):
        with sessions.begin() as s:
            escalations.reescalate_overdue(s, clock.now(), public_url=PUBLIC_URL)
        clock.advance(timedelta(minutes=1))
    with sessions() as s:
        overdue = list(
            s.execute(
                select(OutboxItem).where(
                    OutboxItem.purpose == "escalation_overdue", OutboxItem.escalation_id == esc.id
                )
            ).scalars()
        )
    assert len(overdue) == 3


# --- a PA without an account ---------------------------------------------------------------


def test_in_hours_escalation_for_a_pa_without_an_account_reaches_someone(
    session: Session, staff: Staff
) -> None:
    """Tom Walsh (Cambridgeshire) has a PA record but no dashboard account: in his hours the
    team's manager is told, so somebody learns of it before it is overdue."""
    cambs_team = _pa(session, "Tom Walsh").team
    cambs_team.duty_email = "duty@cambs.example.org"
    _account(
        session,
        email="manager@cambs.example.org",
        name="Cam Manager",
        role="manager",
        team=cambs_team,
    )
    session.flush()
    esc = _open(session, "demo-cambs-19").escalation
    assert esc.routing == escalations.IN_HOURS
    assert _outbox(session, escalation_id=esc.id) != [], "nobody was told about this escalation"


def _routine(session: Session, yp: YoungPerson, purpose: str = "checkin") -> OutboxItem:
    item = OutboxItem(
        channel="telegram",
        address="ext",
        purpose=purpose,
        young_person_id=yp.id,
        body="Hi, how are things?",
        buttons=[],
        status="pending",
        not_before=MONDAY_10AM,
        attempts=0,
        created_at=MONDAY_10AM,
    )
    session.add(item)
    session.flush()
    return item


def test_an_urgent_escalation_holds_routine_messages_until_resolved(session, staff) -> None:
    yp = _yp(session, "demo-19")
    checkin, optin = _routine(session, yp), _routine(session, yp, "optin_prompt")
    normal = _open(session, "demo-19").escalation
    assert not hold.is_held(session, yp.id) and checkin.status == "pending"
    urgent = _open(session, "demo-19", reason="suicide_self_harm", urgency=escalations.URGENT)
    session.refresh(checkin)
    session.refresh(optin)
    assert hold.is_held(session, yp.id)
    assert (checkin.status, optin.status) == (hold.HELD, hold.HELD)
    # Resolving the ordinary one changes nothing; resolving the urgent one releases them.
    escalations.resolve(session, normal, staff.sam, MONDAY_10AM)
    session.refresh(checkin)
    assert checkin.status == hold.HELD
    escalations.resolve(session, urgent.escalation, staff.sam, MONDAY_10AM + timedelta(hours=1))
    session.refresh(checkin)
    assert checkin.status == "pending" and checkin.not_before >= MONDAY_10AM + timedelta(hours=1)


def test_a_pa_handling_the_chat_holds_routine_messages_until_handed_back(session, staff) -> None:
    yp = _yp(session, "demo-19")
    checkin = _routine(session, yp)
    esc = _open(session, "demo-19").escalation
    escalations.reply(session, esc, staff.sam, "Hi, it's Sam", MONDAY_10AM)
    session.refresh(checkin)
    assert checkin.status == hold.HELD
    escalations.hand_back(session, esc, staff.sam, MONDAY_10AM)
    session.refresh(checkin)
    assert checkin.status == "pending"


def test_released_late_at_night_a_routine_message_waits_for_the_morning(session, staff) -> None:
    yp = _yp(session, "demo-19")
    checkin = _routine(session, yp)
    urgent = _open(session, "demo-19", reason="abuse_violence", urgency=escalations.URGENT)
    night = utc(2026, 11, 23, 23, 30)
    escalations.resolve(session, urgent.escalation, staff.sam, night)
    session.refresh(checkin)
    assert checkin.status == "pending" and checkin.not_before.hour == 9


# -- bursts of urgent escalations from anonymous visitors -------------------------------------


def _anonymous_crisis(session: Session, staff: Staff, at: datetime) -> Escalation:
    return _open(
        session, None, team=staff.team, reason="crisis", urgency=escalations.URGENT, now=at
    ).escalation


def test_a_burst_of_anonymous_crises_is_one_alert_now_and_one_with_a_count(
    session: Session, staff: Staff
) -> None:
    lead = _anonymous_crisis(session, staff, MONDAY_10AM)
    first = _sent_to(session)
    # The first is told at once, as any urgent escalation is.
    assert first == [
        ("email", DUTY_EMAIL, "escalation_new"),
        ("email", "manager@plymouth.example.org", "escalation_new"),
        ("telegram", "7100", "escalation_new"),
    ]
    followers = [
        _anonymous_crisis(session, staff, MONDAY_10AM + timedelta(seconds=3 * n))
        for n in range(1, 50)
    ]
    session.commit()
    # Fifty escalations, each on the dashboard; six notices in all, not 150.
    assert len(_outbox(session)) == 6
    assert all(f.burst_lead_id == lead.id for f in followers)
    summaries = _outbox(session)[3:]
    assert [(o.channel, o.address) for o in summaries] == [
        ("email", DUTY_EMAIL),
        ("email", "manager@plymouth.example.org"),
        ("telegram", "7100"),
    ]
    end = MONDAY_10AM + escalations.BURST_WINDOW
    for notice in summaries:
        assert notice.not_before == end  # at the burst's end, with the final count
        assert notice.subject == "Urgent: 49 more anonymous young people"
        assert notice.body.startswith(
            f"Duty: 49 more urgent escalations from anonymous visitors came in within "
            f"minutes of #{lead.id}."
        )
        assert SECRET_TEXT not in notice.body
    # Their deadline runs from when staff are told about them.
    assert followers[-1].due_at == end + timedelta(minutes=staff.council.urgent_ack_minutes)


def test_after_the_window_a_new_burst_starts_and_is_told_at_once(
    session: Session, staff: Staff
) -> None:
    _anonymous_crisis(session, staff, MONDAY_10AM)
    later = _anonymous_crisis(
        session, staff, MONDAY_10AM + escalations.BURST_WINDOW + timedelta(seconds=1)
    )
    assert later.burst_lead_id is None
    assert len(_outbox(session, escalation_id=later.id)) == 3


def test_known_young_people_and_normal_escalations_are_never_coalesced(
    session: Session, staff: Staff
) -> None:
    _anonymous_crisis(session, staff, MONDAY_10AM)
    known = _open(session, "demo-16", reason="crisis", urgency=escalations.URGENT).escalation
    normal = _open(session, None, team=staff.team, reason="asked_for_pa").escalation
    assert known.burst_lead_id is None and normal.burst_lead_id is None
    assert _outbox(session, escalation_id=known.id) != []
    assert _outbox(session, escalation_id=normal.id) != []


def test_an_overdue_burst_is_re_escalated_as_one_notice(session: Session, staff: Staff) -> None:
    lead = _anonymous_crisis(session, staff, MONDAY_10AM)
    followers = [
        _anonymous_crisis(session, staff, MONDAY_10AM + timedelta(seconds=n)) for n in range(1, 21)
    ]
    session.commit()
    at = followers[0].due_at
    moved = _commit_reescalate(session, at)
    assert set(moved) == {lead.id, *(f.id for f in followers)}
    overdue = _outbox(session, purpose="escalation_overdue")
    # The lead's own notice (3 recipients) and one for the other twenty (3 recipients).
    assert len(overdue) == 6
    counted = [o for o in overdue if o.escalation_id is None]
    assert len(counted) == 3
    assert counted[0].body.startswith(
        f"20 urgent escalations from anonymous visitors (after #{lead.id}) were not acknowledged"
    )
    assert _commit_reescalate(session, at + timedelta(hours=1)) == []


def test_a_pa_who_can_be_told_nowhere_is_covered_by_the_manager(
    session: Session, staff: Staff
) -> None:
    """Every channel off (or Telegram on but never linked): the manager is told instead."""
    staff.priya.notify_email = False
    staff.priya.notify_telegram = True  # no chat linked
    esc = _open(session, "demo-20").escalation
    assert esc.pa.name == "Priya Shah"
    told = _sent_to(session, escalation_id=esc.id)
    assert ("email", "manager@plymouth.example.org", "escalation_new") in told
    assert not [t for t in told if t[1] == "priya.shah@example.org"]
