"""The web chat over real HTTP: the app on the test's runtime, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.runtime import Runtime
from bot.server import create_app
from tests.support.servers import serve


@pytest.fixture
def base_url(runtime: Runtime) -> Iterator[str]:
    """The bot's web app (web chat, webhooks, dashboard) on a loopback port."""
    with serve(create_app(runtime)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c
