"""Records for the duty report's tests: young people of a chosen age and silence, their
chats, plans, escalations and sent check-ins, written straight to the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.models import (
    ChannelIdentity,
    ContactPlan,
    Escalation,
    OutboxItem,
    PersonalAdviser,
    YoungPerson,
)

LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


class World:
    def __init__(self, sessions: sessionmaker, now: datetime) -> None:
        self.sessions = sessions
        self.now = now
        self.today = now.date()  # 10:00 UTC in November is 10:00 in London
        self._chats = 0

    def person(
        self,
        ref: str,
        dob: date,
        *,
        pa: str | None = "Sam Ortiz",
        council: str = "plymouth",
        status: str = "active",
        created_at: datetime = LONG_AGO,
        name: str | None = None,
    ) -> int:
        with self.sessions.begin() as session:
            pa_id = None
            if pa is not None:
                pa_id = session.execute(
                    select(PersonalAdviser.id).where(PersonalAdviser.name == pa)
                ).scalar_one()
            yp = YoungPerson(
                ref=ref,
                preferred_name=name or ref.title(),
                date_of_birth=dob,
                council_id=council,
                pa_id=pa_id,
                support_status=status,
                circumstances=[],
                created_at=created_at,
            )
            session.add(yp)
            session.flush()
            return int(yp.id)

    def aged(self, ref: str, years: int, **kwargs: Any) -> int:
        """Someone `years` old plus about a hundred days today."""
        dob = years_before(self.today, years) - timedelta(days=100)
        return self.person(ref, dob, **kwargs)

    def chat(
        self,
        young_person_id: int,
        last_seen: datetime,
        *,
        unreachable_at: datetime | None = None,
        channel: str = "telegram",
    ) -> int:
        self._chats += 1
        with self.sessions.begin() as session:
            chat = ChannelIdentity(
                channel=channel,
                external_id=f"{channel}-secret-{young_person_id}-{self._chats}",
                young_person_id=young_person_id,
                created_at=min(last_seen, self.now),
                last_seen_at=last_seen,
                unreachable_at=unreachable_at,
            )
            session.add(chat)
            session.flush()
            return int(chat.id)

    def plan(self, young_person_id: int, **values: Any) -> None:
        with self.sessions.begin() as session:
            plan = session.get(ContactPlan, young_person_id)
            if plan is None:
                plan = ContactPlan(
                    young_person_id=young_person_id, checkins_paused=False, updated_at=self.now
                )
                session.add(plan)
            for key, value in values.items():
                setattr(plan, key, value)

    def escalation(
        self,
        young_person_id: int | None,
        *,
        created_at: datetime,
        due_at: datetime | None,
        status: str = "open",
        team_id: int | None = None,
        **values: Any,
    ) -> int:
        with self.sessions.begin() as session:
            yp = session.get(YoungPerson, young_person_id) if young_person_id else None
            if yp is not None:
                chat = (
                    session.execute(
                        select(ChannelIdentity).where(ChannelIdentity.young_person_id == yp.id)
                    )
                    .scalars()
                    .first()
                )
            else:
                chat = None
            if chat is None:
                self._chats += 1
                chat = ChannelIdentity(
                    channel="web",
                    external_id=f"web-escalation-{self._chats}",
                    young_person_id=young_person_id,
                    created_at=created_at,
                    last_seen_at=created_at,
                )
                session.add(chat)
                session.flush()
            pa = yp.pa if yp is not None else None
            esc = Escalation(
                identity_id=chat.id,
                young_person_id=young_person_id,
                pa_id=pa.id if pa else None,
                team_id=team_id if team_id is not None else (pa.team_id if pa else None),
                reason=values.pop("reason", "asked_for_pa"),
                urgency=values.pop("urgency", "normal"),
                excerpt="please ring me about my flat",
                status=status,
                routing="in_hours",
                duty_notified=False,
                created_at=created_at,
                due_at=due_at,
                **values,
            )
            session.add(esc)
            session.flush()
            return int(esc.id)

    def checkin_sent(self, young_person_id: int, sent_at: datetime, status: str = "sent") -> None:
        with self.sessions.begin() as session:
            self._chats += 1
            session.add(
                OutboxItem(
                    channel="telegram",
                    address="12345",
                    purpose="checkin",
                    young_person_id=young_person_id,
                    body="Hi, how are things?",
                    buttons=[],
                    status=status,
                    not_before=sent_at,
                    attempts=1,
                    sent_at=sent_at if status == "sent" else None,
                    created_at=sent_at,
                    dedupe_key=f"checkin:{young_person_id}:{self._chats}",
                )
            )
