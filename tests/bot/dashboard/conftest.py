"""Dashboard fixtures: staff accounts over the demo data, and the dashboard as an ASGI app."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.advisers import auth
from bot.advisers.staff import create_staff
from bot.clock import FixedClock
from bot.dashboard.app import Dashboard
from bot.db import session_factory
from bot.models import PersonalAdviser, Team
from tests.bot.dashboard.helpers import Account, log_in

TELEGRAM_BOT = "carebot_test_bot"
WHATSAPP_NUMBER = "+44 7700 900555"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with tiny costs: the default costs ~50 ms a hash, per login."""
    monkeypatch.setattr(
        auth, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker:
    return session_factory(db_engine)


@pytest.fixture
def staff(sessions: sessionmaker, demo: None, clock: FixedClock) -> dict[str, Account]:
    """sam and priya (Plymouth PAs), tom (Cambridgeshire PA), the Plymouth and Cambridgeshire
    managers, an editor and an admin."""
    now = clock.now()
    accounts: dict[str, Account] = {}
    with sessions.begin() as session:

        def pa(email: str) -> PersonalAdviser:
            return session.execute(
                select(PersonalAdviser).where(PersonalAdviser.email == email)
            ).scalar_one()

        def team(council: str) -> Team:
            return session.execute(select(Team).where(Team.council_id == council)).scalar_one()

        specs: list[tuple[str, str, str, int | None, int | None]] = [
            ("sam", "Sam Ortiz", "pa", pa("sam.ortiz@example.org").id, None),
            ("priya", "Priya Shah", "pa", pa("priya.shah@example.org").id, None),
            ("tom", "Tom Walsh", "pa", pa("tom.walsh@example.org").id, None),
            ("manager", "Morgan Lee", "manager", None, team("plymouth").id),
            ("cambs_manager", "Casey Ford", "manager", None, team("cambridgeshire").id),
            ("editor", "Eden Cole", "editor", None, None),
            ("admin", "Avery Stone", "admin", None, None),
        ]
        for key, name, role, pa_id, team_id in specs:
            password = f"{key}-Pass-phrase-9x7q"
            account = create_staff(
                session,
                email=f"{key}.dashboard@example.org",
                name=name,
                role=role,
                password=password,
                pa_id=pa_id,
                team_id=team_id,
                now=now,
            )
            accounts[key] = Account(
                id=account.id,
                email=account.email,
                password=password,
                role=role,
                pa_id=account.pa_id,
                team_id=account.team_id,
            )
    return accounts


@pytest.fixture
def dashboard(sessions: sessionmaker, clock: FixedClock) -> Dashboard:
    return Dashboard(
        sessions=sessions,
        clock=clock,
        public_url="http://testserver",
        telegram_bot_username=TELEGRAM_BOT,
        whatsapp_number=WHATSAPP_NUMBER,
    )


@pytest.fixture
def app(dashboard: Dashboard) -> Starlette:
    return Starlette(routes=dashboard.routes())


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    """A browser that is not logged in (and does not follow redirects)."""
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def browser(app: Starlette, staff: dict[str, Account]) -> Iterator[Callable[[str], TestClient]]:
    """browser("sam") is a client logged in as that account (each call a fresh browser)."""
    clients: list[TestClient] = []

    def open_as(key: str) -> TestClient:
        test_client = TestClient(app, follow_redirects=False)
        clients.append(test_client)
        log_in(test_client, staff[key])
        return test_client

    yield open_as
    for test_client in clients:
        test_client.close()
