"""The answer when the database fails during a turn: the numbers and an honest apology."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.content import Offer
from bot.i18n import Translator, normalise_language
from bot.messages import InboundMessage, OutgoingMessage, Turn
from bot.models import ChannelIdentity, Team
from dialogues.context import TurnContext
from dialogues.handlers.common import in_danger_now, sorry_went_wrong
from dialogues.handlers.safety import category_of, what_to_do_now
from dialogues.language_detect import detect as detect_language
from dialogues.understanding import Understanding

log = logging.getLogger(__name__)


def answer(
    inbound: InboundMessage,
    text: str,
    shown_input: str,
    understanding: Understanding | None,
    *,
    team: Team | None,
    offer: Offer,
    default_language: str,
    now: datetime,
) -> Turn:
    """What to say when nothing can be read from or kept in the database: their record,
    their PA, their conversation so far and the escalation are all out of reach. A risk gets
    what to do now, as on any day (with `team`'s numbers, the council's duty team as last
    read, when there is one), without saying anyone was told (nobody could be); any
    other message gets the apology with the emergency line, since safety must not rest on the
    classifiers alone when no person can be told. Nothing here touches the database."""
    language = (
        normalise_language(inbound.language)
        or normalise_language(detect_language(text))
        or default_language
    )
    t = Translator(language)
    apology = OutgoingMessage("\n".join([sorry_went_wrong(t), in_danger_now(t)]))
    messages: tuple[OutgoingMessage, ...] = (apology,)
    safety = understanding.safety if understanding else None
    if safety is not None:
        try:
            ctx = _context(inbound, text, t, offer, now, team)
            now_what = what_to_do_now(ctx, category_of(safety))
            messages = (OutgoingMessage(now_what), OutgoingMessage(sorry_went_wrong(t)))
        except Exception:  # whatever failed, the apology already carries the numbers
            log.exception("the safety reply failed without the database")
    return Turn(
        input=shown_input,
        language=language,
        messages=messages,
        intent=understanding.intent if understanding else None,
        confidence=understanding.confidence if understanding else None,
        safety=safety,
        stored=False,
    )


@dataclass
class _Remembered(TurnContext):
    """A turn's context with nothing from the database: no young person, so no PA
    (TurnContext.current_pa), and the team as remembered instead of looked up."""

    remembered_team: Team | None = None

    def team(self) -> Team | None:
        return self.remembered_team


def _context(
    inbound: InboundMessage,
    text: str,
    t: Translator,
    offer: Offer,
    now: datetime,
    team: Team | None,
) -> TurnContext:
    return _Remembered(
        # Bound to nothing: a query would fail here at once rather than wait on the database.
        session=Session(),
        identity=ChannelIdentity(channel=inbound.channel, external_id=inbound.sender_id),
        young_person=None,
        council_id=None,
        age_band=None,
        t=t,
        offer=offer,
        now=now,
        text=text,
        remembered_team=team,
    )
