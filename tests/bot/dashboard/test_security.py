"""The dashboard's security properties, each shown directly: logins, ids, CSRF, secrets."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from bot.advisers import auth
from bot.advisers.staff import create_staff
from bot.clock import FixedClock
from bot.dashboard.app import SECURITY_HEADERS, Dashboard
from bot.models import AuditEvent, Base, Escalation, StaffAccount
from tests.bot.dashboard.helpers import (
    Account,
    csrf_token,
    dump_database,
    log_in,
    login_token,
    make_escalation,
    young_person,
)

Browser = Callable[[str], TestClient]
# The log-in form and the password-reset page (its token is the credential; tested in
# test_accounts); and the stylesheet under /staff/static.
PUBLIC = {"/staff/login", "/staff/reset/{token}"}


def dashboard_requests(dashboard: Dashboard) -> list[tuple[str, str]]:
    """(method, path) for every route, with ids filled in: a new route is covered too."""
    found = []
    for route in dashboard.routes():
        if isinstance(route, Mount):
            assert route.path == "/staff/static", "only the stylesheet may be mounted"
            continue
        assert isinstance(route, Route)
        assert route.path.startswith("/staff/")
        if route.path in PUBLIC:
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, path))
    return found


def access_denied(sessions: sessionmaker) -> list[tuple[str, str | None, str | None]]:
    with sessions() as session:
        return [
            (e.actor, e.subject_type, e.subject_id)
            for e in session.execute(
                select(AuditEvent).where(AuditEvent.action == "access_denied")
            ).scalars()
        ]


def test_every_route_needs_a_login(
    dashboard: Dashboard,
    client: TestClient,
    sessions: sessionmaker,
    staff: dict[str, Account],
    clock: FixedClock,
) -> None:
    requests = dashboard_requests(dashboard)
    assert len(requests) >= 16
    assert make_escalation(sessions, "demo-19", clock.now()) == 1  # so every {id} is real
    for cookie in (None, "forged-session-token"):
        client.cookies.clear()
        if cookie:
            client.cookies.set(auth.SESSION_COOKIE, cookie)
        for method, path in requests:
            response = client.request(method, path, data={"csrf_token": "x", "text": "hi"})
            if method == "GET":
                assert response.status_code == 303, (method, path)
                assert response.headers["location"].startswith("/staff/login?next=/staff")
            else:
                assert response.status_code == 403, (method, path)
            for name, value in SECURITY_HEADERS.items():
                assert response.headers[name] == value, (path, name)
    # And the same requests work once logged in, so the check above is not vacuous.
    with TestClient(client.app, follow_redirects=False) as admin:
        log_in(admin, staff["admin"])
        for method, path in requests:
            if method == "GET":
                assert admin.get(path).status_code == 200, path


def test_the_stylesheet_and_login_form_are_public(client: TestClient) -> None:
    assert client.get("/staff/static/dashboard.css").status_code == 200
    login = client.get("/staff/login")
    assert login.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert login.headers[name] == value


def test_a_pa_cannot_open_another_pas_young_person_by_changing_the_id(
    browser: Browser, sessions: sessionmaker, staff: dict[str, Account]
) -> None:
    with sessions() as session:
        priyas = young_person(session, "demo-17").id
        sams = young_person(session, "demo-19").id
    sam = browser("sam")
    assert sam.get(f"/staff/young-people/{sams}").status_code == 200
    refused = sam.get(f"/staff/young-people/{priyas}")
    assert refused.status_code == 403
    assert not re.search(r"\bMo\b", refused.text) and "demo-17" not in refused.text
    token = csrf_token(sam)
    assert (
        sam.post(f"/staff/young-people/{priyas}/link-code", data={"csrf_token": token}).status_code
        == 403
    )
    assert (
        access_denied(sessions) == [(f"staff:{staff['sam'].id}", "young_person", str(priyas))] * 2
    )
    with sessions() as session:
        viewed = session.execute(
            select(AuditEvent).where(
                AuditEvent.action.in_(("viewed_messages", "link_code_created")),
                AuditEvent.subject_id == str(priyas),
            )
        ).all()
        assert not viewed


def test_a_pa_cannot_open_or_act_on_another_pas_escalation(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    esc = make_escalation(sessions, "demo-17", clock.now(), excerpt="private words here")
    sam = browser("sam")
    refused = sam.get(f"/staff/escalations/{esc}")
    assert refused.status_code == 403 and "private words here" not in refused.text
    token = csrf_token(sam)
    for action in ("acknowledge", "reply", "hand-back", "resolve"):
        response = sam.post(
            f"/staff/escalations/{esc}/{action}", data={"csrf_token": token, "text": "hello"}
        )
        assert response.status_code == 403, action
    with sessions() as session:
        row = session.get(Escalation, esc)
        assert row.status == "open" and row.handling_staff_id is None
    assert access_denied(sessions) == [(f"staff:{staff['sam'].id}", "escalation", str(esc))] * 5


def test_a_manager_cannot_reach_outside_their_team(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, staff: dict[str, Account]
) -> None:
    esc = make_escalation(sessions, "demo-cambs-19", clock.now())
    with sessions() as session:
        alex = young_person(session, "demo-cambs-19").id
    manager = browser("manager")
    assert manager.get(f"/staff/escalations/{esc}").status_code == 403
    assert manager.get(f"/staff/young-people/{alex}").status_code == 403
    assert browser("cambs_manager").get(f"/staff/young-people/{alex}").status_code == 200
    editor = browser("editor")
    assert editor.get(f"/staff/young-people/{alex}").status_code == 403
    assert editor.get(f"/staff/escalations/{esc}").status_code == 403
    assert len(access_denied(sessions)) == 4


def test_a_missing_record_is_404_not_access_denied(
    browser: Browser, sessions: sessionmaker
) -> None:
    sam = browser("sam")
    assert sam.get("/staff/young-people/99999").status_code == 404
    assert sam.get("/staff/escalations/99999").status_code == 404
    assert sam.get("/staff/young-people/not-a-number").status_code == 404
    assert sam.get("/staff/escalations/99999999999999999999").status_code == 404
    assert access_denied(sessions) == []


@pytest.mark.parametrize("token", [None, "", "wrong-token", "another-sessions-token"])
def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(
    browser: Browser, sessions: sessionmaker, clock: FixedClock, token: str | None
) -> None:
    esc = make_escalation(sessions, "demo-19", clock.now())
    sam = browser("sam")
    if token == "another-sessions-token":
        token = csrf_token(browser("sam"))  # Sam's own token, but from another browser
    with sessions() as session:
        yp = young_person(session, "demo-19").id
    before = dump_database(sessions)
    posts = [
        (f"/staff/escalations/{esc}/acknowledge", {}),
        (f"/staff/escalations/{esc}/reply", {"text": "hello"}),
        (f"/staff/escalations/{esc}/resolve", {}),
        (f"/staff/young-people/{yp}/link-code", {}),
        ("/staff/me/notifications", {}),
        ("/staff/me/telegram-code", {}),
        ("/staff/logout", {}),
    ]
    for path, data in posts:
        if token is not None:
            data = {**data, "csrf_token": token}
        response = sam.post(path, data=data)
        assert response.status_code == 403, path
        assert "Nothing was changed" in response.text
    # A JSON or multipart body cannot smuggle the token either.
    assert (
        sam.post("/staff/me/notifications", json={"csrf_token": csrf_token(sam)}).status_code == 403
    )
    assert dump_database(sessions) == before
    assert sam.get("/staff/").status_code == 200  # still logged in: logout was refused too


def test_passwords_are_never_stored_or_logged_in_clear(
    client: TestClient,
    sessions: sessionmaker,
    demo: None,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    password = "Unguessable-Teal-Otter-2049"
    caplog.set_level(logging.DEBUG)
    with sessions.begin() as session:
        create_staff(
            session,
            email="pat@example.org",
            name="Pat Quinn",
            role="admin",
            password=password,
            now=clock.now(),
        )
    account = Account(0, "pat@example.org", password, "admin", None, None)
    log_in(client, account)
    client.get("/staff/")
    client.cookies.clear()
    # Failed attempts too: a password typed into the email field, and a near miss.
    for email, typed in ((password, password), ("pat@example.org", password + "!")):
        client.post(
            "/staff/login",
            data={"login_token": login_token(client), "email": email, "password": typed},
        )
    with sessions() as session:
        stored = session.execute(
            select(StaffAccount).where(StaffAccount.email == "pat@example.org")
        ).scalar_one()
        assert stored.password_hash.startswith("$argon2id$")
        for table in Base.metadata.sorted_tables:
            for row in session.execute(table.select()).all():
                for value in row:
                    assert password not in str(value), f"{table.name} holds the password"
    assert caplog.records, "logging was captured"
    for record in caplog.records:
        text = record.getMessage() + str(record.args or "") + str(record.exc_text or "")
        assert password not in text
        assert "pat@example.org" not in text and "Pat Quinn" not in text


def test_session_tokens_are_not_logged(
    client: TestClient, staff: dict[str, Account], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    log_in(client, staff["sam"])
    token = client.cookies.get(auth.SESSION_COOKIE)
    client.get("/staff/")
    client.post("/staff/me/notifications", data={"csrf_token": "wrong"})
    assert token
    for record in caplog.records:
        assert token not in record.getMessage()
        assert staff["sam"].email not in record.getMessage()


def test_logout_revokes_the_session_even_if_the_cookie_is_replayed(
    browser: Browser, app: object, sessions: sessionmaker
) -> None:
    sam = browser("sam")
    stolen = sam.cookies.get(auth.SESSION_COOKIE)
    response = sam.post("/staff/logout", data={"csrf_token": csrf_token(sam)})
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    cleared = response.headers["set-cookie"]
    assert cleared.startswith(f'{auth.SESSION_COOKIE}="";') and "Max-Age=0" in cleared
    assert sam.get("/staff/").status_code == 303
    with TestClient(app, follow_redirects=False) as attacker:  # type: ignore[arg-type]
        attacker.cookies.set(auth.SESSION_COOKIE, stolen)
        assert attacker.get("/staff/").status_code == 303
        assert attacker.post("/staff/me/telegram-code", data={"csrf_token": "x"}).status_code == 403


def test_an_expired_session_is_refused(browser: Browser, clock: FixedClock) -> None:
    sam = browser("sam")
    clock.advance(timedelta(hours=11))
    assert sam.get("/staff/").status_code == 200  # in use: it slides on
    clock.advance(timedelta(hours=11))
    assert sam.get("/staff/").status_code == 200
    clock.advance(timedelta(hours=12, seconds=1))
    response = sam.get("/staff/")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/staff/"


def test_a_session_ends_seven_days_after_log_in_however_busy(
    browser: Browser, clock: FixedClock
) -> None:
    sam = browser("sam")
    for _ in range(15):  # every 11 hours for 6 days 21 hours
        clock.advance(timedelta(hours=11))
        assert sam.get("/staff/me").status_code == 200
    clock.advance(timedelta(hours=3))
    assert sam.get("/staff/me").status_code == 303


def test_the_error_pages_carry_the_security_headers(browser: Browser) -> None:
    sam = browser("sam")
    for response in (sam.get("/staff/audit"), sam.get("/staff/escalations/424242")):
        assert response.status_code in (403, 404)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value


def test_an_oversized_form_is_refused(browser: Browser) -> None:
    sam = browser("sam")
    response = sam.post("/staff/me/notifications", data={"csrf_token": "x", "pad": "x" * 70_000})
    assert response.status_code == 413
