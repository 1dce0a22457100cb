"""Crisis and homeless-tonight replies: what to do now comes first, at any hour."""

from __future__ import annotations

import logging

from bot.advisers import escalations
from dialogues.context import Reply, TurnContext
from dialogues.handlers.pa import escalate
from dialogues.safety import CRISIS
from dialogues.types import OutgoingMessage

log = logging.getLogger(__name__)


def safety(ctx: TurnContext, category: str) -> Reply:
    _ = ctx.t.gettext
    team = ctx.team()
    pa = ctx.young_person.pa if ctx.young_person else None
    if category == CRISIS:
        lines = [
            _("If you are in danger now, call 999."),
            _("You can talk to Samaritans any time, free, on 116 123. Or text SHOUT to 85258."),
        ]
        if team is not None:
            lines.append(
                _("Out of hours, call the duty team on {phone}.").format(phone=team.duty_phone)
            )
    else:
        lines = [_("I'm sorry. Let's get you somewhere safe tonight.")]
        if team is not None:
            lines.append(_("Call the duty team now on {phone}.").format(phone=team.duty_phone))
        else:
            lines.append(
                _(
                    "Call your council's housing team now and say you have nowhere to sleep "
                    "tonight. They have to help you look for somewhere safe."
                )
            )
        lines.append(_("If you are in danger, call 999."))
    messages = [OutgoingMessage("\n".join(lines))]
    # Signposting comes first and never depends on the escalation being recorded: if that
    # fails, the young person still gets what to do now (and we do not claim we told anyone).
    try:
        with ctx.session.begin_nested():
            esc = escalate(ctx, category, escalations.URGENT)
    except Exception:
        log.exception("could not record a safety escalation identity=%s", ctx.identity.id)
        return Reply(messages)
    told: list[str] = []
    if pa is not None and esc.routing == escalations.IN_HOURS:
        told.append(_("I've told your PA, {name}.").format(name=pa.name))
    elif pa is not None:
        told.append(_("I've told your PA, {name}, and the duty team.").format(name=pa.name))
    elif team is not None:
        told.append(_("I've told the duty team. They can reply to you here."))
    if pa is not None:
        told.append(_("You can also call {name} on {phone}.").format(name=pa.name, phone=pa.phone))
    if told:
        messages.append(OutgoingMessage("\n".join(told)))
    return Reply(messages, escalation=esc)
