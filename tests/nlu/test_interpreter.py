"""The Rasa boundary: a small frozen result, deterministic, and no '/intent' shortcut."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nlu import NluResult, training
from nlu.rasa_interpreter import RasaInterpreter

pytestmark = pytest.mark.slow


def test_result_is_frozen_with_a_ranking(interpreter) -> None:
    result = interpreter.parse("can u pay ma council tax")
    assert isinstance(result, NluResult)
    assert result.intent == "council_tax"
    assert 0 < result.confidence <= 1
    assert result.ranking and result.ranking[0].intent == "council_tax"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.intent = "x"  # type: ignore[misc]


def test_same_text_same_answer(interpreter) -> None:
    texts = ["who my pa", "i got kicked out", "asdfgh", "free gym pass?", "I want know about money"]
    first = [interpreter.parse(t) for t in texts]
    second = [interpreter.parse(t) for t in texts]
    assert first == second


def test_typed_slash_intent_is_not_a_shortcut(interpreter) -> None:
    # Rasa treats "/intent" as a forced intent with confidence 1.0; we must not.
    result = interpreter.parse("/crisis")
    assert result.confidence < 1.0


def test_model_fingerprint_tracks_training_data(trained_model: Path, offer) -> None:
    examples = offer.examples_by_topic()
    assert training.is_current(trained_model, examples)
    changed = {**examples, "council_tax": [*examples["council_tax"], "brand new way to ask"]}
    assert not training.is_current(trained_model, changed)


def test_retraining_gives_the_same_predictions(tmp_path: Path, offer, interpreter) -> None:

    again = RasaInterpreter(training.train(tmp_path / "nlu.tar.gz", offer.examples_by_topic()))
    for text in ["who's my pa", "cn i get help wiv rent", "what's the weather", "i wana die"]:
        a, b = interpreter.parse(text), again.parse(text)
        assert a.intent == b.intent
        assert a.confidence == pytest.approx(b.confidence, abs=1e-6)
