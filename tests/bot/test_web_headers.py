"""Every web response carries the security headers; HSTS only behind https."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from bot.runtime import Runtime
from bot.server import create_app
from bot.settings import SettingsError, load_settings
from tests.support.servers import serve

# Every response, whatever the route: the web chat page, its API, static files, the
# dashboard's log-in, health, a 404 and a webhook refusal.
PAGES = [
    ("GET", "/"),
    ("GET", "/static/chat.js"),
    ("GET", "/static/chat.css"),
    ("GET", "/healthz"),
    ("GET", "/staff/login"),
    ("GET", "/no-such-page"),
    ("GET", "/api/updates?after=0"),
    ("POST", "/api/chat"),
]
ALWAYS = {
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
}


@pytest.fixture
def https_runtime(runtime: Runtime) -> Runtime:
    settings = replace(runtime.settings, public_url="https://chat.example.org")
    return replace(runtime, settings=settings)


def _get(base_url: str, method: str, path: str) -> httpx.Response:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        if method == "POST":
            return client.post(path, content=b"{}", headers={"Content-Type": "application/json"})
        return client.get(path)


@pytest.fixture
def plain_url(runtime: Runtime) -> Iterator[str]:
    with serve(create_app(runtime)) as url:
        yield url


@pytest.fixture
def https_url(https_runtime: Runtime) -> Iterator[str]:
    with serve(create_app(https_runtime)) as url:
        yield url


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_every_response_has_the_security_headers(plain_url: str, method: str, path: str) -> None:
    response = _get(plain_url, method, path)
    assert set(response.headers) >= ALWAYS, (path, dict(response.headers))
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    # Plain http (the local default): HSTS would be ignored, and wrong on a real deployment.
    assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_behind_https_every_response_has_hsts(https_url: str, method: str, path: str) -> None:
    response = _get(https_url, method, path)
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_chat_page_runs_no_inline_script(plain_url: str) -> None:
    page = _get(plain_url, "GET", "/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page.text  # only <script src=...>


def test_a_council_site_may_be_allowed_to_frame_the_chat() -> None:
    settings = load_settings({"CAREBOT_FRAME_ANCESTORS": "https://www.plymouth.gov.uk"})
    assert settings.frame_ancestors == "https://www.plymouth.gov.uk"
    for bad in ("http://evil.example", "*", "https://a.example; script-src *", "'self'"):
        with pytest.raises(SettingsError, match="CAREBOT_FRAME_ANCESTORS"):
            load_settings({"CAREBOT_FRAME_ANCESTORS": bad})


def test_deeply_nested_json_to_the_web_chat_is_a_client_error(plain_url: str) -> None:
    with httpx.Client(base_url=plain_url, timeout=60) as client:
        client.get("/")
        response = client.post(
            "/api/chat",
            content=b"[" * 10_000 + b"]" * 10_000,  # under the 32 kB limit
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 400
