"""Shared by the keep-in-touch tests: a recording sender, a time machine that runs the real
job and the real dispatcher the way the scheduler does, and small database helpers."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.clock import FixedClock
from bot.db import session_factory
from bot.keeping_in_touch import jobs
from bot.keeping_in_touch.plans import plan_for
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    ContactPlan,
    Escalation,
    OutboxItem,
    PersonalAdviser,
    YoungPerson,
)
from bot.outbox import Delivery, Dispatcher

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
PUBLIC_URL = "http://test"
CHECKIN_BUTTONS = ["kit:good", "kit:ok", "kit:not_good", "intent:talk_to_pa"]
OPTIN_BUTTONS = ["optin:yes", "optin:no", "optin:not_sure"]


def london(*args: int) -> datetime:
    """A London wall-clock time as aware UTC: london(2027, 6, 26, 10) is 09:00 UTC (BST)."""
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def at_london(day: Any, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


class RecordingSender:
    """A channel that records what it was asked to send."""

    def __init__(self, prefix: str = "ext") -> None:
        self.deliveries: list[Delivery] = []
        self.prefix = prefix

    async def send(self, delivery: Delivery) -> str | None:
        self.deliveries.append(delivery)
        await asyncio.sleep(0)
        return f"{self.prefix}-{delivery.id}"

    def to(self, address: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.address == address]

    def clear(self) -> None:
        self.deliveries.clear()


class TimeMachine:
    """Moves a FixedClock, runs `jobs.run` and then `Dispatcher.run_once` at each stop, as
    the scheduler and the dispatcher loop would."""

    def __init__(self, db_engine: Engine, clock: FixedClock) -> None:
        self.sessions: sessionmaker = session_factory(db_engine)
        self.clock = clock
        self.telegram = RecordingSender("tg")
        self.whatsapp = RecordingSender("wa")
        self.dispatcher = Dispatcher(
            self.sessions, clock, {"telegram": self.telegram, "whatsapp": self.whatsapp}
        )

    def now(self) -> datetime:
        return self.clock.now()

    def run_job(self) -> jobs.Counts:
        return jobs.run(self.sessions, self.clock.now(), public_url=PUBLIC_URL)

    def dispatch(self) -> int:
        # Synchronous tests: the engine's NLU runs its own event loop, so no loop may be
        # running in the test's thread when it is called.
        return asyncio.run(self.dispatcher.run_once())

    def tick(self) -> jobs.Counts:
        counts = self.run_job()
        self.dispatch()
        return counts

    def at(self, when: datetime) -> jobs.Counts:
        """Set the clock to `when`, then run the job and the dispatcher."""
        self.clock.set(when)
        return self.tick()

    def every(self, start: datetime, end: datetime, step: timedelta) -> None:
        when = start
        while when <= end:
            self.at(when)
            when += step

    # -- database helpers ------------------------------------------------------------------

    def young_person(self, ref: str) -> YoungPerson:
        with self.sessions() as session:
            return session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()

    def yp_id(self, ref: str) -> int:
        return self.young_person(ref).id

    def link(
        self,
        ref: str,
        *,
        channel: str = "telegram",
        external_id: str | None = None,
        last_seen_at: datetime | None = None,
    ) -> str:
        """A chat for this young person, last seen a day ago unless told otherwise."""
        external_id = external_id or f"{channel}-{ref}"
        seen = last_seen_at or self.clock.now() - timedelta(days=1)
        with self.sessions.begin() as session:
            yp = session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()
            session.add(
                ChannelIdentity(
                    channel=channel,
                    external_id=external_id,
                    young_person_id=yp.id,
                    created_at=seen,
                    last_seen_at=seen,
                )
            )
        return external_id

    def seen(self, external_id: str, at: datetime) -> None:
        """What the engine does to a chat on every message from it."""
        with self.sessions.begin() as session:
            identity = session.execute(
                select(ChannelIdentity).where(ChannelIdentity.external_id == external_id)
            ).scalar_one()
            identity.last_seen_at = at

    def plan(self, ref: str) -> ContactPlan | None:
        with self.sessions() as session:
            return session.get(ContactPlan, self.yp_id(ref))

    def update_plan(self, ref: str, **values: Any) -> None:

        with self.sessions.begin() as session:
            plan = plan_for(session, self.yp_id(ref), self.clock.now())
            for key, value in values.items():
                setattr(plan, key, value)
            plan.updated_at = self.clock.now()

    def outbox(self, **where: Any) -> list[OutboxItem]:
        with self.sessions() as session:
            query = select(OutboxItem).order_by(OutboxItem.id)
            for column, value in where.items():
                if isinstance(value, (list, tuple, set, frozenset)):
                    query = query.where(getattr(OutboxItem, column).in_(list(value)))
                else:
                    query = query.where(getattr(OutboxItem, column) == value)
            return list(session.execute(query).scalars())

    def proactive(self, ref: str, **where: Any) -> list[OutboxItem]:
        return self.outbox(young_person_id=self.yp_id(ref), purpose=jobs.PROACTIVE, **where)

    def escalations(self, **where: Any) -> list[Escalation]:
        with self.sessions() as session:
            query = select(Escalation).order_by(Escalation.id)
            for column, value in where.items():
                query = query.where(getattr(Escalation, column) == value)
            return list(session.execute(query).scalars())

    def audit(self, action: str) -> list[AuditEvent]:
        with self.sessions() as session:
            return list(
                session.execute(
                    select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
                ).scalars()
            )

    def schedule(self, ref: str | None = None, at: datetime | None = None) -> list[tuple]:
        with self.sessions() as session:
            return [
                (event.kind, event.due_at, identity.channel if identity else None)
                for event, _yp, identity in jobs.schedule(session, at or self.clock.now(), ref=ref)
            ]

    def add_young_person(
        self, ref: str, name: str, date_of_birth: Any, created_at: datetime
    ) -> int:
        """Another Plymouth young person (Sam Ortiz), created at a given moment."""
        with self.sessions.begin() as session:
            pa = session.execute(
                select(PersonalAdviser).where(PersonalAdviser.name == "Sam Ortiz")
            ).scalar_one()
            yp = YoungPerson(
                ref=ref,
                preferred_name=name,
                date_of_birth=date_of_birth,
                council_id="plymouth",
                pa_id=pa.id,
                support_status="active",
                circumstances=[],
                created_at=created_at,
            )
            session.add(yp)
            session.flush()
            return yp.id


def payloads(delivery: Delivery) -> list[str]:
    return [b.payload for b in delivery.buttons]
