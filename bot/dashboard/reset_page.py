"""The page a password link opens, /staff/reset/{token}: no session (they cannot log in),
so its form is protected like the log-in form, by a signed double-submit token with its own
short-lived cookie. A used, expired or unknown link gets one page that does not say which."""

from __future__ import annotations

import logging

from sqlalchemy.orm import sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.advisers import auth, password_reset
from bot.advisers.accounts import AccountError
from bot.clock import Clock
from bot.dashboard.web import Renderer, is_https, serve
from bot.models import StaffAccount

log = logging.getLogger(__name__)

RESET_COOKIE = "carebot_reset"
FORM_MAX_AGE = 60 * 60


class ResetPage:
    """The public page that sets a password from a one-time link."""

    def __init__(
        self, render: Renderer, sessions: sessionmaker, clock: Clock, csrf: auth.LoginCsrf
    ) -> None:
        self._render = render
        self._sessions = sessions
        self._clock = clock
        self._csrf = csrf

    def routes(self) -> list[Route]:
        """Its one route, outside the logged-in pages."""
        return [
            Route(f"{password_reset.PATH}/{{token}}", self.endpoint, methods=["GET", "POST"]),
        ]

    async def endpoint(self, request: Request) -> Response:
        """The page: the form on GET, the new password on POST."""
        return await serve(request, self._run)

    def _run(self, request: Request, form: dict[str, str]) -> Response:
        token = request.path_params["token"]
        now = self._clock.now()
        with self._sessions() as db:
            try:
                link = password_reset.check_link(db, token, now)
            except password_reset.InvalidLink:
                return self._not_working()
            staff = db.get(StaffAccount, link.staff_id)
            assert staff is not None
            if request.method != "POST":
                return self._form(request, staff.email, status=200)
            if not self._csrf.check(request.cookies.get(RESET_COOKIE), form.get("reset_token")):
                log.warning("password link form csrf token refused")
                return self._form(
                    request, staff.email, "The form had expired. Please try again.", status=403
                )
            try:
                password_reset.use_link(
                    db, token, form.get("password", ""), form.get("password_again", ""), now
                )
            except password_reset.InvalidLink:
                return self._not_working()
            except AccountError as exc:
                db.rollback()
                return self._form(request, staff.email, str(exc), status=400)
            db.commit()
        response = self._render("reset_password.html", None, title="Password set", state="done")
        response.delete_cookie(RESET_COOKIE, path=password_reset.PATH)
        return response

    def _not_working(self) -> Response:
        return self._render(
            "reset_password.html",
            None,
            status=404,
            title="This link does not work",
            state="invalid",
        )

    def _form(self, request: Request, email: str, error: str = "", *, status: int) -> Response:
        nonce = self._csrf.new_nonce()
        response = self._render(
            "reset_password.html",
            None,
            status=status,
            title="Set your password",
            state="form",
            email=email,
            error=error,
            reset_token=self._csrf.token_for(nonce),
            action=request.url.path,
            min_length=auth.MIN_PASSWORD_LENGTH,
        )
        response.set_cookie(
            RESET_COOKIE,
            nonce,
            max_age=FORM_MAX_AGE,
            path=password_reset.PATH,
            httponly=True,
            samesite="strict",
            secure=is_https(request),
        )
        return response
