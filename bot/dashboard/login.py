"""Logging in and out of the dashboard. The log-in form has no session yet, so it is protected
by a signed double-submit token with its own cookie; tries are throttled per device."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.advisers import auth
from bot.client_address import client_address
from bot.clock import Clock
from bot.dashboard.inbox import HOME
from bot.dashboard.web import Ctx, PageWrapper, Renderer, is_https, redirect, serve
from bot.models import AuditEvent

log = logging.getLogger(__name__)

LOGIN = "/staff/login"
LOGOUT = "/staff/logout"
FORM_MAX_AGE = 60 * 60


def safe_next(value: str | None) -> str:
    """Where to go after logging in: only a path inside the dashboard, never another site."""
    if not value or len(value) > 2000:
        return HOME
    if any(ord(c) < 32 or c == "\\" for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return HOME
    path = parts.path
    if not (path == "/staff" or path.startswith("/staff/")) or ".." in path:
        return HOME
    if path.startswith((LOGIN, LOGOUT)):
        return HOME
    return value


class LoginPages:
    """The log-in page (no session needed) and logging out (a logged-in POST)."""

    def __init__(
        self,
        render: Renderer,
        sessions: sessionmaker,
        clock: Clock,
        csrf: auth.LoginCsrf,
        trusted_proxies: frozenset[str],
    ) -> None:
        self._render = render
        self._sessions = sessions
        self._clock = clock
        self._csrf = csrf
        # Only from these is X-Forwarded-For believed (log-in throttling is per client).
        self._trusted_proxies = trusted_proxies

    def public_routes(self) -> list[Route]:
        """The log-in page, answered without a session."""
        return [Route(LOGIN, self.login, methods=["GET", "POST"])]

    def routes(self, wrap: PageWrapper) -> list[Route]:
        """Logging out, a logged-in page like any other."""
        return [Route(LOGOUT, wrap(self.logout), methods=["POST"])]

    async def login(self, request: Request) -> Response:
        """The log-in form on GET; checking the email and password on POST."""
        return await serve(request, self._login)

    def _form(
        self, request: Request, *, next_url: str, email: str = "", error: str = "", status: int
    ) -> Response:
        nonce = self._csrf.new_nonce()
        response = self._render(
            "login.html",
            None,
            status=status,
            title="Log in",
            login_token=self._csrf.token_for(nonce),
            next_url=next_url,
            email=email,
            error=error,
        )
        response.set_cookie(
            auth.LOGIN_COOKIE,
            nonce,
            max_age=FORM_MAX_AGE,
            path=LOGIN,
            httponly=True,
            samesite="strict",
            secure=is_https(request),
        )
        return response

    def _throttled(self, request: Request, next_url: str, email: str, wait: timedelta) -> Response:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        return self._form(
            request,
            next_url=next_url,
            email=email,
            error=(
                f"Too many tries from this device. Please wait {minutes} minute"
                f"{'s' if minutes != 1 else ''} and try again. If you have forgotten "
                "your password, ask your team manager or the service administrator "
                "to reset it."
            ),
            status=429,
        )

    def _login(self, request: Request, form: dict[str, str]) -> Response:
        now = self._clock.now()
        source = form if request.method == "POST" else request.query_params
        next_url = safe_next(source.get("next"))
        with self._sessions() as db:
            current = auth.load_session(db, request.cookies.get(auth.SESSION_COOKIE), now)
            if request.method != "POST":
                if current is not None:
                    db.commit()
                    return redirect(next_url)
                return self._form(request, next_url=next_url, status=200)
            if not self._csrf.check(
                request.cookies.get(auth.LOGIN_COOKIE), form.get("login_token")
            ):
                log.warning("login form csrf token refused")
                return self._form(
                    request,
                    next_url=next_url,
                    error="The log-in form had expired. Please try again.",
                    status=403,
                )
            email = form.get("email", "")[:254]
            password = form.get("password", "")
            client = client_address(request, self._trusted_proxies)
            wait = auth.must_wait(db, email, client, now)
            if wait is not None:
                # Not even checked (no argon2 work for a guesser); others are not held up.
                db.add(AuditEvent(at=now, actor="anonymous", action="login_throttled", detail={}))
                db.commit()
                return self._throttled(request, next_url, email, wait)
            staff = None
            if email and password and len(password) <= 1024:
                staff = auth.authenticate(db, email, password, now, client=client)
            if staff is None:
                db.commit()  # failed-attempt counts and the audit row
                return self._form(
                    request,
                    next_url=next_url,
                    email=email,
                    error=(
                        "Email or password not recognised. After a few failed tries, this "
                        "device has to wait a little longer before each new try."
                    ),
                    status=401,
                )
            if current is not None:
                # Whoever was logged in on this browser is logged out, not carried over.
                auth.end_session(db, current, now)
            token, _row = auth.start_session(db, staff, now)
            db.commit()
        response = redirect(next_url)
        response.set_cookie(
            auth.SESSION_COOKIE,
            token,
            path="/staff",
            httponly=True,
            samesite="strict",
            secure=is_https(request),
        )
        response.delete_cookie(auth.LOGIN_COOKIE, path=LOGIN)
        return response

    def logout(self, ctx: Ctx) -> Response:
        """Ends this session and clears its cookie."""
        auth.end_session(ctx.db, ctx.login, ctx.now)
        response = redirect(LOGIN)
        response.delete_cookie(
            auth.SESSION_COOKIE,
            path="/staff",
            httponly=True,
            samesite="strict",
            secure=is_https(ctx.request),
        )
        return response
