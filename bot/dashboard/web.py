"""The dashboard's web core shared by every area: one request's context, the errors a page
raises, and the page contract (a handler takes a Ctx and returns a Response)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.models import AuditEvent, StaffAccount, StaffSession

# Staff work in England; every time is shown in London time.
LOCAL = ZoneInfo("Europe/London")
MAX_ID = 2**31 - 1


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
