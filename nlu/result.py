"""The small, frozen result the rest of the bot sees instead of Rasa's dictionaries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Rasa's FallbackClassifier puts this first when no intent is confident enough.
FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class IntentScore:
    """One intent and the classifier's confidence in it."""

    intent: str
    confidence: float


@dataclass(frozen=True)
class NluResult:
    """What the classifier made of one message."""

    intent: str
    confidence: float
    # Best first; after a fallback, ranking[1:] still holds the likeliest real intents.
    ranking: tuple[IntentScore, ...] = ()

    @property
    def is_fallback(self) -> bool:
        """True when no intent was confident enough."""
        return self.intent == FALLBACK_INTENT

    def likeliest(self, n: int, exclude: frozenset[str] = frozenset()) -> list[str]:
        """The n likeliest real intents, skipping the fallback and any excluded ones."""
        names = [s.intent for s in self.ranking if s.intent != FALLBACK_INTENT]
        return [name for name in names if name not in exclude][:n]


class ModelMissingError(RuntimeError):
    """No trained model where the settings say it is."""


class Interpreter(Protocol):
    """Anything that classifies messages: the Rasa model, or a stand-in in tests."""

    def parse(self, text: str) -> NluResult:
        """Classify one message; must be safe to call from any thread."""
