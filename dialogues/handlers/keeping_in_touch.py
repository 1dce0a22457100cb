"""Check-ins and the conversation about PA support to 25: the messages the bot sends first,
and what happens when the young person answers them."""

from __future__ import annotations

from datetime import date

from bot.advisers import notify
from bot.i18n import Translator
from bot.keeping_in_touch.plans import plan_for
from bot.models import AuditEvent, Escalation, Team, YoungPerson
from dialogues import payloads
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import other_help_button, talk_to_pa_button
from dialogues.handlers.pa import escalate, promise
from dialogues.types import Button, OutgoingMessage

AWAITING_CHECKIN_NOTE = "awaiting_checkin_note"


def _checkin_buttons(t: Translator) -> tuple[Button, ...]:
    _ = t.gettext
    return (
        Button(_("Good"), payloads.make(payloads.KIT, "good")),
        Button(_("OK"), payloads.make(payloads.KIT, "ok")),
        Button(_("Not good"), payloads.make(payloads.KIT, "not_good")),
        talk_to_pa_button(t),
    )


def _optin_buttons(t: Translator) -> tuple[Button, ...]:
    _ = t.gettext
    return (
        Button(_("Yes, keep my PA"), payloads.make(payloads.OPTIN, "yes")),
        Button(_("No thanks"), payloads.make(payloads.OPTIN, "no")),
        Button(_("Not sure yet"), payloads.make(payloads.OPTIN, "not_sure")),
    )


# -- messages the bot sends first (nothing sensitive before the phone is unlocked) ------------


def checkin_message(t: Translator, yp: YoungPerson, *, reminder: bool = False) -> OutgoingMessage:
    _ = t.gettext
    if reminder:
        text = _("Hi {name}, it's the leaving care team bot again. How are things?")
    else:
        text = _("Hi {name}, it's the leaving care team bot. How are things?")
    return OutgoingMessage(text.format(name=yp.preferred_name), _checkin_buttons(t))


def optin_message(
    t: Translator, yp: YoungPerson, turns_21: date, *, reminder: bool = False
) -> OutgoingMessage:
    _ = t.gettext
    if reminder:
        lines = [
            _("Hi {name}, you turn 21 on {date}.").format(
                name=yp.preferred_name, date=t.day(turns_21)
            ),
            _("Do you want your PA to keep helping you until you're 25?"),
        ]
    else:
        lines = [
            _("You turn 21 on {date}.").format(date=t.day(turns_21)),
            _("Your PA can keep helping you until you're 25, if you want."),
            _("It's your choice, and you can change your mind later."),
        ]
    return OutgoingMessage("\n".join(lines), _optin_buttons(t))


def birthday_message(t: Translator, yp: YoungPerson) -> OutgoingMessage:
    _ = t.gettext
    text = "\n".join(
        [
            _("Happy birthday, {name}.").format(name=yp.preferred_name),
            _("You can still ask for a PA to help you until you're 25. Just tap below."),
        ]
    )
    return OutgoingMessage(
        text,
        (
            Button(_("I'd like a PA"), payloads.make(payloads.OPTIN, "yes")),
            other_help_button(t),
        ),
    )


def closing_message(t: Translator, yp: YoungPerson, team: Team | None) -> OutgoingMessage:
    _ = t.gettext
    lines = [
        _(
            "Hi {name}. You are 25 now, so your support from the leaving care team comes to an end."
        ).format(name=yp.preferred_name),
    ]
    if team is not None:
        lines.append(
            _("If you're not sure where to get help, call {team} on {phone}.").format(
                team=team.name, phone=team.phone
            )
        )
    lines.append(_("You can talk to Samaritans any time, free, on 116 123."))
    lines.append(_("Take care, and good luck."))
    return OutgoingMessage("\n".join(lines), (other_help_button(t),))


# -- answers ---------------------------------------------------------------------------------


def answer_checkin(ctx: TurnContext, value: str) -> Reply:
    _ = ctx.t.gettext
    yp = ctx.young_person
    if value == "restart":
        return restart(ctx)
    if yp is None:
        return Reply([OutgoingMessage(_("Thanks. I'm here if you need anything."))])
    plan = plan_for(ctx.session, yp.id, ctx.now)
    plan.checkin_answer = value
    plan.checkin_answered_at = ctx.now
    plan.updated_at = ctx.now
    if value == "not_good":
        esc = escalate(ctx, "checkin_not_good")
        lines = [_("I'm sorry things are hard right now."), promise(ctx, esc)]
        name = yp.pa.name if yp.pa is not None else None
        if name:
            lines.append(
                _("If you want, tell me a bit more and I'll pass it on to {name}.").format(
                    name=name
                )
            )
        return Reply(
            [OutgoingMessage("\n".join(lines))],
            escalation=esc,
            state=AWAITING_CHECKIN_NOTE,
            state_data={"escalation": esc.id},
        )
    if value == "good":
        text = _("Good to hear. I'm here if you need anything.")
    else:
        text = _("Thanks for letting me know. I'm here if you need anything.")
    return Reply([OutgoingMessage(text, (other_help_button(ctx.t),))])


def checkin_note(ctx: TurnContext) -> Reply:
    """The gentle follow-up after "Not good": what they add goes to their PA."""
    _ = ctx.t.gettext
    esc = ctx.session.get(Escalation, ctx.state_data.get("escalation"))
    if esc is not None and ctx.text:
        esc.excerpt = " ".join(ctx.text.split())[:140]
    yp = ctx.young_person
    name = yp.pa.name if yp is not None and yp.pa is not None else None
    if name:
        text = _("Thanks for telling me. I've passed it on to {name}.").format(name=name)
    else:
        text = _("Thanks for telling me. I've passed it on to your leaving care team.")
    return Reply([OutgoingMessage(text, (other_help_button(ctx.t),))])


def answer_optin(ctx: TurnContext, value: str) -> Reply:
    _ = ctx.t.gettext
    yp = ctx.young_person
    if yp is None:
        return Reply([OutgoingMessage(_("Ask your PA about support after 21."))])
    plan = plan_for(ctx.session, yp.id, ctx.now)
    plan.optin_answer = value
    plan.optin_answered_at = ctx.now
    plan.updated_at = ctx.now
    if value == "yes":
        yp.support_status = "opted_in"
    elif value == "no":
        yp.support_status = "opted_out"
    ctx.session.add(_audit(ctx, "optin_answered", answer=value))
    notify.about_young_person(
        ctx.session,
        yp.id,
        yp.pa_id,
        purpose="optin_answer",
        subject="A young person answered about PA support after 21",
        now=ctx.now,
        public_url=ctx.public_url,
    )
    name = yp.pa.name if yp.pa is not None else _("your PA")
    if value == "yes":
        text = _(
            "Great. {name} will keep helping you after you turn 21. "
            "You can change your mind any time."
        ).format(name=name)
    elif value == "no":
        text = _("OK. You can change your mind any time until you're 25. Just tell me or your PA.")
    else:
        text = _(
            "That's fine. I'll ask again nearer your birthday. "
            "You can talk to {name} about it any time."
        ).format(name=name)
    return Reply([OutgoingMessage(text, (other_help_button(ctx.t),))])


def restart(ctx: TurnContext) -> Reply:
    _ = ctx.t.gettext
    yp = ctx.young_person
    if yp is not None:
        plan = plan_for(ctx.session, yp.id, ctx.now)
        plan.stopped_at = None
        plan.updated_at = ctx.now
        ctx.session.add(_audit(ctx, "proactive_restarted"))
    return Reply(
        [OutgoingMessage(_("OK, I'll send you messages again."), (other_help_button(ctx.t),))]
    )


def _audit(ctx: TurnContext, action: str, **detail: object) -> AuditEvent:
    return AuditEvent(
        at=ctx.now,
        actor="bot",
        action=action,
        subject_type="young_person",
        subject_id=str(ctx.young_person.id) if ctx.young_person else None,
        detail={"channel_identity": ctx.identity.id, **detail},
    )
