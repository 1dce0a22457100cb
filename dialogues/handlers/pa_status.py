"""'Has my PA replied?': what is happening with their request, read from the open escalation
(who has it, whether they have seen it, by when, and the duty number meanwhile)."""

from __future__ import annotations

from sqlalchemy import select

from bot.advisers import escalations
from bot.messages import OutgoingMessage
from bot.models import Escalation, OutboxItem, PersonalAdviser, StaffAccount
from dialogues.context import Reply, TurnContext
from dialogues.handlers import pa
from dialogues.handlers.common import menu_buttons, other_help_button, talk_to_pa_button


def status(ctx: TurnContext) -> Reply:
    """The latest request still open for this person (all their chats), or an offer to ask."""
    if ctx.young_person is None and not escalations.active_for(ctx.session, ctx.identity):
        # Anonymous and nothing asked: how to reach the team and get linked.
        return pa.pa_contact(ctx, wants_person=True)
    active = escalations.active_for(ctx.session, ctx.identity)
    if not active:
        return _nothing_open(ctx)
    esc = active[-1]
    return Reply([OutgoingMessage("\n".join(_lines(ctx, esc)), (other_help_button(ctx.t),))])


def while_waiting(ctx: TurnContext) -> Reply | None:
    """A message the bot cannot read while a request is open is most often about that wait
    ("did marcus get my txt or nah"), so the status comes with the apology, whatever the
    classifier made of it; None when nothing is open."""
    active = escalations.active_for(ctx.session, ctx.identity)
    if not active:
        return None
    lines = [ctx.t.gettext("Sorry, I'm not sure I understood. If it's about your request:")]
    lines += _lines(ctx, active[-1])
    return Reply(
        [OutgoingMessage("\n".join(lines), menu_buttons(ctx.offer, ctx.council_id, ctx.t))]
    )


def _nothing_open(ctx: TurnContext) -> Reply:
    _ = ctx.t.gettext
    lines = [_("You haven't asked your PA for anything that's still open.")]
    pa_record = ctx.current_pa()
    if pa_record is not None:
        ask = _("Do you want me to ask {name} to get back to you?")
        lines.append(ask.format(name=pa_record.name))
    return Reply(
        [OutgoingMessage("\n".join(lines), (talk_to_pa_button(ctx.t), other_help_button(ctx.t)))]
    )


def _who(ctx: TurnContext, esc: Escalation) -> str:
    """Whoever has it: who acknowledged it, the colleague covering, the PA told, or the team."""
    for staff_id in (esc.acknowledged_by_id, esc.cover_staff_id):
        staff = ctx.session.get(StaffAccount, staff_id) if staff_id is not None else None
        if staff is not None:
            return str(staff.name)
    adviser = ctx.session.get(PersonalAdviser, esc.pa_id) if esc.pa_id is not None else None
    if adviser is not None and "pa" in escalations.told_of(esc):
        return str(adviser.name)
    team = esc.team
    return str(team.name) if team is not None else ctx.t.gettext("your leaving care team")


def _last_reply(ctx: TurnContext, esc: Escalation) -> OutboxItem | None:
    return ctx.session.execute(
        select(OutboxItem)
        .where(OutboxItem.escalation_id == esc.id, OutboxItem.purpose == "pa_reply")
        .order_by(OutboxItem.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _lines(ctx: TurnContext, esc: Escalation) -> list[str]:
    _ = ctx.t.gettext
    who = _who(ctx, esc)
    team = esc.team
    tz = team.council.timezone if team is not None else "Europe/London"
    replied = _last_reply(ctx, esc)
    if replied is not None:
        first = _("{name} replied at {when}.")
        when = ctx.t.when(replied.created_at, ctx.now, tz)
    elif esc.status == escalations.ACKNOWLEDGED:
        first, when = _("{name} has seen your message and will get back to you."), ""
    elif esc.due_at is not None and esc.due_at >= ctx.now:
        first = _("{name} hasn't replied yet. They should reply by {when}.")
        when = ctx.t.when(esc.due_at, ctx.now, tz)
    elif esc.reescalated_at is not None:
        first, when = (
            _(
                "{name} hasn't replied yet, and it's later than it should be. "
                "I've told the team manager."
            ),
            "",
        )
    else:
        first, when = _("{name} hasn't replied yet, and it's later than it should be."), ""
    lines = [first.format(name=who, when=when)]
    if team is not None:
        lines.append(
            _("If you need help before then, call the duty team on {phone}.").format(
                phone=team.duty_phone
            )
        )
    lines.append(_("If you are in danger now, call 999."))
    return lines
