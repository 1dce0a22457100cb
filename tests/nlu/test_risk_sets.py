"""The risk evaluation sets: big and varied enough, never trained on, and the whole path's
figures on them held at what was measured (see the README's safety section)."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.risk_eval import evaluate_risk
from bot.settings import PROJECT_ROOT
from dialogues.understanding import Understander
from nlu.normalise import normalise
from nlu.risk import PRIORITY, default_detector
from nlu.risk.data import read_messages, training_messages

# default_detector() uses the risk classifier the session trained (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("risk_classifier")

TESTS = PROJECT_ROOT / "tests" / "nlu"
# Written by helpers who saw neither the training data, the lexicon nor the other sets. v1 was
# measured first; what was learnt from it was changed only on the development set, then v2
# and v3 were written, and v4 after the last change. v5, v6 and v7 each measured a step of
# the next round (idioms, everyday training data, the urgent rule, more risk data in other
# languages); v8, written after the last change, measures the final design (README).
BLIND = {
    name: TESTS / name
    for name in (
        "risk_blind_en.yml",
        "risk_blind_multilingual.yml",
        "risk_blind_v2_en.yml",
        "risk_blind_v2_multilingual.yml",
        "risk_blind_v3_en.yml",
        "risk_blind_v3_multilingual.yml",
        "risk_blind_v4_en.yml",
        "risk_blind_v4_multilingual.yml",
        "risk_blind_v5_en.yml",
        "risk_blind_v5_multilingual.yml",
        "risk_blind_v6_en.yml",
        "risk_blind_v6_multilingual.yml",
        "risk_blind_v7_en.yml",
        "risk_blind_v7_multilingual.yml",
        "risk_blind_v8_en.yml",
        "risk_blind_v8_multilingual.yml",
    )
}
# The development sets: choices are made on them.
DEV = {
    "dev": PROJECT_ROOT / "benchmarks" / "data" / "risk_dev.yml",
    "everyday": PROJECT_ROOT / "benchmarks" / "data" / "risk_dev_everyday.yml",
}
SHIPPED = ("ar", "fa_AF", "ps", "ti", "ckb", "sq", "vi")
# Floors and ceilings: what the whole path measured on each set (README), less a small margin,
# so a change that makes things worse fails here. Not the targets: those are in the README.
# name: (minimum risk recall, minimum suicide/self-harm and medical recall, maximum false alarms)
FLOORS = {
    "risk_blind_v8_en.yml": (0.99, 0.99, 0.08),  # measured 1.000, 1.000, 0.060
    "risk_blind_v8_multilingual.yml": (0.98, 0.95, 0.24),  # measured 0.990, 0.964, 0.221
    "risk_blind_v7_en.yml": (0.98, 0.99, 0.13),  # measured 0.994, 1.000, 0.113
    "risk_blind_v7_multilingual.yml": (0.98, 0.99, 0.16),  # measured 0.993, 1.000, 0.143
    "risk_blind_v6_en.yml": (0.98, 0.94, 0.11),  # measured 0.993, 0.950, 0.092
    "risk_blind_v6_multilingual.yml": (0.97, 0.99, 0.17),  # measured 0.980, 1.000, 0.152
    "risk_blind_v5_en.yml": (0.98, 0.96, 0.14),  # measured 0.990, 0.967, 0.119
    "risk_blind_v5_multilingual.yml": (0.99, 0.99, 0.27),  # measured 1.000, 1.000, 0.250
    "risk_blind_v4_en.yml": (0.98, 0.99, 0.13),  # measured 0.990, 1.000, 0.112
    "risk_blind_v4_multilingual.yml": (0.98, 0.99, 0.1),  # measured 0.993, 1.000, 0.083
    "risk_blind_v3_en.yml": (0.98, 0.99, 0.12),  # measured 0.991, 1.000, 0.100
    "risk_blind_v3_multilingual.yml": (0.96, 0.94, 0.15),  # measured 0.973, 0.952, 0.129
    "risk_blind_v2_en.yml": (0.98, 0.99, 0.1),  # measured 0.991, 1.000, 0.082
    "risk_blind_v2_multilingual.yml": (0.98, 0.99, 0.18),  # measured 0.990, 1.000, 0.164
    "risk_blind_en.yml": (0.99, 0.97, 0.16),  # measured 0.997, 0.982, 0.143
    "risk_blind_multilingual.yml": (0.96, 0.95, 0.22),  # measured 0.973, 0.960, 0.202
}


@pytest.fixture(scope="module")
def risk_training_texts() -> frozenset[str]:
    """The risk classifier's own data, normalised. (The topic examples it also learns "none"
    from share a few everyday words with the sets, such as "ok" and "thanks"; see the README.)"""
    return frozenset(
        normalise(m.text) for m in training_messages(topic_dir=None) if m.style != "topic"
    )


@pytest.mark.parametrize("name", [*BLIND, *DEV])
def test_no_evaluation_message_is_in_the_training_data(
    name: str, risk_training_texts: frozenset[str]
) -> None:
    path = BLIND.get(name) or DEV[name]
    assert [m.text for m in read_messages(path) if normalise(m.text) in risk_training_texts] == []


def test_the_first_blind_sets_are_big_enough_for_every_category_and_language() -> None:
    messages = [
        m
        for name in ("risk_blind_en.yml", "risk_blind_multilingual.yml")
        for m in read_messages(BLIND[name])
    ]
    risk = [m for m in messages if m.label != "none"]
    assert len(risk) >= 400
    assert sum(m.label == "none" for m in messages) >= 200
    per_category = Counter(m.label for m in risk)
    assert min(per_category[c] for c in PRIORITY) >= 40, per_category
    per_language = Counter(m.language for m in risk)
    assert min(per_language[lang] for lang in SHIPPED) >= 20, per_language


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BLIND))
def test_whole_path_figures_hold_on_the_blind_sets(interpreter, name: str) -> None:
    report = evaluate_risk(
        Understander(interpreter, default_detector()), read_messages(BLIND[name])
    )
    min_recall, min_urgent, max_alarms = FLOORS[name]
    hits, total = report.recall()
    assert hits / total >= min_recall
    for category in ("suicide_self_harm", "medical_emergency"):
        h, n = report.recall(category=category)
        assert h / n >= min_urgent, category
    alarms, benign = report.false_alarms()
    assert alarms / benign <= max_alarms
