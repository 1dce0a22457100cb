"""Who a young person's PA is and how to reach them (or how to get linked, if anonymous)."""

from __future__ import annotations

from bot.advisers import escalations
from bot.models import Escalation
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import other_help_button
from dialogues.types import OutgoingMessage


def _hours(ctx: TurnContext) -> str:
    pa = ctx.young_person.pa  # type: ignore[union-attr]
    return ctx.t.gettext("{days}, {start} to {end}").format(
        days=ctx.t.working_days(pa.working_days),
        start=ctx.t.time(pa.work_start),
        end=ctx.t.time(pa.work_end),
    )


def pa_contact(ctx: TurnContext, *, wants_person: bool = False) -> Reply:
    _ = ctx.t.gettext
    yp = ctx.young_person
    team = ctx.team()
    buttons = (other_help_button(ctx.t),)
    if yp is None:
        text = _(
            "This chat isn't linked to your record yet, so I don't know who your PA "
            "(personal adviser) is. Ask your leaving care team for a link code."
        )
        if team is not None:
            text += "\n" + _("You can call {team} on {phone}.").format(
                team=team.name, phone=team.phone
            )
        return Reply([OutgoingMessage(text, buttons)])
    if yp.pa is None:
        text = _("You don't have a PA (personal adviser) named on your record yet.")
        if team is not None:
            text += "\n" + _("Call {team} on {phone} and they will help.").format(
                team=team.name, phone=team.phone
            )
        return Reply([OutgoingMessage(text, buttons)])
    pa = yp.pa
    if wants_person:
        lines = [
            _("You can talk to your PA, {name}, on {phone}.").format(name=pa.name, phone=pa.phone),
            _("They work {hours}.").format(hours=_hours(ctx)),
        ]
    else:
        lines = [
            _("Your PA (personal adviser) is {name}.").format(name=pa.name),
            _("Phone {phone}, {hours}.").format(phone=pa.phone, hours=_hours(ctx)),
            _("Email {email}").format(email=pa.email),
        ]
    if team is not None:
        lines.append(
            _("Out of hours, call the duty team on {phone}.").format(phone=team.duty_phone)
        )
    return Reply([OutgoingMessage("\n".join(lines), buttons)])


def escalate(ctx: TurnContext, reason: str, urgency: str = escalations.NORMAL) -> Escalation:
    """Open (or reuse) an escalation for this conversation, routed and notified."""
    return escalations.open_escalation(
        ctx.session,
        identity=ctx.identity,
        young_person=ctx.young_person,
        team=ctx.team(),
        reason=reason,
        urgency=urgency,
        text=ctx.text,
        now=ctx.now,
        public_url=ctx.public_url,
    ).escalation


def promise(ctx: TurnContext, esc: Escalation) -> str:
    """Who will get back to them and by when: only what is true."""
    _ = ctx.t.gettext
    yp = ctx.young_person
    team = esc.team
    when = (
        ctx.t.when(esc.due_at, ctx.now, team.council.timezone)
        if esc.due_at is not None and team is not None
        else None
    )
    pa = yp.pa if yp is not None else None
    if pa is not None and esc.routing == escalations.IN_HOURS:
        lines = [_("I've asked your PA, {name}, to get back to you.").format(name=pa.name)]
        if when:
            lines.append(_("{name} will reply by {when}.").format(name=pa.name, when=when))
    elif pa is not None:
        lines = [
            _("{name} isn't working right now, so I've told {name} and the duty team.").format(
                name=pa.name
            )
        ]
        if when:
            lines.append(_("Someone will reply by {when}.").format(when=when))
        if team is not None:
            lines.append(
                _("If you need help before then, call the duty team on {phone}.").format(
                    phone=team.duty_phone
                )
            )
    else:
        lines = [_("You don't have a PA named yet, so I've asked your leaving care team.")]
        if when:
            lines.append(_("Someone will reply by {when}.").format(when=when))
    lines.append(_("If you are in danger now, call 999."))
    return "\n".join(lines)


def talk_to_pa(ctx: TurnContext) -> Reply:
    if ctx.young_person is None:
        # Anonymous: nobody to pass it to by name; say how to reach the team and get linked.
        return pa_contact(ctx, wants_person=True)
    esc = escalate(ctx, "asked_for_pa")
    return Reply([OutgoingMessage(promise(ctx, esc), (other_help_button(ctx.t),))], escalation=esc)
