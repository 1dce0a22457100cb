"""The staff dashboard under /staff: builds the page renderer and the logged-in page wrapper
(session, CSRF, one transaction, headers) and mounts every area's routes. Server-rendered
HTML, no JavaScript needed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from bot.advisers import auth
from bot.clock import Clock
from bot.dashboard import access, labels
from bot.dashboard.accounts import AccountPages
from bot.dashboard.audit import AuditPages
from bot.dashboard.duty import DutyPages
from bot.dashboard.escalation import EscalationPages
from bot.dashboard.inbox import InboxPages
from bot.dashboard.login import LOGIN, LoginPages, safe_next
from bot.dashboard.my_settings import MySettingsPages
from bot.dashboard.team_staff import TeamStaffPages
from bot.dashboard.web import (
    LOCAL,
    SECURITY_HEADERS,
    Area,
    Ctx,
    Denied,
    Handler,
    NotFound,
    redirect,
    serve,
)
from bot.dashboard.young_people import YoungPeoplePages
from bot.server_keys import server_key

# Kept importable from here: the tests and the server know these names by this module.
__all__ = ["SECURITY_HEADERS", "Dashboard", "safe_next"]

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
# The stylesheet holds nothing personal: let the browser revalidate it instead of refetching.
STATIC_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}


class _StaticHeaders:
    """Adds the dashboard's security headers to the static files' responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: AsgiMessage) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in STATIC_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(LOCAL).strftime("%a %d %b %Y, %H:%M")


class Dashboard:
    """The PA dashboard; `routes()` go into the web app's route list as they are."""

    def __init__(
        self,
        *,
        sessions: sessionmaker,
        clock: Clock,
        public_url: str,
        telegram_bot_username: str | None = None,
        whatsapp_number: str | None = None,
        login_key: bytes | None = None,
        trusted_proxies: frozenset[str] = frozenset(),
        email_enabled: bool = False,
        default_language: str = "en",
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        # Set by the server to wake the outbox dispatcher after a change is committed.
        self.on_queued: Callable[[], None] | None = None
        public_url = public_url.rstrip("/")
        # Signs the log-in form's CSRF token: one key for every process (kept in the
        # database), so a form made by one process is accepted by another.
        login_csrf = auth.LoginCsrf(login_key or server_key(sessions, "login_csrf"))
        self._login = LoginPages(self._render, sessions, clock, login_csrf, trusted_proxies)
        # Password links are emailed when SMTP is set, otherwise shown to the admin.
        self._accounts = AccountPages(
            self._render,
            public_url=public_url,
            email_enabled=email_enabled,
            default_language=default_language,
        )
        self._public_accounts = self._accounts.public_routes(sessions, clock, login_csrf)
        self._areas: list[Area] = [
            InboxPages(self._render),
            EscalationPages(self._render),
            YoungPeoplePages(
                self._render,
                public_url=public_url,
                telegram_bot_username=telegram_bot_username,
                whatsapp_number=whatsapp_number,
            ),
            MySettingsPages(self._render, telegram_bot_username=telegram_bot_username),
            AuditPages(self._render),
            TeamStaffPages(self._render),
            DutyPages(self._render),
            self._accounts,
        ]
        self._jinja = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._jinja.filters["when"] = _when
        self._jinja.globals.update(labels=labels, label=labels.label)

    def routes(self) -> list[Route | Mount]:
        """Every dashboard route: the public pages first, then each area's logged-in pages."""
        return [
            *self._login.public_routes(),
            *self._public_accounts,
            *self._login.routes(self._page),
            *(route for area in self._areas for route in area.routes(self._page)),
            Mount(
                "/staff/static",
                app=_StaticHeaders(StaticFiles(directory=STATIC)),
                name="dashboard_static",
            ),
        ]

    # Plumbing ---------------------------------------------------------------------------

    def _render(
        self,
        template: str,
        ctx: Ctx | None,
        *,
        status: int = 200,
        **values: Any,
    ) -> HTMLResponse:
        staff = ctx.staff if ctx else None
        html = self._jinja.get_template(template).render(
            me=staff,
            csrf=ctx.login.csrf_token if ctx else "",
            nav={
                "young_people": bool(staff and access.can_see_young_people(staff)),
                "team": bool(staff and access.can_see_team_inbox(staff)),
                "advisers": bool(staff and staff.role in (access.MANAGER, access.ADMIN)),
                "duty": bool(staff and staff.role in (access.MANAGER, access.ADMIN)),
                "accounts": bool(staff and access.can_see_accounts(staff)),
                "audit": bool(staff and access.can_see_audit(staff)),
                "unanswered": bool(staff and access.can_see_unanswered(staff)),
                "escalations": bool(staff and staff.role != access.EDITOR),
            },
            path=ctx.request.url.path if ctx else "",
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def _error(self, ctx: Ctx | None, status: int, title: str, message: str) -> HTMLResponse:
        return self._render("error.html", ctx, status=status, title=title, message=message)

    def _page(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """A logged-in page: session and CSRF checked, one transaction, secure headers."""

        async def endpoint(request: Request) -> Response:
            return await serve(request, partial(self._run, handler))

        endpoint.__name__ = handler.__name__.lstrip("_")
        return endpoint

    def _run(self, handler: Handler, request: Request, form: dict[str, str]) -> Response:
        now = self._clock.now()
        with self._sessions() as db:
            login = auth.load_session(db, request.cookies.get(auth.SESSION_COOKIE), now)
            if login is None:
                if request.method in ("GET", "HEAD"):
                    target = request.url.path
                    if request.url.query:
                        target += "?" + request.url.query
                    return redirect(f"{LOGIN}?next={quote(safe_next(target), safe='/')}")
                return self._error(
                    None, 403, "Please log in", "Your session has ended. Log in and try again."
                )
            ctx = Ctx(db=db, staff=login.staff, login=login, now=now, request=request, form=form)
            if request.method == "POST" and not auth.csrf_ok(
                login.csrf_token, form.get("csrf_token")
            ):
                db.rollback()
                log.warning("csrf token refused staff=%s", login.staff_id)
                return self._error(
                    ctx,
                    403,
                    "Form refused",
                    "This form was out of date or did not come from the dashboard. "
                    "Nothing was changed. Go back, reload the page and try again.",
                )
            try:
                response = handler(ctx)
            except Denied as denied:
                db.rollback()
                ctx.audit(
                    "access_denied",
                    denied.subject_type,
                    denied.subject_id,
                    path=request.url.path,
                    method=request.method,
                )
                db.commit()
                log.warning(
                    "access denied staff=%s subject=%s:%s",
                    ctx.staff.id,
                    denied.subject_type,
                    denied.subject_id,
                )
                return self._error(ctx, 403, "Not allowed", "You do not have access to this page.")
            except NotFound:
                db.rollback()
                return self._error(ctx, 404, "Not found", "There is nothing here.")
            db.commit()
            if request.method == "POST" and self.on_queued is not None:
                # A POST may have queued a message (a reply): send it now, not at the next tick.
                self.on_queued()
            return response
