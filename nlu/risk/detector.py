"""Risk detection: the lexicon, the risk classifier and the topic classifier's `crisis` intent
each may raise a risk, and none can lower one another raised. The topic classifier's
`homeless_now` intent alone asks first (`RiskAssessment.check`): measured, it added no recall
and many false alarms on everyday messages (see the README's safety section)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlu.noise import is_noise
from nlu.risk.classifier import RiskClassifier, load_or_train
from nlu.risk.context import is_past
from nlu.risk.idioms import Idioms, PlainReading, default_idioms
from nlu.risk.lexicon import Lexicon, default_lexicon
from nlu.risk.taxonomy import LEGACY, most_urgent

# Where the classifier is cached when nobody says otherwise (the runtime passes its own).
DEFAULT_CACHE = Path(__file__).resolve().parents[2] / "var" / "models"

LEXICON, CLASSIFIER, INTENT = "lexicon", "classifier", "intent"
# The topic classifier's `crisis` intent raises a risk on its own (suicide and medical need
# every signal: without it, "تمام تابلیت ها ره قورت کدم", all the tablets swallowed, was
# missed); its `homeless_now` intent alone only asks first (it fired on "out tonight").
RAISING_INTENTS = frozenset({"crisis"})
_SOURCE_WORDS = {LEXICON: "risk phrase", CLASSIFIER: "risk classifier", INTENT: "topic classifier"}


@dataclass(frozen=True)
class Signal:
    """One reason a risk was raised, in words a PA can read."""

    source: str  # lexicon, classifier or intent (the topic classifier's own safety intents)
    category: str
    detail: str
    language: str | None = None

    def describe(self) -> str:
        return f"{_SOURCE_WORDS[self.source]}: {self.detail}"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "source": self.source,
            "category": self.category,
            "detail": self.detail,
            "language": self.language,
        }


@dataclass(frozen=True)
class RiskAssessment:
    category: str | None
    signals: tuple[Signal, ...] = ()
    # The language of a lexicon phrase that fired (to answer in it), if any.
    language: str | None = None
    # The message puts the risk clearly in the past ("years ago", "when I was 14"): it gets
    # a gentle word and the PA, not 999 first (see nlu/risk/context.py).
    past: bool = False
    # Idioms read by their plain meaning first ("dying to know"), for the evaluation.
    idioms: tuple[str, ...] = ()
    # Only the topic classifier read a risk (this category): ask "are you safe?" first.
    check: str | None = None

    @property
    def raised(self) -> bool:
        """A current risk: the safety path opens."""
        return self.category is not None and not self.past

    @property
    def from_lexicon(self) -> bool:
        """A phrase from the safety lexicon fired (not only a classifier's reading)."""
        return any(s.source == LEXICON for s in self.signals)

    def explain(self) -> str:
        return "; ".join(s.describe() for s in self.signals)


NO_RISK = RiskAssessment(category=None)


class RiskDetector:
    def __init__(
        self, lexicon: Lexicon, classifier: RiskClassifier | None, idioms: Idioms | None = None
    ) -> None:
        self.lexicon = lexicon
        self.classifier = classifier
        self.idioms = idioms

    def plain(self, text: str) -> PlainReading:
        """The message with its idioms read by their meaning ("dying to know": "really want
        to know"); everything else in it is left as it is."""
        if self.idioms is None:
            return PlainReading(text)
        return self.idioms.read(text)

    def assess(
        self, text: str, *, intent: str | None = None, reading: PlainReading | None = None
    ) -> RiskAssessment:
        """`intent` is the topic classifier's, on `reading.text` when the message had idioms
        (the caller parses the plain reading so the topic classifier reads them alike)."""
        if not text:
            return NO_RISK
        reading = reading if reading is not None else self.plain(text)
        plain = reading.text if reading.found else text
        signals: list[Signal] = []
        language = None
        for hit in self.lexicon.matches(plain):
            signals.append(Signal(LEXICON, hit.category, f'"{hit.phrase}"', hit.language))
            language = language or hit.language
        # "k", "lol", an emoji: the classifiers would only be guessing (the lexicon still reads it).
        noise = is_noise(text)
        prediction = (
            self.classifier.predict(plain) if self.classifier is not None and not noise else None
        )
        if (
            prediction is not None
            and self.classifier is not None
            and self.classifier.raises(prediction)
        ):
            score = prediction.risk
            if score < self.classifier.threshold:
                score = prediction.urgent  # raised by the urgent rule (see classifier.py)
            detail = f"{prediction.category} {score:.2f}"
            if prediction.cues:
                detail += f" ({', '.join(prediction.cues)})"
            signals.append(Signal(CLASSIFIER, prediction.category, detail))
        if intent in RAISING_INTENTS and not noise:
            # The risk classifier says which kind ("took all the tablets" is medical).
            kind = prediction.category if prediction is not None else LEGACY[intent]
            signals.append(Signal(INTENT, kind, intent))
        category = most_urgent({s.category for s in signals})
        check = None
        if intent in LEGACY and intent not in RAISING_INTENTS and not noise:
            if category is not None:
                # It agrees: the PA sees that too.
                signals.append(Signal(INTENT, category, intent))
            elif not is_past(plain):
                check = LEGACY[intent]
        past = category is not None and is_past(plain)
        return RiskAssessment(
            category=category,
            signals=tuple(signals),
            language=language,
            past=past,
            idioms=reading.found,
            check=check,
        )


@lru_cache(maxsize=1)
def default_detector() -> RiskDetector:
    return RiskDetector(default_lexicon(), load_or_train(DEFAULT_CACHE), default_idioms())
