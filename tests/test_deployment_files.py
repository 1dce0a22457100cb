"""The container files name only real settings and real `carebot` commands."""

from __future__ import annotations

import ast
import json
import re
import shlex
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.settings import PROJECT_ROOT

COMPOSE = (PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8")
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
# Names the bot reads, as they appear in bot/settings.py.
SETTINGS_NAMES = {
    node.value
    for node in ast.walk(ast.parse((PROJECT_ROOT / "bot" / "settings.py").read_text()))
    if isinstance(node, ast.Constant) and isinstance(node.value, str)
}
# Everything written like one of the bot's settings, in either file (comments included).
SETTING_LIKE = re.compile(r"\b(?:(?:CAREBOT|TELEGRAM|WHATSAPP|SMTP)_[A-Z0-9_]+|DATABASE_URL)\b")


def services() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(COMPOSE)["services"]


def dockerfile_lines() -> list[str]:
    """Instructions with their continuation lines joined, comments left out."""
    text = "\n".join(line for line in DOCKERFILE.splitlines() if not line.lstrip().startswith("#"))
    return [line.strip() for line in text.replace("\\\n", " ").splitlines() if line.strip()]


def carebot_command_lines() -> list[list[str]]:
    """The arguments of every `carebot ...` the image and the compose file run."""
    found = []
    for line in dockerfile_lines():
        instruction, _, rest = line.partition(" ")
        if instruction == "CMD" and rest.startswith("["):
            found.append(json.loads(rest))
        elif instruction == "RUN":
            for part in re.split(r"&&|;|\|\|", rest):
                words = shlex.split(part)
                while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                    words.pop(0)
                found.append(words)
    for service in services().values():
        command = service.get("command", [])
        found.append(shlex.split(command) if isinstance(command, str) else command)
    return [words[1:] for words in found if words[:1] == ["carebot"]]


def test_compose_has_every_service() -> None:
    assert set(services()) >= {"db", "migrate", "bot", "nlu"}
    assert services()["nlu"]["profiles"] == ["nlu"]


def test_every_setting_named_is_one_the_bot_reads() -> None:
    named = set(SETTING_LIKE.findall(COMPOSE + DOCKERFILE))
    for name in ("bot", "migrate", "nlu"):
        named |= {key for key in services()[name].get("environment", {}) if SETTING_LIKE.match(key)}
    assert {"DATABASE_URL", "CAREBOT_NLU_URL", "CAREBOT_NLU_TOKEN"} <= named
    assert sorted(named - SETTINGS_NAMES) == []


def test_compose_asks_only_for_the_bot_settings_and_the_database_password() -> None:
    asked = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE))
    assert sorted(asked - SETTINGS_NAMES - {"POSTGRES_PASSWORD"}) == []
    # No default password is committed: compose refuses to start without one.
    assert "${POSTGRES_PASSWORD:-" not in COMPOSE
    assert "${POSTGRES_PASSWORD:?" in COMPOSE


def test_every_carebot_command_is_real() -> None:
    commands = carebot_command_lines()
    assert {words[0] for words in commands} >= {"run", "train", "db"}
    for words in commands:
        try:
            _parser().parse_args(words)
        except SystemExit:
            pytest.fail(f"not a carebot command line: carebot {shlex.join(words)}")


def test_image_is_python_310_installed_from_the_constraints() -> None:
    bases = [line.split()[1] for line in dockerfile_lines() if line.startswith("FROM ")]
    assert bases and all(base.startswith("python:3.10") for base in bases)
    installs = [line for line in dockerfile_lines() if "pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs)


def test_rasa_telemetry_is_off_in_the_image_and_the_nlu_service() -> None:
    final_stage = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    assert re.search(r"\bRASA_TELEMETRY_ENABLED=false\b", final_stage)
    assert services()["nlu"]["environment"]["RASA_TELEMETRY_ENABLED"] == "false"
