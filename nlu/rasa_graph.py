"""A loaded Rasa model's NLU nodes, called one after another in this thread.

`Agent.parse_message` hands the model's graph to dask on every message: a third of a parse
went on building and walking that graph for seven nodes in a line. Here the same nodes are
called in dependency order (the same components, their hooks and errors included), and the
result is shaped as Rasa's processor shapes it. One step has a faster equal: the logistic
regression's, whose features Rasa assembles through a dozen scipy matrices per message
(`FASTER_STEPS`). tests/nlu/test_rasa_graph.py checks that the result is Rasa's own on every
training and blind message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.sparse

# Importing rasa_setup quietens Rasa (telemetry off, warnings muted), so it comes before Rasa.
import nlu.rasa_setup  # noqa: F401

# isort: split
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

Step = Callable[[list[Message]], list[Message]]


class NluGraph:
    """`Agent.parse_message(text)` without Rasa's graph runner."""

    def __init__(
        self,
        target: str,
        steps: list[tuple[str, Callable[..., tuple[str, Any]], tuple[str, ...]]],
        finish: Callable[[dict[str, Any]], None],
    ) -> None:
        self._target = target
        self._steps = steps
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
        order = dependency_order(needs)
        inputs = {need for names in needs.values() for need in names} - set(needs)
        if order is None or inputs != {PLACEHOLDER_MESSAGE}:
            # A model that needs the tracker or anything else: not this shortcut's job.
            return None
        steps = [(name, _step(name, instantiated[name]), needs[name]) for name in order]
        return cls(target, steps, processor._update_full_retrieval_intent)

    def parse(self, text: str) -> dict[str, Any]:
        """`Agent.parse_message(text)`'s result."""
        outputs: dict[str, Any] = {PLACEHOLDER_MESSAGE: (PLACEHOLDER_MESSAGE, [UserMessage(text)])}
        for name, step, needs in self._steps:
            # Each node takes and returns (node name, value) pairs, as under dask.
            outputs[name] = step(*[outputs[need] for need in needs])
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


def dependency_order(needs: Mapping[str, tuple[str, ...]]) -> list[str] | None:
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


def _step(name: str, node: Any) -> Callable[..., tuple[str, Any]]:
    """The node itself, or its faster equal when its component has one."""
    component = getattr(node, "_component", None)
    faster = FASTER_STEPS.get(type(component))
    if faster is None or getattr(node, "_fn_name", None) != "process":
        return node
    process = faster(component)

    def call(messages: tuple[str, list[Message]]) -> tuple[str, list[Message]]:
        return name, process(messages[1])

    return call


def _sentence_row(message: Message) -> scipy.sparse.csr_matrix | None:
    """The message's sentence features for its text as one row, every featurizer's in turn,
    as Rasa's `get_sparse_features` and the classifier's `_create_X` assemble them; None if
    there are dense ones too (then Rasa's own code assembles them)."""
    found = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    if not found or not all(f.is_sparse() for f in found):
        return None
    values, columns, width = [], [], 0
    for features in found:
        block = features.features.tocoo()
        values.append(block.data)
        columns.append(block.col + width)
        width += block.shape[1]
    data, cols = np.concatenate(values), np.concatenate(columns)
    rows = np.zeros(len(cols), dtype=cols.dtype)
    return scipy.sparse.csr_matrix((data, (rows, cols)), shape=(1, width))


def _logistic_regression(component: LogisticRegressionClassifier) -> Step:
    """LogisticRegressionClassifier.process with the features assembled directly."""
    classifier = component.clf
    limit = component.config["ranking_length"]

    def process(messages: list[Message]) -> list[Message]:
        rows = [_sentence_row(message) for message in messages]
        if any(row is None for row in rows):
            return component.process(messages)
        probabilities = classifier.predict_proba(scipy.sparse.vstack(rows, format="csr"))
        for message, row in zip(messages, probabilities, strict=True):
            scores = zip(classifier.classes_, row, strict=True)
            ranking = sorted(
                ({"name": k, "confidence": v} for k, v in scores), key=lambda e: -e["confidence"]
            )
            message.set("intent", ranking[0], add_to_output=True)
            shown = ranking[:limit] if limit > 0 else ranking
            message.set("intent_ranking", shown, add_to_output=True)
        return messages

    return process


# Components whose `process` has a faster equal here.
FASTER_STEPS: dict[type, Callable[[Any], Step]] = {
    LogisticRegressionClassifier: _logistic_regression,
}
