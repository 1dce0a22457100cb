"""Who a young person's PA is and how to reach them (or how to get linked, if anonymous)."""

from __future__ import annotations

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


def talk_to_pa(ctx: TurnContext) -> Reply:
    return pa_contact(ctx, wants_person=True)
