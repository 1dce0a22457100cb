"""PA support after 21 in conversation: the choice before 21 when they ask about it, and
asking for a PA again from 21 to 25 (the team is told and allocates one)."""

from __future__ import annotations

from bot.clock import age_on
from bot.keeping_in_touch import messages, planner, support
from bot.messages import OutgoingMessage
from bot.models import ContactPlan
from dialogues.context import Reply, TurnContext
from dialogues.handlers import keeping_in_touch
from dialogues.handlers.common import other_help_button, pa_again_button
from dialogues.handlers.pa import escalate, pa_contact, promise

# The topic whose answer is followed by their own choice (offer_content/*/post21_support.yml).
TOPIC = "post21_support"


def follow_up(ctx: TurnContext) -> OutgoingMessage | None:
    """After the answer about support after 21, what it means for them, with the buttons to
    choose: before 21 the Yes / No / Not sure choice, from 21 without a PA "a PA again"."""
    _ = ctx.t.gettext
    yp = ctx.young_person
    if yp is None:
        return None
    age = age_on(yp.date_of_birth, ctx.today)
    plan = ctx.session.get(ContactPlan, yp.id)
    if 18 <= age < 21 and yp.support_status != support.ENDED:
        turns_21 = planner.birthday(yp.date_of_birth, 21)
        choice = messages.optin_message(ctx.t, yp, turns_21)
        if support.said_no(yp, plan):
            said = _("You told us you don't want PA support after 21.")
        elif yp.support_status == support.OPTED_IN:
            said = _("You told us you want your PA to keep helping you after 21.")
        else:
            return choice
        return OutgoingMessage(f"{said}\n{choice.text}", choice.buttons)
    if support.can_ask_again(yp, plan, ctx.today):
        lines = [
            _("You don't have a PA at the moment, but you can have one again until you're 25."),
            _("Tap below and I'll tell your leaving care team."),
        ]
        return OutgoingMessage("\n".join(lines), (pa_again_button(ctx.t), other_help_button(ctx.t)))
    return None


def answer(ctx: TurnContext, value: str) -> Reply:
    """A PA-support button: before 21 their choice; from 21 "yes" asks for a PA again."""
    yp = ctx.young_person
    if yp is None or age_on(yp.date_of_birth, ctx.today) < 21:
        return keeping_in_touch.answer_optin(ctx, value)
    if value != "yes":
        # An old button from before 21: nothing to change, and the door stays open.
        return Reply([follow_up(ctx) or _no_change(ctx)])
    return ask_again(ctx)


def ask_again(ctx: TurnContext) -> Reply:
    """21 to 24 without a PA: record it and tell the team, who allocate one."""
    _ = ctx.t.gettext
    yp = ctx.young_person
    assert yp is not None
    plan = ctx.session.get(ContactPlan, yp.id)
    if not support.can_ask_again(yp, plan, ctx.today):
        return Reply([_no_change(ctx)])
    support.ask_again(ctx.session, yp, ctx.now)
    esc = escalate(ctx, support.AGAIN_REASON)
    lines = [_("Thanks. I've recorded that you'd like a PA again.")]
    lines.append(promise(ctx, esc))
    return Reply([OutgoingMessage("\n".join(lines), (other_help_button(ctx.t),))], escalation=esc)


def _no_change(ctx: TurnContext) -> OutgoingMessage:
    """Nothing to record: they have a PA, have asked already, or are past 25."""
    return pa_contact(ctx).messages[0]
