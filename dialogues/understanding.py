"""What a message means: buttons, commands, risk detection, then the classifier.

The engine and `carebot nlu eval` both use this, so the evaluation measures the path a real
message takes, not the classifier alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import payloads
from bot.i18n import normalise_language
from nlu import Interpreter, NluResult
from nlu.result import FALLBACK_INTENT
from nlu.risk import LEGACY, NO_RISK, RiskAssessment, RiskDetector

# Longer messages are stored whole but not parsed: nobody asks a question in 2,000 characters.
MAX_PARSED_CHARS = 2000
# The topic classifier's own safety intents (it knows two kinds; risk detection knows more).
SAFETY_INTENTS = frozenset(LEGACY)
# Intents a button may stand for; anything else in an intent: payload is forged.
BUTTON_INTENTS = frozenset(
    {"greeting", "thanks", "pa_contact", "talk_to_pa", "language_change", *SAFETY_INTENTS}
)
OUT_OF_SCOPE = "out_of_scope"
# Typed commands (Telegram shows them in its menu); anything else starting "/" is parsed.
COMMANDS = {
    "/start": "greeting",
    "/help": "menu",
    "/menu": "menu",
    "/language": "language_change",
    "/stop": "data_delete",
}


# "Stop" in every language the bot ships (drafts awaiting native speakers, like the safety
# lexicon): the whole message, so "stop" always works, whatever the classifier thinks.
STOP_WORDS = frozenset(
    {
        "stop",
        "stop please",
        "please stop",
        "unsubscribe",
        "stop messages",
        "stopp",
        "توقف",
        "قف",
        "ايقاف",
        "إيقاف",  # Arabic
        "بس",
        "بس کن",
        "متوقف شو",  # Dari / Farsi
        "ودرېږه",
        "بس کړه",  # Pashto
        "ኣቋርጽ",
        "ደው በል",  # Tigrinya
        "بوەستە",
        "ڕاوەستە",  # Kurdish Sorani
        "ndalo",
        "mjaft",  # Albanian
        "dừng",
        "dừng lại",
        "ngừng",  # Vietnamese
    }
)
RESTART_WORDS = frozenset({"start again", "restart", "start messages", "resume"})


@dataclass(frozen=True)
class Understanding:
    """What the bot made of one message: the intent, and how sure; the button or command it
    came from; and the safety category if a risk was raised (which then wins)."""

    intent: str | None
    confidence: float | None
    nlu: NluResult | None = None
    payload: payloads.Payload | None = None
    safety: str | None = None
    command: str | None = None
    # Why a risk was raised (or NO_RISK), for the PA and the evaluation.
    risk: RiskAssessment = NO_RISK

    @property
    def routed(self) -> str:
        """The label the engine acts on: a safety path first, and 'not understood' as
        out_of_scope (both get the honest fallback reply)."""
        if self.safety is not None:
            return self.safety
        if self.intent in (None, FALLBACK_INTENT):
            return OUT_OF_SCOPE
        return self.intent


class Understander:
    """Reads a message as the engine does: a button or lone command first, then stop and
    restart phrases, then the topic classifier and risk detection. No database calls."""

    def __init__(self, interpreter: Interpreter, risk: RiskDetector) -> None:
        self._interpreter = interpreter
        self._risk = risk

    def button(self, raw_payload: str | None, topics: frozenset[str]) -> Understanding:
        """A pressed button (or a typed answer the engine matched to one) as an intent; a forged
        or stale payload gives no intent at all."""
        payload = payloads.parse(raw_payload)
        # A forged or stale button is no intent at all (and its value never reaches a log).
        if (
            payload is None
            or (payload.kind in (payloads.TOPIC, payloads.MORE) and payload.value not in topics)
            or (payload.kind == payloads.INTENT and payload.value not in BUTTON_INTENTS)
            or (payload.kind == payloads.LANG and normalise_language(payload.value) is None)
        ):
            return Understanding(intent=None, confidence=None)
        intent = {
            payloads.TOPIC: payload.value,
            payloads.MORE: payload.value,
            payloads.INTENT: payload.value,
            payloads.COUNCIL: "choose_council",
            payloads.MENU: "menu",
            payloads.LANG: "choose_language",
            payloads.KIT: "checkin_answer",
            payloads.OPTIN: "optin_answer",
            payloads.PRIVACY: "data_delete",
            payloads.SAFE: "safe_answer",
        }[payload.kind]
        hit = LEGACY[intent] if intent in SAFETY_INTENTS else None
        return Understanding(intent=intent, confidence=1.0, payload=payload, safety=hit)

    def must_pass(self, text: str | None, raw_payload: str | None) -> bool:
        """A message no flood limit may hold back: risk detection raises it (lexicon or risk
        classifier), it says stop, or it is a safety or privacy button. No topic classifier
        and no database: cheap enough to run on every held-back message."""
        if raw_payload is not None:
            payload = payloads.parse(raw_payload)
            return payload is not None and (
                payload.kind in (payloads.SAFE, payloads.PRIVACY)
                or (payload.kind == payloads.INTENT and payload.value in SAFETY_INTENTS)
            )
        if not text or not text.strip():
            return False
        bare = " ".join(text.casefold().strip(" .!").split())
        if bare in STOP_WORDS or text.split()[0].lower() == "/stop":
            return True
        # The lexicon and the risk classifier, as for any message (not the topic classifier).
        return self._risk.assess(text).raised

    def unparsed(self, text: str) -> Understanding:
        """Media, empty or over-long messages: not classified, but still risk-checked (a long
        message is checked whole: a risk buried in 10 kB of text still counts)."""
        risk = self._risk.assess(text) if text else NO_RISK
        hit = risk.category if risk.raised else None
        return Understanding(intent=hit, confidence=1.0 if hit else None, safety=hit, risk=risk)

    def text(self, text: str) -> Understanding:
        """A typed message: a lone command or a stop or restart phrase wins outright; anything
        else is classified and risk-checked, and a risk wins over any intent or command."""
        if not text or len(text) > MAX_PARSED_CHARS:
            return self.unparsed(text)
        command = text.split()[0].lower() if text.startswith("/") else None
        bare = " ".join(text.casefold().strip(" .!").split())
        if command in COMMANDS and len(text.split()) == 1:
            return Understanding(intent=COMMANDS[command], confidence=1.0, command=command)
        if bare in STOP_WORDS:
            # Only an explicit stop word stops messages at once (a whole-message match).
            return Understanding(intent="data_delete", confidence=1.0, command="stop")
        if bare in RESTART_WORDS:
            return Understanding(intent="restart", confidence=1.0, command="restart")
        # Idioms ("dying to know", "my phone died") are read by their meaning, by the topic
        # classifier too; the rest of the message is read as it is.
        reading = self._risk.plain(text)
        result = self._interpreter.parse(reading.text if reading.found else text)
        # The lexicon, the risk classifier and the topic classifier's safety intents can each
        # raise a risk; none can lower one another raised.
        risk = self._risk.assess(text, intent=result.intent, reading=reading)
        if command in COMMANDS and not risk.raised:
            return Understanding(intent=COMMANDS[command], confidence=1.0, command=command)
        return Understanding(
            intent=result.intent,
            confidence=result.confidence,
            nlu=result,
            safety=risk.category if risk.raised else None,
            risk=risk,
        )
