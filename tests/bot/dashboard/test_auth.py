"""Passwords, log-in throttling, sessions (sliding and absolute expiry, revocation), CSRF."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.requests import Request
from starlette.testclient import TestClient

from bot.advisers import auth
from bot.advisers.staff import StaffError, create_staff
from bot.client_address import client_address
from bot.clock import FixedClock
from bot.dashboard.app import safe_next
from bot.dashboard.staff_cli import add_staff, read_password
from bot.models import AuditEvent, StaffAccount, StaffSession
from tests.bot.dashboard.helpers import Account, log_in, login_token


def _get(sessions: sessionmaker, account: Account) -> StaffAccount:
    with sessions() as session:
        return session.get(StaffAccount, account.id)


# Passwords ---------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(
    sessions: sessionmaker, staff: dict[str, Account]
) -> None:
    stored = _get(sessions, staff["sam"])
    assert stored.password_hash.startswith("$argon2id$")
    assert staff["sam"].password not in stored.password_hash
    assert auth.verify_password(stored, staff["sam"].password)
    assert not auth.verify_password(stored, staff["sam"].password + "x")
    assert not auth.verify_password(StaffAccount(password_hash="not a hash"), "whatever")


def test_a_hash_made_with_old_parameters_is_upgraded_at_login(
    sessions: sessionmaker, staff: dict[str, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _get(sessions, staff["sam"]).password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(auth, "hasher", stronger)
    with sessions.begin() as session:
        account = session.get(StaffAccount, staff["sam"].id)
        assert auth.verify_password(account, staff["sam"].password)
        assert account.password_hash != old
    new = _get(sessions, staff["sam"]).password_hash
    assert new.startswith("$argon2id$") and "t=2" in new and "m=2048" in new
    assert not stronger.check_needs_rehash(new)


def test_the_default_hasher_is_argon2id_at_full_cost() -> None:
    # The autouse fixture swapped in cheap costs for speed; production uses the defaults.
    assert auth.DEFAULT_HASHER.type.name == "ID"
    assert auth.DEFAULT_HASHER.memory_cost >= 65536 and auth.DEFAULT_HASHER.time_cost >= 3
    assert auth.DEFAULT_HASHER.hash("x" * 12).startswith("$argon2id$")


def test_accounts_refuse_short_passwords_and_bad_roles(
    sessions: sessionmaker, demo: None, clock: FixedClock
) -> None:
    with sessions.begin() as session:
        with pytest.raises(StaffError, match="at least 12"):
            create_staff(
                session,
                email="a@example.org",
                name="A",
                role="admin",
                password="short",
                now=clock.now(),
            )
        with pytest.raises(StaffError, match="role"):
            create_staff(
                session,
                email="a@example.org",
                name="A",
                role="root",
                password="x" * 12,
                now=clock.now(),
            )
        with pytest.raises(StaffError, match="PA record"):
            create_staff(
                session,
                email="a@example.org",
                name="A",
                role="pa",
                password="x" * 12,
                now=clock.now(),
            )
        with pytest.raises(StaffError, match="team"):
            create_staff(
                session,
                email="a@example.org",
                name="A",
                role="manager",
                password="x" * 12,
                now=clock.now(),
            )


def test_add_staff_finds_the_pa_record_by_email(
    sessions: sessionmaker, demo: None, clock: FixedClock
) -> None:
    with sessions.begin() as session:
        account = add_staff(
            session,
            email="  Sam.Ortiz@Example.org ",
            name="Sam Ortiz",
            role="pa",
            password="a long enough password",
            pa_email="sam.ortiz@example.org",
            now=clock.now(),
        )
        assert account.email == "sam.ortiz@example.org"
        assert account.pa.name == "Sam Ortiz"
        assert account.team_id == account.pa.team_id  # a PA belongs to their record's team
        with pytest.raises(StaffError, match="already"):
            add_staff(
                session,
                email="sam2@example.org",
                name="Sam",
                role="pa",
                password="a long enough password",
                pa_email="sam.ortiz@example.org",
                now=clock.now(),
            )
        with pytest.raises(StaffError, match="no PA record"):
            add_staff(
                session,
                email="x@example.org",
                name="X",
                role="pa",
                password="a long enough password",
                pa_email="nobody@example.org",
                now=clock.now(),
            )


def test_read_password_from_env_or_twice_from_the_prompt() -> None:
    assert read_password({"CAREBOT_STAFF_PASSWORD": "from the environment"}) == (
        "from the environment"
    )
    typed = iter(["typed twice, same", "typed twice, same"])
    assert read_password({}, prompt=lambda _p: next(typed)) == "typed twice, same"
    differ = iter(["first version here", "second version here"])
    with pytest.raises(StaffError, match="differ"):
        read_password({}, prompt=lambda _p: next(differ))
    with pytest.raises(StaffError, match="at least 12"):
        read_password({"CAREBOT_STAFF_PASSWORD": "short"})


# Throttling --------------------------------------------------------------------------------


def _fail(sessions: sessionmaker, email: str, client: str, clock: FixedClock) -> None:
    with sessions.begin() as session:
        assert (
            auth.authenticate(session, email, "wrong password!", clock.now(), client=client) is None
        )


def _wait(sessions: sessionmaker, email: str, client: str, clock: FixedClock) -> timedelta | None:
    with sessions() as session:
        return auth.must_wait(session, email, client, clock.now())


def test_failures_make_that_client_wait_longer_each_time(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    sam = staff["sam"]
    for _ in range(auth.FREE_FAILURES - 1):
        _fail(sessions, sam.email, "203.0.113.9", clock)
    assert _wait(sessions, sam.email, "203.0.113.9", clock) is None
    waits = []
    for _ in range(4):
        _fail(sessions, sam.email, "203.0.113.9", clock)
        wait = _wait(sessions, sam.email, "203.0.113.9", clock)
        assert wait is not None
        waits.append(wait)
        clock.advance(wait)
    assert waits == [
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    for _ in range(6):
        _fail(sessions, sam.email, "203.0.113.9", clock)
        clock.advance(_wait(sessions, sam.email, "203.0.113.9", clock) or timedelta(0))
    assert _wait(sessions, sam.email, "203.0.113.9", clock) is None  # waited it out
    _fail(sessions, sam.email, "203.0.113.9", clock)
    assert _wait(sessions, sam.email, "203.0.113.9", clock) == auth.MAX_WAIT


def test_nobody_can_lock_a_pa_out_from_elsewhere(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    sam = staff["sam"]
    for _ in range(auth.FREE_FAILURES + 2):
        _fail(sessions, sam.email, "203.0.113.9", clock)
    assert _wait(sessions, sam.email, "203.0.113.9", clock) is not None
    # Sam, on his own phone, is not held up at all.
    assert _wait(sessions, sam.email, "198.51.100.7", clock) is None
    with sessions.begin() as session:
        account = auth.authenticate(
            session, sam.email, sam.password, clock.now(), client="198.51.100.7"
        )
        assert account is not None and account.id == sam.id


def test_one_client_guessing_many_emails_is_slowed_down(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    for i in range(auth.FREE_CLIENT_FAILURES):
        _fail(sessions, f"guess{i}@example.org", "203.0.113.50", clock)
    assert _wait(sessions, "anyone-else@example.org", "203.0.113.50", clock) is not None
    assert _wait(sessions, "anyone-else@example.org", "203.0.113.51", clock) is None


def test_a_success_clears_that_clients_count(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    sam = staff["sam"]
    for _ in range(auth.FREE_FAILURES - 1):
        _fail(sessions, sam.email, "198.51.100.7", clock)
    with sessions.begin() as session:
        assert auth.authenticate(
            session, sam.email, sam.password, clock.now(), client="198.51.100.7"
        )
    _fail(sessions, sam.email, "198.51.100.7", clock)
    assert _wait(sessions, sam.email, "198.51.100.7", clock) is None


def test_unknown_and_inactive_accounts_cannot_log_in(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    with sessions.begin() as session:
        assert (
            auth.authenticate(session, "nobody@example.org", "whatever pass", clock.now()) is None
        )
        session.get(StaffAccount, staff["priya"].id).active = False
    with sessions.begin() as session:
        assert (
            auth.authenticate(session, staff["priya"].email, staff["priya"].password, clock.now())
            is None
        )


# Sessions ----------------------------------------------------------------------------------


def test_the_table_keeps_only_the_tokens_hash(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    with sessions.begin() as session:
        token, row = auth.start_session(
            session, session.get(StaffAccount, staff["sam"].id), clock.now()
        )
    assert len(token) >= 43  # 32 random bytes
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with sessions() as session:
        stored = session.execute(select(StaffSession)).scalar_one()
        assert token not in (stored.token_hash, stored.csrf_token)
        assert stored.csrf_token and stored.csrf_token != token


def test_sessions_slide_for_12_hours_but_never_pass_7_days(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    start = clock.now()
    with sessions.begin() as session:
        token, _row = auth.start_session(session, session.get(StaffAccount, staff["sam"].id), start)
    # Used every 11 hours, it lives on...
    while clock.now() + timedelta(hours=11) < start + timedelta(days=7):
        clock.advance(timedelta(hours=11))
        with sessions.begin() as session:
            row = auth.load_session(session, token, clock.now())
            assert row is not None
            assert row.expires_at == min(
                clock.now() + timedelta(hours=12), start + timedelta(days=7)
            )
    # ...but not past seven days from its creation.
    clock.set(start + timedelta(days=7))
    with sessions.begin() as session:
        assert auth.load_session(session, token, clock.now()) is None


def test_an_idle_session_ends_after_12_hours(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    with sessions.begin() as session:
        token, _row = auth.start_session(
            session, session.get(StaffAccount, staff["sam"].id), clock.now()
        )
    clock.advance(timedelta(hours=11, minutes=59))
    with sessions.begin() as session:
        assert auth.load_session(session, token, clock.now()) is not None
    clock.advance(timedelta(hours=12))
    with sessions.begin() as session:
        assert auth.load_session(session, token, clock.now()) is None
        assert auth.load_session(session, None, clock.now()) is None
        assert auth.load_session(session, "x" * 500, clock.now()) is None


def test_revoke_all_ends_every_session_of_one_account(
    sessions: sessionmaker, staff: dict[str, Account], clock: FixedClock
) -> None:
    now = clock.now()
    with sessions.begin() as session:
        sam = session.get(StaffAccount, staff["sam"].id)
        priya = session.get(StaffAccount, staff["priya"].id)
        sam_tokens = [auth.start_session(session, sam, now)[0] for _ in range(3)]
        priya_token, _ = auth.start_session(session, priya, now)
    with sessions.begin() as session:
        assert auth.revoke_all(session, session.get(StaffAccount, staff["sam"].id), now) == 3
    with sessions.begin() as session:
        assert all(auth.load_session(session, t, now) is None for t in sam_tokens)
        assert auth.load_session(session, priya_token, now) is not None


def test_csrf_comparison() -> None:
    assert auth.csrf_ok("abc", "abc")
    assert not auth.csrf_ok("abc", "abd")
    assert not auth.csrf_ok("abc", "")
    assert not auth.csrf_ok("abc", None)
    assert not auth.csrf_ok("", "")
    assert not auth.csrf_ok("abc", "ábc")
    login = auth.LoginCsrf(b"k" * 32)
    nonce = login.new_nonce()
    assert login.check(nonce, login.token_for(nonce))
    assert not login.check(nonce, nonce)  # the cookie's value alone is not the token
    assert not login.check(login.new_nonce(), login.token_for(nonce))
    assert not auth.LoginCsrf(b"other key" * 4).check(nonce, login.token_for(nonce))
    assert not login.check(None, login.token_for(nonce))


# Over HTTP ---------------------------------------------------------------------------------


def _cookie_header(response: object, name: str) -> str:
    headers = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie in {headers}"
    return found[0]


def test_login_sets_a_strict_httponly_cookie(client: TestClient, staff: dict[str, Account]) -> None:
    response = log_in(client, staff["sam"])
    assert response.headers["location"] == "/staff/"
    cookie = _cookie_header(response, auth.SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/staff" in cookie
    assert "secure" not in cookie  # plain http in tests: a Secure cookie would never come back
    assert client.get("/staff/").status_code == 200


def test_over_https_the_cookies_are_secure(app: object, staff: dict[str, Account]) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as https:  # type: ignore[arg-type]
        form = https.get("/staff/login")
        assert "secure" in _cookie_header(form, auth.LOGIN_COOKIE).lower()
        response = log_in(https, staff["sam"])
        assert "secure" in _cookie_header(response, auth.SESSION_COOKIE).lower()
        assert https.get("/staff/").status_code == 200


def test_the_login_form_needs_its_own_csrf_token(
    client: TestClient, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    sam = staff["sam"]
    client.get("/staff/login")  # the cookie, but no token sent
    refused = client.post("/staff/login", data={"email": sam.email, "password": sam.password})
    assert refused.status_code == 403
    assert auth.SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    # A token from another browser does not match this browser's cookie.
    with TestClient(client.app, follow_redirects=False) as other:
        stolen = login_token(other)
    client.cookies.clear()
    client.get("/staff/login")
    refused = client.post(
        "/staff/login", data={"login_token": stolen, "email": sam.email, "password": sam.password}
    )
    assert refused.status_code == 403
    with sessions() as session:
        assert session.execute(select(StaffSession)).first() is None


def test_a_wrong_password_gets_one_message_for_every_failure(
    client: TestClient, staff: dict[str, Account]
) -> None:
    pages: list[str] = []
    for email, password in [
        (staff["sam"].email, "not the password"),
        ("nobody@example.org", "not the password"),
    ]:
        response = client.post(
            "/staff/login",
            data={"login_token": login_token(client), "email": email, "password": password},
        )
        assert response.status_code == 401
        assert "Email or password not recognised" in response.text
        pages.append(response.text)
    # The same words whether the account exists or not (and no word of a lock).
    assert all("locked" not in page for page in pages)
    assert client.get("/staff/").status_code == 303


def test_login_throttling_over_http(
    client: TestClient, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    sam = staff["sam"]
    for _ in range(auth.FREE_FAILURES):
        client.post(
            "/staff/login",
            data={
                "login_token": login_token(client),
                "email": sam.email,
                "password": "nope nope nope",
            },
        )
    response = client.post(
        "/staff/login",
        data={"login_token": login_token(client), "email": sam.email, "password": sam.password},
    )
    # Throttled: told so, how long to wait and who can help; the password is not checked.
    assert response.status_code == 429
    assert "Too many tries from this device" in response.text
    assert "team manager" in response.text
    with sessions() as session:
        actions = [e.action for e in session.execute(select(AuditEvent)).scalars()]
    assert actions.count("login_throttled") == 1 and "login" not in actions


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:

    def request(peer: str, forwarded: str) -> Request:
        return Request(
            {
                "type": "http",
                "client": (peer, 1234),
                "headers": [(b"x-forwarded-for", forwarded.encode())],
            }
        )

    proxies = frozenset({"10.0.0.2"})
    # From the proxy: the client it names (the rightmost address that is not ours).
    assert client_address(request("10.0.0.2", "1.2.3.4, 203.0.113.9"), proxies) == "203.0.113.9"
    # From anyone else: whatever they wrote is ignored.
    assert client_address(request("198.51.100.7", "203.0.113.9"), proxies) == "198.51.100.7"


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(
    client: TestClient, staff: dict[str, Account]
) -> None:
    first = client.get("/staff/young-people?x=1")
    assert first.status_code == 303
    assert first.headers["location"] == "/staff/login?next=/staff/young-people%3Fx%3D1"
    response = log_in(client, staff["sam"], next_url="/staff/young-people?x=1")
    assert response.headers["location"] == "/staff/young-people?x=1"
    client.cookies.clear()
    response = log_in(client, staff["sam"], next_url="https://evil.example/staff/")
    assert response.headers["location"] == "/staff/"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/staff/team", "/staff/team"),
        ("/staff/young-people/3?tab=x", "/staff/young-people/3?tab=x"),
        ("/staff", "/staff"),
        (None, "/staff/"),
        ("", "/staff/"),
        ("https://evil.example/staff/", "/staff/"),
        ("//evil.example/staff/", "/staff/"),
        ("/\\evil.example", "/staff/"),
        ("/staff/../admin", "/staff/"),
        ("/other", "/staff/"),
        ("/staffroom", "/staff/"),
        ("/staff/login", "/staff/"),
        ("/staff/\r\nSet-Cookie: x=1", "/staff/"),
        ("javascript:alert(1)", "/staff/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_logging_in_again_replaces_the_old_session(
    client: TestClient, staff: dict[str, Account], sessions: sessionmaker
) -> None:
    log_in(client, staff["sam"])
    old = client.cookies.get(auth.SESSION_COOKIE)
    # A logged-in browser is sent away from the form; a stale tab can still post it.
    assert client.get("/staff/login").status_code == 303
    with TestClient(client.app, follow_redirects=False) as other:
        token = login_token(other)
        nonce = other.cookies.get(auth.LOGIN_COOKIE)
    priya = staff["priya"]
    response = client.post(
        "/staff/login",
        data={"login_token": token, "email": priya.email, "password": priya.password},
        headers={"Cookie": f"{auth.LOGIN_COOKIE}={nonce}; {auth.SESSION_COOKIE}={old}"},
    )
    assert response.status_code == 303
    assert client.cookies.get(auth.SESSION_COOKIE) != old
    with sessions() as session:
        rows = session.execute(select(StaffSession).order_by(StaffSession.id)).scalars().all()
    assert [r.revoked_at is not None for r in rows] == [True, False]


def test_an_account_switched_off_loses_its_sessions(
    browser: Callable[[str], TestClient], staff: dict[str, Account], sessions: sessionmaker
) -> None:
    sam = browser("sam")
    with sessions.begin() as session:
        session.get(StaffAccount, staff["sam"].id).active = False
    assert sam.get("/staff/").status_code == 303
