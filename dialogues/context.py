"""What a handler gets (the turn's context) and what it gives back (a reply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content import Offer
from bot.i18n import Translator
from bot.keeping_in_touch import support
from bot.messages import OutgoingMessage
from bot.models import ChannelIdentity, Escalation, PersonalAdviser, Team, YoungPerson
from nlu import NluResult


@dataclass
class TurnContext:
    """Everything a handler may read about this turn: the database session, who is writing,
    their record, language and council, the offer, and the conversation state so far.
    Handlers may change it (a chosen language, a council), and the engine sees the change."""

    session: Session
    identity: ChannelIdentity
    young_person: YoungPerson | None
    council_id: str | None
    age_band: str | None
    t: Translator
    offer: Offer
    now: datetime
    text: str | None
    # Circumstances from the young person's record that select content variants.
    conditions: frozenset[str] = frozenset()
    nlu: NluResult | None = None
    state: str | None = None
    state_data: dict[str, Any] = field(default_factory=dict)
    # Messages in a row the bot could not answer before this one.
    misses: int = 0
    # Where staff open the dashboard; notifications link there.
    public_url: str = "http://127.0.0.1:8080"

    @property
    def today(self) -> date:
        """The UTC date of `now` (the engine's clock): not London's date just after midnight in
        summer, so age checks on a birthday can be an hour late."""
        return self.now.date()

    def current_pa(self) -> PersonalAdviser | None:
        """Their PA now: None without PA support (someone 21+ who said no keeps a former PA
        on record, who must not be named or told as if they were still theirs)."""
        yp = self.young_person
        return support.current_pa(self.session, yp, self.today) if yp is not None else None

    def team(self) -> Team | None:
        """The young person's PA's team, else the first team of the council we know about."""
        yp = self.young_person
        if yp is not None and yp.pa is not None:
            return yp.pa.team
        if self.council_id is None:
            return None
        return (
            self.session.execute(
                select(Team).where(Team.council_id == self.council_id).order_by(Team.id)
            )
            .scalars()
            .first()
        )


@dataclass
class Reply:
    """What a handler answers with: the messages to send, and what the engine should remember
    (the new state, a topic for the record, an escalation it opened, a miss, an erasure)."""

    messages: list[OutgoingMessage]
    topic: str | None = None
    # The conversation state after this turn; None clears it.
    state: str | None = None
    state_data: dict[str, Any] = field(default_factory=dict)
    escalation: Escalation | None = None
    # The bot could not answer this one (counts towards asking the PA to step in).
    missed: bool = False
    # This turn deleted the conversation: the engine must not keep the message it answers.
    erased: bool = False
