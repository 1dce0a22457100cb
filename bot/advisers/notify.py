"""Staff notifications, queued in the outbox: they say that something needs attention and
link to the dashboard, never what the young person wrote (phones show them when locked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.advisers import cover
from bot.models import Escalation, OutboxItem, PersonalAdviser, StaffAccount, Team, YoungPerson

EMAIL = "email"
TELEGRAM = "telegram"


def reaches(staff: StaffAccount) -> list[str]:
    """The channels that would really deliver to this person now (Telegram only once linked)."""
    found = []
    if staff.notify_email and staff.email:
        found.append(EMAIL)
    if staff.notify_telegram and staff.telegram_chat_id:
        found.append(TELEGRAM)
    return found


def caseload(session: Session, staff: StaffAccount) -> int:
    """How many young people have this account's PA as their named PA."""
    if staff.pa_id is None:
        return 0
    return session.execute(
        select(func.count(YoungPerson.id)).where(YoungPerson.pa_id == staff.pa_id)
    ).scalar_one()


def _link(public_url: str, esc: Escalation) -> str:
    return f"{public_url.rstrip('/')}/staff/escalations/{esc.id}"


def _queue(
    session: Session,
    *,
    channel: str,
    address: str,
    purpose: str,
    esc: Escalation | None,
    staff: StaffAccount | None,
    subject: str,
    body: str,
    now: datetime,
    dedupe: str,
    young_person_id: int | None = None,
    not_before: datetime | None = None,
) -> None:
    # Already queued (the same dedupe key): the same notification is never sent twice.
    outbox.enqueue(
        session,
        channel=channel,
        address=address,
        purpose=purpose,
        staff_id=staff.id if staff else None,
        escalation_id=esc.id if esc is not None else None,
        young_person_id=esc.young_person_id if esc is not None else young_person_id,
        subject=subject,
        body=body,
        now=now,
        not_before=not_before,
        dedupe_key=dedupe,
    )


def _to_staff(
    session: Session,
    staff: StaffAccount,
    esc: Escalation | None,
    *,
    purpose: str,
    subject: str,
    body: str,
    now: datetime,
    can_reply: bool,
    young_person_id: int | None = None,
) -> None:
    if not staff.active:
        return
    about = f"esc{esc.id}" if esc is not None else f"yp{young_person_id}"
    if staff.notify_email:
        _queue(
            session,
            channel=EMAIL,
            address=staff.email,
            purpose=purpose,
            esc=esc,
            staff=staff,
            subject=subject,
            body=body,
            now=now,
            dedupe=f"{purpose}:{about}:{now.isoformat()}:email:{staff.id}",
            young_person_id=young_person_id,
        )
    if staff.notify_telegram and staff.telegram_chat_id:
        text = body
        if can_reply:
            text += "\nReply to this message to answer them here."
        _queue(
            session,
            channel=TELEGRAM,
            address=staff.telegram_chat_id,
            purpose=purpose,
            esc=esc,
            staff=staff,
            subject=subject,
            body=text,
            now=now,
            dedupe=f"{purpose}:{about}:{now.isoformat()}:telegram:{staff.id}",
            young_person_id=young_person_id,
        )


def _to_duty(
    session: Session,
    team: Team | None,
    esc: Escalation,
    *,
    purpose: str,
    subject: str,
    body: str,
    now: datetime,
) -> None:
    if team is None or not team.duty_email:
        return
    _queue(
        session,
        channel=EMAIL,
        address=team.duty_email,
        purpose=purpose,
        esc=esc,
        staff=None,
        subject=subject,
        body=body,
        now=now,
        dedupe=f"{purpose}:{esc.id}:{now.isoformat()}:duty:{team.id}",
    )


def _pa_account(session: Session, esc: Escalation) -> StaffAccount | None:
    if esc.pa_id is None:
        return None
    return session.execute(
        select(StaffAccount).where(StaffAccount.pa_id == esc.pa_id)
    ).scalar_one_or_none()


def _managers(session: Session, team_id: int | None) -> list[StaffAccount]:
    return cover.managers(session, team_id)


def _what(esc: Escalation) -> str:
    return "an urgent escalation" if esc.urgency == "urgent" else "a new escalation"


# Who can be told of an escalation (kept on it as `told`; the bot promises only these).
TOLD_PA, TOLD_COVER, TOLD_DUTY, TOLD_MANAGERS = "pa", "cover", "duty", "managers"


def escalation_opened(
    session: Session, esc: Escalation, *, now: datetime, public_url: str
) -> list[str]:
    """Tell whoever the routing says, and return who was really told.

    The named PA, unless they are away; the colleague covering for them; the duty route
    (the duty inbox and anyone on the duty rota) when the escalation goes to duty; and the
    team's managers when nobody named could be told, or at once for an urgent one while
    the PA is away."""
    subject = "Urgent: a young person needs you" if esc.urgency == "urgent" else "New escalation"
    link = _link(public_url, esc)
    body = (
        f"There is {_what(esc)} (#{esc.id}) for you on the leaving care bot dashboard.\n"
        f"Open it: {link}"
    )
    duty_body = (
        f"Duty: there is {_what(esc)} (#{esc.id}); the young person's PA is not available "
        f"now.\nOpen it: {link}"
    )
    told: list[str] = []

    def tell(staff: StaffAccount | None, text: str, who: str) -> None:
        if staff is None or not staff.active or not reaches(staff):
            return
        _to_staff(
            session,
            staff,
            esc,
            purpose="escalation_new",
            subject=subject,
            body=text,
            now=now,
            can_reply=True,
        )
        if who not in told:
            told.append(who)

    away = esc.routing == "pa_away"
    pa = _pa_account(session, esc)
    if not away:
        tell(pa, body, TOLD_PA)
    if esc.cover_staff_id is not None:
        cover_body = (
            f"Cover: there is {_what(esc)} (#{esc.id}) for a colleague who is away; you are "
            f"covering for them.\nOpen it: {link}"
        )
        tell(session.get(StaffAccount, esc.cover_staff_id), cover_body, TOLD_COVER)
    team = session.get(Team, esc.team_id) if esc.team_id is not None else None
    if esc.duty_notified:
        if team is not None and team.duty_email:
            _to_duty(
                session,
                team,
                esc,
                purpose="escalation_new",
                subject=subject,
                body=duty_body,
                now=now,
            )
            told.append(TOLD_DUTY)
        for staff in cover.duty_staff(session, esc.team_id):
            tell(staff, duty_body, TOLD_DUTY)
    nobody_named = TOLD_PA not in told and TOLD_COVER not in told
    if nobody_named or (away and esc.urgency == "urgent"):
        for manager in _managers(session, esc.team_id):
            tell(manager, duty_body, TOLD_MANAGERS)
    return told


def _team_addresses(session: Session, team: Team) -> list[tuple[str, str, StaffAccount | None]]:
    """(channel, address, account) for the duty inbox, each active manager's channels and
    those of everyone on the duty rota."""
    found: list[tuple[str, str, StaffAccount | None]] = []
    if team.duty_email:
        found.append((EMAIL, team.duty_email, None))
    people = {s.id: s for s in [*_managers(session, team.id), *cover.duty_staff(session, team.id)]}
    for manager in people.values():
        if not manager.active:
            continue
        if manager.notify_email:
            found.append((EMAIL, manager.email, manager))
        if manager.notify_telegram and manager.telegram_chat_id:
            found.append((TELEGRAM, manager.telegram_chat_id, manager))
    return found


def _burst_notice(
    session: Session,
    team: Team,
    key: str,
    *,
    subject: str,
    body: str,
    at: datetime,
    purpose: str,
) -> None:
    """One notice per recipient for the whole burst, rewritten with the count as it grows
    (until it is sent)."""
    for channel, address, staff in _team_addresses(session, team):
        dedupe = f"{key}:{channel}:{staff.id if staff else 'duty'}"
        queued = session.execute(
            select(OutboxItem).where(OutboxItem.dedupe_key == dedupe)
        ).scalar_one_or_none()
        if queued is None:
            _queue(
                session,
                channel=channel,
                address=address,
                purpose=purpose,
                esc=None,
                staff=staff,
                subject=subject,
                body=body,
                now=at,
                dedupe=dedupe,
                not_before=at,
            )
        elif queued.status == "pending":
            queued.subject, queued.body = subject, body


def anonymous_burst(session: Session, lead: Escalation, *, at: datetime, public_url: str) -> None:
    """More urgent escalations from anonymous visitors soon after `lead`: the duty contact
    and managers hear of them once, at `at` (the burst's end), with how many there were."""
    team = session.get(Team, lead.team_id) if lead.team_id is not None else None
    if team is None:
        return
    count = session.execute(
        select(func.count(Escalation.id)).where(Escalation.burst_lead_id == lead.id)
    ).scalar_one()
    subject = f"Urgent: {count} more anonymous young {'person' if count == 1 else 'people'}"
    body = (
        f"Duty: {count} more urgent escalation{'' if count == 1 else 's'} from anonymous "
        f"visitors came in within minutes of #{lead.id}. Each was given the emergency "
        "numbers. It may be one person writing from several chats, or a flood.\n"
        f"Open the team's escalations: {public_url.rstrip('/')}/staff/team"
    )
    _burst_notice(
        session,
        team,
        f"escalation_burst:{lead.id}",
        subject=subject,
        body=body,
        at=at,
        purpose="escalation_new",
    )


def burst_overdue(
    session: Session,
    lead_id: int,
    overdue: list[Escalation],
    *,
    now: datetime,
    public_url: str,
) -> None:
    """Escalations of one burst past their deadline: one notice with the count."""
    team = session.get(Team, overdue[0].team_id) if overdue[0].team_id is not None else None
    if team is None:
        return
    count = len(overdue)
    subject = "Overdue: escalations not acknowledged"
    body = (
        f"{count} urgent escalation{'' if count == 1 else 's'} from anonymous visitors "
        f"(after #{lead_id}) {'was' if count == 1 else 'were'} not acknowledged by the "
        "deadline and passed to you.\n"
        f"Open the team's escalations: {public_url.rstrip('/')}/staff/team"
    )
    _burst_notice(
        session,
        team,
        f"escalation_burst_overdue:{lead_id}:{now.isoformat()}",
        subject=subject,
        body=body,
        at=now,
        purpose="escalation_overdue",
    )


def escalation_overdue(
    session: Session, esc: Escalation, *, now: datetime, public_url: str
) -> None:
    """An escalation not acknowledged by its deadline (not one of a burst): its team's managers,
    duty rota and duty inbox are told. Called by `escalations.reescalate_overdue`."""
    subject = "Overdue: escalation not acknowledged"
    body = (
        f"Escalation #{esc.id} ({esc.urgency}) was not acknowledged by its deadline and has "
        f"been passed to you.\nOpen it: {_link(public_url, esc)}"
    )
    for manager in _managers(session, esc.team_id):
        _to_staff(
            session,
            manager,
            esc,
            purpose="escalation_overdue",
            subject=subject,
            body=body,
            now=now,
            can_reply=True,
        )
    for staff in cover.duty_staff(session, esc.team_id):
        _to_staff(
            session,
            staff,
            esc,
            purpose="escalation_overdue",
            subject=subject,
            body=body,
            now=now,
            can_reply=True,
        )
    team = session.get(Team, esc.team_id) if esc.team_id is not None else None
    _to_duty(session, team, esc, purpose="escalation_overdue", subject=subject, body=body, now=now)


def new_message(session: Session, esc: Escalation, *, now: datetime, public_url: str) -> None:
    """Tell the PA handling the chat that the young person wrote: once, not again for every
    message, until the PA has written to them since."""
    if esc.handling_staff_id is None:
        return
    staff = session.get(StaffAccount, esc.handling_staff_id)
    if staff is None:
        return
    pa_wrote = session.execute(
        select(func.max(OutboxItem.created_at)).where(
            OutboxItem.escalation_id == esc.id, OutboxItem.author_staff_id.is_not(None)
        )
    ).scalar()
    since = (
        max(t for t in (pa_wrote, esc.handling_since) if t is not None)
        if (pa_wrote or esc.handling_since)
        else None
    )
    told = select(OutboxItem.id).where(
        OutboxItem.escalation_id == esc.id, OutboxItem.purpose == "conversation_message"
    )
    if since is not None:
        told = told.where(OutboxItem.created_at >= since)
    if session.execute(told.limit(1)).first() is not None:
        return
    body = (
        f"New message in the conversation you are handling (#{esc.id}).\n"
        f"Open it: {_link(public_url, esc)}"
    )
    _to_staff(
        session,
        staff,
        esc,
        purpose="conversation_message",
        subject="New message",
        body=body,
        now=now,
        can_reply=True,
    )


def about_young_person(
    session: Session,
    young_person_id: int,
    pa_id: int | None,
    *,
    purpose: str,
    subject: str,
    now: datetime,
    public_url: str,
) -> bool:
    """Tell a young person's PA (or, with no PA account, their team's managers) that there
    is news about them on the dashboard; the news itself stays on the dashboard."""
    link = f"{public_url.rstrip('/')}/staff/young-people/{young_person_id}"
    body = f"{subject} (young person #{young_person_id}).\nOpen their record: {link}"
    account = None
    if pa_id is not None:
        account = session.execute(
            select(StaffAccount).where(StaffAccount.pa_id == pa_id)
        ).scalar_one_or_none()
    recipients = [account] if account is not None and account.active else []
    if not recipients and pa_id is not None:
        pa = session.get(PersonalAdviser, pa_id)
        recipients = _managers(session, pa.team_id if pa else None)
    for staff in recipients:
        _to_staff(
            session,
            staff,
            None,
            purpose=purpose,
            subject=subject,
            body=body,
            now=now,
            can_reply=False,
            young_person_id=young_person_id,
        )
    return bool(recipients)
