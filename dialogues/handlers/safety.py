"""Risk replies: what to do now first, the right numbers, then who has been told, at any hour.

Each risk category has its own first words; the numbers come from
offer_content/safety_services.yml (checked by staff), never from this file. After a risk
message the conversation stays in AFTER_RISK for a while, so a vague follow-up gets "Are you
safe right now?" rather than a fallback.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot import payloads
from bot.advisers import escalations, notify
from bot.clock import age_on
from bot.content.model import SafetyService
from bot.i18n import Translator
from bot.messages import Button, OutgoingMessage
from bot.models import Escalation
from dialogues.context import Reply, TurnContext
from dialogues.handlers.common import menu_buttons, talk_to_pa_button
from dialogues.handlers.pa import escalate
from nlu.risk import LEGACY, RiskAssessment
from nlu.risk.taxonomy import (
    ABUSE_VIOLENCE,
    EVICTION_RISK,
    EXPLOITATION,
    HOMELESS_TONIGHT,
    MEDICAL_EMERGENCY,
    NO_FOOD_MONEY_HEAT,
    SUICIDE_SELF_HARM,
)

log = logging.getLogger(__name__)

AFTER_RISK = "after_risk"
# After a check ("are you safe?" asked because only the topic classifier read a risk).
CHECKED = "risk_checked"
# A follow-up is read in the light of a risk message for this many messages and this long.
FOLLOW_UPS = 3
FOLLOW_UP_WINDOW = timedelta(hours=6)
# What to say when no number for 999 is configured (the data file is missing or broken).
_EMERGENCY_FALLBACK = "999"


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; it is translated when used."""
    return message


# For each category: a warm first line, then what to do now. {emergency} is 999 (from data).
FIRST_WORDS: dict[str, tuple[str, str]] = {
    MEDICAL_EMERGENCY: (
        N_("Call {emergency} now and ask for an ambulance."),
        N_(
            "Stay with them. If they are breathing, lie them on their side. "
            "Do what the call handler tells you."
        ),
    ),
    SUICIDE_SELF_HARM: (
        N_("I'm really glad you told me. You don't have to deal with this on your own."),
        N_("If you might act on these thoughts, or you've hurt yourself, call {emergency} now."),
    ),
    ABUSE_VIOLENCE: (
        N_("I'm sorry this is happening. It is not your fault."),
        N_(
            "If you are in danger now, call {emergency}. If you can't talk, "
            "call {emergency} and press 55 when asked."
        ),
    ),
    EXPLOITATION: (
        N_("Thank you for telling me. You are not in trouble for telling me."),
        N_(
            "If you are in danger now, call {emergency}. Nobody has the right to make you "
            "do things for them."
        ),
    ),
    HOMELESS_TONIGHT: (
        N_("I'm sorry. Let's get you somewhere safe tonight."),
        N_("If you are in danger, call {emergency}."),
    ),
    NO_FOOD_MONEY_HEAT: (
        N_("Thanks for telling me. Nobody should go without food or heat."),
        N_("Your leaving care team can help in an emergency, today."),
    ),
    EVICTION_RISK: (
        N_("Thanks for telling me. There is still time to sort this out."),
        N_(
            "Keep every letter you get. Don't agree to leave until you've talked to "
            "your PA or Shelter."
        ),
    ),
}
# What they need from the council, by category: the duty line at once, or the team today.
_DUTY_NOW = frozenset({MEDICAL_EMERGENCY, SUICIDE_SELF_HARM, ABUSE_VIOLENCE, EXPLOITATION})


def category_of(name: str) -> str:
    """A stored category, including the two older names, as today's category."""
    return LEGACY.get(name, name)


def _age(ctx: TurnContext) -> int | None:
    yp = ctx.young_person
    return age_on(yp.date_of_birth, ctx.today) if yp is not None else None


def _emergency(ctx: TurnContext) -> str:
    safety = ctx.offer.safety
    return (safety.emergency.phone if safety else None) or _EMERGENCY_FALLBACK


def service_line(t: Translator, service: SafetyService) -> str:
    """One support service as a line of text: who, how to reach them, and if always open."""
    _ = t.gettext
    name = service.name
    if service.max_age is not None:
        name += " " + _("(under {age})").format(age=service.max_age + 1)
    if service.phone:
        line = _("{name}: call {phone}").format(name=name, phone=service.phone)
    else:
        line = _("{name}: text {word} to {number}").format(
            name=name, word=service.text_word, number=service.text_number
        )
    if service.always_open:
        line += " " + _("(free, any time)")
    return line


def _council_lines(ctx: TurnContext, category: str) -> list[str]:
    _ = ctx.t.gettext
    team = ctx.team()
    lines: list[str] = []
    age = _age(ctx)
    council = ctx.offer.councils.get(ctx.council_id or "")
    if age is not None and age < 18 and council is not None and council.children_duty_phone:
        lines.append(
            _("Children's services out of hours: {phone}").format(phone=council.children_duty_phone)
        )
    if team is None:
        if category == HOMELESS_TONIGHT:
            lines.append(
                _(
                    "Call your council's housing team now and say you have nowhere to sleep "
                    "tonight. They have to help you look for somewhere safe."
                )
            )
        return lines
    if category == HOMELESS_TONIGHT:
        lines.insert(0, _("Call the duty team now on {phone}.").format(phone=team.duty_phone))
    elif category in _DUTY_NOW:
        lines.append(
            _("Out of hours, call the duty team on {phone}.").format(phone=team.duty_phone)
        )
    else:
        lines.append(
            _("Call {team} on {phone}. Out of hours: {duty}.").format(
                team=team.name, phone=team.phone, duty=team.duty_phone
            )
        )
    return lines


def what_to_do_now(ctx: TurnContext, category: str) -> str:
    """The first message: warm words, what to do now, then the numbers. Never fails."""
    _ = ctx.t.gettext
    emergency = _emergency(ctx)
    first, now = FIRST_WORDS[category]
    lines = [_(first).format(emergency=emergency), _(now).format(emergency=emergency)]
    council = _council_lines(ctx, category)
    if category == HOMELESS_TONIGHT:
        # Where to sleep tonight comes before everything else.
        lines = [lines[0], *council, lines[1]]
        council = []
    safety = ctx.offer.safety
    if safety is not None:
        lines += [service_line(ctx.t, s) for s in safety.for_category(category, _age(ctx))]
    lines += council
    return "\n".join(lines)


def _told(ctx: TurnContext, esc: Escalation) -> str | None:
    """Who has been told, only as far as it is true (the routing records who it reached)."""
    _ = ctx.t.gettext
    pa = ctx.current_pa()
    told = escalations.told_of(esc)
    covering = escalations.cover_name(ctx.session, esc)
    lines: list[str] = []
    if pa is not None and "pa" in told and "duty" in told:
        lines.append(_("I've told your PA, {name}, and the duty team.").format(name=pa.name))
    elif pa is not None and "pa" in told:
        lines.append(_("I've told your PA, {name}.").format(name=pa.name))
    elif pa is not None and covering is not None:
        lines.append(
            _("{name} is away, so I've asked {cover}, who is covering for them.").format(
                name=pa.name, cover=covering
            )
        )
    if not lines and "duty" in told:
        lines.append(_("I've told the duty team. They can reply to you here."))
    elif not lines and told:
        lines.append(_("I've passed this to your leaving care team."))
    if pa is not None:
        lines.append(_("You can also call {name} on {phone}.").format(name=pa.name, phone=pa.phone))
    return "\n".join(lines) if lines else None


def safety(ctx: TurnContext, category: str, risk: RiskAssessment | None = None) -> Reply:
    """The reply to a risk, whatever the state: what to do now, then who has been told, and
    AFTER_RISK for the next few messages. If the urgent escalation cannot be recorded, the
    numbers still go and nobody is said to be told."""
    category = category_of(category)
    messages = [OutgoingMessage(what_to_do_now(ctx, category))]
    state_data = {"category": category, "left": FOLLOW_UPS, "since": ctx.now.isoformat()}
    # Signposting comes first and never depends on the escalation being recorded: if that
    # fails, the young person still gets what to do now (and we do not claim we told anyone).
    try:
        with ctx.session.begin_nested():
            esc = escalate(ctx, category, escalations.URGENT)
            if risk is not None and risk.signals and esc.risk_signals is None:
                esc.risk_signals = [s.as_dict() for s in risk.signals]
    except Exception:
        log.exception("could not record a safety escalation identity=%s", ctx.identity.id)
        return Reply(messages, state=AFTER_RISK, state_data=state_data)
    told = _told(ctx, esc)
    if told:
        messages.append(OutgoingMessage(told))
    return Reply(messages, escalation=esc, state=AFTER_RISK, state_data=state_data)


def still_after_risk(ctx: TurnContext) -> bool:
    """This message follows a risk message closely enough to be read in its light."""
    if ctx.state != AFTER_RISK:
        return False
    since = ctx.state_data.get("since")
    try:
        started = datetime.fromisoformat(since) if isinstance(since, str) else None
    except ValueError:
        started = None
    left = ctx.state_data.get("left", 0)
    return (
        started is not None
        and isinstance(left, int)
        and left > 0
        and ctx.now - started <= FOLLOW_UP_WINDOW
    )


def carried(ctx: TurnContext) -> dict[str, object]:
    """The after-risk state for the next message (one fewer follow-up left)."""
    return {**ctx.state_data, "left": int(ctx.state_data.get("left", 1)) - 1}


def are_you_safe(ctx: TurnContext) -> Reply:
    """A vague or short follow-up after a risk message: check, and give the numbers again."""
    _ = ctx.t.gettext
    category = category_of(str(ctx.state_data.get("category") or SUICIDE_SELF_HARM))
    state_data = carried(ctx)
    if category not in FIRST_WORDS:
        category = SUICIDE_SELF_HARM
    block = what_to_do_now(ctx, category)
    if category != MEDICAL_EMERGENCY:
        # The warm first line was said a moment ago: now the question, then what to do.
        block = block.split("\n", 1)[-1]
    text = "\n".join([_("Are you safe right now?"), block])
    buttons = (
        Button(_("I'm safe now"), payloads.make(payloads.SAFE, "yes")),
        Button(_("I'm not safe"), payloads.make(payloads.SAFE, "no")),
        talk_to_pa_button(ctx.t),
    )
    return Reply([OutgoingMessage(text, buttons)], state=AFTER_RISK, state_data=state_data)


def check(ctx: TurnContext, category: str) -> Reply:
    """Only the topic classifier read a risk (the lexicon and the risk classifier did not):
    ask before alarming anyone. "I'm not safe" opens the full safety path."""
    _ = ctx.t.gettext
    text = "\n".join(
        [
            _("Just checking, because of how you put that: are you safe right now?"),
            _("If you are in danger now, call {emergency}.").format(emergency=_emergency(ctx)),
        ]
    )
    buttons = (
        Button(_("I'm OK"), payloads.make(payloads.SAFE, "ok")),
        Button(_("I'm not safe"), payloads.make(payloads.SAFE, "no")),
        talk_to_pa_button(ctx.t),
    )
    return Reply(
        [OutgoingMessage(text, buttons)],
        state=CHECKED,
        state_data={"category": category_of(category)},
    )


def safe_answer(ctx: TurnContext, value: str) -> Reply:
    """The "are you safe?" buttons: "ok" to a check tells nobody, "no" opens the full safety path
    (telling again whoever already has it), "yes" is reassured that the team will be in touch."""
    _ = ctx.t.gettext
    category = category_of(str(ctx.state_data.get("category") or SUICIDE_SELF_HARM))
    if category not in FIRST_WORDS:
        category = SUICIDE_SELF_HARM
    if value == "ok":
        # The answer to a check: nothing was raised, so nobody was told.
        return Reply(
            [
                OutgoingMessage(
                    "\n".join(
                        [
                            _("Good, thanks for letting me know."),
                            _("What do you need help with? Tap one, or type your question."),
                        ]
                    ),
                    menu_buttons(ctx.offer, ctx.council_id, ctx.t),
                )
            ]
        )
    if value == "no":
        reply = safety(ctx, category)
        esc = reply.escalation
        if esc is not None and esc.created_at != ctx.now:
            # The escalation was already open: whoever was told hears again, now.
            notify.escalation_opened(ctx.session, esc, now=ctx.now, public_url=ctx.public_url)
        return reply
    lines = [
        _("I'm glad you're safe right now."),
        _("Someone from your leaving care team will still be in touch."),
        _("If things change, message me or call {emergency}.").format(emergency=_emergency(ctx)),
    ]
    return Reply([OutgoingMessage("\n".join(lines), (talk_to_pa_button(ctx.t),))])


def past_note(ctx: TurnContext) -> OutgoingMessage:
    """Added to an answer when a message mentions a risk that is clearly over."""
    _ = ctx.t.gettext
    lines = [
        _("Thank you for telling me. Your PA can talk with you about it, any time."),
        _("If anything like this is happening now, call {emergency}.").format(
            emergency=_emergency(ctx)
        ),
    ]
    return OutgoingMessage("\n".join(lines), (talk_to_pa_button(ctx.t),))


def past_event(ctx: TurnContext) -> Reply:
    """A message that is only about a risk that is over: no alarm, a warm word and the PA."""
    return Reply([past_note(ctx)])
