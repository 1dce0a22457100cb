"""One message's risk probabilities from the fitted pipeline, without scipy per message.

scikit-learn transforms a batch: for one short message it builds and checks half a dozen
sparse matrices (each vectorizer's counts, their tf-idf, the union), which took most of the
risk classifier's time. The same arithmetic on the message's own n-grams: each vectorizer's
analyzer (scikit-learn's own), counts of the n-grams it knows, tf-idf as it was fitted,
each block normalised, then the logistic regression's softmax. A test compares it with the
pipeline on every training and blind message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline


@dataclass(frozen=True)
class _Block:
    """One vectorizer of the union: its n-grams, their columns and weights."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # its first column in the union
    sublinear_tf: bool


class FastScorer:
    """`pipeline.predict_proba([text])[0]` and the message's features, for pipelines of tf-idf
    vectorizers (l2-normalised, counted) under a multinomial logistic regression."""

    def __init__(self, pipeline: Pipeline) -> None:
        union: FeatureUnion = pipeline.named_steps["features"]
        model: LogisticRegression = pipeline.named_steps["model"]
        blocks = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            blocks.append(
                _Block(
                    analyzer=vectorizer.build_analyzer(),
                    vocabulary=vectorizer.vocabulary_,
                    idf=np.asarray(vectorizer.idf_, dtype=np.float64),
                    offset=offset,
                    sublinear_tf=vectorizer.sublinear_tf,
                )
            )
            offset += len(vectorizer.vocabulary_)
        self._blocks = tuple(blocks)
        # One row of class weights per feature: a message's few dozen rows are gathered.
        self._weights = np.ascontiguousarray(model.coef_.T, dtype=np.float64)
        self._intercept = np.asarray(model.intercept_, dtype=np.float64)

    @staticmethod
    def fits(pipeline: Pipeline) -> bool:
        """Whether this pipeline is one whose arithmetic FastScorer repeats."""
        union = pipeline.named_steps.get("features")
        model = pipeline.named_steps.get("model")
        if not isinstance(union, FeatureUnion) or not isinstance(model, LogisticRegression):
            return False
        if union.transformer_weights or len(model.classes_) < 3:
            return False
        multinomial = model.multi_class == "multinomial" or (
            model.multi_class == "auto" and model.solver != "liblinear"
        )
        return multinomial and all(
            type(v) is TfidfVectorizer
            and v.norm == "l2"
            and v.use_idf
            and not v.binary
            and v.vocabulary_ is not None
            for _, v in union.transformer_list
        )

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The message's non-zero columns (ascending) and their values, as the union's row."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for block in self._blocks:
            counts = Counter(
                block.vocabulary[gram] for gram in block.analyzer(text) if gram in block.vocabulary
            )
            if not counts:
                continue
            index = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
            tf = np.array([counts[i] for i in index], dtype=np.float64)
            if block.sublinear_tf:
                tf = np.log(tf) + 1.0
            weighted = tf * block.idf[index]
            norm = np.sqrt(np.dot(weighted, weighted))
            if norm > 0:
                weighted /= norm
            columns.append(index + block.offset)
            values.append(weighted)
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(columns), np.concatenate(values)

    def probabilities(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The classes' probabilities for a row given by `features`."""
        scores = values @ self._weights[columns] + self._intercept
        scores -= scores.max()
        np.exp(scores, out=scores)
        return scores / scores.sum()
