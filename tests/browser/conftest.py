"""Browser test fixtures: the bot under uvicorn with demo staff, and one Chromium per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy import select

from bot.db import session_factory
from bot.demo import add_demo_staff
from bot.models import PersonalAdviser, Team
from bot.runtime import build_runtime
from bot.server import create_app
from bot.settings import load_settings
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, PASSWORD, Bot
from tests.support.servers import serve

if not CHROMIUM.exists():
    # Install Debian's chromium (apt-get install chromium) to run the browser tests.
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def bot(
    database_url, trained_model, tmp_path, interpreter, clock, db_engine, demo
) -> Iterator[Bot]:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CAREBOT_DATA_DIR": str(tmp_path),
            "CAREBOT_MODEL_PATH": str(trained_model),
            "CAREBOT_DEFAULT_COUNCIL": "plymouth",
            "CAREBOT_PUBLIC_URL": "http://dashboard.test",
        }
    )
    with session_factory(db_engine).begin() as session:
        teams = {t.council_id: t for t in session.execute(select(Team)).scalars()}
        advisers = {p.name: p for p in session.execute(select(PersonalAdviser)).scalars()}
        add_demo_staff(session, teams, advisers, PASSWORD, clock.now())
    runtime = build_runtime(settings, interpreter=interpreter, clock=clock)
    with serve(create_app(runtime), lifespan="on") as url:
        yield Bot(url=url, runtime=runtime, db=db_engine, clock=clock)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()
