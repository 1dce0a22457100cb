"""What the bot says first (check-ins, the PA-support question before 21, birthday and closing
messages), in the young person's language. Only what is safe on a locked phone's preview."""

from __future__ import annotations

from datetime import date

from bot import payloads
from bot.buttons import other_help_button, talk_to_pa_button
from bot.i18n import Translator
from bot.messages import Button, OutgoingMessage
from bot.models import Team, YoungPerson


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


def checkin_message(t: Translator, yp: YoungPerson, *, reminder: bool = False) -> OutgoingMessage:
    """The check-in: "How are things?" with Good, OK and Not good, and the PA; `reminder` when the
    last one went unanswered."""
    _ = t.gettext
    if reminder:
        text = _("Hi {name}, it's the leaving care team bot again. How are things?")
    else:
        text = _("Hi {name}, it's the leaving care team bot. How are things?")
    return OutgoingMessage(text.format(name=yp.preferred_name), _checkin_buttons(t))


def optin_message(
    t: Translator, yp: YoungPerson, turns_21: date, *, reminder: bool = False
) -> OutgoingMessage:
    """The PA-support question before 21, with the date they turn 21; `reminder` is the second,
    shorter asking. `pa_support` shows it too when, 18 to 20, they ask about support after 21."""
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
    """On a birthday from 21 to 24, for those without PA support: they can still ask for a PA."""
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
    """The goodbye at 25: support ends; the team's number (if known) and Samaritans."""
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
