"""A stand-in for the trained model: each known message has the intent a test gives it, so a
handler's behaviour is tested without depending on how well the model reads a phrasing."""

from __future__ import annotations

from collections.abc import Mapping

from nlu.result import FALLBACK_INTENT, IntentScore, NluResult


class FakeInterpreter:
    """Reads each message as the intent it is mapped to (confidently), anything else as not
    understood; records what it was asked."""

    def __init__(self, intents: Mapping[str, str]) -> None:
        self._intents = {text.casefold(): intent for text, intent in intents.items()}
        self.parsed: list[str] = []

    def parse(self, text: str) -> NluResult:
        """The mapped intent at 0.95, or the fallback at 0.3."""
        self.parsed.append(text)
        intent = self._intents.get(text.casefold())
        if intent is None:
            return NluResult(FALLBACK_INTENT, 0.3, (IntentScore(FALLBACK_INTENT, 0.3),))
        return NluResult(intent, 0.95, (IntentScore(intent, 0.95),))
