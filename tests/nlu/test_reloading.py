"""The running bot swaps in a model `carebot train` replaced, loaded in the background."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from nlu.rasa_interpreter import RasaInterpreter
from nlu.reloading import ModelInfo, ReloadingInterpreter
from nlu.result import NluResult


class FileModel:
    """A stand-in model: answers with the intent written in the model file."""

    loads = 0

    def __init__(self, path: Path) -> None:
        text = path.read_text()
        if text == "broken":
            raise ValueError("not a model")
        FileModel.loads += 1
        self.intent = text

    def parse(self, text: str) -> NluResult:
        return NluResult(self.intent, 0.9)


def write_model(path: Path, intent: str, fingerprint: str, mtime: int) -> None:
    path.write_text(intent)
    path.with_name(path.name + ".fingerprint").write_text(fingerprint + "\n")
    os.utime(path, (mtime, mtime))


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.tar.gz"
    write_model(path, "greeting", "a" * 64, 1_700_000_000)
    return path


def test_a_replaced_model_is_loaded_and_answers(model: Path) -> None:
    interpreter = ReloadingInterpreter(model, FileModel, check_every=3600)
    assert interpreter.parse("hi").intent == "greeting"
    assert interpreter.info == ModelInfo("a" * 12, "2023-11-14T22:13:20+00:00")
    assert interpreter.check() is False  # nothing changed

    write_model(model, "housing", "b" * 64, 1_700_000_600)
    assert interpreter.check() is True
    interpreter.wait(10)
    assert interpreter.parse("flat").intent == "housing"
    assert interpreter.info == ModelInfo("b" * 12, "2023-11-14T22:23:20+00:00")
    assert interpreter.check() is False  # loaded once


def test_parse_looks_for_a_new_model_every_few_seconds(model: Path) -> None:
    interpreter = ReloadingInterpreter(model, FileModel, check_every=0)
    write_model(model, "housing", "b" * 64, 1_700_000_600)
    interpreter.parse("x")  # starts the load; the old model answers meanwhile
    interpreter.wait(10)
    assert interpreter.parse("x").intent == "housing"


def test_a_model_that_fails_to_load_keeps_the_old_one(model: Path) -> None:
    interpreter = ReloadingInterpreter(model, FileModel, check_every=3600)
    write_model(model, "broken", "c" * 64, 1_700_000_600)
    assert interpreter.check() is True
    interpreter.wait(10)
    assert interpreter.parse("hi").intent == "greeting"
    assert interpreter.info.fingerprint == "a" * 12
    assert interpreter.check() is False  # the same broken file is not retried


def test_messages_are_answered_while_a_slow_model_loads(model: Path) -> None:
    release = threading.Event()

    def slow(path: Path) -> FileModel:
        if path.read_text() == "housing":
            release.wait(10)
        return FileModel(path)

    interpreter = ReloadingInterpreter(model, slow, check_every=3600)
    write_model(model, "housing", "b" * 64, 1_700_000_600)
    interpreter.check()
    assert interpreter.parse("hi").intent == "greeting"  # not blocked by the load
    release.set()
    interpreter.wait(10)
    assert interpreter.parse("hi").intent == "housing"


@pytest.mark.slow
def test_the_real_model_is_swapped_for_a_retrained_one(trained_model: Path, tmp_path: Path) -> None:
    """`carebot train` replaces the file (and writes a new fingerprint): the Rasa model is
    loaded again and answers."""

    model = tmp_path / "nlu.tar.gz"
    shutil.copy(trained_model, model)
    shutil.copy(str(trained_model) + ".fingerprint", str(model) + ".fingerprint")
    interpreter = ReloadingInterpreter(model, RasaInterpreter, check_every=3600)
    before = interpreter.info
    assert before.fingerprint is not None and len(before.fingerprint) == 12

    staged = tmp_path / "nlu.tar.gz.new"
    shutil.copy(trained_model, staged)
    (tmp_path / "nlu.tar.gz.fingerprint").write_text("f" * 64 + "\n")
    os.utime(staged, (1_800_000_000, 1_800_000_000))
    os.replace(staged, model)
    assert interpreter.check() is True
    interpreter.wait(120)
    assert interpreter.info == ModelInfo("f" * 12, "2027-01-15T08:00:00+00:00")
    assert interpreter.parse("can i get council tax paid").intent == "council_tax"
