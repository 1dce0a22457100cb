"""The dashboard's web core shared by every area: one request's context, the errors a page
raises, the page contract (a handler takes a Ctx and returns a Response), reading a form and
the security headers every answer carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.models import AuditEvent, StaffAccount, StaffSession

# Staff work in England; every time is shown in London time.
LOCAL = ZoneInfo("Europe/London")
MAX_ID = 2**31 - 1
MAX_FORM_BYTES = 64 * 1024  # a 4,000-character reply in any script, URL-encoded, fits

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def redirect(url: str) -> Response:
    """After a form: 303, so reloading the next page does not post the form again."""
    return RedirectResponse(url, status_code=303)


class Denied(Exception):
    """This member of staff may not see this; answered 403 and recorded as access_denied."""

    def __init__(self, subject_type: str, subject_id: str) -> None:
        super().__init__(subject_type, subject_id)
        self.subject_type = subject_type
        self.subject_id = subject_id


class NotFound(Exception):
    """No such record: answered 404."""


@dataclass
class Ctx:
    """One logged-in request, inside its database transaction."""

    db: Session
    staff: StaffAccount
    login: StaffSession
    now: datetime
    request: Request
    form: dict[str, str] = field(default_factory=dict)

    @property
    def actor(self) -> str:
        """Who acted, as the audit log writes it."""
        return f"staff:{self.staff.id}"

    @property
    def today(self) -> date:
        """Today in England (away dates are days there)."""
        return self.now.astimezone(LOCAL).date()

    def audit(
        self,
        action: str,
        subject_type: str | None = None,
        subject_id: object = None,
        **detail: object,
    ) -> None:
        """Records what this member of staff did, in this request's transaction."""
        self.db.add(
            AuditEvent(
                at=self.now,
                actor=self.actor,
                action=action,
                subject_type=subject_type,
                subject_id=None if subject_id is None else str(subject_id),
                detail=dict(detail),
            )
        )

    def int_param(self, name: str = "id") -> int:
        """A whole-number path parameter (NotFound when too large to be any record's id)."""
        value = int(self.request.path_params[name])
        if value > MAX_ID:  # PostgreSQL's integer would overflow: nothing has that id
            raise NotFound
        return value


Handler = Callable[[Ctx], Response]
# Turns a handler into a logged-in endpoint (session, CSRF, one transaction, headers).
PageWrapper = Callable[[Handler], Callable[[Request], Awaitable[Response]]]


class Renderer(Protocol):
    """What an area module needs from the dashboard to draw a page."""

    def __call__(
        self, template: str, ctx: Ctx | None, *, status: int = 200, **values: Any
    ) -> HTMLResponse: ...


class Area(Protocol):
    """One area of the dashboard: its logged-in pages, each wrapped by the dashboard."""

    def routes(self, wrap: PageWrapper) -> list[Route]: ...


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (cookies are then marked Secure)."""
    return request.url.scheme == "https"


def secure(response: Response) -> Response:
    """The response with the dashboard's security headers set."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


async def read_form(request: Request) -> dict[str, str] | None:
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


async def serve(request: Request, run: Callable[[Request, dict[str, str]], Response]) -> Response:
    """Answers a request with `run(request, form)` (413 when a posted form is too large), with
    the security headers."""
    form: dict[str, str] | None = {}
    if request.method == "POST":
        form = await read_form(request)
        if form is None:
            return secure(HTMLResponse("The form is too large.", status_code=413))
    # `run` does blocking database work: a worker thread keeps the event loop free.
    response = await anyio.to_thread.run_sync(run, request, form)
    return secure(response)
