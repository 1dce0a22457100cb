"""Database tables, shared by SQLite and PostgreSQL; Alembic migrations mirror them."""

from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

Base = declarative_base()


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no time zones) and always hands back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Council(Base):
    __tablename__ = "councils"
    id = Column(String(64), primary_key=True)  # stable slug, e.g. "plymouth"
    name = Column(String(200), nullable=False)
    timezone = Column(String(64), nullable=False, default="Europe/London")
    # Office hours of the leaving-care service: "working hours" for routing and deadlines.
    # Seven characters Monday..Sunday, "1" for a working day (bank holidays in England are off).
    office_days = Column(String(7), nullable=False, default="1111100")
    office_open = Column(Time, nullable=False, default=time(9))
    office_close = Column(Time, nullable=False, default=time(17))
    # Deadlines to acknowledge an escalation: urgent within minutes, others by the end of the
    # Nth working day after the one it came in on (1 = end of the next working day).
    urgent_ack_minutes = Column(Integer, nullable=False, default=60)
    normal_ack_working_days = Column(Integer, nullable=False, default=1)
    # Keeping in touch with 18-20s: a check-in every N weeks (a PA can change it for one
    # young person), a reminder after some days without an answer, then "lost contact".
    checkin_every_weeks = Column(Integer, nullable=False, default=4)
    checkin_reminder_days = Column(Integer, nullable=False, default=3)
    lost_contact_days = Column(Integer, nullable=False, default=7)
    # The conversation about PA support to 25 starts this many days before the 21st
    # birthday; "not sure" and silence get a reminder this many days before it.
    optin_lead_days = Column(Integer, nullable=False, default=91)
    optin_reminder_days_before = Column(Integer, nullable=False, default=14)
    # No proactive message between these local times (safety replies ignore them).
    quiet_start = Column(Time, nullable=False, default=time(21))
    quiet_end = Column(Time, nullable=False, default=time(9))
    # Approved WhatsApp template names by purpose (checkin, optin_prompt...), used outside
    # WhatsApp's 24-hour window, where free text is not allowed.
    whatsapp_templates = Column(JSON, nullable=False, default=dict)

    teams = relationship("Team", back_populates="council")


class Team(Base):
    """A leaving-care team; its duty contact covers out of hours and absent PAs."""

    __tablename__ = "teams"
    id = Column(Integer, primary_key=True)
    council_id = Column(ForeignKey("councils.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    phone = Column(String(40), nullable=False)
    email = Column(String(254))
    duty_name = Column(String(200), nullable=False)
    duty_phone = Column(String(40), nullable=False)
    # Where out-of-hours and re-escalated notifications go (a shared duty inbox).
    duty_email = Column(String(254))

    council = relationship("Council", back_populates="teams")
    advisers = relationship("PersonalAdviser", back_populates="team")


class PersonalAdviser(Base):
    __tablename__ = "personal_advisers"
    id = Column(Integer, primary_key=True)
    team_id = Column(ForeignKey("teams.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    phone = Column(String(40), nullable=False)
    email = Column(String(254), nullable=False)
    # Seven characters Monday..Sunday, "1" for a working day: "1111100" is Monday to Friday.
    working_days = Column(String(7), nullable=False, default="1111100")
    work_start = Column(Time, nullable=False)
    work_end = Column(Time, nullable=False)
    # Away until further notice (set by hand), or between two dates (inclusive, local).
    away = Column(Boolean, nullable=False, default=False)
    away_from = Column(Date)
    away_until = Column(Date)
    # Who takes their new escalations while they are away (a colleague on the same team);
    # with nobody named, the team's duty route does.
    cover_staff_id = Column(ForeignKey("staff_accounts.id", name="fk_pa_cover_staff"))

    team = relationship("Team", back_populates="advisers")
    cover = relationship("StaffAccount", foreign_keys=[cover_staff_id])


class YoungPerson(Base):
    __tablename__ = "young_people"
    id = Column(Integer, primary_key=True)
    # Stable reference staff and scripts use ("demo-19"); never shown to other young people.
    ref = Column(String(64), nullable=False, unique=True)
    preferred_name = Column(String(100), nullable=False)
    date_of_birth = Column(Date, nullable=False)
    council_id = Column(ForeignKey("councils.id"), nullable=False, index=True)
    pa_id = Column(ForeignKey("personal_advisers.id"), index=True)
    language = Column(String(16))
    # active (under 21), opted_in / opted_out (PA support from 21), requested (21-25, asked for
    # a PA again, until the team allocates one), ended (25 or closed): bot/keeping_in_touch/support.
    support_status = Column(String(20), nullable=False, default="active")
    # Circumstances that change which answer applies (bot.content.CONDITIONS), set by the PA.
    circumstances = Column(JSON, nullable=False, default=list)
    created_at = Column(UTCDateTime, nullable=False)

    council = relationship("Council")
    pa = relationship("PersonalAdviser")


class ChannelIdentity(Base):
    """Someone on one channel; anonymous until a PA links them to a young person."""

    __tablename__ = "channel_identities"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_identity_channel_external"),
    )
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)
    external_id = Column(String(255), nullable=False)
    young_person_id = Column(ForeignKey("young_people.id"), index=True)
    # What an anonymous visitor told us about themselves.
    council_id = Column(ForeignKey("councils.id"))
    # When we asked which council looked after them; asked once, then the national answer.
    council_asked_at = Column(UTCDateTime)
    language = Column(String(16))
    created_at = Column(UTCDateTime, nullable=False)
    last_seen_at = Column(UTCDateTime, nullable=False)

    # The channel said this person cannot be reached (blocked the bot, number gone): no
    # message is sent here until they write again.
    unreachable_at = Column(UTCDateTime)
    # Set when this chat belongs to a member of staff (a PA's own Telegram, linked with a
    # staff link code): their messages are replies to notifications, not questions.
    staff_id = Column(ForeignKey("staff_accounts.id", name="fk_identity_staff"), index=True)

    young_person = relationship("YoungPerson")
    staff = relationship("StaffAccount")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_message_channel_external"),
    )
    id = Column(Integer, primary_key=True)
    identity_id = Column(ForeignKey("channel_identities.id"), nullable=False, index=True)
    young_person_id = Column(ForeignKey("young_people.id"), index=True)
    direction = Column(String(3), nullable=False)  # "in" or "out"
    channel = Column(String(20), nullable=False)
    # The channel's own id; inbound duplicates collide on it and are answered once.
    external_id = Column(String(255))
    kind = Column(String(20), nullable=False, default="text")  # text, button, sticker, photo...
    text = Column(Text)
    intent = Column(String(64))
    confidence = Column(Float)
    topic = Column(String(64))
    safety = Column(String(32))
    # Who wrote an outbound message: the bot's reply, a PA (author_staff_id), or a proactive
    # message the bot sent first (check-ins); the web chat polls for the last two.
    source = Column(String(16), nullable=False, default="bot")
    author_staff_id = Column(ForeignKey("staff_accounts.id", name="fk_message_author"))
    created_at = Column(UTCDateTime, nullable=False, index=True)
    # A bot reply: the inbound message it answers, and its buttons ([[title, payload], ...]),
    # so a retried message (same channel id) gets exactly the same reply again.
    reply_to_id = Column(
        ForeignKey("messages.id", name="fk_message_reply_to", ondelete="SET NULL"), index=True
    )
    buttons = Column(JSON)


class ConversationState(Base):
    """Where a conversation is (for example waiting for a council choice) and what it carries."""

    __tablename__ = "conversation_states"
    identity_id = Column(ForeignKey("channel_identities.id"), primary_key=True)
    state = Column(String(64))
    data = Column(JSON, nullable=False, default=dict)
    # Messages in a row the bot could not answer; at two it asks the PA to step in.
    misses = Column(Integer, nullable=False, default=0)
    updated_at = Column(UTCDateTime, nullable=False)


class Escalation(Base):
    """A young person needs a person: open -> acknowledged -> resolved, with its times."""

    __tablename__ = "escalations"
    id = Column(Integer, primary_key=True)
    identity_id = Column(ForeignKey("channel_identities.id"), nullable=False, index=True)
    young_person_id = Column(ForeignKey("young_people.id"), index=True)
    pa_id = Column(ForeignKey("personal_advisers.id"), index=True)
    team_id = Column(ForeignKey("teams.id"), index=True)
    # asked_for_pa, crisis, homeless_now, not_understood, checkin_not_good, lost_contact...
    reason = Column(String(32), nullable=False)
    urgency = Column(String(10), nullable=False)  # urgent or normal
    excerpt = Column(String(280))
    # For a risk: the signals that raised it ({source, category, detail, language}), so a PA can
    # see why (a phrase, the risk classifier's score and cue words). Erased with the excerpt.
    risk_signals = Column(JSON)
    status = Column(String(16), nullable=False, default="open")
    # Why it went where it went: in_hours, out_of_hours, pa_away, no_pa, anonymous.
    routing = Column(String(20))
    # The team's duty contact was told too (out of hours, PA away, no PA, or re-escalated).
    duty_notified = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False)
    due_at = Column(UTCDateTime)
    acknowledged_at = Column(UTCDateTime)
    acknowledged_by_id = Column(ForeignKey("staff_accounts.id", name="fk_escalation_acked_by"))
    resolved_at = Column(UTCDateTime)
    resolved_by_id = Column(ForeignKey("staff_accounts.id", name="fk_escalation_resolved_by"))
    # Not acknowledged by its deadline: sent on to the team manager and duty contact.
    reescalated_at = Column(UTCDateTime)
    # While set, a member of staff is handling the conversation and the bot stays quiet on
    # it (safety replies apart) until they hand it back.
    handling_staff_id = Column(
        ForeignKey("staff_accounts.id", name="fk_escalation_handling"), index=True
    )
    handling_since = Column(UTCDateTime)
    # An urgent escalation from an anonymous visitor soon after another (one person writing
    # from fresh chats, or a flood): staff are told about these together, with a count.
    burst_lead_id = Column(
        ForeignKey("escalations.id", name="fk_escalation_burst_lead"), index=True
    )
    # The colleague covering for an away PA who was sent this escalation.
    cover_staff_id = Column(
        ForeignKey("staff_accounts.id", name="fk_escalation_cover_staff"), index=True
    )
    # Who was really told when it opened: "pa", "cover", "duty", "managers" (the bot
    # promises the young person only these). None on escalations from before it was kept.
    told = Column(JSON)

    identity = relationship("ChannelIdentity")
    young_person = relationship("YoungPerson")
    pa = relationship("PersonalAdviser")
    team = relationship("Team")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, index=True)
    actor = Column(String(100), nullable=False)  # "bot", "cli", or a staff account
    action = Column(String(64), nullable=False)
    subject_type = Column(String(32))
    subject_id = Column(String(64))
    detail = Column(JSON, nullable=False, default=dict)


class StaffAccount(Base):
    """Someone who logs into the dashboard: a PA, a team manager, a content editor, an admin."""

    __tablename__ = "staff_accounts"
    id = Column(Integer, primary_key=True)
    email = Column(String(254), nullable=False, unique=True)  # stored lower-case; the login
    name = Column(String(200), nullable=False)
    role = Column(String(16), nullable=False)  # pa, manager, editor, admin
    # argon2id; the clear password is never stored or logged.
    password_hash = Column(String(255), nullable=False)
    team_id = Column(ForeignKey("teams.id", name="fk_staff_team"), index=True)
    # The PA record this account is (young people name their PA by this record).
    pa_id = Column(ForeignKey("personal_advisers.id", name="fk_staff_pa"), unique=True)
    # A PA's own Telegram chat, linked with a staff link code, for notifications.
    telegram_chat_id = Column(String(64), unique=True)
    notify_email = Column(Boolean, nullable=False, default=True)
    notify_telegram = Column(Boolean, nullable=False, default=True)
    active = Column(Boolean, nullable=False, default=True)
    # On the team's duty rota: told of escalations the named PA cannot take, and may open
    # and act on them (and the team inbox) like a manager.
    on_duty = Column(Boolean, nullable=False, default=False)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime)
    created_at = Column(UTCDateTime, nullable=False)
    last_login_at = Column(UTCDateTime)

    team = relationship("Team")
    pa = relationship("PersonalAdviser", foreign_keys=[pa_id])


class StaffSession(Base):
    """A dashboard login; the cookie holds a random token, the table only its hash."""

    __tablename__ = "staff_sessions"
    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    staff_id = Column(ForeignKey("staff_accounts.id"), nullable=False, index=True)
    # Every form carries this; a request without it is refused.
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    last_seen_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    revoked_at = Column(UTCDateTime)

    staff = relationship("StaffAccount")


class LinkCode(Base):
    """A single-use, expiring code that links a chat to a young person (or a PA's Telegram).

    Only a hash is kept: the code is shown once to the PA who made it."""

    __tablename__ = "link_codes"
    id = Column(Integer, primary_key=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    purpose = Column(String(16), nullable=False)  # young_person or staff
    young_person_id = Column(ForeignKey("young_people.id"), index=True)
    staff_id = Column(ForeignKey("staff_accounts.id", name="fk_link_staff"), index=True)
    created_by_id = Column(ForeignKey("staff_accounts.id", name="fk_link_created_by"))
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)
    used_at = Column(UTCDateTime)
    used_identity_id = Column(ForeignKey("channel_identities.id"))


class OutboxItem(Base):
    """One message to send (to a young person or a member of staff), sent by the dispatcher.

    Written in the same transaction as what caused it, so nothing is lost in a crash; its
    state says whether it went, and dedupe_key stops the same message being queued twice."""

    __tablename__ = "outbox"
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)  # email, telegram, web, terminal, whatsapp
    # The channel's address: an email address, a Telegram chat id, a web visitor id...
    address = Column(String(255), nullable=False)
    purpose = Column(String(32), nullable=False)  # escalation_new, pa_reply, checkin...
    staff_id = Column(ForeignKey("staff_accounts.id", name="fk_outbox_staff"), index=True)
    identity_id = Column(ForeignKey("channel_identities.id"), index=True)
    young_person_id = Column(ForeignKey("young_people.id"), index=True)
    escalation_id = Column(ForeignKey("escalations.id"), index=True)
    author_staff_id = Column(ForeignKey("staff_accounts.id", name="fk_outbox_author"))
    subject = Column(String(200))
    body = Column(Text, nullable=False)
    buttons = Column(JSON, nullable=False, default=list)
    # pending -> sending -> sent, or failed (gave up), cancelled, or unconfirmed (a crash
    # while sending: it may have arrived, so it is not sent again).
    status = Column(String(12), nullable=False, default="pending", index=True)
    not_before = Column(UTCDateTime, nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    claimed_at = Column(UTCDateTime)
    sent_at = Column(UTCDateTime)
    # The channel's id for the sent message: a PA replying to it on Telegram threads back.
    external_id = Column(String(255))
    error = Column(String(200))
    dedupe_key = Column(String(255), unique=True)
    # An approved WhatsApp template (outside the 24-hour window) and its parameters.
    template = Column(String(100))
    template_params = Column(JSON, nullable=False, default=list)
    created_at = Column(UTCDateTime, nullable=False)


class ContactPlan(Base):
    """Keeping in touch with one young person: settings a PA can change, what was sent and
    answered. The planner derives every proactive message from this and the record."""

    __tablename__ = "contact_plans"
    young_person_id = Column(ForeignKey("young_people.id"), primary_key=True)
    # None: the council's default cadence.
    checkin_every_weeks = Column(Integer)
    checkins_paused = Column(Boolean, nullable=False, default=False)
    paused_by_id = Column(ForeignKey("staff_accounts.id", name="fk_plan_paused_by"))
    # The young person said stop: nothing proactive until they start again.
    stopped_at = Column(UTCDateTime)
    checkin_sent_at = Column(UTCDateTime)
    checkin_answer = Column(String(16))  # good, ok, not_good, talk
    checkin_answered_at = Column(UTCDateTime)
    checkin_reminded_at = Column(UTCDateTime)
    lost_contact_at = Column(UTCDateTime)
    optin_prompted_at = Column(UTCDateTime)
    optin_answer = Column(String(16))  # yes, no, not_sure
    optin_answered_at = Column(UTCDateTime)
    optin_reminded_at = Column(UTCDateTime)
    # The last birthday (year) a "you can still ask for support" reminder went out.
    birthday_reminder_year = Column(Integer)
    closed_at = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False)


class ServerKey(Base):
    """A random secret shared by every process (log-in form tokens, visitor tokens)."""

    __tablename__ = "server_keys"
    name = Column(String(32), primary_key=True)
    secret = Column(String(128), nullable=False)  # hex
    created_at = Column(UTCDateTime, nullable=False)


class LoginThrottle(Base):
    """Failed log-ins for one email from one client, or from one client in all (keyed by a
    hash, so neither the email nor the address is stored)."""

    __tablename__ = "login_throttles"
    key = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False)
    last_failed_at = Column(UTCDateTime, nullable=False)
    blocked_until = Column(UTCDateTime)
    # The account the email belongs to (on the email-and-client row, when there is one), so
    # unlocking an account clears its throttles from every device.
    staff_id = Column(ForeignKey("staff_accounts.id", name="fk_throttle_staff"), index=True)
