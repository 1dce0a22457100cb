"""The keep-in-touch job: turns what the planner says is due into outbox rows (each exactly
once, by its key) and escalations, in batches, so 10,000 young people due at once is fine."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.advisers import escalations, reach
from bot.i18n import Translator, normalise_language
from bot.keeping_in_touch import hold, messages, planner
from bot.keeping_in_touch.planner import Planned
from bot.keeping_in_touch.plans import plan_for
from bot.keeping_in_touch.quiet_hours import next_allowed
from bot.messages import OutgoingMessage
from bot.models import ChannelIdentity, ContactPlan, Council, OutboxItem, YoungPerson

log = logging.getLogger(__name__)

BATCH = 500
# Outbox purposes of the messages this job sends.
PROACTIVE = planner.MESSAGES
# WhatsApp allows free text only within 24 hours of the person's last message.
WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass
class Counts:
    """What one run of the job did: messages queued, people held or with no chat to reach,
    lost-contact escalations opened, and messages already queued by an earlier run."""

    queued: int = 0
    held: int = 0
    escalated: int = 0
    unreachable: int = 0
    already: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def reachable(identities: list[ChannelIdentity]) -> ChannelIdentity | None:
    """The chat to use: the one they used last, preferring chats that can push."""
    return reach.last_used(identities, prefer_push=True)


def last_contact(identities: list[ChannelIdentity]) -> datetime | None:
    """When they were last seen on any of these chats (they wrote to the bot); None if never."""
    seen = [i.last_seen_at for i in identities if i.last_seen_at is not None]
    return max(seen) if seen else None


def _message_for(
    event: Planned, yp: YoungPerson, t: Translator, council: Council
) -> OutgoingMessage:
    if event.kind in (planner.CHECKIN, planner.CHECKIN_REMINDER):
        return messages.checkin_message(t, yp, reminder=event.kind == planner.CHECKIN_REMINDER)
    if event.kind in (planner.OPTIN_PROMPT, planner.OPTIN_REMINDER):
        return messages.optin_message(
            t,
            yp,
            planner.birthday(yp.date_of_birth, 21),
            reminder=event.kind == planner.OPTIN_REMINDER,
        )
    if event.kind == planner.BIRTHDAY_REMINDER:
        return messages.birthday_message(t, yp)
    team = yp.pa.team if yp.pa is not None else None
    return messages.closing_message(t, yp, team)


def _record(
    plan: ContactPlan, yp: YoungPerson, event: Planned, now: datetime, tz: ZoneInfo
) -> None:
    """What the plan remembers, so the planner moves on to the next event."""
    if event.kind == planner.CHECKIN:
        plan.checkin_sent_at = now
    elif event.kind == planner.CHECKIN_REMINDER:
        plan.checkin_reminded_at = now
    elif event.kind == planner.LOST_CONTACT:
        plan.lost_contact_at = now
    elif event.kind == planner.OPTIN_PROMPT:
        plan.optin_prompted_at = now
    elif event.kind == planner.OPTIN_REMINDER:
        plan.optin_reminded_at = now
    elif event.kind == planner.BIRTHDAY_REMINDER:
        plan.birthday_reminder_year = event.due_at.astimezone(tz).year
    elif event.kind == planner.CLOSING:
        plan.closed_at = now
        yp.support_status = "ended"
    plan.updated_at = now


def _candidates(session: Session, today: date, after_id: int) -> list[YoungPerson]:
    """Young people 18 to 25 (and a little over, so a closing message is never missed)."""
    oldest = planner.birthday(today, -27)
    youngest = planner.birthday(today, -18)
    return list(
        session.execute(
            select(YoungPerson)
            .where(
                YoungPerson.id > after_id,
                YoungPerson.support_status != "ended",
                YoungPerson.date_of_birth > oldest,
                YoungPerson.date_of_birth <= youngest,
            )
            .order_by(YoungPerson.id)
            .limit(BATCH)
        ).scalars()
    )


def run(
    sessions: sessionmaker, now: datetime, *, public_url: str, default_language: str = "en"
) -> Counts:
    """Queue everything due by `now`. Safe to run as often as you like, from several
    processes at once: every message has a unique key, so none is queued twice."""
    counts = Counts()
    after = 0
    councils: dict[str, Council] = {}
    while True:
        with sessions.begin() as session:
            if not councils:
                councils = {c.id: c for c in session.execute(select(Council)).scalars()}
            any_tz = ZoneInfo(next(iter(councils.values())).timezone) if councils else None
            today = now.astimezone(any_tz).date() if any_tz else now.date()
            batch = _candidates(session, today, after)
            if not batch:
                break
            after = batch[-1].id
            _run_batch(session, batch, councils, now, public_url, default_language, counts)
    if counts.queued or counts.escalated:
        log.info(
            "keep-in-touch queued=%d escalated=%d unreachable=%d already=%d",
            counts.queued,
            counts.escalated,
            counts.unreachable,
            counts.already,
        )
    return counts


def _run_batch(
    session: Session,
    batch: list[YoungPerson],
    councils: dict[str, Council],
    now: datetime,
    public_url: str,
    default_language: str,
    counts: Counts,
) -> None:
    ids = [yp.id for yp in batch]
    plans = {
        p.young_person_id: p
        for p in session.execute(
            select(ContactPlan).where(ContactPlan.young_person_id.in_(ids))
        ).scalars()
    }
    chats: dict[int, list[ChannelIdentity]] = defaultdict(list)
    for identity in session.execute(
        select(ChannelIdentity).where(ChannelIdentity.young_person_id.in_(ids))
    ).scalars():
        chats[identity.young_person_id].append(identity)
    due: list[tuple[YoungPerson, Planned]] = []
    # Someone who may be at risk gets no routine message now; it is planned again after.
    held = hold.held_people(session, ids)
    for yp in batch:
        if yp.id in held:
            counts.held += 1
            continue
        council = councils[yp.council_id]
        events = planner.upcoming(
            yp, plans.get(yp.id), council, now, last_contact=last_contact(chats[yp.id])
        )
        due += [(yp, event) for event in planner.due_now(events, now)]
    if not due:
        return
    taken = set(
        session.execute(
            select(OutboxItem.dedupe_key).where(
                OutboxItem.dedupe_key.in_([event.key for _yp, event in due])
            )
        ).scalars()
    )
    for yp, event in due:
        if event.key in taken:
            counts.already += 1
            continue
        identity = reachable(chats[yp.id])
        if identity is None:
            counts.unreachable += 1
            continue
        council = councils[yp.council_id]
        plan = plans.get(yp.id)
        if plan is None:
            # In a savepoint: another planner running now may make the same plan.
            plan = plan_for(session, yp.id, now)
            plans[yp.id] = plan
        tz = ZoneInfo(council.timezone)
        if event.kind == planner.LOST_CONTACT:
            escalations.open_escalation(
                session,
                identity=identity,
                young_person=yp,
                team=yp.pa.team if yp.pa is not None else None,
                reason="lost_contact",
                urgency=escalations.NORMAL,
                text=None,
                now=now,
                public_url=public_url,
            )
            _record(plan, yp, event, now, tz)
            counts.escalated += 1
            continue
        if _queue(session, yp, identity, event, council, now, default_language):
            _record(plan, yp, event, now, tz)
            counts.queued += 1
            counts.by_kind[event.kind] += 1
        else:
            counts.already += 1


def _queue(
    session: Session,
    yp: YoungPerson,
    identity: ChannelIdentity,
    event: Planned,
    council: Council,
    now: datetime,
    default_language: str,
) -> bool:
    language = normalise_language(identity.language or yp.language) or default_language
    message = _message_for(event, yp, Translator(language), council)
    template = None
    failed = None
    if identity.channel == "whatsapp" and (
        identity.last_seen_at is None or now - identity.last_seen_at > WHATSAPP_WINDOW
    ):
        # Outside the 24-hour window only an approved template may be sent.
        template = (council.whatsapp_templates or {}).get(event.kind)
        if template is None:
            failed = f"no approved WhatsApp template for {event.kind}"
    item = outbox.enqueue(
        session,
        channel=identity.channel,
        address=identity.external_id,
        purpose=event.kind,
        identity_id=identity.id,
        young_person_id=yp.id,
        body=message.text,
        buttons=message.buttons,
        failed=failed,
        now=now,
        # Picked up late (the bot was down, a chat was linked in the evening): still not at night.
        not_before=next_allowed(
            max(event.due_at, now), council.quiet_start, council.quiet_end, council.timezone
        ),
        dedupe_key=event.key,
        template=template,
        template_params=[yp.preferred_name] if template else [],
    )
    return item is not None  # None: another planner queued it a moment ago


def schedule(
    session: Session, now: datetime, *, ref: str | None = None, limit: int | None = None
) -> list[tuple[Planned, YoungPerson, ChannelIdentity | None]]:
    """What the job will send, to whom and when (for `carebot schedule show`)."""
    query = select(YoungPerson).order_by(YoungPerson.id)
    if ref is not None:
        query = query.where(YoungPerson.ref == ref)
    councils = {c.id: c for c in session.execute(select(Council)).scalars()}
    rows: list[tuple[Planned, YoungPerson, ChannelIdentity | None]] = []
    for yp in session.execute(query).scalars():
        identities = list(
            session.execute(
                select(ChannelIdentity).where(ChannelIdentity.young_person_id == yp.id)
            ).scalars()
        )
        plan = session.get(ContactPlan, yp.id)
        for event in planner.upcoming(
            yp, plan, councils[yp.council_id], now, last_contact=last_contact(identities)
        ):
            rows.append((event, yp, reachable(identities)))
    rows.sort(key=lambda row: row[0].due_at)
    return rows[:limit] if limit else rows
