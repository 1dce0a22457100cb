"""What goes into a Rasa parse and how its JSON becomes an NluResult, in process or over HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nlu.result import FALLBACK_INTENT, IntentScore, NluResult
from nlu.training_data import as_parsed

# The answer when there is nothing to classify, or nobody to classify it.
NOT_UNDERSTOOD = NluResult(intent=FALLBACK_INTENT, confidence=0.0)


def model_input(text: str, *, fold: bool = True) -> str:
    """The text the model should see ("" when there is nothing to classify)."""
    # Rasa reads "/intent" as an intent payload, which would let anyone pick the
    # classifier's answer by typing it; our own commands are handled before NLU.
    cleaned = text.lstrip("/").strip()
    # The model was trained on normalised text (see training_data.as_parsed).
    return as_parsed(cleaned) if fold and cleaned else cleaned


def result_of(data: Mapping[str, Any]) -> NluResult:
    """Rasa's parse JSON (`Agent.parse_message`, or `POST /model/parse`) as an NluResult."""
    top = data.get("intent") or {}
    ranking = tuple(
        IntentScore(intent=str(item["name"]), confidence=float(item["confidence"]))
        for item in data.get("intent_ranking") or []
    )
    return NluResult(
        intent=top.get("name") or FALLBACK_INTENT,
        confidence=float(top.get("confidence") or 0.0),
        ranking=ranking,
    )
