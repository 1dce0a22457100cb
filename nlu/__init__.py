"""Natural-language understanding: the only package that imports Rasa.

Only nlu.training and nlu.rasa_interpreter import it; everything else here loads without it."""

from nlu.result import IntentScore, Interpreter, NluResult

__all__ = ["IntentScore", "Interpreter", "NluResult"]
