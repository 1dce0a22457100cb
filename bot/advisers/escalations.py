"""Escalations: open and route one to a named PA (and the duty contact when needed), and
carry it through acknowledged -> resolved, with replies, handover and re-escalation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.advisers import cover, notify, reach
from bot.advisers.working_time import Hours
from bot.keeping_in_touch import hold, support
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

log = logging.getLogger(__name__)

URGENT = "urgent"
NORMAL = "normal"
OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
EXCERPT_CHARS = 140
# Urgent escalations from anonymous visitors within this long of a first one are a burst:
# staff hear of the first at once and of the rest together, with a count, at its end.
BURST_WINDOW = timedelta(minutes=5)
MAX_REPLY_CHARS = 4000

# Routing: why an escalation went where it went (shown to staff, and in the reply).
IN_HOURS = "in_hours"
OUT_OF_HOURS = "out_of_hours"
PA_AWAY = "pa_away"
NO_PA = "no_pa"
ANONYMOUS = "anonymous"


class EscalationError(ValueError):
    """An action that does not fit the escalation's state; the message is for staff."""


def council_hours(council: Council) -> Hours:
    """The council office's hours: deadlines for normal escalations count its working days."""
    return Hours.of(
        council.office_days, council.office_open, council.office_close, council.timezone
    )


def pa_hours(pa: PersonalAdviser, council: Council) -> Hours:
    """A PA's own working hours, in their council's time zone (in or out of hours routing)."""
    return Hours.of(pa.working_days, pa.work_start, pa.work_end, council.timezone)


def due_for(council: Council, urgency: str, now: datetime) -> datetime:
    """Urgent: within the council's minutes. Others: by the end of the next working day."""
    if urgency == URGENT:
        return now + timedelta(minutes=council.urgent_ack_minutes)
    return council_hours(council).end_of_nth_working_day_after(now, council.normal_ack_working_days)


def _routing(
    pa: PersonalAdviser | None, yp: YoungPerson | None, council: Council, now: datetime
) -> str:
    if yp is None:
        return ANONYMOUS
    if pa is None:
        return NO_PA
    if cover.is_away(pa, cover.local_day(now)):
        return PA_AWAY
    if not pa_hours(pa, council).is_working(now):
        return OUT_OF_HOURS
    return IN_HOURS


def told_of(esc: Escalation) -> set[str]:
    """Who was really told when it opened (see notify.escalation_opened)."""
    if esc.told is not None:
        return set(esc.told)
    # Opened before this was kept: the PA if named, and the duty route if it went there.
    legacy = {notify.TOLD_PA} if esc.pa_id is not None else set()
    if esc.duty_notified:
        legacy.add(notify.TOLD_DUTY)
    return legacy


def cover_name(session: Session, esc: Escalation) -> str | None:
    """The name of the colleague told as cover for an away PA, if one was."""
    if esc.cover_staff_id is None or notify.TOLD_COVER not in told_of(esc):
        return None
    staff = session.get(StaffAccount, esc.cover_staff_id)
    return staff.name if staff is not None else None


def _excerpt(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _audit(
    session: Session, now: datetime, actor: str, action: str, esc: Escalation, **detail: object
) -> None:
    session.add(
        AuditEvent(
            at=now,
            actor=actor,
            action=action,
            subject_type="escalation",
            subject_id=str(esc.id),
            detail={"young_person_id": esc.young_person_id, **detail},
        )
    )


def active_for(session: Session, identity: ChannelIdentity) -> list[Escalation]:
    """Escalations not yet resolved for this person (all their chats) or this anonymous chat."""
    if identity.young_person_id is not None:
        who = Escalation.young_person_id == identity.young_person_id
    else:
        who = Escalation.identity_id == identity.id
    return list(
        session.execute(
            select(Escalation).where(who, Escalation.status != RESOLVED).order_by(Escalation.id)
        ).scalars()
    )


def handling(session: Session, identity: ChannelIdentity) -> Escalation | None:
    """The escalation whose PA is handling this conversation now (the bot stays quiet)."""
    for esc in active_for(session, identity):
        if esc.handling_staff_id is not None:
            return esc
    return None


@dataclass(frozen=True)
class Opened:
    """What `open_escalation` returns: the escalation, and whether an open one was reused."""

    escalation: Escalation
    # True when an escalation for the same reason was still open and is reused.
    repeat: bool


def open_escalation(
    session: Session,
    *,
    identity: ChannelIdentity,
    young_person: YoungPerson | None,
    team: Team | None,
    reason: str,
    urgency: str,
    text: str | None,
    now: datetime,
    public_url: str,
    risk_signals: list[dict[str, str | None]] | None = None,
) -> Opened:
    """Open (or, if one for the same reason is still open, reuse) an escalation, route it and
    queue its notifications in this transaction. An urgent one holds routine messages."""
    for existing in active_for(session, identity):
        if existing.reason == reason and existing.status == OPEN:
            _audit(session, now, "bot", "escalation_repeated", existing, reason=reason)
            return Opened(existing, repeat=True)
    pa = None
    if young_person is not None:
        former = young_person.pa
        # Someone who said no to PA support at 21 goes to their team, not a former PA.
        pa = support.current_pa(session, young_person, cover.local_day(now))
        if former is not None:
            team = former.team
    council = None
    if team is not None:
        council = team.council
    elif young_person is not None:
        council = young_person.council
    routing = _routing(pa, young_person, council, now) if council is not None else ANONYMOUS
    covering = cover.cover_for(pa, cover.local_day(now)) if pa is not None else None
    lead = _burst_lead(session, team, now) if young_person is None and urgency == URGENT else None
    # In a burst, staff are told at its end, so the deadline runs from then.
    told_at = lead.created_at + BURST_WINDOW if lead is not None else now
    esc = Escalation(
        identity_id=identity.id,
        young_person_id=young_person.id if young_person else None,
        pa_id=pa.id if pa else None,
        team_id=team.id if team else None,
        reason=reason,
        urgency=urgency,
        excerpt=_excerpt(text),
        risk_signals=risk_signals,
        status=OPEN,
        routing=routing,
        # Told to the duty route (the duty inbox, the duty rota; always in the team inbox on
        # the dashboard) when the PA cannot take it, unless a colleague covers a routine one.
        duty_notified=routing != IN_HOURS
        and team is not None
        and not (covering is not None and urgency != URGENT),
        cover_staff_id=covering.id if covering is not None else None,
        created_at=now,
        due_at=due_for(council, urgency, told_at) if council is not None else None,
        burst_lead_id=lead.id if lead is not None else None,
    )
    session.add(esc)
    session.flush()
    _audit(
        session,
        now,
        "bot",
        "escalation_opened",
        esc,
        reason=reason,
        urgency=urgency,
        routing=routing,
        **({"burst_lead": lead.id} if lead is not None else {}),
    )
    if lead is not None:
        notify.anonymous_burst(session, lead, at=told_at, public_url=public_url)
        esc.told = _told_of_burst(session, team)
    else:
        esc.told = notify.escalation_opened(session, esc, now=now, public_url=public_url)
    if urgency == URGENT and esc.young_person_id is not None:
        hold.hold(session, esc.young_person_id)
    log.info(
        "escalation opened id=%s reason=%s urgency=%s routing=%s", esc.id, reason, urgency, routing
    )
    return Opened(esc, repeat=False)


def _told_of_burst(session: Session, team: Team | None) -> list[str]:
    """Who hears of a burst (together, at its end): the duty route and the managers."""
    if team is None:
        return []
    told = []
    if team.duty_email or any(notify.reaches(s) for s in cover.duty_staff(session, team.id)):
        told.append(notify.TOLD_DUTY)
    if any(notify.reaches(s) for s in cover.managers(session, team.id)):
        told.append(notify.TOLD_MANAGERS)
    return told


def _burst_lead(session: Session, team: Team | None, now: datetime) -> Escalation | None:
    """The first urgent escalation from an anonymous visitor to this team in the last few
    minutes, if any (fifty crisis messages from fresh chats must not bury a real one under
    a hundred alerts; every visitor still gets the emergency numbers)."""
    if team is None:
        return None
    return session.execute(
        select(Escalation)
        .where(
            Escalation.team_id == team.id,
            Escalation.young_person_id.is_(None),
            Escalation.urgency == URGENT,
            Escalation.burst_lead_id.is_(None),
            Escalation.created_at > now - BURST_WINDOW,
        )
        .order_by(Escalation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _staff_actor(staff: StaffAccount) -> str:
    return f"staff:{staff.id}"


def acknowledge(
    session: Session, escalation: Escalation, staff: StaffAccount, now: datetime
) -> None:
    """Staff have seen it: an open escalation becomes acknowledged, so it is not re-escalated.
    Acknowledging twice changes nothing; a resolved one is an EscalationError."""
    if escalation.status == RESOLVED:
        raise EscalationError("This escalation is already resolved.")
    if escalation.status == OPEN:
        escalation.status = ACKNOWLEDGED
        escalation.acknowledged_at = now
        escalation.acknowledged_by_id = staff.id
        _audit(session, now, _staff_actor(staff), "escalation_acknowledged", escalation)


def reply(
    session: Session, escalation: Escalation, staff: StaffAccount, text: str, now: datetime
) -> OutboxItem:
    """Queue the PA's message to the young person on the chat the escalation came from;
    replying takes the conversation over (the bot stays quiet) until it is handed back."""
    text = text.strip()
    if not text:
        raise EscalationError("Write a message before sending.")
    if len(text) > MAX_REPLY_CHARS:
        raise EscalationError(f"Keep the message under {MAX_REPLY_CHARS} characters.")
    if escalation.status == RESOLVED:
        raise EscalationError("This escalation is resolved; the young person can write again.")
    acknowledge(session, escalation, staff, now)
    identity = session.get(ChannelIdentity, escalation.identity_id)
    assert identity is not None
    if escalation.young_person_id is not None:
        # One person, several chats: the reply goes to the one they used last.
        identity = reach.last_used(reach.chats_of(session, escalation.young_person_id)) or identity
    item = outbox.enqueue(
        session,
        channel=identity.channel,
        address=identity.external_id,
        purpose="pa_reply",
        identity_id=identity.id,
        young_person_id=escalation.young_person_id,
        escalation_id=escalation.id,
        author_staff_id=staff.id,
        body=text,
        now=now,
    )
    assert item is not None  # no dedupe key: always queued
    if escalation.handling_staff_id is None:
        escalation.handling_staff_id = staff.id
        escalation.handling_since = now
        _audit(session, now, _staff_actor(staff), "conversation_taken_over", escalation)
        if escalation.young_person_id is not None:
            hold.hold(session, escalation.young_person_id)
    session.flush()
    _audit(session, now, _staff_actor(staff), "pa_replied", escalation, outbox_id=item.id)
    return item


def hand_back(session: Session, escalation: Escalation, staff: StaffAccount, now: datetime) -> None:
    """The bot answers the chat again after a PA took it over (nothing happens if none had), and
    routine messages held for the young person go, unless something else still holds them."""
    if escalation.handling_staff_id is not None:
        escalation.handling_staff_id = None
        escalation.handling_since = None
        _audit(session, now, _staff_actor(staff), "conversation_handed_back", escalation)
        if escalation.young_person_id is not None:
            hold.release(session, escalation.young_person_id, now)


def resolve(session: Session, escalation: Escalation, staff: StaffAccount, now: datetime) -> None:
    """Close it: handed back to the bot, counted as acknowledged if it was not, and held messages
    released; resolving a request for a PA again records the PA as theirs. Twice is a no-op."""
    if escalation.status == RESOLVED:
        return
    hand_back(session, escalation, staff, now)
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at = now
        escalation.acknowledged_by_id = staff.id
    escalation.status = RESOLVED
    escalation.resolved_at = now
    escalation.resolved_by_id = staff.id
    _audit(session, now, _staff_actor(staff), "escalation_resolved", escalation)
    if escalation.young_person_id is not None:
        hold.release(session, escalation.young_person_id, now)
        if escalation.reason == support.AGAIN_REASON and escalation.young_person is not None:
            support.allocated(session, escalation.young_person, _staff_actor(staff), now)


def reescalate_overdue(session: Session, now: datetime, *, public_url: str) -> list[int]:
    """Escalations still unacknowledged at their deadline go to the team manager and duty
    contact, once each; recorded. Safe to run as often as you like (and after a restart)."""
    overdue = list(
        session.execute(
            select(Escalation)
            .where(
                Escalation.status == OPEN,
                Escalation.due_at.is_not(None),
                Escalation.due_at <= now,
                Escalation.reescalated_at.is_(None),
            )
            .order_by(Escalation.due_at)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    bursts: dict[int, list[Escalation]] = {}
    for esc in overdue:
        esc.reescalated_at = now
        esc.duty_notified = True
        _audit(session, now, "bot", "escalation_reescalated", esc, due_at=esc.due_at.isoformat())
        if esc.burst_lead_id is not None:
            bursts.setdefault(esc.burst_lead_id, []).append(esc)
        else:
            notify.escalation_overdue(session, esc, now=now, public_url=public_url)
        log.info("escalation re-escalated id=%s urgency=%s", esc.id, esc.urgency)
    for lead_id, burst in bursts.items():
        notify.burst_overdue(session, lead_id, burst, now=now, public_url=public_url)
    return [esc.id for esc in overdue]


def new_message_while_handling(
    session: Session, escalation: Escalation, *, now: datetime, public_url: str
) -> None:
    """The young person wrote while their PA is handling the chat: tell that PA."""
    notify.new_message(session, escalation, now=now, public_url=public_url)
