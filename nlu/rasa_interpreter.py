"""Loads a trained Rasa NLU model once and parses messages with it."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from nlu.rasa_json import NOT_UNDERSTOOD, model_input, result_of

# Importing rasa_setup quietens Rasa (telemetry off, warnings muted), so it comes before Rasa.
from nlu.rasa_setup import keep_logging, quiet_rasa
from nlu.result import ModelMissingError, NluResult

# isort: split
from rasa.core.agent import Agent

from nlu.rasa_graph import NluGraph

__all__ = ["ModelMissingError", "RasaInterpreter"]

log = logging.getLogger(__name__)


class RasaInterpreter:
    """The trained Rasa model behind the Interpreter protocol (see nlu.result)."""

    def __init__(self, model_path: Path, *, fold: bool = True) -> None:
        if not model_path.is_file():
            raise ModelMissingError(f"no NLU model at {model_path}; run `carebot train`")
        quiet_rasa()
        with keep_logging():
            self._agent = Agent.load(str(model_path))
        _store_weights_for_parsing(self._agent)
        self._graph = NluGraph.of(self._agent)
        if self._graph is None:
            log.warning("NLU model's graph not as expected; parsing through Rasa's runner")
        # Rasa's parse is async in name only; a private loop lets worker threads call it
        # synchronously, and the lock keeps one parse at a time through the graph.
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._fold = fold

    def parse(self, text: str) -> NluResult:
        """Classify one message (never an intent payload such as "/intent")."""
        cleaned = model_input(text, fold=self._fold)
        if not cleaned:
            return NOT_UNDERSTOOD
        with self._lock:
            if self._graph is not None:
                data = self._graph.parse(cleaned)
            else:
                data = self._loop.run_until_complete(self._agent.parse_message(cleaned))
        return result_of(data)


def _store_weights_for_parsing(agent: Agent) -> None:
    """scikit-learn scores a message against `coef_.T`; stored row-major, that is copied
    (every intent's weight for every n-gram, megabytes) on each parse. Column-major, it is
    read in place: the same numbers, a faster parse. Reaches into Rasa's loaded graph, so
    a component it does not find is simply left as it is."""
    runner: Any = agent.processor.graph_runner if agent.processor else None
    for node in getattr(runner, "_instantiated_nodes", {}).values():
        classifier = getattr(getattr(node, "_component", None), "clf", None)
        if getattr(classifier, "coef_", None) is not None:
            classifier.coef_ = np.asfortranarray(classifier.coef_)
