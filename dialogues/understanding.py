"""What a message means: buttons, commands, the safety lexicon, then the classifier.

The engine and `carebot nlu eval` both use this, so the evaluation measures the path a real
message takes, not the classifier alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import normalise_language
from dialogues import payloads
from dialogues.safety import CRISIS, HOMELESS_NOW, Lexicon
from nlu import Interpreter, NluResult
from nlu.result import FALLBACK_INTENT

# Longer messages are stored whole but not parsed: nobody asks a question in 2,000 characters.
MAX_PARSED_CHARS = 2000
SAFETY_INTENTS = frozenset({CRISIS, HOMELESS_NOW})
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
    intent: str | None
    confidence: float | None
    nlu: NluResult | None = None
    payload: payloads.Payload | None = None
    safety: str | None = None
    command: str | None = None

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
    def __init__(self, interpreter: Interpreter, lexicon: Lexicon) -> None:
        self._interpreter = interpreter
        self._lexicon = lexicon

    def button(self, raw_payload: str | None, topics: frozenset[str]) -> Understanding:
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
        }[payload.kind]
        hit = intent if intent in SAFETY_INTENTS else None
        return Understanding(intent=intent, confidence=1.0, payload=payload, safety=hit)

    def unparsed(self, text: str) -> Understanding:
        """Media, empty or over-long messages: not classified, but still safety-checked."""
        hit = self._lexicon.match(text) if text else None
        return Understanding(intent=hit, confidence=1.0 if hit else None, safety=hit)

    def text(self, text: str) -> Understanding:
        if not text or len(text) > MAX_PARSED_CHARS:
            return self.unparsed(text)
        command = text.split()[0].lower() if text.startswith("/") else None
        if command in COMMANDS:
            return Understanding(intent=COMMANDS[command], confidence=1.0, command=command)
        bare = " ".join(text.casefold().strip(" .!").split())
        if bare in STOP_WORDS:
            return Understanding(intent="data_delete", confidence=1.0, command="stop")
        if bare in RESTART_WORDS:
            return Understanding(intent="restart", confidence=1.0, command="restart")
        lexicon_hit = self._lexicon.match(text)
        result = self._interpreter.parse(text)
        # Either the lexicon or the classifier can open the safety path; neither can close it.
        safety_path = lexicon_hit or (result.intent if result.intent in SAFETY_INTENTS else None)
        return Understanding(
            intent=result.intent, confidence=result.confidence, nlu=result, safety=safety_path
        )
