"""Natural-language understanding: the only package that imports Rasa (and only lazily)."""

from nlu.result import IntentScore, Interpreter, NluResult

__all__ = ["IntentScore", "Interpreter", "NluResult"]
