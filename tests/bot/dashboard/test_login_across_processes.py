"""A log-in form made by one process is accepted by another (behind a load balancer)."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.dashboard.app import Dashboard
from tests.bot.dashboard.helpers import Account, login_token


def _process(sessions: sessionmaker, clock) -> Starlette:
    """A second dashboard, as another worker process would build it from the same database."""
    return Starlette(
        routes=Dashboard(sessions=sessions, clock=clock, public_url="http://testserver").routes()
    )


def test_a_form_from_one_process_logs_in_on_another(
    sessions: sessionmaker, clock, staff: dict[str, Account]
) -> None:
    first, second = _process(sessions, clock), _process(sessions, clock)
    with (
        TestClient(first, follow_redirects=False) as a,
        TestClient(second, follow_redirects=False) as b,
    ):
        token = login_token(a)
        b.cookies.update(a.cookies)  # the same browser; the load balancer picked another
        sam = staff["sam"]
        response = b.post(
            "/staff/login",
            data={"login_token": token, "email": sam.email, "password": sam.password},
        )
        assert response.status_code == 303, response.text
