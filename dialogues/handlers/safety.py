"""Crisis and homeless-tonight replies: what to do now comes first, at any hour."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Escalation
from dialogues.context import Reply, TurnContext
from dialogues.safety import CRISIS
from dialogues.types import OutgoingMessage

# Urgent escalations must be acknowledged within the hour (the escalation issue enforces it).
URGENT_WITHIN = timedelta(hours=1)
_EXCERPT = 140


def _record(ctx: TurnContext, reason: str) -> Escalation:
    yp = ctx.young_person
    team = ctx.team()
    escalation = Escalation(
        identity_id=ctx.identity.id,
        young_person_id=yp.id if yp else None,
        pa_id=yp.pa_id if yp else None,
        team_id=team.id if team else None,
        reason=reason,
        urgency="urgent",
        excerpt=(ctx.text or "")[:_EXCERPT] or None,
        status="open",
        created_at=ctx.now,
        due_at=ctx.now + URGENT_WITHIN,
    )
    ctx.session.add(escalation)
    return escalation


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
    if pa is not None:
        messages.append(
            OutgoingMessage(
                _("You can also call your PA, {name}, on {phone}.").format(
                    name=pa.name, phone=pa.phone
                )
            )
        )
    return Reply(messages, escalation=_record(ctx, category))
