"""A member of staff's own settings: where they are told about escalations, and linking their
Telegram (their away dates are in `team_staff`)."""

from __future__ import annotations

import logging

from starlette.responses import Response
from starlette.routing import Route

from bot.advisers import cover, linking, notify
from bot.dashboard.web import Ctx, PageWrapper, Renderer, redirect

log = logging.getLogger(__name__)

ME = "/staff/me"


class MySettingsPages:
    """My settings, notification choices and the Telegram link code."""

    def __init__(self, render: Renderer, *, telegram_bot_username: str | None) -> None:
        self._render = render
        # Without a Telegram bot there is nothing to link, and the page says so.
        self._telegram_bot_username = telegram_bot_username

    def routes(self, wrap: PageWrapper) -> list[Route]:
        """The page and its two forms."""
        return [
            Route(ME, wrap(self.me), methods=["GET"]),
            Route(f"{ME}/notifications", wrap(self.notifications), methods=["POST"]),
            Route(f"{ME}/telegram-code", wrap(self.telegram_code), methods=["POST"]),
        ]

    def me(self, ctx: Ctx, *, error: str | None = None, status: int = 200) -> Response:
        """Where escalations reach them, their caseload, and whether they are away today."""
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

    def notifications(self, ctx: Ctx) -> Response:
        """Email and Telegram on or off; a named PA must keep one way to be told."""
        staff = ctx.staff
        wanted = (ctx.form.get("notify_email") == "on", ctx.form.get("notify_telegram") == "on")
        before = (staff.notify_email, staff.notify_telegram)
        staff.notify_email, staff.notify_telegram = wanted
        held = notify.caseload(ctx.db, staff)
        if held and not notify.reaches(staff):
            # "I've asked your PA" must reach someone: keep a way to be told.
            staff.notify_email, staff.notify_telegram = before
            return self.me(
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
        return redirect(ME)

    def telegram_code(self, ctx: Ctx) -> Response:
        """A one-time code that links their Telegram, to be told there."""
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
            expires_at=ctx.now + linking.VALID_FOR,
            telegram=linking.telegram_deep_link(self._telegram_bot_username, code),
        )
