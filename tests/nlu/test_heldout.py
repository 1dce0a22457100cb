"""The held-out set: big enough, messy enough, never trained on, and safe on every crisis line."""

from __future__ import annotations

import re
from argparse import Namespace
from pathlib import Path

import pytest
import yaml

from bot.cli import evaluate
from bot.content import load_offer
from bot.nlu_eval import CRISIS, read_examples
from bot.settings import PROJECT_ROOT, load_settings
from dialogues.understanding import Understander
from nlu.risk import default_detector
from nlu.training import DATA_DIR, data_files
from tests.bot.test_cli import run

# default_detector() uses the risk classifier the session trained (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("risk_classifier")

HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
# Written later, by someone who never saw the training data, after tuning on HELDOUT.
BLIND = PROJECT_ROOT / "tests" / "nlu" / "heldout_blind.yml"
TEST_SETS = [p for p in (HELDOUT, BLIND) if p.exists()]
TEXTING = re.compile(
    r"\b(u|ur|r|wat|wot|pls|plz|cn|gonna|wanna|dont|cant|im|ive|idk|ya|coz|cos|"
    r"bc|tho|n|2|4|wiv|ma|m8|lol|pa's|whats)\b"
)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def training_texts() -> set[str]:
    texts = set()
    for path in data_files(DATA_DIR):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            texts |= {
                normalise(line.strip()[2:])
                for line in block["examples"].splitlines()
                if line.strip().startswith("- ")
            }
    for examples in load_offer(PROJECT_ROOT / "offer_content").examples_by_topic().values():
        texts |= {normalise(e) for e in examples}
    return texts


@pytest.mark.parametrize("path", TEST_SETS, ids=[p.name for p in TEST_SETS])
def test_test_sets_never_overlap_training_data(path: Path) -> None:
    training = training_texts()
    overlap = [e.text for e in read_examples(path) if normalise(e.text) in training]
    assert overlap == []


def test_heldout_is_big_and_messy_enough() -> None:
    examples = read_examples(HELDOUT)
    assert len(examples) >= 300
    messy = [
        e
        for e in examples
        if e.text == e.text.lower() or TEXTING.search(e.text.lower()) or e.text[-1] not in ".?!"
    ]
    assert len(messy) >= len(examples) / 3
    intents = {e.intent for e in examples}
    topics = set(load_offer(PROJECT_ROOT / "offer_content").topic_ids())
    assert topics <= intents, f"held-out set lacks {sorted(topics - intents)}"
    assert {"out_of_scope", "crisis", "homeless_now", "greeting", "pa_contact"} <= intents


@pytest.mark.slow
@pytest.mark.parametrize("path", TEST_SETS, ids=[p.name for p in TEST_SETS])
def test_every_test_set_crisis_message_takes_the_crisis_path(interpreter, path: Path) -> None:
    understander = Understander(interpreter, default_detector())
    missed = [
        e.text
        for e in read_examples(path)
        if e.intent == CRISIS and understander.text(e.text).safety is None
    ]
    assert missed == []


@pytest.mark.slow
def test_nlu_eval_command_prints_the_figures_and_a_confusion_matrix(
    trained_model: Path, tmp_path: Path
) -> None:

    small = tmp_path / "small.yml"
    small.write_text(
        'version: "3.1"\nnlu:\n- intent: council_tax\n  examples: |\n'
        "    - can i get council tax paid\n- intent: crisis\n  examples: |\n"
        "    - i want to kill myself\n- intent: out_of_scope\n  examples: |\n"
        "    - what is the weather in paris\n"
    )
    image = tmp_path / "confusion.png"
    result = run(
        ["nlu", "eval", str(small), "--confusion", str(image)],
        {"CAREBOT_MODEL_PATH": str(trained_model)},
    )
    assert result.returncode == 0, result.stderr
    for figure in (
        "in-scope intent accuracy:",
        "macro-F1:",
        "out-of-scope false acceptance:",
        "crisis recall: 1.000",
        "crisis false alarms:",
        "parse ms: median",
    ):
        assert figure in result.stdout
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def eval_in_process(
    file: Path, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], misses: bool
) -> tuple[int, str, str]:
    """`carebot nlu eval FILE` in this process (the command's own code, less a process
    start): exit status, stdout, stderr."""
    settings = load_settings({"CAREBOT_MODEL_PATH": str(model), "CAREBOT_DATA_DIR": str(tmp_path)})
    status = evaluate.run(settings, Namespace(file=str(file), misses=misses, confusion=None))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_nlu_eval_explains_a_file_it_cannot_read(
    trained_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("intents: [nope]\n")
    status, _, err = eval_in_process(broken, trained_model, tmp_path, capsys, misses=False)
    assert status == 2 and "expected a top-level `nlu:` list" in err
    bad = tmp_path / "bad.yml"
    bad.write_text('messages:\n  - {text: "x", label: sadness}\n')
    status, _, err = eval_in_process(bad, trained_model, tmp_path, capsys, misses=False)
    assert status == 2 and "unknown label 'sadness'" in err


@pytest.mark.slow
def test_nlu_eval_scores_a_risk_set_per_category_and_language(
    trained_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = tmp_path / "risk.yml"
    small.write_text(
        "messages:\n"
        '  - {text: "i want to kill myself", label: suicide_self_harm, language: en}\n'
        '  - {text: "my friend wont wake up", label: medical_emergency, language: en}\n'
        '  - {text: "اريد ان اموت", label: suicide_self_harm, language: ar}\n'
        '  - {text: "can i get council tax paid", label: none, language: en}\n'
    )
    status, out, _ = eval_in_process(small, trained_model, tmp_path, capsys, misses=True)
    assert status == 0
    assert "risk recall (any safety path): 1.000 (3/3)" in out
    assert "false alarms: 0.000 (0/1)" in out
    assert "suicide_self_harm" in out and "ar " in out
