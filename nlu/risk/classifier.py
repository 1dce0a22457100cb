"""A risk classifier trained on its own data: character and word n-grams of the normalised
text into a logistic regression over the risk categories and `none`.

Chosen by `benchmarks/risk_detection.py` (see the README's safety section). It is small,
trains in seconds, and its decision can be explained: the words that pushed it there.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from nlu.normalise import normalise
from nlu.risk.data import RISK_DATA_DIR, TOPIC_DATA_DIR, LabelledMessage, training_messages
from nlu.risk.scoring import FastScorer
from nlu.risk.taxonomy import MEDICAL_EMERGENCY, NONE, SUICIDE_SELF_HARM

log = logging.getLogger(__name__)

# Bump when the features or model change, so a cached model is never reused by mistake.
MODEL_VERSION = "risk-lr-2"
# P(some risk) at or above which the classifier raises one; chosen on the development set
# (benchmarks/data/risk_dev.yml), never on the blind sets.
DEFAULT_THRESHOLD = 0.4
# P(suicide or self-harm) + P(medical emergency) at or above which it raises one of those
# even when P(some risk) is lower: training on everyday messages (which cut false alarms on
# ordinary chat by a third) had cost these two categories recall, and this gives it back.
URGENT_THRESHOLD = 0.1
URGENT = (SUICIDE_SELF_HARM, MEDICAL_EMERGENCY)


@dataclass(frozen=True)
class RiskPrediction:
    category: str  # the likeliest risk category (never `none`)
    risk: float  # P(any risk) = 1 - P(none)
    confidence: float  # P(category)
    cues: tuple[str, ...]  # the n-grams that pushed hardest towards the category
    urgent: float = 0.0  # P(suicide or self-harm) + P(medical emergency)


def build_pipeline() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            ),
        ]
    )
    model = LogisticRegression(C=30.0, max_iter=3000, class_weight="balanced")
    return Pipeline([("features", features), ("model", model)])


class RiskClassifier:
    def __init__(
        self,
        pipeline: Pipeline,
        threshold: float = DEFAULT_THRESHOLD,
        urgent_threshold: float = URGENT_THRESHOLD,
    ) -> None:
        self._pipeline = pipeline
        self.threshold = threshold
        self.urgent_threshold = urgent_threshold
        model: LogisticRegression = pipeline.named_steps["model"]
        if hasattr(model, "coef_"):
            # scikit-learn multiplies by coef_.T; stored column-major, that is contiguous and
            # is not copied (all 100,000+ weights) on every message.
            model.coef_ = np.asfortranarray(model.coef_)
        self._classes = list(model.classes_)
        self._none = self._classes.index(NONE)
        self._urgent = [self._classes.index(c) for c in URGENT if c in self._classes]
        union: FeatureUnion = pipeline.named_steps["features"]
        names: list[str] = []
        for name, vectorizer in union.transformer_list:
            names += [f"{name}:{n}" for n in vectorizer.get_feature_names_out()]
        self._feature_names = np.array(names, dtype=object)
        # The same numbers as the pipeline's, a fraction of the time (nlu/risk/scoring.py).
        self._fast = FastScorer(pipeline) if FastScorer.fits(pipeline) else None

    @classmethod
    def train(
        cls, messages: Sequence[LabelledMessage], threshold: float = DEFAULT_THRESHOLD
    ) -> RiskClassifier:
        pipeline = build_pipeline()
        pipeline.fit([normalise(m.text) for m in messages], [m.label for m in messages])
        return cls(pipeline, threshold)

    def predict(self, text: str) -> RiskPrediction:
        folded = normalise(text)
        model: LogisticRegression = self._pipeline.named_steps["model"]
        if self._fast is not None:
            present, weights = self._fast.features(folded)
            probabilities = self._fast.probabilities(present, weights)
        else:
            row = self._pipeline.named_steps["features"].transform([folded]).tocsr()
            present, weights = row.indices, row.data
            probabilities = model.predict_proba(row)[0]
        risk = 1.0 - float(probabilities[self._none])
        urgent = float(sum(probabilities[i] for i in self._urgent))
        order = np.argsort(-probabilities)
        best = next(int(i) for i in order if int(i) != self._none)
        if risk < self.threshold and urgent >= self.urgent_threshold:
            # Raised by the urgent rule alone, a weak signal: the suicide and self-harm reply
            # (Samaritans, "are you safe?") fits distress; "call an ambulance" does not.
            best = self._classes.index(SUICIDE_SELF_HARM)
        cues: tuple[str, ...] = ()
        if hasattr(model, "coef_"):
            # Only the message's own n-grams can contribute: a few dozen, not all 100,000+.
            contributions = weights * model.coef_[best, present]
            # Strongest first; equal contributions in feature order, so cues are repeatable.
            ranked = np.lexsort((present, -contributions))[:8]
            names = [str(self._feature_names[present[i]]) for i in ranked]
            cues = tuple(
                name.split(":", 1)[1].strip()
                for name, i in zip(names, ranked, strict=True)
                if contributions[i] > 0 and name.startswith("words:")
            )
        return RiskPrediction(
            category=self._classes[best],
            risk=risk,
            confidence=float(probabilities[best]),
            cues=cues[:3],
            urgent=urgent,
        )

    def raises(self, prediction: RiskPrediction) -> bool:
        return prediction.risk >= self.threshold or prediction.urgent >= self.urgent_threshold


def fingerprint(data_dir: Path = RISK_DATA_DIR) -> str:
    """Everything the classifier learns from: its own data and the topic examples."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    for path in [*sorted(data_dir.glob("*.yml")), *sorted(TOPIC_DATA_DIR.glob("*.yml"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# One classifier per training data in a process (tests build many engines).
_LOADED: dict[str, RiskClassifier] = {}


def load_or_train(cache_dir: Path, data_dir: Path = RISK_DATA_DIR) -> RiskClassifier:
    """The classifier for the current training data: from this process, else from the cache
    when it was trained on exactly this data, else trained now (seconds) and cached."""
    key = fingerprint(data_dir)
    if key not in _LOADED:
        _LOADED[key] = _load_or_train(cache_dir, data_dir, key)
    return _LOADED[key]


def _load_or_train(cache_dir: Path, data_dir: Path, key: str) -> RiskClassifier:
    path = cache_dir / f"risk-{key}.pkl"
    if path.is_file():
        try:
            with path.open("rb") as handle:
                pipeline = pickle.load(handle)  # our own file, written below
            return RiskClassifier(pipeline)
        except Exception:
            log.warning("risk model cache unreadable; retraining path=%s", path.name)
    classifier = RiskClassifier.train(training_messages(data_dir))
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with staged.open("wb") as handle:
            pickle.dump(classifier._pipeline, handle)
        os.replace(staged, path)
        for old in cache_dir.glob("risk-*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        log.warning("could not cache the risk model in %s", cache_dir)
    return classifier
