"""Risk detection as a whole: either signal raises, neither lowers, and each explains itself."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nlu.risk import RiskDetector, default_detector
from nlu.risk.classifier import RiskClassifier, RiskPrediction, load_or_train
from nlu.risk.context import is_past
from nlu.risk.data import RiskDataError, read_messages, training_messages
from nlu.risk.lexicon import Lexicon, default_lexicon

# default_detector() uses the risk classifier the session trained (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("risk_classifier")


@pytest.fixture(scope="module")
def classifier() -> RiskClassifier:
    return default_detector().classifier  # type: ignore[return-value]


def test_the_lexicon_alone_raises_what_the_classifier_misses(classifier) -> None:
    class Blind(RiskClassifier):
        def __init__(self) -> None:
            self.threshold = self.urgent_threshold = 2.0  # can never be reached

        def predict(self, text):  # type: ignore[no-untyped-def]
            return classifier.predict(text)

    risk = RiskDetector(default_lexicon(), Blind()).assess("i want to kill myself")
    assert risk.raised and risk.category == "suicide_self_harm"
    assert [s.source for s in risk.signals] == ["lexicon"]
    assert 'risk phrase: "kill myself"' in risk.explain()


def test_the_classifier_alone_raises_wordings_no_phrase_lists(classifier) -> None:
    detector = RiskDetector(Lexicon(()), classifier)
    risk = detector.assess("i've given my cat to my neighbour and written letters to everyone")
    assert risk.raised, risk
    assert risk.signals[0].source == "classifier"
    # The explanation names the category, the score and the words that pushed it there.
    assert risk.signals[0].detail.startswith(risk.category)


def test_neither_signal_lowers_the_other(classifier) -> None:
    # Whatever the classifier says about it, a lexicon phrase stands.
    risk = default_detector().assess("lol i literally want to die")
    assert risk.raised and any(s.source == "lexicon" for s in risk.signals)


def test_two_risks_act_on_the_more_urgent() -> None:
    risk = default_detector().assess("got kicked out and i took too many pills")
    assert risk.category == "medical_emergency"


def test_the_topic_classifiers_safety_intent_alone_asks_first() -> None:
    detector = RiskDetector(Lexicon(()), None)
    risk = detector.assess("something vague", intent="homeless_now")
    assert not risk.raised and risk.check == "homeless_tonight"
    assert detector.assess("hello", intent="greeting").check is None


def test_the_topic_classifiers_crisis_intent_raises_on_its_own() -> None:
    risk = RiskDetector(Lexicon(()), None).assess("something vague", intent="crisis")
    assert risk.raised and risk.category == "suicide_self_harm" and risk.check is None
    assert risk.explain() == "topic classifier: crisis"


def test_the_topic_classifiers_safety_intent_joins_a_raised_risk() -> None:
    risk = default_detector().assess("i want to kill myself", intent="crisis")
    assert risk.raised and risk.check is None
    assert "topic classifier: crisis" in risk.explain()


@pytest.mark.parametrize(
    "text",
    [
        "Back when I was 14 I used to self harm but I haven't done it in years",
        "I got evicted two years ago, will that affect my new tenancy",
        "my stepdad used to hit me when i was little, im fine now",
        "when i first left care i had no gas for a week, sorted now",
        "I slept on the street for a week when I came to the UK, now I have a flat",
    ],
)
def test_a_risk_clearly_in_the_past_is_not_an_alarm(text: str) -> None:
    assert is_past(text)
    risk = default_detector().assess(text)
    assert not risk.raised and (risk.past or risk.category is None)


@pytest.mark.parametrize(
    "text",
    [
        "i used to self harm years ago and i started again last night",
        "he hit me when i was little and he still does",
        "my ex hurt me last year and now he is outside my door",
        "he hits me when i come home",
        "i had no gas when i first moved and now i have no money for food today",
    ],
)
def test_a_past_risk_that_is_back_still_raises(text: str) -> None:
    assert not is_past(text)
    assert default_detector().assess(text).raised


def test_the_classifier_is_cached_by_its_data(tmp_path: Path) -> None:
    first = load_or_train(tmp_path)
    assert load_or_train(tmp_path) is first
    assert len(list(tmp_path.glob("risk-*.pkl"))) <= 1


def test_training_data_is_well_formed_and_covers_every_language() -> None:
    messages = training_messages()
    languages = {m.language for m in messages if m.label != "none"}
    assert {"en", "ar", "fa_AF", "ps", "ti", "ckb", "sq", "vi"} <= languages
    assert sum(m.label == "none" for m in messages) > len(messages) / 2


def test_a_malformed_risk_file_is_refused_with_where(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text('messages:\n  - text: "hi"\n    label: sadness\n')
    with pytest.raises(RiskDataError, match=r"messages\[0\]: unknown label 'sadness'"):
        read_messages(bad)


def test_suicide_and_medical_are_raised_at_a_lower_score_than_other_risks(classifier) -> None:
    below = RiskPrediction("suicide_self_harm", risk=0.3, confidence=0.2, cues=(), urgent=0.2)
    assert below.risk < classifier.threshold and classifier.raises(below)
    assert not classifier.raises(replace(below, urgent=classifier.urgent_threshold - 0.01))
    assert not classifier.raises(replace(below, category="eviction_risk", urgent=0.0))
