"""Managing staff accounts, on SQLite and PostgreSQL: adding a PA with their record, roles,
deactivating (sessions end at once), unlocking, the duty rota, password links (once, for 24
hours) and reassigning a caseload (all or some, escalations with it, each young person told
in their language)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.advisers import accounts, auth, caseload, escalations, linking, password_reset
from bot.advisers.accounts import AccountError
from bot.clock import FixedClock
from bot.db import session_factory
from bot.i18n import Translator
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    ContactPlan,
    Escalation,
    LinkCode,
    LoginThrottle,
    OutboxItem,
    PersonalAdviser,
    StaffAccount,
    StaffSession,
    YoungPerson,
)

SAM, PRIYA, TOM = "sam.ortiz@example.org", "priya.shah@example.org", "tom.walsh@example.org"
MANAGER, ADMIN = "morgan.lee@example.org", "admin@example.org"
PUBLIC_URL = "https://bot.example.org"
NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def sessions(db_engine: Engine, staff: dict[str, int]) -> sessionmaker:
    """The demo data with the demo staff's accounts."""
    return session_factory(db_engine)


def account(session: Session, email: str) -> StaffAccount:
    return accounts.account_by_email(session, email)


def yp(session: Session, ref: str) -> YoungPerson:
    return session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()


def events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def chat(session: Session, ref: str, now: datetime, *, channel="telegram", language=None) -> int:
    identity = ChannelIdentity(
        channel=channel,
        external_id=f"{channel}-{ref}",
        young_person_id=yp(session, ref).id,
        language=language,
        created_at=now,
        last_seen_at=now,
    )
    session.add(identity)
    session.flush()
    return identity.id


# Adding a PA ---------------------------------------------------------------------------


def test_a_pa_is_added_with_their_record_in_one_step(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    with sessions.begin() as session:
        admin = account(session, ADMIN)
        team_id = account(session, SAM).team_id
        added = accounts.add_pa(
            session,
            name="  Rae   Quinn ",
            email="Rae.Quinn@Example.org",
            phone="01632 960999",
            team_id=team_id,
            by=admin,
            now=clock.now(),
        )
        new_id = added.account.id
    with sessions() as session:
        new = session.get(StaffAccount, new_id)
        assert (new.name, new.email, new.role, new.team_id) == (
            "Rae Quinn",
            "rae.quinn@example.org",
            "pa",
            team_id,
        )
        assert new.active and new.pa is not None
        assert (new.pa.name, new.pa.email, new.pa.phone, new.pa.team_id) == (
            "Rae Quinn",
            "rae.quinn@example.org",
            "01632 960999",
            team_id,
        )
        assert (new.pa.work_start, new.pa.work_end) == (time(9), time(17))  # office hours
        (event,) = events(session, "staff_added")
        assert event.actor == f"staff:{account(session, ADMIN).id}"
        assert event.detail == {"pa_id": new.pa_id, "team_id": team_id}
        assert "Rae" not in str(event.detail)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": SAM}, "already a staff account"),
        ({"email": "pa.only@example.org"}, "already a PA record"),
        ({"phone": "call me"}, "phone number"),
        ({"name": " "}, "their name"),
        ({"email": "not an email"}, "email address"),
        ({"team_id": None}, "their team"),
    ],
)
def test_adding_a_pa_refuses_what_would_clash_and_makes_nothing(
    sessions: sessionmaker, clock: FixedClock, fields: dict, message: str
) -> None:
    with sessions.begin() as session:
        team_id = account(session, SAM).team_id
        session.add(
            PersonalAdviser(
                team_id=team_id,
                name="Record Only",
                phone="01632 960998",
                email="pa.only@example.org",
                work_start=time(9),
                work_end=time(17),
            )
        )
    with sessions() as session:
        before = session.execute(select(func.count(PersonalAdviser.id))).scalar_one()
        wanted = {"name": "Rae Quinn", "email": "rae@example.org", "phone": "01632 960999"}
        with pytest.raises(AccountError, match=message):
            accounts.add_pa(
                session,
                **{**wanted, "team_id": team_id, **fields},
                by=None,
                now=clock.now(),
            )
        session.rollback()
        assert session.execute(select(func.count(PersonalAdviser.id))).scalar_one() == before


# Roles ---------------------------------------------------------------------------------


def test_role_changes_and_their_refusals(sessions: sessionmaker, clock: FixedClock) -> None:
    now = clock.now()
    with sessions.begin() as session:
        admin, sam = account(session, ADMIN), account(session, SAM)
        with pytest.raises(AccountError, match="your own role"):
            accounts.change_role(session, admin, "manager", by=admin, now=now)
        with pytest.raises(AccountError, match="last active admin"):
            accounts.change_role(session, admin, "manager", by=None, now=now)
        with pytest.raises(AccountError, match="reassign the caseload first"):
            accounts.change_role(session, sam, "editor", by=admin, now=now)
        with pytest.raises(AccountError, match="needs a PA record"):
            accounts.change_role(session, account(session, MANAGER), "pa", by=admin, now=now)
        with pytest.raises(AccountError, match="from the list"):
            accounts.change_role(session, sam, "root", by=admin, now=now)
        # A manager keeps their PA record and caseload (they can see it).
        accounts.change_role(session, sam, "manager", by=admin, now=now)
        assert sam.role == "manager" and sam.pa_id is not None
        # With another admin, the first may stop being one.
        accounts.change_role(session, sam, "admin", by=admin, now=now)
        accounts.change_role(session, admin, "editor", by=sam, now=now)
        assert admin.role == "editor"
    with sessions() as session:
        changes = [(e.subject_id, e.detail) for e in events(session, "staff_role_changed")]
        sam_id = str(account(session, SAM).id)
        assert changes[:2] == [
            (sam_id, {"before": "pa", "after": "manager"}),
            (sam_id, {"before": "manager", "after": "admin"}),
        ]


# Deactivating --------------------------------------------------------------------------


def test_deactivating_ends_sessions_at_once_and_the_next_request_is_refused(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        sam = account(session, SAM)
        token, _row = auth.start_session(session, sam, now)
        sam.on_duty = True
        session.add(
            OutboxItem(
                channel="email",
                address=sam.email,
                purpose="escalation_new",
                staff_id=sam.id,
                body="There is a new escalation",
                buttons=[],
                status="pending",
                not_before=now,
                attempts=0,
                created_at=now,
            )
        )
        link = password_reset.make_link(
            session, sam, by=None, now=now, public_url=PUBLIC_URL, email_enabled=False
        )
    with sessions.begin() as session:
        assert auth.load_session(session, token, now) is not None
    with sessions.begin() as session:
        admin, sam = account(session, ADMIN), account(session, SAM)
        with pytest.raises(AccountError, match="your own account"):
            accounts.deactivate(session, admin, by=admin, now=now)
        with pytest.raises(AccountError, match="last active admin"):
            accounts.deactivate(session, admin, by=None, now=now)
        done = accounts.deactivate(session, sam, by=admin, now=now)
        assert done.sessions_ended == 1 and done.caseload == 5
        assert "named PA for 5 young people" in done.warnings[0]
    later = now + timedelta(seconds=1)
    with sessions.begin() as session:
        assert auth.load_session(session, token, later) is None
        sam = account(session, SAM)
        assert not sam.active and not sam.on_duty
        assert session.execute(select(StaffSession.revoked_at)).scalar_one() == now
        item = session.execute(select(OutboxItem)).scalar_one()
        assert item.status == "cancelled"
        with pytest.raises(password_reset.InvalidLink):
            password_reset.check_link(session, link.url.rsplit("/", 1)[1], later)
        assert auth.authenticate(session, SAM, "a-long-demo-password", later) is None
        (event,) = events(session, "staff_deactivated")
        assert event.detail == {"sessions": 1, "caseload": 5}
    with sessions.begin() as session:
        accounts.reactivate(session, account(session, SAM), by=None, now=later)
    with sessions.begin() as session:
        assert auth.authenticate(session, SAM, "a-long-demo-password", later) is not None
        assert len(events(session, "staff_reactivated")) == 1


def test_a_deactivated_pas_young_people_reach_the_manager(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        accounts.deactivate(session, account(session, SAM), by=None, now=now)
    with sessions.begin() as session:
        jay = yp(session, "demo-19")
        identity = session.get(ChannelIdentity, chat(session, "demo-19", now))
        opened = escalations.open_escalation(
            session,
            identity=identity,
            young_person=jay,
            team=None,
            reason="asked_for_pa",
            urgency="normal",
            text="can i talk to someone",
            now=now,
            public_url=PUBLIC_URL,
        )
        assert opened.escalation.told == ["managers"]
        told = set(
            session.execute(
                select(OutboxItem.address).where(OutboxItem.purpose == "escalation_new")
            ).scalars()
        )
        assert MANAGER in told and SAM not in told


# Unlock and the duty rota --------------------------------------------------------------


def test_unlocking_clears_the_accounts_throttles_on_every_device(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        for client in ("phone", "laptop"):
            for _ in range(auth.FREE_FAILURES):
                assert auth.authenticate(session, SAM, "wrong password", now, client=client) is None
    with sessions.begin() as session:
        sam = account(session, SAM)
        assert auth.must_wait(session, SAM, "phone", now) is not None
        assert auth.must_wait(session, SAM, "laptop", now) is not None
        assert sam.id in auth.throttled_until(session, [sam.id], now)
        assert sam.failed_logins == 2 * auth.FREE_FAILURES
        assert accounts.unlock(session, sam, by=account(session, MANAGER), now=now) == 2
    with sessions() as session:
        assert auth.must_wait(session, SAM, "phone", now) is None
        assert auth.must_wait(session, SAM, "laptop", now) is None
        assert account(session, SAM).failed_logins == 0
        # A device's count across emails is not the account's: it stays, and ends by itself.
        assert session.execute(select(func.count()).select_from(LoginThrottle)).scalar_one() == 2
        assert events(session, "staff_unlocked")[0].detail == {"throttles": 2}


def test_the_duty_rota_from_the_command_line_or_a_page(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        priya = account(session, PRIYA)
        accounts.set_duty(session, priya, True, by=None, now=now)
        assert priya.on_duty
        accounts.set_duty(session, priya, False, by=None, now=now)
        assert not priya.on_duty
        with pytest.raises(AccountError, match="PA or team manager"):
            accounts.set_duty(session, account(session, ADMIN), True, by=None, now=now)
        accounts.deactivate(session, priya, by=None, now=now)
        with pytest.raises(AccountError, match="deactivated"):
            accounts.set_duty(session, priya, True, by=None, now=now)
    with sessions() as session:
        assert [e.detail for e in events(session, "duty_rota_changed")] == [
            {"on_duty": True},
            {"on_duty": False},
        ]


# Password links ------------------------------------------------------------------------


def token_of(link: password_reset.ResetLink) -> str:
    prefix = f"{PUBLIC_URL}/staff/reset/"
    assert link.url.startswith(prefix)
    return link.url[len(prefix) :]


def test_a_password_link_works_once_and_ends_sessions_and_throttles(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        sam, admin = account(session, SAM), account(session, ADMIN)
        token_cookie, _ = auth.start_session(session, sam, now)
        for _ in range(auth.FREE_FAILURES):
            auth.authenticate(session, SAM, "wrong password", now, client="phone")
        link = password_reset.make_link(
            session, sam, by=admin, now=now, public_url=PUBLIC_URL, email_enabled=False
        )
        assert not link.emailed and link.expires_at == now + timedelta(hours=24)
    token = token_of(link)
    with sessions() as session:
        row = session.execute(select(LinkCode)).scalar_one()
        assert (row.purpose, row.created_by_id) == ("password_reset", account(session, ADMIN).id)
        assert token not in row.code_hash and session.execute(select(OutboxItem)).first() is None
    with sessions.begin() as session:
        with pytest.raises(AccountError, match="different"):
            password_reset.use_link(session, token, NEW_PASSWORD, NEW_PASSWORD + "x", now)
        with pytest.raises(AccountError, match="at least 12"):
            password_reset.use_link(session, token, "short", "short", now)
    with sessions.begin() as session:
        password_reset.use_link(session, token, NEW_PASSWORD, NEW_PASSWORD, now)
    with sessions.begin() as session:
        assert auth.load_session(session, token_cookie, now) is None
        assert auth.must_wait(session, SAM, "phone", now) is None
        assert auth.authenticate(session, SAM, NEW_PASSWORD, now, client="phone") is not None
        with pytest.raises(password_reset.InvalidLink):
            password_reset.use_link(session, token, "another-passphrase", "another-passphrase", now)
        assert len(events(session, "password_reset_done")) == 1
        assert events(session, "password_reset_link_made")[0].detail["emailed"] is False


def test_a_password_link_expires_and_a_new_one_ends_the_old(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        sam = account(session, SAM)
        make = dict(by=None, public_url=PUBLIC_URL, email_enabled=False)
        first = token_of(password_reset.make_link(session, sam, now=now, **make))
        second = token_of(
            password_reset.make_link(session, sam, now=now + timedelta(minutes=1), **make)
        )
    with sessions() as session:
        at = now + timedelta(minutes=2)
        with pytest.raises(password_reset.InvalidLink):
            password_reset.check_link(session, first, at)
        assert password_reset.check_link(session, second, at) is not None
        with pytest.raises(password_reset.InvalidLink):
            password_reset.check_link(session, second, now + timedelta(hours=24, minutes=1))
        with pytest.raises(password_reset.InvalidLink):
            password_reset.check_link(session, "not-a-token", at)
        # Not a chat link code either, even if someone found one to type.
        identity = session.get(ChannelIdentity, chat(session, "demo-19", now))
        row = session.execute(select(LinkCode).order_by(LinkCode.id.desc())).scalars().first()
        row.code_hash = linking._hash("ABCDEFGHJK")
        assert linking.redeem(session, "ABCDEFGHJK", identity, at).outcome == "invalid"
        assert identity.staff_id is None


def test_with_email_set_up_the_link_is_emailed_to_them(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        sam = account(session, SAM)
        sam.notify_email = False  # a password link is not a notification
        link = password_reset.make_link(
            session, sam, by=None, now=now, public_url=PUBLIC_URL, email_enabled=True
        )
    assert link.emailed
    with sessions() as session:
        item = session.execute(select(OutboxItem)).scalar_one()
        assert (item.channel, item.address, item.purpose) == ("email", SAM, "password_reset")
        assert link.url in item.body and "24 hours" in item.body


# Reassigning a caseload ----------------------------------------------------------------


def test_reassigning_some_moves_only_them_with_their_escalations_and_tells_them(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        sam = account(session, SAM)
        chat(session, "demo-19", now, language="ar")
        chat(session, "demo-18", now, channel="whatsapp")
        session.add(
            ContactPlan(young_person_id=yp(session, "demo-18").id, stopped_at=now, updated_at=now)
        )
        jay, jordan = yp(session, "demo-19"), yp(session, "demo-18")
        identity = session.execute(select(ChannelIdentity)).scalars().first()
        opened = Escalation(
            identity_id=identity.id,
            young_person_id=jay.id,
            pa_id=sam.pa_id,
            team_id=sam.team_id,
            reason="asked_for_pa",
            urgency="normal",
            status="open",
            handling_staff_id=sam.id,
            handling_since=now,
            created_at=now,
        )
        done = Escalation(
            identity_id=identity.id,
            young_person_id=jay.id,
            pa_id=sam.pa_id,
            team_id=sam.team_id,
            reason="asked_for_pa",
            urgency="normal",
            status="resolved",
            created_at=now,
        )
        session.add_all([opened, done])
        session.flush()
        ids = {"jay": jay.id, "jordan": jordan.id, "open": opened.id, "done": done.id}
    with sessions.begin() as session:
        sam, priya = account(session, SAM), account(session, PRIYA)
        moved = caseload.reassign(
            session,
            sam.pa,
            priya.pa,
            young_person_ids={ids["jay"], ids["jordan"]},
            by=account(session, ADMIN),
            now=now,
        )
        assert (moved.moved, moved.escalations, moved.told, moved.not_told) == (2, 1, 1, 1)
    with sessions() as session:
        sam, priya = account(session, SAM), account(session, PRIYA)
        assert {p.ref for p in caseload.caseload_of(session, priya.pa)} >= {"demo-19", "demo-18"}
        assert {p.ref for p in caseload.caseload_of(session, sam.pa)} == {
            "demo-16",
            "demo-20-9m",
            "demo-22",
        }
        opened, done = session.get(Escalation, ids["open"]), session.get(Escalation, ids["done"])
        assert (opened.pa_id, opened.handling_staff_id) == (priya.pa_id, None)
        assert done.pa_id == sam.pa_id  # a resolved one stays as it was
        (message,) = session.execute(select(OutboxItem)).scalars()
        assert (message.purpose, message.young_person_id) == ("pa_changed", ids["jay"])
        arabic = caseload.new_pa_message(
            Translator("ar"), session.get(YoungPerson, ids["jay"]), priya.pa
        )
        assert message.body == arabic and "مستشارك الشخصي الجديد" in message.body
        assert "Priya Shah" in message.body and "01632 960124" in message.body
        (event,) = events(session, "caseload_reassigned")
        assert event.subject_id == str(sam.pa_id)
        assert event.detail == {
            "to_pa_id": priya.pa_id,
            "moved": 2,
            "escalations": 1,
            "told": 1,
            "not_told": 1,
            "all": False,
        }
        assert len(events(session, "young_person_pa_changed")) == 2


def test_reassigning_all_in_the_evening_waits_for_the_morning(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    evening = datetime(2026, 11, 23, 22, 0, tzinfo=timezone.utc)
    with sessions.begin() as session:
        for ref in ("demo-16", "demo-22"):
            chat(session, ref, evening)
        sam, priya = account(session, SAM), account(session, PRIYA)
        moved = caseload.reassign(session, sam.pa, priya.pa, by=None, now=evening)
        assert (moved.moved, moved.told) == (5, 2)
    with sessions() as session:
        assert caseload.caseload_of(session, account(session, SAM).pa) == []
        items = list(session.execute(select(OutboxItem)).scalars())
        assert {i.not_before for i in items} == {datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)}
        english = "Hi Kai, your new PA (personal adviser) is Priya Shah."
        assert any(i.body.startswith(english) for i in items)
        assert events(session, "caseload_reassigned")[0].detail["all"] is True


def test_reassigning_refuses_what_does_not_fit(sessions: sessionmaker, clock: FixedClock) -> None:
    now = clock.now()
    with sessions() as session:
        sam, priya, tom = (account(session, e) for e in (SAM, PRIYA, TOM))
        assert tom.pa not in caseload.choices(session, sam.pa)
        assert priya.pa in caseload.choices(session, sam.pa)
        cases = [
            (sam.pa, {}, "different PA"),
            (tom.pa, {}, "another council"),
            (priya.pa, {"young_person_ids": set()}, "at least one"),
            (priya.pa, {"young_person_ids": {yp(session, "demo-17").id}}, "not on this caseload"),
        ]
        for target, extra, message in cases:
            with pytest.raises(AccountError, match=message):
                caseload.reassign(session, sam.pa, target, by=None, now=now, **extra)
        accounts.deactivate(session, priya, by=None, now=now)
        assert priya.pa not in caseload.choices(session, sam.pa)
        with pytest.raises(AccountError, match="deactivated"):
            caseload.reassign(session, sam.pa, priya.pa, by=None, now=now)
        session.rollback()
        assert {p.ref for p in caseload.caseload_of(session, account(session, SAM).pa)} == {
            "demo-16",
            "demo-18",
            "demo-19",
            "demo-20-9m",
            "demo-22",
        }


def test_deactivating_hands_back_the_conversations_they_were_handling(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    """Otherwise the bot would stay quiet on them with nobody left to reply."""
    now = clock.now()
    with sessions.begin() as session:
        manager = account(session, MANAGER)
        identity = chat(session, "demo-19", now)
        jay = yp(session, "demo-19")
        esc = Escalation(
            identity_id=identity,
            young_person_id=jay.id,
            pa_id=jay.pa_id,
            team_id=manager.team_id,
            reason="crisis",
            urgency="normal",
            status="acknowledged",
            handling_staff_id=manager.id,
            handling_since=now,
            created_at=now,
        )
        session.add(esc)
        session.flush()
        esc_id = esc.id
    with sessions.begin() as session:
        accounts.deactivate(session, account(session, MANAGER), by=None, now=now)
    with sessions() as session:
        esc = session.get(Escalation, esc_id)
        assert (esc.handling_staff_id, esc.status) == (None, "acknowledged")
        (event,) = events(session, "conversation_handed_back")
        assert event.subject_id == str(esc_id) and event.actor == "cli"
