"""The training data looks like the users (every intent in five styles, several writers,
the shipped languages, broad off-topic), and the blind sets are big and never trained on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.content import load_offer
from bot.nlu_eval import read_examples
from bot.settings import PROJECT_ROOT
from nlu import training
from nlu.training import DATA_DIR, as_parsed
from tests.nlu.test_heldout import normalise, training_texts
from tests.nlu.test_heldout_multilingual import _folded

WRITERS_DIR = DATA_DIR / training.WRITERS
BLIND_EN = PROJECT_ROOT / "tests" / "nlu" / "blind_understanding_en.yml"
BLIND_ML = PROJECT_ROOT / "tests" / "nlu" / "blind_understanding_ml.yml"
# Written after the first blind sets were measured, for the next design's measurement.
BLIND_V2 = [
    PROJECT_ROOT / "tests" / "nlu" / f"blind_understanding_v2_{s}.yml" for s in ("en", "ml")
]
OFF_TOPIC = "out_of_scope"
# The topic classifier does not learn the risk intents from these writers (risk detection
# has its own data); every other intent must be in every writer's file.
RISK_INTENTS = {"crisis", "homeless_now"}
# Writer files and the styles each was asked for (written without seeing each other's work).
WRITERS = {
    "writer_a.yml": ("texting", "short"),
    "writer_b.yml": ("esol", "long"),
    "writer_c.yml": ("standard", "short"),
    "writer_d_ar.yml": ("texting", "standard", "short", "long", "simple"),
    "writer_d_fa_AF.yml": ("texting", "standard", "short", "long", "simple"),
    "writer_d2_ar_fa_AF.yml": ("texting", "standard", "short", "long", "esol"),
    "writer_e_ps_ckb_ti_sq_vi.yml": ("texting", "standard", "short", "long"),
    "writer_e2_ps_ckb_ti_sq_vi.yml": ("texting", "standard", "short", "long", "esol"),
}


def intents() -> set[str]:
    topics = set(load_offer(PROJECT_ROOT / "offer_content").topic_ids())
    acts = {"greeting", "thanks", "pa_contact", "talk_to_pa", "language_change", "data_delete"}
    return topics | acts | {OFF_TOPIC}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_writer_covers_every_intent(name: str) -> None:
    counts = Counter(e.intent for e in read_examples(WRITERS_DIR / name))
    thin = {i: counts[i] for i in intents() if counts[i] < 5}
    assert thin == {}
    assert not set(counts) & RISK_INTENTS


def test_english_has_every_style_for_every_intent() -> None:
    styles = {style for name, found in WRITERS.items() if name < "writer_d" for style in found}
    assert styles >= {"standard", "texting", "esol", "long", "short"}


def test_off_topic_is_broad() -> None:
    off_topic = [e for e in read_examples(WRITERS_DIR / "writer_f_off_topic.yml")]
    assert len(off_topic) >= 500
    header = (WRITERS_DIR / "writer_f_off_topic.yml").read_text(encoding="utf-8").splitlines()[0]
    assert "67 domains" in header


@pytest.mark.parametrize(
    "path", [BLIND_EN, BLIND_ML, *BLIND_V2], ids=["en", "ml", "v2_en", "v2_ml"]
)
def test_blind_sets_never_overlap_training_data(path: Path) -> None:
    training_set = training_texts()
    folded = {_folded(t) for t in training_set}
    overlap = [
        e.text
        for e in read_examples(path)
        if normalise(e.text) in training_set or _folded(e.text) in folded
    ]
    assert overlap == []


def test_blind_sets_are_big_enough() -> None:
    en, ml = read_examples(BLIND_EN), read_examples(BLIND_ML)
    assert sum(e.intent != OFF_TOPIC for e in en) >= 400
    assert sum(e.intent != OFF_TOPIC for e in ml) >= 300
    assert sum(e.intent == OFF_TOPIC for e in en + ml) >= 300


def test_the_classifier_reads_normalised_text() -> None:
    assert as_parsed("Cn u help me 2nite??") == "can you help me tonight"
    assert as_parsed("  👍 ") == "👍"  # nothing left after normalising: the text itself


def test_training_folds_the_data_it_writes(tmp_path: Path) -> None:
    training._write(tmp_path / "x.yml", {"council_tax": ["Cn u pay ma COUNCIL tax??"]}, True)
    assert "- can you pay my council tax\n" in (tmp_path / "x.yml").read_text()


# Status questions ("has my PA replied?"): v1 measured the first model, v2 the model after
# more pa_status data, v3 the final design (README). Written by helpers who saw no data.
BLIND_STATUS = sorted((PROJECT_ROOT / "benchmarks" / "data").glob("blind_pa_status*/*.yml"))


def test_the_status_blind_sets_exist_and_never_overlap_training_data() -> None:
    assert len(BLIND_STATUS) >= 4
    training_set = training_texts()
    folded = {_folded(t) for t in training_set}
    for path in BLIND_STATUS:
        messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
        assert any(m["label"] == "pa_status" for m in messages), path
        overlap = [
            m["text"]
            for m in messages
            if normalise(m["text"]) in training_set or _folded(m["text"]) in folded
        ]
        assert overlap == [], path
