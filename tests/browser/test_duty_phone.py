"""The duty view on a phone: a manager opens /staff/duty in headless Chromium at 390 x 844
and nothing runs off the side (tables turn into cards, the charts shrink). Only the
dashboard is served (no NLU model needed); a screenshot is kept under the test's tmp_path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from bot.clock import FixedClock
from bot.dashboard.app import Dashboard
from bot.dashboard.duty import DUTY
from bot.db import session_factory
from bot.demo import add_demo_staff
from bot.models import PersonalAdviser, Team
from tests.bot.keeping_in_touch.duty_world import World
from tests.browser.support import PASSWORD, WAIT_MS
from tests.support.servers import serve

MANAGER = "morgan.lee@example.org"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def dashboard_url(db_engine: Engine, demo: None, clock: FixedClock) -> Iterator[str]:
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        teams = {t.council_id: t for t in session.execute(select(Team)).scalars()}
        advisers = {p.name: p for p in session.execute(select(PersonalAdviser)).scalars()}
        add_demo_staff(session, teams, advisers, PASSWORD, clock.now())
    # Something in every list, with long words that must wrap on a phone.
    world = World(sessions, clock.now())
    silent = world.aged(
        "duty-phone-silent-with-a-long-reference", 19, name="Maximiliana-Bartholomew"
    )
    world.chat(
        silent, clock.now() - timedelta(weeks=9), unreachable_at=clock.now() - timedelta(days=2)
    )
    world.person("turning-21", world.today.replace(year=world.today.year - 21) + timedelta(days=20))
    world.aged("said-no", 22, status="opted_out")
    world.escalation(
        silent,
        created_at=clock.now() - timedelta(days=3),
        due_at=clock.now() - timedelta(days=2),
        urgency="urgent",
        reason="homeless_now",
        reescalated_at=clock.now() - timedelta(days=2),
    )
    dashboard = Dashboard(sessions=sessions, clock=clock, public_url="http://dashboard.test")
    with serve(Starlette(routes=dashboard.routes())) as url:
        yield url


async def test_the_duty_view_fits_a_390px_phone(
    dashboard_url: str, browser: Browser, tmp_path: Path
) -> None:
    context = await browser.new_context(
        base_url=dashboard_url, viewport=PHONE, device_scale_factor=2, is_mobile=True
    )
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    await page.goto(DUTY)
    await expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/duty$"))
    await page.get_by_label("Email").fill(MANAGER)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(re.compile(r"/staff/duty$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Duty")
    await expect(page.get_by_text("Maximiliana-Bartholomew").first).to_be_visible()
    await expect(page.locator(".chart svg")).to_have_count(4)

    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    # The tables became cards, each cell labelled.
    cell = page.locator("#no-contact + .hint + table td[data-label='PA']").first
    assert await cell.evaluate("td => getComputedStyle(td).display") == "block"
    chart_width = await page.locator(".chart svg").first.evaluate(
        "s => s.getBoundingClientRect().width"
    )
    assert 0 < chart_width <= PHONE["width"]

    shot = tmp_path / "duty-390.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.exists() and shot.stat().st_size > 1000
    await context.close()
