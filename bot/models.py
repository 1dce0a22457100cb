"""Database tables, shared by SQLite and PostgreSQL; Alembic migrations mirror them."""

from __future__ import annotations

from datetime import datetime, timezone
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
    away = Column(Boolean, nullable=False, default=False)

    team = relationship("Team", back_populates="advisers")


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
    # active (under 21), opted_in / opted_out (PA support from 21), ended (25 or closed).
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

    young_person = relationship("YoungPerson")


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
    created_at = Column(UTCDateTime, nullable=False, index=True)


class ConversationState(Base):
    """Where a conversation is (for example waiting for a council choice) and what it carries."""

    __tablename__ = "conversation_states"
    identity_id = Column(ForeignKey("channel_identities.id"), primary_key=True)
    state = Column(String(64))
    data = Column(JSON, nullable=False, default=dict)
    updated_at = Column(UTCDateTime, nullable=False)


class Escalation(Base):
    __tablename__ = "escalations"
    id = Column(Integer, primary_key=True)
    identity_id = Column(ForeignKey("channel_identities.id"), nullable=False, index=True)
    young_person_id = Column(ForeignKey("young_people.id"), index=True)
    pa_id = Column(ForeignKey("personal_advisers.id"), index=True)
    team_id = Column(ForeignKey("teams.id"), index=True)
    reason = Column(String(32), nullable=False)  # asked_for_pa, crisis, homeless_now...
    urgency = Column(String(10), nullable=False)  # urgent or normal
    excerpt = Column(String(280))
    status = Column(String(16), nullable=False, default="open")
    created_at = Column(UTCDateTime, nullable=False)
    due_at = Column(UTCDateTime)
    acknowledged_at = Column(UTCDateTime)
    resolved_at = Column(UTCDateTime)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, index=True)
    actor = Column(String(100), nullable=False)  # "bot", "cli", or a staff account
    action = Column(String(64), nullable=False)
    subject_type = Column(String(32))
    subject_id = Column(String(64))
    detail = Column(JSON, nullable=False, default=dict)
