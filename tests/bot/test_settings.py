"""Settings: defaults that work on a fresh machine, and one clear line for each bad value."""

from __future__ import annotations

import re

import pytest

from bot.settings import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_are_embedded_sqlite_and_localhost() -> None:
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.host == "127.0.0.1" and settings.port == 8080
    assert settings.content_dir == PROJECT_ROOT / "offer_content"
    assert not settings.telegram_enabled
    assert settings.telegram_webhook_url is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CAREBOT_PORT": "eighty"}, "CAREBOT_PORT must be a whole number"),
        ({"CAREBOT_PORT": "70000"}, "CAREBOT_PORT must be a whole number"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must start with sqlite: or postgresql:"),
        ({"CAREBOT_LOG_LEVEL": "LOUD"}, "CAREBOT_LOG_LEVEL must be one of"),
        ({"CAREBOT_CONTENT_DIR": "/nonexistent/content"}, "CAREBOT_CONTENT_DIR must be a folder"),
        ({"CAREBOT_DEFAULT_LANGUAGE": "xx"}, "CAREBOT_DEFAULT_LANGUAGE must be a language"),
        ({"TELEGRAM_TOKEN": "no-colon"}, "TELEGRAM_TOKEN does not look like"),
        (
            {"TELEGRAM_TOKEN": "1:a", "TELEGRAM_WEBHOOK_URL": "https://bot.example.org"},
            "TELEGRAM_WEBHOOK_SECRET is required",
        ),
        (
            {
                "TELEGRAM_TOKEN": "1:a",
                "TELEGRAM_WEBHOOK_URL": "http://bot.example.org",
                "TELEGRAM_WEBHOOK_SECRET": "abc",
            },
            "TELEGRAM_WEBHOOK_URL must be an https:// URL",
        ),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "TELEGRAM_WEBHOOK_SECRET may only hold"),
    ],
)
def test_bad_values_fail_with_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_webhook_settings_are_accepted() -> None:
    settings = load_settings(
        {
            "TELEGRAM_TOKEN": "1:abc",
            "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret_-ok",
        }
    )
    assert settings.telegram_enabled
    assert settings.telegram_webhook_url == "https://bot.example.org"


def test_env_example_as_copied_loads_with_defaults() -> None:
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert load_settings(env) == load_settings({})


def test_env_example_documents_every_setting() -> None:
    source = (PROJECT_ROOT / "bot" / "settings.py").read_text()
    documented = (PROJECT_ROOT / ".env.example").read_text()

    names = set(re.findall(r'"((?:CAREBOT|TELEGRAM|DATABASE)_[A-Z_]+)"', source))
    assert names, "the settings module reads named variables"
    missing = sorted(n for n in names if n not in documented)
    assert not missing, f".env.example does not document {missing}"
