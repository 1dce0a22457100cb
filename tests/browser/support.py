"""What the browser tests share: the running bot, log-in, screenshots, and the web chat.

Headless Debian Chromium driven by Playwright's async API, against the real app under
uvicorn. Screenshots go to test-artifacts/browser/ for reviewers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.advisers import linking
from bot.clock import FixedClock
from bot.db import session_factory
from bot.messages import InboundMessage
from bot.models import Escalation, StaffAccount, YoungPerson
from bot.runtime import Runtime
from bot.settings import PROJECT_ROOT

# Debian's chromium; `./dev.sh test` installs it. Without it conftest skips these tests.
CHROMIUM = Path("/usr/bin/chromium")

PASSWORD = "correct-horse-battery"
SAM = "sam.ortiz@example.org"
WAIT_MS = 15_000  # the longest any single wait may take
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}$")
LINKED = "You're linked. Hi Jay."


@dataclass
class Bot:
    url: str
    runtime: Runtime
    db: Engine
    clock: FixedClock

    def young_person(self, ref: str) -> YoungPerson:
        with session_factory(self.db)() as session:
            return session.execute(select(YoungPerson).where(YoungPerson.ref == ref)).scalar_one()

    def escalations_for(self, ref: str) -> list[Escalation]:
        yp = self.young_person(ref)
        with session_factory(self.db)() as session:
            return list(
                session.execute(
                    select(Escalation)
                    .where(Escalation.young_person_id == yp.id)
                    .order_by(Escalation.id)
                ).scalars()
            )

    def link_code(self, ref: str) -> str:

        yp = self.young_person(ref)
        with session_factory(self.db).begin() as session:
            sam = session.execute(
                select(StaffAccount).where(StaffAccount.email == SAM)
            ).scalar_one()
            return linking.create_code(
                session,
                purpose="young_person",
                young_person_id=yp.id,
                staff_id=None,
                created_by_id=sam.id,
                now=self.clock.now(),
            )

    def ask_for_pa(self, ref: str, visitor: str) -> int:
        """An escalation made straight through the engine, as a linked web chat would."""
        self.runtime.engine.identify("web", visitor, young_person_ref=ref)
        turn = self.runtime.engine.handle(
            InboundMessage("web", visitor, f"{visitor}-1", text="i want to talk to my pa")
        )
        assert turn.escalation is not None, turn
        return turn.escalation["id"]


async def new_page(browser: Browser, bot: Bot) -> Page:
    """A page in a fresh context: its own cookies, as a separate person's browser."""
    context: BrowserContext = await browser.new_context(
        base_url=bot.url, viewport={"width": 1100, "height": 800}
    )
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    return await context.new_page()


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def log_in(page: Page, email: str = SAM, password: str = PASSWORD) -> None:
    await page.goto("/staff/")
    await expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/$"))
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


async def open_chat(browser: Browser, bot: Bot) -> Page:
    """The young person's web chat, after its greeting has arrived."""
    chat = await new_page(browser, bot)
    await chat.goto("/")
    await expect(chat.locator("#log .bubble.bot").first).to_be_visible(timeout=WAIT_MS)
    return chat


async def say(chat: Page, text: str, expect_reply: str) -> None:
    """Types into the chat box, presses Send, and waits for a bot bubble with the text among
    the bubbles that came after this message (not an earlier answer that says the same)."""
    shown = await chat.locator("#log > *").count()
    await chat.locator("#text").press_sequentially(text)
    await chat.get_by_role("button", name="Send").click()
    await expect(chat.locator(f"#log > :nth-child({shown + 1})")).to_have_text(text)
    answers = chat.locator(f"#log > .bubble.bot:nth-child(n+{shown + 2})")
    await expect(answers.filter(has_text=expect_reply).first).to_be_visible(timeout=WAIT_MS)
