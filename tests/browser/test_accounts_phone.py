"""Staff accounts on a phone (390 px wide): an admin deactivates a PA, moves their whole
caseload to a colleague, reactivates them and makes a password link; the PA opens the link
on their own phone, sets a password and logs in. Every page fits the screen.

Runs the dashboard alone under uvicorn (no NLU model needed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from bot.clock import FixedClock
from bot.dashboard.app import Dashboard
from bot.db import session_factory
from bot.demo import add_demo_staff
from bot.models import PersonalAdviser, StaffAccount, Team, YoungPerson
from tests.browser.support import PASSWORD, SAM, WAIT_MS, log_in
from tests.support.servers import serve

pytestmark = [pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
ADMIN = "admin@example.org"
NEW_PASSWORD = "sams-own-new-passphrase"


@pytest.fixture
def site(db_engine: Engine, demo: None, clock: FixedClock) -> Iterator[str]:
    sessions = session_factory(db_engine)
    with sessions.begin() as session:
        teams = {t.council_id: t for t in session.execute(select(Team)).scalars()}
        advisers = {p.name: p for p in session.execute(select(PersonalAdviser)).scalars()}
        add_demo_staff(session, teams, advisers, PASSWORD, clock.now())
    dashboard = Dashboard(sessions=sessions, clock=clock, public_url="http://dashboard.test")
    with serve(Starlette(routes=dashboard.routes())) as url:
        yield url


async def phone_page(browser: Browser, url: str) -> Page:
    context = await browser.new_context(
        base_url=url, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return await context.new_page()


async def fits(page: Page, shots: Path, name: str) -> None:
    """Nothing runs off the side of the screen; a screenshot of the whole page."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"
    path = shots / f"accounts-{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.is_file() and path.stat().st_size > 0


def caseload(db_engine: Engine, email: str) -> set[str]:
    with session_factory(db_engine)() as session:
        pa_id = session.execute(
            select(StaffAccount.pa_id).where(StaffAccount.email == email)
        ).scalar_one()
        return set(
            session.execute(select(YoungPerson.ref).where(YoungPerson.pa_id == pa_id)).scalars()
        )


async def test_deactivate_reassign_and_a_password_link_on_a_phone(
    site: str, browser: Browser, db_engine: Engine, tmp_path: Path
) -> None:
    admin = await phone_page(browser, site)
    await log_in(admin, ADMIN)
    await expect(admin.get_by_role("heading", level=1)).to_have_text("My escalations")
    await admin.goto("/staff/accounts")
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    await fits(admin, tmp_path, "01-list")

    await admin.get_by_role("link", name="Sam Ortiz").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text("Sam Ortiz")
    await fits(admin, tmp_path, "02-account")
    await admin.get_by_role("button", name="Deactivate").click()
    await expect(admin.get_by_role("status")).to_have_text(re.compile("Account deactivated"))
    await expect(admin.get_by_role("alert").first).to_contain_text(
        "still the named PA for 5 young people"
    )
    await fits(admin, tmp_path, "03-deactivated")

    await admin.get_by_role("link", name="Reassign the caseload (5)").click()
    await expect(admin.get_by_role("heading", level=1)).to_have_text(
        "Reassign Sam Ortiz's caseload"
    )
    await admin.get_by_label("Move them to").select_option(
        label="Priya Shah (Plymouth leaving care team, caseload 4)"
    )
    await fits(admin, tmp_path, "04-reassign")
    await admin.get_by_role("button", name="Move all 5").click()
    await expect(admin.get_by_role("status")).to_have_text(
        "Moved 5 young people; 0 will get a message telling them who their new PA is."
    )
    assert caseload(db_engine, SAM) == set()
    assert "demo-19" in caseload(db_engine, "priya.shah@example.org")
    await fits(admin, tmp_path, "05-reassigned")

    await admin.get_by_role("button", name="Reactivate").click()
    await expect(admin.get_by_role("status")).to_contain_text("Account reactivated")
    await admin.get_by_role("button", name="Make a password link").click()
    link = admin.locator("#reset-url")
    await expect(link).to_contain_text("/staff/reset/")
    await fits(admin, tmp_path, "06-password-link")
    url = await link.text_content()
    # The link is on the bot's public address (CAREBOT_PUBLIC_URL), never the request's.
    assert url is not None and url.startswith("http://dashboard.test/staff/reset/")

    sam = await phone_page(browser, site)
    path = url.removeprefix("http://dashboard.test")
    await sam.goto(path)
    await expect(sam.get_by_role("heading", level=1)).to_have_text("Set your password")
    await fits(sam, tmp_path, "07-set-password")
    await sam.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await sam.get_by_label("The same password again").fill(NEW_PASSWORD)
    await sam.get_by_role("button", name="Set password").click()
    await expect(sam.get_by_role("status")).to_contain_text("Your password is set")
    await fits(sam, tmp_path, "08-password-set")
    await sam.goto(path)  # used: the link does not work again
    await expect(sam.get_by_role("heading", level=1)).to_have_text("This link does not work")

    await log_in(sam, SAM, NEW_PASSWORD)
    await expect(sam.get_by_role("heading", level=1)).to_have_text("My escalations")
    await fits(sam, tmp_path, "09-pa-logged-in")
