"""Live edits: a running bot serves a valid edit and keeps the last good content on a bad one."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.runtime import Runtime, build_runtime
from bot.settings import PROJECT_ROOT
from tests.conftest import Chat

pytestmark = [pytest.mark.slow]


@pytest.fixture
def runtime(settings, interpreter, clock, demo, tmp_path: Path) -> Runtime:
    """A bot serving its own copy of the content, which the test then edits."""
    content = tmp_path / "offer_content"
    shutil.copytree(PROJECT_ROOT / "offer_content", content)
    runtime = build_runtime(
        replace(settings, content_dir=content), interpreter=interpreter, clock=clock
    )
    runtime.content._check_every = 0  # look at the files on every message, as if time passed
    return runtime


def test_hot_reload_serves_good_edits_and_rejects_bad_ones(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    content = runtime.settings.content_dir
    chat = Chat(runtime.engine).link("demo-19")
    path = content / "plymouth" / "council_tax.yml"
    original = path.read_text()
    before = chat.press("topic:council_tax").messages[0].text

    edited = original.replace("Either", "EDITED: Either", 1)
    assert edited != original
    path.write_text(edited)
    served = chat.press("topic:council_tax").messages[0].text
    assert served.startswith(before.split("Either")[0]) and "EDITED: Either" in served
    assert runtime.content.last_error is None

    path.write_text(edited.replace("title: Council tax", "title: [broken"))
    still = chat.press("topic:council_tax").messages[0].text
    assert still == served, "a broken edit never reaches young people"
    assert runtime.content.last_error is not None
    assert runtime.content.last_error.startswith("offer_content/plymouth/council_tax.yml:")
    assert any("content edit rejected" in r.getMessage() for r in caplog.records)

    path.write_text(original)
    assert chat.press("topic:council_tax").messages[0].text == before
    assert runtime.content.last_error is None
    assert runtime.nlu_stale is False


def test_changed_example_questions_say_the_model_needs_training(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    content = runtime.settings.content_dir
    assert runtime.nlu_stale is False
    path = content / "plymouth" / "leisure.yml"
    path.write_text(
        path.read_text().replace("examples:\n", "examples:\n  - is there a free swim pass\n")
    )
    Chat(runtime.engine).link("demo-19").say("hello")
    assert runtime.nlu_stale is True
    assert any("run `carebot train`" in r.getMessage() for r in caplog.records)
