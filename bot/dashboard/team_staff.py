"""Dashboard pages for who is working: a PA's away dates and cover, and a manager's view of
their team's advisers (away, cover, duty rota, caseload, where notifications go)."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from bot.advisers import accounts, cover, notify
from bot.dashboard import access
from bot.dashboard.web import Ctx, Denied, NotFound, PageWrapper, Renderer, redirect
from bot.models import PersonalAdviser, StaffAccount, Team, YoungPerson

log = logging.getLogger(__name__)

ADVISERS = "/staff/team/advisers"


def can_manage(staff: StaffAccount, pa: PersonalAdviser) -> bool:
    """A manager for their own team's advisers; an admin for everyone."""
    if not staff.active:
        return False
    if staff.role == access.ADMIN:
        return True
    return staff.role == access.MANAGER and staff.team_id == pa.team_id


def can_set_away(staff: StaffAccount, pa: PersonalAdviser) -> bool:
    """The PA themself, or whoever manages them."""
    return (staff.active and staff.pa_id == pa.id) or can_manage(staff, pa)


def _date(value: str | None) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise cover.CoverError("Write dates as the date picker does (YYYY-MM-DD).") from None


def _cover_id(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise cover.CoverError("Choose a colleague from the list.")
    return int(value)


class TeamStaffPages:
    """Away and cover, and the team's advisers."""

    def __init__(self, render: Renderer) -> None:
        self._render = render

    def routes(self, wrap: PageWrapper) -> list[Route]:
        return [
            Route("/staff/me/away", wrap(self.my_away), methods=["GET", "POST"]),
            Route(ADVISERS, wrap(self.advisers), methods=["GET"]),
            Route(f"{ADVISERS}/{{id:int}}/away", wrap(self.adviser_away), methods=["GET", "POST"]),
            Route(f"{ADVISERS}/{{id:int}}/duty", wrap(self.duty_rota), methods=["POST"]),
        ]

    # Away and cover ---------------------------------------------------------------------

    def my_away(self, ctx: Ctx) -> Response:
        if ctx.staff.pa_id is None:
            return self._render(
                "error.html",
                ctx,
                title="Away and cover",
                message=(
                    "You have no caseload of your own, so nothing needs covering while you "
                    "are away. Managers set an adviser's away dates on the Advisers page."
                ),
            )
        pa = ctx.db.get(PersonalAdviser, ctx.staff.pa_id)
        if pa is None:
            raise NotFound
        return self._away(ctx, pa, done="/staff/me")

    def adviser_away(self, ctx: Ctx) -> Response:
        pa = ctx.db.get(PersonalAdviser, ctx.int_param())
        if pa is None:
            raise NotFound
        if not can_set_away(ctx.staff, pa):
            raise Denied("personal_adviser", pa.id)
        return self._away(ctx, pa, done=ADVISERS)

    def _away(self, ctx: Ctx, pa: PersonalAdviser, *, done: str) -> Response:
        error = ""
        if ctx.request.method == "POST":
            try:
                if ctx.form.get("clear"):
                    wanted = cover.Away(None, None, None)
                else:
                    wanted = cover.Away(
                        _date(ctx.form.get("away_from")),
                        _date(ctx.form.get("away_until")),
                        _cover_id(ctx.form.get("cover_staff_id")),
                    )
                cover.set_away(ctx.db, pa, wanted, actor=ctx.actor, now=ctx.now)
            except cover.CoverError as exc:
                error = str(exc)
            else:
                log.info("away set pa=%s staff=%s", pa.id, ctx.staff.id)
                return redirect(done)
        own = ctx.staff.pa_id == pa.id
        return self._render(
            "away.html",
            ctx,
            status=400 if error else 200,
            title="Away and cover" if own else f"Away and cover: {pa.name}",
            pa=pa,
            own=own,
            away_now=cover.is_away(pa, ctx.today),
            colleagues=cover.colleagues(ctx.db, pa),
            error=error,
            action=ctx.request.url.path,
        )

    # The team's advisers ----------------------------------------------------------------

    def advisers(self, ctx: Ctx) -> Response:
        if ctx.staff.role not in (access.MANAGER, access.ADMIN):
            raise Denied("page", "advisers")
        query = select(PersonalAdviser, Team).join(Team).order_by(Team.name, PersonalAdviser.name)
        if ctx.staff.role == access.MANAGER:
            query = query.where(PersonalAdviser.team_id == ctx.staff.team_id)
        counts = dict(
            ctx.db.execute(
                select(YoungPerson.pa_id, func.count(YoungPerson.id)).group_by(YoungPerson.pa_id)
            ).all()
        )
        accounts = {
            s.pa_id: s
            for s in ctx.db.execute(
                select(StaffAccount).where(StaffAccount.pa_id.is_not(None))
            ).scalars()
        }
        rows = []
        for pa, team in ctx.db.execute(query).all():
            account = accounts.get(pa.id)
            covering = cover.cover_for(pa, ctx.today)
            rows.append(
                {
                    "pa": pa,
                    "team": team.name,
                    "account": account,
                    "caseload": counts.get(pa.id, 0),
                    "away": cover.is_away(pa, ctx.today),
                    "cover": covering.name if covering else None,
                    "reaches": notify.reaches(account) if account and account.active else [],
                }
            )
        return self._render("advisers.html", ctx, title="Advisers", rows=rows)

    def duty_rota(self, ctx: Ctx) -> Response:
        pa = ctx.db.get(PersonalAdviser, ctx.int_param())
        if pa is None:
            raise NotFound
        if not can_manage(ctx.staff, pa):
            raise Denied("personal_adviser", pa.id)
        account = ctx.db.execute(
            select(StaffAccount).where(StaffAccount.pa_id == pa.id)
        ).scalar_one_or_none()
        if account is None:
            raise NotFound
        try:
            accounts.set_duty(
                ctx.db, account, ctx.form.get("on_duty") == "on", by=ctx.staff, now=ctx.now
            )
        except accounts.AccountError as exc:
            ctx.db.rollback()
            return self._render("error.html", ctx, status=400, title="Not saved", message=str(exc))
        return redirect(ADVISERS)
