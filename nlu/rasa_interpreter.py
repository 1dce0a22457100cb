"""Loads a trained Rasa NLU model once and parses messages with it."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nlu.rasa_json import NOT_UNDERSTOOD, model_input, result_of

# Importing rasa_setup quietens Rasa (telemetry off, warnings muted), so it comes before Rasa.
from nlu.rasa_setup import keep_logging, quiet_rasa
from nlu.result import ModelMissingError, NluResult

# isort: split
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE

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


class NluGraph:
    """The model's NLU nodes called one after another, as Rasa's graph runner would.

    `Agent.parse_message` hands the graph to dask on every message: a third of a parse
    went on building and walking that graph for seven nodes in a line. The same nodes (the
    same components, their hooks and errors included) are called here in dependency order,
    and the result is shaped as Rasa's processor shapes it; a test checks the two agree."""

    def __init__(
        self,
        target: str,
        nodes: list[tuple[str, Any, tuple[str, ...]]],
        finish: Callable[[dict[str, Any]], None],
    ) -> None:
        self._target = target
        self._nodes = nodes
        # The processor's last step (full retrieval intents; nothing for our pipeline).
        self._finish = finish

    @classmethod
    def of(cls, agent: Agent) -> NluGraph | None:
        """The NLU part of a loaded agent's graph in call order; None when the graph is not
        what this expects (then parse through Rasa's own runner)."""
        processor = agent.processor
        runner: Any = processor.graph_runner if processor else None
        instantiated = getattr(runner, "_instantiated_nodes", None)
        full_schema = getattr(runner, "_graph_schema", None)
        if processor is None or instantiated is None or full_schema is None:
            return None
        target = processor.model_metadata.nlu_target
        schema = full_schema.minimal_graph_schema([target])
        needs = {name: tuple(node.needs.values()) for name, node in schema.nodes.items()}
        order = _dependency_order(needs)
        inputs = {need for names in needs.values() for need in names} - set(needs)
        if order is None or inputs != {PLACEHOLDER_MESSAGE}:
            # A model that needs the tracker or anything else: not this shortcut's job.
            return None
        nodes = [(name, instantiated[name], needs[name]) for name in order]
        return cls(target, nodes, processor._update_full_retrieval_intent)

    def parse(self, text: str) -> dict[str, Any]:
        """`Agent.parse_message(text)`'s result, without the graph runner."""
        outputs: dict[str, Any] = {PLACEHOLDER_MESSAGE: (PLACEHOLDER_MESSAGE, [UserMessage(text)])}
        for name, node, needs in self._nodes:
            # Each node takes and returns (node name, value) pairs, as under dask.
            outputs[name] = node(*[outputs[need] for need in needs])
        message = outputs[self._target][1][0]
        # As rasa.core.processor.MessageProcessor._parse_message_with_graph.
        data: dict[str, Any] = {
            "text": "",
            "intent": {"name": None, "confidence": 0.0},
            "entities": [],
        }
        data.update(message.as_dict(only_output_properties=True))
        self._finish(data)
        return data


def _dependency_order(needs: Mapping[str, tuple[str, ...]]) -> list[str] | None:
    """The nodes with each after everything it needs; None if they form a cycle."""
    order: list[str] = []
    placed: set[str] = set()
    remaining = dict(needs)
    while remaining:
        ready = [
            name
            for name, wanted in remaining.items()
            if all(w in placed or w not in needs for w in wanted)
        ]
        if not ready:
            return None
        for name in sorted(ready):
            order.append(name)
            placed.add(name)
            del remaining[name]
    return order


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
