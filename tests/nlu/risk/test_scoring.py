"""The risk classifier's own arithmetic gives the pipeline's numbers on every message."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from nlu.normalise import normalise
from nlu.risk.classifier import RiskClassifier
from nlu.risk.data import read_messages, training_messages
from nlu.risk.scoring import FastScorer

BLIND = Path(__file__).parent.parent


def _texts() -> list[str]:
    texts = [m.text for m in training_messages()]
    for path in sorted(BLIND.glob("risk_blind_*.yml")):
        texts += [m.text for m in read_messages(path)]
    # Nothing it knows, one repeated n-gram, other scripts, a long message.
    texts += ["", " ", "zzqxj", "die die die die", "🙂", "أريد أن أموت", "help " * 400]
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def test_same_probabilities_and_features_as_the_pipeline(
    risk_classifier: RiskClassifier, texts: list[str]
) -> None:
    pipeline = risk_classifier._pipeline
    assert FastScorer.fits(pipeline)
    fast = FastScorer(pipeline)
    union = pipeline.named_steps["features"]
    model = pipeline.named_steps["model"]
    assert len(texts) > 3000
    for text in texts:
        folded = normalise(text)
        row = union.transform([folded]).tocsr()
        columns, values = fast.features(folded)
        # scikit-learn leaves a row's columns in the order it met them; ours ascend.
        order = np.argsort(row.indices)
        assert columns.tolist() == row.indices[order].tolist(), text
        np.testing.assert_allclose(values, row.data[order], rtol=0, atol=1e-12, err_msg=text)
        np.testing.assert_allclose(
            fast.probabilities(columns, values),
            model.predict_proba(row)[0],
            rtol=0,
            atol=1e-9,
            err_msg=text,
        )


def test_same_decisions_with_and_without_it(
    risk_classifier: RiskClassifier, texts: list[str]
) -> None:
    assert risk_classifier._fast is not None  # else this compares the slow path with itself
    slow = RiskClassifier(risk_classifier._pipeline)
    slow._fast = None
    for text in texts[::7]:
        quick, plain = risk_classifier.predict(text), slow.predict(text)
        assert (quick.category, quick.cues) == (plain.category, plain.cues), text
        assert risk_classifier.raises(quick) == slow.raises(plain), text
        assert quick == replace(
            plain, risk=quick.risk, confidence=quick.confidence, urgent=quick.urgent
        )
        assert abs(quick.risk - plain.risk) < 1e-9 and abs(quick.urgent - plain.urgent) < 1e-9


def test_other_pipelines_use_scikit_learn(risk_classifier: RiskClassifier) -> None:
    # One-vs-rest probabilities are not a softmax: FastScorer must not claim them.
    pipeline = risk_classifier._pipeline
    model = clone(pipeline.named_steps["model"]).set_params(multi_class="ovr")
    model.classes_ = pipeline.named_steps["model"].classes_
    ovr = Pipeline([("features", pipeline.named_steps["features"]), ("model", model)])
    assert FastScorer.fits(pipeline)
    assert not FastScorer.fits(ovr)
