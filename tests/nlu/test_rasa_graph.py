"""The NLU graph called node by node gives exactly what Rasa's own parse gives."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import GraphNode

from nlu.rasa_graph import NluGraph, dependency_order
from nlu.rasa_interpreter import RasaInterpreter
from nlu.rasa_json import model_input
from nlu.training_data import read_data

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent


def _texts() -> list[str]:
    """Training examples and every blind understanding message: typos, other scripts, noise."""
    texts = [t for examples in read_data().values() for t in examples]
    for path in sorted(HERE.glob("blind_understanding*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            texts += [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
    texts += ["", "?", "🙂🙂", "a" * 2000, "council tax " * 50, "كيف احصل على منحة"]
    return texts


def test_node_by_node_equals_rasas_runner(interpreter: RasaInterpreter) -> None:
    graph = interpreter._graph
    assert isinstance(graph, NluGraph)
    loop = asyncio.new_event_loop()
    texts = [model_input(t) for t in _texts()]
    texts = [t for t in texts if t]
    assert len(texts) > 1000
    for text in texts:
        expected = loop.run_until_complete(interpreter._agent.parse_message(text))
        assert graph.parse(text) == expected, text
    loop.close()


def testdependency_order() -> None:
    needs = {"c": ("b",), "b": ("a", "__message__"), "a": ("__message__",), "d": ()}
    assert dependency_order(needs) == ["a", "d", "b", "c"]
    assert dependency_order({"a": ("b",), "b": ("a",)}) is None


def test_the_classifier_runs_its_faster_step(interpreter: RasaInterpreter) -> None:
    # Otherwise the comparison above would only compare Rasa's nodes with themselves.
    graph = interpreter._graph
    assert graph is not None
    steps = {name: step for name, step, _ in graph._steps}
    classifier = [step for name, step in steps.items() if "LogisticRegression" in name]
    assert len(classifier) == 1 and not isinstance(classifier[0], GraphNode)
    assert sum(isinstance(step, GraphNode) for step in steps.values()) == len(steps) - 1
