"""Settings read from the environment, in one place, checked once at start-up."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

# The repository root: content, locales and the NLU data live beside the packages.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    # Where the bot keeps its SQLite database and trained model unless told otherwise.
    data_dir: Path
    # SQLAlchemy URL. SQLite in data_dir by default; postgresql://... for production.
    database_url: str
    # Interface and port for the web chat, PA dashboard and webhooks.
    host: str
    port: int
    # Folder of local-offer content files edited by council staff.
    content_dir: Path
    # The trained NLU model (a Rasa .tar.gz) that `carebot train` writes and the bot loads.
    model_path: Path
    # Language for people who have not chosen one (a folder name under locales/).
    default_language: str
    # Council assumed for anonymous visitors; unset means they are asked when it matters.
    default_council: str | None
    # Log level for our own loggers; third-party loggers that could leak text stay at WARNING.
    log_level: str
    # Bot token from BotFather; Telegram is off when unset.
    telegram_token: str | None
    # Public HTTPS URL Telegram should POST updates to; unset means long polling.
    telegram_webhook_url: str | None
    # Secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token; required with a webhook.
    telegram_webhook_secret: str | None
    # Bot API base URL; change only for a self-hosted Bot API server or a local fake in tests.
    telegram_api_base_url: str
    # The bot's @username from BotFather, for t.me deep links that link a chat with a code.
    telegram_bot_username: str | None
    # The address staff use to reach this server; notifications link to <URL>/staff/...
    public_url: str
    # SMTP server for PA notification emails; email notifications are off when unset.
    smtp_host: str | None
    smtp_port: int
    # none, starttls or ssl (how the connection to the SMTP server is protected).
    smtp_security: str
    smtp_username: str | None
    smtp_password: str | None
    # The From address of notification emails.
    smtp_from: str
    # WhatsApp Cloud API access token (a Meta system user's permanent token); WhatsApp is off
    # when unset.
    whatsapp_token: str | None = None
    # The Cloud API id of the bot's business phone number (digits, from the Meta app's API setup).
    whatsapp_phone_number_id: str | None = None
    # The Meta app secret; every webhook POST is checked against its HMAC (X-Hub-Signature-256).
    whatsapp_app_secret: str | None = None
    # The token we chose and typed into the Meta app's webhook settings (verification handshake).
    whatsapp_verify_token: str | None = None
    # Graph API base URL with its version; change only for a local fake in tests.
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    # The bot's phone number as people see it (e.g. +44 7700 900123), for wa.me links.
    whatsapp_number: str | None = None
    # Language code of the approved WhatsApp templates sent outside the 24-hour window.
    whatsapp_template_language: str = "en_GB"
    # Council sites allowed to show the web chat in a frame (CSP frame-ancestors): https://
    # origins separated by spaces, from CAREBOT_FRAME_ANCESTORS; none by default.
    frame_ancestors: str = "'none'"
    # Addresses of our own reverse proxies / load balancers (CAREBOT_TRUSTED_PROXIES, space
    # separated): only from them is X-Forwarded-For believed (log-in throttling, rate limits).
    trusted_proxies: frozenset[str] = frozenset()
    # Rasa's own HTTP server (`rasa run --enable-api`, e.g. http://nlu:5005) to classify
    # messages with (CAREBOT_NLU_URL); unset means each process loads the model itself.
    # The service keeps Rasa and TensorFlow (most of a process's memory) out of web processes.
    nlu_url: str | None = None
    # That server's --auth-token (CAREBOT_NLU_TOKEN), if it was started with one.
    nlu_token: str | None = None
    # How many web processes `carebot run` starts on its port (CAREBOT_WORKERS, default 1).
    # One of them, across every process on the database, runs the scheduler and outbox.
    workers: int = 1

    @property
    def behind_https(self) -> bool:
        """Served over https (so cookies are Secure and browsers get HSTS)."""
        return self.public_url.startswith("https://")

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_token)

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_token)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    path = Path(raw)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _http_url(name: str, value: str, *, https: bool) -> str:
    parsed = urlparse(value)
    schemes = ("https",) if https else ("http", "https")
    if parsed.scheme not in schemes or not parsed.netloc:
        wanted = "an https:// URL" if https else "an http:// or https:// URL"
        raise SettingsError(f"{name} must be {wanted}, got {value!r}")
    return value.rstrip("/")


_WHATSAPP_SECRETS = ("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")
_TEMPLATE_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def _whatsapp_settings(env: Mapping[str, str]) -> dict[str, str | None]:
    """The WHATSAPP_* settings: all of the token, phone number id, app secret and verify
    token, or none of them (WhatsApp off)."""
    values = {name: _optional(env, name) for name in ("WHATSAPP_TOKEN", *_WHATSAPP_SECRETS)}
    for name, value in values.items():
        if value is not None and any(c.isspace() for c in value):
            raise SettingsError(f"{name} must not contain spaces")
    token = values["WHATSAPP_TOKEN"]
    if token:
        for name in _WHATSAPP_SECRETS:
            if not values[name]:
                raise SettingsError(f"{name} is required when WHATSAPP_TOKEN is set")
    else:
        given = [name for name in _WHATSAPP_SECRETS if values[name]]
        if given:
            raise SettingsError(f"WHATSAPP_TOKEN is required when {given[0]} is set")
    phone_number_id = values["WHATSAPP_PHONE_NUMBER_ID"]
    if phone_number_id and not phone_number_id.isdigit():
        raise SettingsError(
            f"WHATSAPP_PHONE_NUMBER_ID must be the digits of the Cloud API phone number id, "
            f"got {phone_number_id!r}"
        )
    number = _optional(env, "WHATSAPP_NUMBER")
    if number is not None:
        digits = "".join(c for c in number if c.isdigit())
        if not all(c.isdigit() or c in "+ -()" for c in number) or not 7 <= len(digits) <= 15:
            raise SettingsError(
                f"WHATSAPP_NUMBER must be a phone number in international form, got {number!r}"
            )
    language = env.get("WHATSAPP_TEMPLATE_LANGUAGE", "").strip() or "en_GB"
    if not _TEMPLATE_LANGUAGE.fullmatch(language):
        raise SettingsError(
            f"WHATSAPP_TEMPLATE_LANGUAGE must be a language code such as en_GB, got {language!r}"
        )
    return {
        "whatsapp_token": token,
        "whatsapp_phone_number_id": phone_number_id,
        "whatsapp_app_secret": values["WHATSAPP_APP_SECRET"],
        "whatsapp_verify_token": values["WHATSAPP_VERIFY_TOKEN"],
        "whatsapp_api_base_url": _http_url(
            "WHATSAPP_API_BASE_URL",
            env.get("WHATSAPP_API_BASE_URL", "").strip() or "https://graph.facebook.com/v21.0",
            https=False,
        ),
        "whatsapp_number": number,
        "whatsapp_template_language": language,
    }


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting; raise SettingsError naming the first bad one."""
    env = os.environ if env is None else env
    # Checked in a fixed order: with several wrong, the error always names the same one.
    data_dir = _path(env, "CAREBOT_DATA_DIR", PROJECT_ROOT / "var")
    database_url = _database_url(env, data_dir)
    raw_port = env.get("CAREBOT_PORT", "").strip() or "8080"
    port = _port("CAREBOT_PORT", raw_port)
    log_level = _log_level(env)
    content_dir = _content_dir(env)
    default_language = _default_language(env)
    telegram = _telegram_settings(env)
    host = env.get("CAREBOT_HOST", "127.0.0.1").strip() or "127.0.0.1"
    public_url = _http_url(
        "CAREBOT_PUBLIC_URL",
        env.get("CAREBOT_PUBLIC_URL", "").strip() or f"http://{host}:{raw_port}",
        https=False,
    )
    smtp = _smtp_settings(env)
    whatsapp = _whatsapp_settings(env)
    frame_ancestors = _frame_ancestors(env.get("CAREBOT_FRAME_ANCESTORS", ""))

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        host=host,
        port=port,
        content_dir=content_dir,
        model_path=_path(env, "CAREBOT_MODEL_PATH", data_dir / "models" / "nlu.tar.gz"),
        default_language=default_language,
        default_council=_optional(env, "CAREBOT_DEFAULT_COUNCIL"),
        log_level=log_level,
        public_url=public_url,
        frame_ancestors=frame_ancestors,
        trusted_proxies=_trusted_proxies(env.get("CAREBOT_TRUSTED_PROXIES", "")),
        **_scaling_settings(env),
        **telegram,
        **smtp,
        **whatsapp,
    )


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    database_url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{data_dir / 'carebot.db'}"
    if not database_url.startswith(("sqlite:", "postgresql:", "postgresql+")):
        raise SettingsError(
            "DATABASE_URL must start with sqlite: or postgresql:, "
            f"got {database_url.split(':')[0]!r}"
        )
    return database_url


# More web processes than this on one machine is a mistake: each holds the whole bot.
MAX_WORKERS = 32


def _scaling_settings(env: Mapping[str, str]) -> dict[str, object]:
    """CAREBOT_NLU_URL and CAREBOT_NLU_TOKEN (the NLU service), CAREBOT_WORKERS."""
    nlu_url = _optional(env, "CAREBOT_NLU_URL")
    raw_workers = env.get("CAREBOT_WORKERS", "").strip() or "1"
    if not raw_workers.isdigit() or not 1 <= int(raw_workers) <= MAX_WORKERS:
        raise SettingsError(
            f"CAREBOT_WORKERS must be a whole number from 1 to {MAX_WORKERS}, got {raw_workers!r}"
        )
    return {
        "nlu_url": _http_url("CAREBOT_NLU_URL", nlu_url, https=False) if nlu_url else None,
        "nlu_token": _optional(env, "CAREBOT_NLU_TOKEN"),
        "workers": int(raw_workers),
    }


def _port(name: str, raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name} must be a whole number from 1 to 65535, got {raw!r}")
    return int(raw)


def _log_level(env: Mapping[str, str]) -> str:
    log_level = env.get("CAREBOT_LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in _LOG_LEVELS:
        raise SettingsError(
            f"CAREBOT_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {log_level!r}"
        )
    return log_level


def _content_dir(env: Mapping[str, str]) -> Path:
    content_dir = _path(env, "CAREBOT_CONTENT_DIR", PROJECT_ROOT / "offer_content")
    if not content_dir.is_dir():
        raise SettingsError(
            f"CAREBOT_CONTENT_DIR must be a folder of content files, {content_dir} is not"
        )
    return content_dir


def _default_language(env: Mapping[str, str]) -> str:
    default_language = env.get("CAREBOT_DEFAULT_LANGUAGE", "en").strip() or "en"
    if not (PROJECT_ROOT / "locales" / default_language).is_dir() and default_language != "en":
        raise SettingsError(
            f"CAREBOT_DEFAULT_LANGUAGE must be a language under locales/, got {default_language!r}"
        )
    return default_language


def _telegram_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The TELEGRAM_* settings; a webhook needs its secret."""
    telegram_token = _optional(env, "TELEGRAM_TOKEN")
    if telegram_token and ":" not in telegram_token:
        raise SettingsError("TELEGRAM_TOKEN does not look like a BotFather token (it has no ':')")
    webhook_url = _optional(env, "TELEGRAM_WEBHOOK_URL")
    webhook_secret = _optional(env, "TELEGRAM_WEBHOOK_SECRET")
    if webhook_url:
        webhook_url = _http_url("TELEGRAM_WEBHOOK_URL", webhook_url, https=True)
        if not webhook_secret:
            raise SettingsError(
                "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set"
            )
    if webhook_secret and not all(c.isalnum() or c in "_-" for c in webhook_secret):
        # Telegram accepts only 1-256 characters of A-Z, a-z, 0-9, _ and -.
        raise SettingsError("TELEGRAM_WEBHOOK_SECRET may only hold letters, digits, _ and -")
    api_base = _http_url(
        "TELEGRAM_API_BASE_URL",
        env.get("TELEGRAM_API_BASE_URL", "").strip() or "https://api.telegram.org/bot",
        https=False,
    )
    username = _optional(env, "TELEGRAM_BOT_USERNAME") or ""
    return {
        "telegram_token": telegram_token,
        "telegram_webhook_url": webhook_url,
        "telegram_webhook_secret": webhook_secret,
        "telegram_api_base_url": api_base,
        "telegram_bot_username": username.lstrip("@") or None,
    }


def _smtp_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The SMTP_* settings; the port defaults to the one for the chosen security."""
    smtp_host = _optional(env, "SMTP_HOST")
    smtp_security = env.get("SMTP_SECURITY", "").strip().lower() or "starttls"
    if smtp_security not in ("none", "starttls", "ssl"):
        raise SettingsError(f"SMTP_SECURITY must be none, starttls or ssl, got {smtp_security!r}")
    default_smtp_port = {"none": "25", "starttls": "587", "ssl": "465"}[smtp_security]
    smtp_port = _port("SMTP_PORT", env.get("SMTP_PORT", "").strip() or default_smtp_port)
    smtp_from = env.get("SMTP_FROM", "").strip()
    if smtp_host and "@" not in smtp_from:
        raise SettingsError(
            "SMTP_FROM (the notification sender's email address) is required with SMTP_HOST"
        )
    return {
        "smtp_host": smtp_host,
        "smtp_port": smtp_port,
        "smtp_security": smtp_security,
        "smtp_username": _optional(env, "SMTP_USERNAME"),
        "smtp_password": _optional(env, "SMTP_PASSWORD"),
        "smtp_from": smtp_from or "carebot@localhost",
    }


def _trusted_proxies(raw: str) -> frozenset[str]:
    proxies = frozenset(raw.split())
    for proxy in proxies:
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise SettingsError(
                f"CAREBOT_TRUSTED_PROXIES must be IP addresses separated by spaces, got {proxy!r}"
            ) from None
    return proxies


def _frame_ancestors(raw: str) -> str:
    origins = raw.split()
    if not origins:
        return "'none'"
    for origin in origins:
        if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
            raise SettingsError(
                "CAREBOT_FRAME_ANCESTORS must be https:// origins separated by spaces "
                f"(like https://www.plymouth.gov.uk), got {origin!r}"
            )
    return " ".join(origins)
