"""The answer when the database fails during a turn: the numbers and an honest apology."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.content import Offer
from bot.i18n import Translator, normalise_language
from bot.messages import InboundMessage, OutgoingMessage, Turn
from bot.models import ChannelIdentity
from dialogues.context import TurnContext
from dialogues.handlers.common import in_danger_now, sorry_went_wrong
from dialogues.handlers.safety import what_to_do_now
from dialogues.language_detect import detect as detect_language
from dialogues.understanding import Understander, Understanding


def answer(
    inbound: InboundMessage,
    text: str,
    shown_input: str,
    *,
    understander: Understander,
    offer: Offer,
    default_language: str,
    now: datetime,
) -> Turn:
    """What to say when nothing can be read from or kept in the database: their record,
    their PA, their conversation so far and the escalation are all out of reach. A risk gets
    what to do now, as on any day, without saying anyone was told (nobody could be); any
    other message gets the apology with the emergency line, since safety must not rest on the
    classifiers alone when no person can be told. Nothing here touches the database."""
    understanding = _read(understander, inbound, text)
    language = (
        normalise_language(inbound.language)
        or normalise_language(detect_language(text))
        or default_language
    )
    t = Translator(language)
    if understanding is not None and understanding.safety is not None:
        ctx = TurnContext(
            # No session to reach: with no young person and no council, the safety reply
            # asks for neither a PA nor a team (TurnContext.team, current_pa).
            session=Session(),
            identity=ChannelIdentity(channel=inbound.channel, external_id=inbound.sender_id),
            young_person=None,
            council_id=None,
            age_band=None,
            t=t,
            offer=offer,
            now=now,
            text=text,
        )
        messages = (
            OutgoingMessage(what_to_do_now(ctx, understanding.safety)),
            OutgoingMessage(sorry_went_wrong(t)),
        )
    else:
        messages = (OutgoingMessage("\n".join([sorry_went_wrong(t), in_danger_now(t)])),)
    return Turn(
        input=shown_input,
        language=language,
        messages=messages,
        intent=understanding.intent if understanding else None,
        confidence=understanding.confidence if understanding else None,
        safety=understanding.safety if understanding else None,
        stored=False,
    )


def _read(understander: Understander, inbound: InboundMessage, text: str) -> Understanding | None:
    """The classifiers need no database; if they fail too, the message counts as unread."""
    if inbound.kind != "text":
        return None
    try:
        return understander.text(text)
    except Exception:
        return None
