"""Check-ins and the conversation about PA support to 25: the messages the bot sends first,
and what happens when the young person answers them."""

from __future__ import annotations

from bot.advisers import notify
from bot.keeping_in_touch.plans import plan_for
from bot.messages import OutgoingMessage
from bot.models import AuditEvent, Escalation
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import other_help_button
from dialogues.handlers.pa import escalate, promise

AWAITING_CHECKIN_NOTE = "awaiting_checkin_note"


# -- answers ---------------------------------------------------------------------------------


def answer_checkin(ctx: TurnContext, value: str) -> Reply:
    """A check-in button (or "start messages again"): recorded on the plan; "Not good" asks
    their PA to get in touch and waits for a note to pass on."""
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
    """Their answer to the PA-support question before 21: recorded, and their PA is told.
    `pa_support.answer` sends it here; from 21 it handles the buttons itself."""
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
    """ "Start messages again" after a stop: check-ins and reminders resume."""
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
