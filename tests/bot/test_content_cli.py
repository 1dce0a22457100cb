"""`carebot content check` and `carebot content show`, as council staff run them."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.settings import PROJECT_ROOT
from tests.bot.test_cli import run


def test_check_passes_on_the_shipped_content() -> None:
    result = run(["content", "check"], {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("0 error(s)")


def test_check_fails_with_the_problem_line(tmp_path: Path) -> None:
    content = tmp_path / "offer_content"
    shutil.copytree(PROJECT_ROOT / "offer_content", content)
    path = content / "plymouth" / "leisure.yml"
    path.write_text(path.read_text().replace("title:", "titel:", 1))
    result = run(["content", "check"], {"CAREBOT_CONTENT_DIR": str(content)})
    assert result.returncode == 1
    assert (
        "offer_content/plymouth/leisure.yml:3: titel: unknown field; expected one of"
        in result.stdout
    )
    assert (
        "offer_content/plymouth/leisure.yml:2: title: missing; this field is required"
        in result.stdout
    )


def test_show_prints_what_the_bot_sends_for_an_age() -> None:
    sixteen = run(["content", "show", "leisure", "--council", "plymouth", "--age", "16"], {})
    nineteen = run(["content", "show", "leisure", "--council", "plymouth", "--age", "19"], {})
    assert sixteen.returncode == 0 and nineteen.returncode == 0, sixteen.stderr
    assert sixteen.stdout != nineteen.stdout
    assert "[Talk to my PA]" in nineteen.stdout and "--- after [More detail] ---" in nineteen.stdout
    arabic = run(
        ["content", "show", "leisure", "--council", "plymouth", "--age", "19", "--lang", "ar"], {}
    )
    assert arabic.returncode == 0 and "أريد التحدث مع مستشاري" in arabic.stdout


def test_show_explains_bad_arguments() -> None:
    result = run(["content", "show", "nope", "--council", "plymouth", "--age", "19"], {})
    assert result.returncode == 2 and "no topic 'nope'" in result.stderr
    result = run(["content", "show", "leisure", "--council", "atlantis", "--age", "19"], {})
    assert result.returncode == 2 and "no council 'atlantis'" in result.stderr
    result = run(["content", "show", "leisure", "--council", "plymouth", "--age", "30"], {})
    assert result.returncode == 2 and "outside 16-25" in result.stderr


def test_check_warns_about_an_answer_that_starts_with_yes(tmp_path: Path) -> None:
    content = tmp_path / "offer_content"
    shutil.copytree(PROJECT_ROOT / "offer_content", content)
    path = content / "plymouth" / "leisure.yml"
    path.write_text(path.read_text().replace("answer: >-\n  ", "answer: >-\n  Yes - ", 1))
    result = run(["content", "check"], {"CAREBOT_CONTENT_DIR": str(content)})
    assert result.returncode == 0, result.stdout
    assert (
        "offer_content/plymouth/leisure.yml:4: answer: warning: plymouth/leisure (en) starts "
        "with 'Yes': lead with the fact instead" in result.stdout
    )
