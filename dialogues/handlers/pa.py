"""Who a young person's PA is and how to reach them (or how to get linked, if anonymous)."""

from __future__ import annotations

from bot.advisers import cover, escalations
from bot.keeping_in_touch import support
from bot.messages import Button, OutgoingMessage
from bot.models import ContactPlan, Escalation, PersonalAdviser
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import other_help_button, pa_again_button


def _hours(ctx: TurnContext, pa: PersonalAdviser) -> str:
    return ctx.t.gettext("{days}, {start} to {end}").format(
        days=ctx.t.working_days(pa.working_days),
        start=ctx.t.time(pa.work_start),
        end=ctx.t.time(pa.work_end),
    )


def _away_lines(ctx: TurnContext, pa: PersonalAdviser) -> list[str]:
    """If their PA is away today: until when, and who is covering."""
    _ = ctx.t.gettext
    today = cover.local_day(ctx.now)
    if not cover.is_away(pa, today):
        return []
    if pa.away_until is not None and not pa.away:
        lines = [
            _("{name} is away until {date}.").format(name=pa.name, date=ctx.t.day(pa.away_until))
        ]
    else:
        lines = [_("{name} is away at the moment.").format(name=pa.name)]
    covering = cover.cover_for(pa, today)
    if covering is not None:
        lines.append(_("{cover} is covering for them.").format(cover=covering.name))
    return lines


def pa_contact(ctx: TurnContext, *, wants_person: bool = False) -> Reply:
    """Who their PA is and how to reach them, with cover and the duty line; `wants_person` puts
    the phone first. Anonymous chats learn how to get linked, and 21+ without support the team."""
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
    pa = ctx.current_pa()
    if pa is None and not support.has_pa_support(yp, _plan(ctx), ctx.today):
        return _no_support(ctx)
    if pa is None:
        text = _("You don't have a PA (personal adviser) named on your record yet.")
        if team is not None:
            text += "\n" + _("Call {team} on {phone} and they will help.").format(
                team=team.name, phone=team.phone
            )
        return Reply([OutgoingMessage(text, buttons)])
    if wants_person:
        lines = [
            _("You can talk to your PA, {name}, on {phone}.").format(name=pa.name, phone=pa.phone),
            _("They work {hours}.").format(hours=_hours(ctx, pa)),
        ]
    else:
        lines = [
            _("Your PA (personal adviser) is {name}.").format(name=pa.name),
            _("Phone {phone}, {hours}.").format(phone=pa.phone, hours=_hours(ctx, pa)),
            _("Email {email}").format(email=pa.email),
        ]
    lines += _away_lines(ctx, pa)
    if team is not None:
        lines.append(
            _("Out of hours, call the duty team on {phone}.").format(phone=team.duty_phone)
        )
    return Reply([OutgoingMessage("\n".join(lines), buttons)])


def _plan(ctx: TurnContext) -> ContactPlan | None:
    return ctx.session.get(ContactPlan, ctx.young_person.id) if ctx.young_person else None


def _no_support(ctx: TurnContext) -> Reply:
    """21 or over without PA support: the team, never a former PA as if still theirs."""
    _ = ctx.t.gettext
    yp = ctx.young_person
    assert yp is not None
    team = ctx.team()
    buttons: tuple[Button, ...] = (other_help_button(ctx.t),)
    if yp.support_status == support.REQUESTED:
        lines = [_("You've asked for a PA again. Your leaving care team will get back to you.")]
    elif support.can_ask_again(yp, _plan(ctx), ctx.today):
        lines = [
            _("You don't have a PA at the moment, but you can have one again until you're 25."),
            _("Tap below and I'll tell your leaving care team."),
        ]
        buttons = (pa_again_button(ctx.t), *buttons)
    else:
        lines = [_("Your support from the leaving care team has ended.")]
    if team is not None:
        lines.append(_("You can call {team} on {phone}.").format(team=team.name, phone=team.phone))
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


def _first_line(
    ctx: TurnContext,
    esc: Escalation,
    pa: PersonalAdviser | None,
    told: set[str],
    covering: str | None,
) -> str | None:
    """Who was told, outside the PA's working hours or without a PA (None: nobody)."""
    _ = ctx.t.gettext
    if pa is not None and "pa" in told and "duty" in told:
        return _("{name} isn't working right now, so I've told {name} and the duty team.")
    if pa is not None and "pa" in told:
        return _("{name} isn't working right now, so I've left {name} a message.")
    if pa is not None and covering is not None:
        return _("{name} is away, so I've asked {cover}, who is covering for them.")
    if pa is not None and "duty" in told and esc.routing == escalations.PA_AWAY:
        return _("{name} is away, so I've told the duty team.")
    if pa is None and told:
        return _("You don't have a PA named yet, so I've asked your leaving care team.")
    if told:
        return _("I've passed this to your leaving care team.")
    return None


def promise(ctx: TurnContext, esc: Escalation) -> str:
    """Who will get back to them and by when: only who the routing really told."""
    _ = ctx.t.gettext
    team = esc.team
    told = escalations.told_of(esc)
    when = (
        ctx.t.when(esc.due_at, ctx.now, team.council.timezone)
        if esc.due_at is not None and team is not None
        else None
    )
    pa = ctx.current_pa()
    covering = escalations.cover_name(ctx.session, esc)
    if pa is not None and esc.routing == escalations.IN_HOURS and "pa" in told:
        lines = [_("I've asked your PA, {name}, to get back to you.").format(name=pa.name)]
        if when:
            lines.append(_("{name} will reply by {when}.").format(name=pa.name, when=when))
        lines.append(_("If you are in danger now, call 999."))
        return "\n".join(lines)
    first = _first_line(ctx, esc, pa, told, covering)
    if first is None:
        lines = [_("I couldn't pass this on to anyone just now.")]
        if team is not None:
            lines.append(
                _("Please call {team} on {phone}, or the duty team on {duty}.").format(
                    team=team.name, phone=team.phone, duty=team.duty_phone
                )
            )
    else:
        lines = [first.format(name=pa.name if pa else "", cover=covering or "")]
        if when:
            lines.append(_("Someone will reply by {when}.").format(when=when))
        if team is not None:
            lines.append(
                _("If you need help before then, call the duty team on {phone}.").format(
                    phone=team.duty_phone
                )
            )
    lines.append(_("If you are in danger now, call 999."))
    return "\n".join(lines)


def talk_to_pa(ctx: TurnContext) -> Reply:
    """ "Talk to my PA": asks their PA (or the team) to get back to them and says who and by when.
    Anonymous chats get the team's number instead, as no one can be asked by name."""
    if ctx.young_person is None:
        # Anonymous: nobody to pass it to by name; say how to reach the team and get linked.
        return pa_contact(ctx, wants_person=True)
    esc = escalate(ctx, "asked_for_pa")
    buttons: tuple[Button, ...] = (other_help_button(ctx.t),)
    if support.can_ask_again(ctx.young_person, _plan(ctx), ctx.today):
        # The team has their message; this also records that they want a PA again.
        buttons = (pa_again_button(ctx.t), *buttons)
    return Reply([OutgoingMessage(promise(ctx, esc), buttons)], escalation=esc)
