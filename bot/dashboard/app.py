"""The staff dashboard's pages under /staff: server-rendered HTML, no JavaScript needed."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import anyio
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from bot.advisers import auth, cover
from bot.client_address import client_address
from bot.clock import Clock, age_band, age_on
from bot.dashboard import access, labels
from bot.dashboard.accounts import AccountPages
from bot.dashboard.checkins import keep_in_touch
from bot.dashboard.duty import DutyPages
from bot.dashboard.inbox import InboxPages, staff_names, summary
from bot.dashboard.masking import Masker
from bot.dashboard.team_staff import TeamStaffPages
from bot.dashboard.web import LOCAL, Ctx, Denied, Handler, NotFound, redirect
from bot.models import (
    AuditEvent,
    ChannelIdentity,
    Escalation,
    Message,
    OutboxItem,
    PersonalAdviser,
    StaffAccount,
    YoungPerson,
)
from bot.server_keys import server_key

log = logging.getLogger(__name__)

# What the bot sends, in the words staff use.
KIT_LABELS = {
    "checkin": "Check-in",
    "checkin_reminder": "Check-in reminder",
    "optin_prompt": "Question about PA support after 21",
    "optin_reminder": "Reminder about PA support after 21",
    "birthday_reminder": "Birthday reminder: they can still ask for a PA",
    "closing": "Closing message at 25",
    "yes": "Yes, keep my PA",
    "no": "No thanks",
    "not_sure": "Not sure yet",
}

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
HOME = "/staff/"
LOGIN = "/staff/login"
MAX_FORM_BYTES = 64 * 1024  # a 4,000-character reply in any script, URL-encoded, fits
MAX_REPLY_CHARS = 4000
HISTORY_LIMIT = 200
ESCALATION_HISTORY_LIMIT = 50
AUDIT_PAGE_SIZE = 100
UNANSWERED_DAYS = 30
UNANSWERED_INTENTS = ("nlu_fallback", "out_of_scope")
LOGIN_FORM_MAX_AGE = 60 * 60

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
# The stylesheet holds nothing personal: let the browser revalidate it instead of refetching.
STATIC_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}


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
    if path.startswith((LOGIN, "/staff/logout")):
        return HOME
    return value


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


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


async def _read_form(request: Request) -> dict[str, str] | None:
    """A small URL-encoded form (the first value of each field), or None when too large."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}  # every dashboard form is URL-encoded; anything else has no CSRF token
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        return {}
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


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
        # Only from these is X-Forwarded-For believed (log-in throttling is per client).
        self._trusted_proxies = trusted_proxies
        self._clock = clock
        # Set by the server to wake the outbox dispatcher after a change is committed.
        self.on_queued: Callable[[], None] | None = None
        self._public_url = public_url.rstrip("/")
        self._telegram_bot_username = telegram_bot_username
        self._whatsapp_number = whatsapp_number
        # Signs the log-in form's CSRF token: one key for every process (kept in the
        # database), so a form made by one process is accepted by another.
        self._login_csrf = auth.LoginCsrf(login_key or server_key(sessions, "login_csrf"))
        # Password links are emailed when SMTP is set, otherwise shown to the admin.
        self._accounts = AccountPages(
            self._render,
            public_url=self._public_url,
            email_enabled=email_enabled,
            default_language=default_language,
        )
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
        page = self._page
        return [
            Route(LOGIN, self.login, methods=["GET", "POST"]),
            *self._accounts.public_routes(self._sessions, self._clock, self._login_csrf),
            Route("/staff/logout", page(self._logout), methods=["POST"]),
            *InboxPages(self._render).routes(page),
            Route("/staff/escalations/{id:int}", page(self._escalation), methods=["GET"]),
            Route(
                "/staff/escalations/{id:int}/acknowledge",
                page(self._acknowledge),
                methods=["POST"],
            ),
            Route("/staff/escalations/{id:int}/reply", page(self._reply), methods=["POST"]),
            Route("/staff/escalations/{id:int}/hand-back", page(self._hand_back), methods=["POST"]),
            Route("/staff/escalations/{id:int}/resolve", page(self._resolve), methods=["POST"]),
            Route("/staff/young-people", page(self._young_people), methods=["GET"]),
            Route("/staff/young-people/{id:int}", page(self._young_person), methods=["GET"]),
            Route(
                "/staff/young-people/{id:int}/link-code", page(self._link_code), methods=["POST"]
            ),
            Route(
                "/staff/young-people/{id:int}/keep-in-touch",
                page(self._keep_in_touch),
                methods=["POST"],
            ),
            Route("/staff/me", page(self._me), methods=["GET"]),
            Route("/staff/me/notifications", page(self._notifications), methods=["POST"]),
            Route("/staff/me/telegram-code", page(self._telegram_code), methods=["POST"]),
            Route("/staff/audit", page(self._audit), methods=["GET"]),
            Route("/staff/unanswered", page(self._unanswered), methods=["GET"]),
            *TeamStaffPages(self._render).routes(page),
            *DutyPages(self._render).routes(page),
            *self._accounts.routes(page),
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
            form: dict[str, str] | None = {}
            if request.method == "POST":
                form = await _read_form(request)
                if form is None:
                    return _secure(HTMLResponse("The form is too large.", status_code=413))
            response = await anyio.to_thread.run_sync(self._run, handler, request, form)
            return _secure(response)

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

    # Log in and out ---------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        form: dict[str, str] | None = {}
        if request.method == "POST":
            form = await _read_form(request)
            if form is None:
                return _secure(HTMLResponse("The form is too large.", status_code=413))
        response = await anyio.to_thread.run_sync(self._login, request, form)
        return _secure(response)

    def _login_form(
        self, request: Request, *, next_url: str, email: str = "", error: str = "", status: int
    ) -> Response:
        nonce = self._login_csrf.new_nonce()
        response = self._render(
            "login.html",
            None,
            status=status,
            title="Log in",
            login_token=self._login_csrf.token_for(nonce),
            next_url=next_url,
            email=email,
            error=error,
        )
        response.set_cookie(
            auth.LOGIN_COOKIE,
            nonce,
            max_age=LOGIN_FORM_MAX_AGE,
            path=LOGIN,
            httponly=True,
            samesite="strict",
            secure=_is_https(request),
        )
        return response

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
                return self._login_form(request, next_url=next_url, status=200)
            if not self._login_csrf.check(
                request.cookies.get(auth.LOGIN_COOKIE), form.get("login_token")
            ):
                log.warning("login form csrf token refused")
                return self._login_form(
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
                minutes = max(1, -(-int(wait.total_seconds()) // 60))
                return self._login_form(
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
            staff = None
            if email and password and len(password) <= 1024:
                staff = auth.authenticate(db, email, password, now, client=client)
            if staff is None:
                db.commit()  # failed-attempt counts and the audit row
                return self._login_form(
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
            secure=_is_https(request),
        )
        response.delete_cookie(auth.LOGIN_COOKIE, path=LOGIN)
        return response

    def _logout(self, ctx: Ctx) -> Response:
        auth.end_session(ctx.db, ctx.login, ctx.now)
        response = redirect(LOGIN)
        response.delete_cookie(
            auth.SESSION_COOKIE,
            path="/staff",
            httponly=True,
            samesite="strict",
            secure=_is_https(ctx.request),
        )
        return response

    # Escalations ------------------------------------------------------------------------

    def _get_escalation(self, ctx: Ctx) -> Escalation:
        esc = ctx.db.get(Escalation, ctx.int_param())
        if esc is None:
            raise NotFound
        if not access.can_see_escalation(ctx.staff, esc, today=ctx.today):
            raise Denied("escalation", esc.id)
        return esc

    def _escalation(self, ctx: Ctx) -> Response:
        return self._escalation_page(ctx, self._get_escalation(ctx))

    def _escalation_page(
        self,
        ctx: Ctx,
        esc: Escalation,
        *,
        error: str = "",
        draft: str = "",
        status: int = 200,
    ) -> Response:
        db = ctx.db
        yp = esc.young_person
        identity = db.get(ChannelIdentity, esc.identity_id)
        if yp is not None:
            who = Message.young_person_id == yp.id
        else:
            who = Message.identity_id == esc.identity_id
        messages = self._history(ctx, who, ESCALATION_HISTORY_LIMIT, yp)
        replies = (
            db.execute(
                select(OutboxItem)
                .where(OutboxItem.escalation_id == esc.id, OutboxItem.purpose == "pa_reply")
                .order_by(OutboxItem.created_at, OutboxItem.id)
            )
            .scalars()
            .all()
        )
        names = staff_names(
            db,
            {
                esc.acknowledged_by_id,
                esc.resolved_by_id,
                esc.handling_staff_id,
                *(r.author_staff_id for r in replies),
            },
        )
        if yp is not None:
            ctx.audit("viewed_messages", "young_person", yp.id, escalation_id=esc.id)
        else:
            ctx.audit("viewed_messages", "channel_identity", esc.identity_id, escalation_id=esc.id)
        log.info("escalation viewed id=%s staff=%s", esc.id, ctx.staff.id)
        return self._render(
            "escalation.html",
            ctx,
            status=status,
            title=f"Escalation #{esc.id}",
            esc=esc,
            summary=summary(esc, ctx.now, names),
            yp=yp,
            channel=labels.label(labels.CHANNELS, identity.channel if identity else None),
            names=names,
            messages=messages,
            replies=replies,
            can_see_record=yp is not None and access.can_see_young_person(ctx.staff, yp),
            error=error,
            draft=draft,
            max_reply=MAX_REPLY_CHARS,
        )

    def _act(self, ctx: Ctx, action: str) -> Response:
        from bot.advisers import escalations

        esc = self._get_escalation(ctx)
        try:
            if action == "acknowledge":
                escalations.acknowledge(ctx.db, esc, ctx.staff, ctx.now)
            elif action == "hand_back":
                escalations.hand_back(ctx.db, esc, ctx.staff, ctx.now)
            elif action == "resolve":
                escalations.resolve(ctx.db, esc, ctx.staff, ctx.now)
        except escalations.EscalationError as exc:
            ctx.db.rollback()
            esc = self._get_escalation(ctx)
            return self._escalation_page(ctx, esc, error=str(exc), status=409)
        log.info("escalation %s id=%s staff=%s", action, esc.id, ctx.staff.id)
        return redirect(f"/staff/escalations/{esc.id}")

    def _acknowledge(self, ctx: Ctx) -> Response:
        return self._act(ctx, "acknowledge")

    def _hand_back(self, ctx: Ctx) -> Response:
        return self._act(ctx, "hand_back")

    def _resolve(self, ctx: Ctx) -> Response:
        return self._act(ctx, "resolve")

    def _reply(self, ctx: Ctx) -> Response:
        from bot.advisers import escalations

        esc = self._get_escalation(ctx)
        # Browsers send newlines as CRLF; count what the young person will receive.
        text = ctx.form.get("text", "").replace("\r\n", "\n")
        error = ""
        if not text.strip():
            error = "Write a message before sending."
        elif len(text) > MAX_REPLY_CHARS:
            error = f"Keep the message to {MAX_REPLY_CHARS} characters or fewer."
        if not error:
            try:
                escalations.reply(ctx.db, esc, ctx.staff, text, ctx.now)
            except escalations.EscalationError as exc:
                ctx.db.rollback()
                esc = self._get_escalation(ctx)
                error = str(exc)
        if error:
            return self._escalation_page(ctx, esc, error=error, draft=text, status=400)
        log.info("escalation reply queued id=%s staff=%s", esc.id, ctx.staff.id)
        return redirect(f"/staff/escalations/{esc.id}")

    # Young people -----------------------------------------------------------------------

    def _history(
        self, ctx: Ctx, where: Any, limit: int, yp: YoungPerson | None
    ) -> list[dict[str, Any]]:
        """The last `limit` messages, oldest first, with who wrote each."""
        rows = list(
            ctx.db.execute(
                select(Message)
                .where(where)
                .order_by(Message.created_at.desc(), Message.id.desc())
                .limit(limit)
            ).scalars()
        )
        rows.reverse()
        authors = staff_names(ctx.db, {m.author_staff_id for m in rows})
        history = []
        for m in rows:
            if m.direction == "in":
                author = yp.preferred_name if yp else "Young person"
            elif m.source == "pa":
                author = authors.get(m.author_staff_id, "A member of staff")  # type: ignore[arg-type]
            elif m.source == "proactive":
                author = "Bot (check-in)"
            else:
                author = "Bot"
            history.append(
                {
                    "at": m.created_at,
                    "incoming": m.direction == "in",
                    "source": m.source,
                    "author": author,
                    "kind": labels.kind_label(m.kind),
                    "text": m.text,
                    "channel": labels.label(labels.CHANNELS, m.channel),
                }
            )
        return history

    def _young_people(self, ctx: Ctx) -> Response:
        if not access.can_see_young_people(ctx.staff):
            raise Denied("page", "young_people")
        people = (
            ctx.db.execute(
                select(YoungPerson)
                .where(access.young_people_filter(ctx.staff))
                .options(selectinload(YoungPerson.pa))
                .order_by(YoungPerson.preferred_name, YoungPerson.ref)
            )
            .scalars()
            .all()
        )
        today = ctx.now.date()
        rows = []
        for yp in people:
            age = age_on(yp.date_of_birth, today)
            rows.append(
                {
                    "id": yp.id,
                    "name": yp.preferred_name,
                    "ref": yp.ref,
                    "age": age,
                    "band": age_band(age),
                    "support": labels.label(labels.SUPPORT, yp.support_status),
                    "pa": yp.pa.name if yp.pa else None,
                }
            )
        title = {access.PA: "My caseload", access.MANAGER: "Team caseload"}.get(
            ctx.staff.role, "All young people"
        )
        return self._render("young_people.html", ctx, title=title, rows=rows)

    def _get_young_person(self, ctx: Ctx) -> YoungPerson:
        yp = ctx.db.get(YoungPerson, ctx.int_param())
        if yp is None:
            raise NotFound
        if not access.can_see_young_person(ctx.staff, yp):
            raise Denied("young_person", yp.id)
        return yp

    def _young_person(self, ctx: Ctx) -> Response:
        yp = self._get_young_person(ctx)
        db = ctx.db
        age = age_on(yp.date_of_birth, ctx.now.date())
        channels = (
            db.execute(
                select(ChannelIdentity)
                .where(ChannelIdentity.young_person_id == yp.id)
                .order_by(ChannelIdentity.last_seen_at.desc())
            )
            .scalars()
            .all()
        )
        escalations = (
            db.execute(
                select(Escalation)
                .where(
                    Escalation.young_person_id == yp.id,
                    Escalation.status != "resolved",
                    access.escalations_filter(ctx.staff, today=ctx.today),
                )
                .order_by(Escalation.created_at.desc())
            )
            .scalars()
            .all()
        )
        messages = self._history(ctx, Message.young_person_id == yp.id, HISTORY_LIMIT, yp)
        ctx.audit("viewed_messages", "young_person", yp.id)
        log.info("young person viewed id=%s staff=%s", yp.id, ctx.staff.id)
        return self._render(
            "young_person.html",
            ctx,
            title=f"{yp.preferred_name} ({yp.ref})",
            yp=yp,
            age=age,
            band=age_band(age),
            support=labels.label(labels.SUPPORT, yp.support_status),
            circumstances=[labels.label({}, c) for c in (yp.circumstances or [])],
            kit=keep_in_touch(db, yp, ctx.now),
            kit_labels=KIT_LABELS,
            channels=[
                {"channel": labels.label(labels.CHANNELS, c.channel), "last_seen": c.last_seen_at}
                for c in channels
            ],
            escalations=[summary(e, ctx.now, {}) for e in escalations],
            messages=messages,
            history_limit=HISTORY_LIMIT,
        )

    def _keep_in_touch(self, ctx: Ctx) -> Response:
        """A PA changes how often the bot checks in with one young person, or pauses it."""
        from bot.keeping_in_touch.plans import plan_for

        yp = self._get_young_person(ctx)
        raw = ctx.form.get("every_weeks", "").strip()
        if raw and (not raw.isdigit() or not 1 <= int(raw) <= 26):
            return self._error(
                ctx, 400, "Not saved", "Check in every 1 to 26 weeks, or leave it empty."
            )
        plan = plan_for(ctx.db, yp.id, ctx.now)
        plan.checkin_every_weeks = int(raw) if raw else None
        paused = ctx.form.get("paused") == "on"
        if paused != plan.checkins_paused:
            plan.checkins_paused = paused
            plan.paused_by_id = ctx.staff.id if paused else None
        plan.updated_at = ctx.now
        ctx.audit(
            "keep_in_touch_changed",
            "young_person",
            yp.id,
            every_weeks=plan.checkin_every_weeks,
            paused=paused,
        )
        log.info("keep-in-touch changed young_person=%s staff=%s", yp.id, ctx.staff.id)
        return redirect(f"/staff/young-people/{yp.id}")

    def _link_code(self, ctx: Ctx) -> Response:
        from bot.advisers import linking

        yp = self._get_young_person(ctx)
        # create_code records link_code_created in the audit log itself.
        code = linking.create_code(
            ctx.db,
            purpose="young_person",
            young_person_id=yp.id,
            staff_id=None,
            created_by_id=ctx.staff.id,
            now=ctx.now,
        )
        log.info("link code created young_person=%s staff=%s", yp.id, ctx.staff.id)
        return self._render(
            "link_code.html",
            ctx,
            title="Link code",
            yp=yp,
            code=code,
            expires_at=ctx.now + getattr(linking, "VALID_FOR", timedelta(days=7)),
            telegram=linking.telegram_deep_link(self._telegram_bot_username, code),
            whatsapp=linking.whatsapp_link(self._whatsapp_number, code),
            web_chat=f"{self._public_url}/",
        )

    # My settings ------------------------------------------------------------------------

    def _me(self, ctx: Ctx, *, error: str | None = None, status: int = 200) -> Response:
        from bot.advisers import notify

        return self._render(
            "me.html",
            ctx,
            status=status,
            title="My settings",
            telegram_configured=bool(self._telegram_bot_username),
            reaches=notify.reaches(ctx.staff),
            caseload=notify.caseload(ctx.db, ctx.staff),
            away_now=ctx.staff.pa is not None and cover.is_away(ctx.staff.pa, ctx.today),
            error=error,
        )

    def _notifications(self, ctx: Ctx) -> Response:
        from bot.advisers import notify

        staff = ctx.staff
        wanted = (ctx.form.get("notify_email") == "on", ctx.form.get("notify_telegram") == "on")
        before = (staff.notify_email, staff.notify_telegram)
        staff.notify_email, staff.notify_telegram = wanted
        held = notify.caseload(ctx.db, staff)
        if held and not notify.reaches(staff):
            # "I've asked your PA" must reach someone: keep a way to be told.
            staff.notify_email, staff.notify_telegram = before
            return self._me(
                ctx,
                status=400,
                error=(
                    f"You are the named PA for {held} young "
                    f"{'person' if held == 1 else 'people'}: keep at least one way to be told "
                    "about their escalations (email, or Telegram once it is linked)."
                ),
            )
        ctx.audit(
            "notification_settings_changed",
            "staff",
            staff.id,
            notify_email=staff.notify_email,
            notify_telegram=staff.notify_telegram,
        )
        log.info("notification settings changed staff=%s", staff.id)
        return redirect("/staff/me")

    def _telegram_code(self, ctx: Ctx) -> Response:
        from bot.advisers import linking

        code = linking.create_code(
            ctx.db,
            purpose="staff",
            young_person_id=None,
            staff_id=ctx.staff.id,
            created_by_id=ctx.staff.id,
            now=ctx.now,
        )
        log.info("staff telegram link code created staff=%s", ctx.staff.id)
        return self._render(
            "telegram_code.html",
            ctx,
            title="Link my Telegram",
            code=code,
            expires_at=ctx.now + getattr(linking, "VALID_FOR", timedelta(days=7)),
            telegram=linking.telegram_deep_link(self._telegram_bot_username, code),
        )

    # Audit log and content gaps ---------------------------------------------------------

    def _audit(self, ctx: Ctx) -> Response:
        if not access.can_see_audit(ctx.staff):
            raise Denied("page", "audit")
        raw_page = ctx.request.query_params.get("page", "1")
        page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 1_000_000 else 1
        events = list(
            ctx.db.execute(
                select(AuditEvent)
                .where(access.audit_filter(ctx.staff))
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .offset((page - 1) * AUDIT_PAGE_SIZE)
                .limit(AUDIT_PAGE_SIZE + 1)
            ).scalars()
        )
        has_next = len(events) > AUDIT_PAGE_SIZE
        events = events[:AUDIT_PAGE_SIZE]
        staff_ids = {
            int(e.actor.split(":", 1)[1])
            for e in events
            if e.actor.startswith("staff:") and e.actor.split(":", 1)[1].isdigit()
        }
        names = staff_names(ctx.db, staff_ids)  # type: ignore[arg-type]
        rows = []
        for e in events:
            actor = e.actor
            if actor.startswith("staff:") and actor[6:].isdigit():
                actor = f"{names.get(int(actor[6:]), 'unknown')} ({actor})"
            rows.append(
                {
                    "at": e.at,
                    "actor": actor,
                    "action": e.action,
                    "subject": f"{e.subject_type}:{e.subject_id}" if e.subject_type else "",
                    "detail": json.dumps(e.detail or {}, sort_keys=True, ensure_ascii=False)
                    if e.detail
                    else "",
                }
            )
        return self._render(
            "audit.html",
            ctx,
            title="Audit log",
            rows=rows,
            page=page,
            has_next=has_next,
        )

    def _unanswered(self, ctx: Ctx) -> Response:
        if not access.can_see_unanswered(ctx.staff):
            raise Denied("page", "unanswered")
        since = ctx.now - timedelta(days=UNANSWERED_DAYS)
        # Only the text: no names, no refs, no chats. The text is what editors improve.
        rows = ctx.db.execute(
            select(Message.text, Message.intent, Message.created_at)
            .where(
                Message.direction == "in",
                Message.intent.in_(UNANSWERED_INTENTS),
                Message.text.is_not(None),
                Message.created_at >= since,
            )
            .order_by(Message.created_at.desc())
            .limit(2000)
        ).all()
        # Editors improve answers; they never need a name, a number or an address.
        masker = Masker(
            [
                *ctx.db.execute(select(YoungPerson.preferred_name)).scalars(),
                *ctx.db.execute(select(PersonalAdviser.name)).scalars(),
                *ctx.db.execute(select(StaffAccount.name)).scalars(),
            ]
        )
        groups: dict[str, dict[str, Any]] = {}
        for row in rows:
            text = masker.mask(" ".join(row.text.split()))
            if not text:
                continue
            group = groups.setdefault(
                text.casefold(),
                {"variants": Counter(), "count": 0, "last": row.created_at, "intents": set()},
            )
            group["variants"][text] += 1
            group["count"] += 1
            group["intents"].add(row.intent)
        for group in groups.values():
            # Shown as it was most often typed (rows come newest first, so ties go to newest).
            group["text"] = group.pop("variants").most_common(1)[0][0]
        ordered = sorted(groups.values(), key=lambda g: (-g["count"], -g["last"].timestamp()))
        ctx.audit("viewed_unanswered", None, None, days=UNANSWERED_DAYS, messages=len(rows))
        log.info("unanswered questions viewed staff=%s", ctx.staff.id)
        total = ctx.db.execute(
            select(func.count(Message.id)).where(
                Message.direction == "in", Message.created_at >= since
            )
        ).scalar_one()
        return self._render(
            "unanswered.html",
            ctx,
            title="Questions the bot could not answer",
            groups=[{**g, "intents": sorted(g["intents"])} for g in ordered],
            days=UNANSWERED_DAYS,
            unanswered=len(rows),
            total=total,
        )
