"""Staff accounts on the dashboard: the list, adding a PA, one account's page with its
actions (role, deactivate, reactivate, unlock, password link, duty rota), and reassigning a
caseload. Admins do everything; a team manager sees their team's accounts, unlocks and
makes password links for their team's PAs, sets the duty rota and moves caseloads between
their team's PAs. The public page that uses a password link is in `reset_page`."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from starlette.responses import Response
from starlette.routing import Route

from bot.advisers import accounts, auth, caseload, notify, password_reset
from bot.advisers.accounts import AccountError
from bot.clock import Clock
from bot.dashboard import access
from bot.dashboard.access import MANAGER, PA, ROLES
from bot.dashboard.reset_page import ResetPage
from bot.dashboard.web import Ctx, Denied, NotFound, PageWrapper, Renderer, redirect
from bot.models import PersonalAdviser, StaffAccount, Team

log = logging.getLogger(__name__)

ACCOUNTS = "/staff/accounts"
# After an action, the account's page says what happened (a fixed text per action).
DONE = {
    "role": "Role changed.",
    "deactivate": "Account deactivated: every session of theirs has ended.",
    "reactivate": "Account reactivated. They can log in with their password, or a new link.",
    "unlock": "Unlocked: they can try to log in again on any device.",
    "duty": "Duty rota changed.",
}


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


class AccountPages:
    """`AccountPages(render).routes(page)` for the logged-in pages; `public_routes` for the
    page a password link opens (no session)."""

    def __init__(
        self,
        render: Renderer,
        *,
        public_url: str | None = None,
        email_enabled: bool = False,
        default_language: str = "en",
    ) -> None:
        self._render = render
        self._public_url = public_url
        self._email_enabled = email_enabled
        self._default_language = default_language

    def routes(self, wrap: PageWrapper) -> list[Route]:
        return [
            Route(ACCOUNTS, wrap(self.list), methods=["GET"]),
            Route(f"{ACCOUNTS}/new", wrap(self.new), methods=["GET", "POST"]),
            Route(f"{ACCOUNTS}/{{id:int}}", wrap(self.detail), methods=["GET"]),
            Route(f"{ACCOUNTS}/{{id:int}}/reassign", wrap(self.reassign), methods=["GET", "POST"]),
            Route(f"{ACCOUNTS}/{{id:int}}/{{action:str}}", wrap(self.act), methods=["POST"]),
        ]

    def public_routes(
        self, sessions: sessionmaker, clock: Clock, login_csrf: auth.LoginCsrf
    ) -> list[Route]:
        return ResetPage(self._render, sessions, clock, login_csrf).routes()

    # The list ---------------------------------------------------------------------------

    def list(self, ctx: Ctx) -> Response:
        staff = ctx.staff
        if not access.can_see_accounts(staff):
            raise Denied("page", "accounts")
        query = select(StaffAccount).order_by(StaffAccount.active.desc(), StaffAccount.name)
        if not access.can_add_staff(staff):
            query = query.where(StaffAccount.team_id == staff.team_id)
        people = list(ctx.db.execute(query).scalars())
        teams = dict(ctx.db.execute(select(Team.id, Team.name)).all())
        held = caseload.counts(ctx.db)
        waiting = auth.throttled_until(ctx.db, [s.id for s in people], ctx.now)
        rows = [
            {
                "account": s,
                "team": teams.get(s.team_id),
                "caseload": held.get(s.pa_id, 0) if s.pa_id else None,
                "locked_until": waiting.get(s.id),
            }
            for s in people
        ]
        return self._render(
            "accounts.html",
            ctx,
            title="Staff accounts",
            rows=rows,
            admin=access.can_add_staff(staff),
        )

    # Adding a PA ------------------------------------------------------------------------

    def new(self, ctx: Ctx) -> Response:
        if not access.can_add_staff(ctx.staff):
            raise Denied("page", "accounts_new")
        error, values = "", {k: ctx.form.get(k, "") for k in ("name", "email", "phone", "team_id")}
        if ctx.request.method == "POST":
            try:
                added = accounts.add_pa(
                    ctx.db,
                    name=values["name"],
                    email=values["email"],
                    phone=values["phone"],
                    team_id=_int(values["team_id"]),
                    by=ctx.staff,
                    now=ctx.now,
                )
                link = self._make_link(ctx, added.account)
            except AccountError as exc:
                ctx.db.rollback()
                error = str(exc)
            else:
                return self._account_page(ctx, added.account, link=link, done="PA added.")
        teams = list(ctx.db.execute(select(Team).order_by(Team.name)).scalars())
        return self._render(
            "account_new.html",
            ctx,
            status=400 if error else 200,
            title="Add a PA",
            teams=teams,
            values=values,
            error=error,
        )

    # One account ------------------------------------------------------------------------

    def _get(self, ctx: Ctx) -> StaffAccount:
        account = ctx.db.get(StaffAccount, ctx.int_param())
        if account is None:
            raise NotFound
        if not access.can_see_account(ctx.staff, account):
            raise Denied("staff", account.id)
        return account

    def detail(self, ctx: Ctx) -> Response:
        account = self._get(ctx)
        done = DONE.get(ctx.request.query_params.get("done", ""), "")
        if ctx.request.query_params.get("done") == "reassigned":
            moved, told = (_int(ctx.request.query_params.get(k)) or 0 for k in ("moved", "told"))
            done = (
                f"Moved {moved} young {'person' if moved == 1 else 'people'}; {told} will get "
                "a message telling them who their new PA is."
            )
        return self._account_page(ctx, account, done=done)

    def _account_page(
        self,
        ctx: Ctx,
        account: StaffAccount,
        *,
        done: str = "",
        error: str = "",
        warnings: list[str] | None = None,
        link: password_reset.ResetLink | None = None,
        status: int = 200,
    ) -> Response:
        team = ctx.db.get(Team, account.team_id) if account.team_id else None
        return self._render(
            "account.html",
            ctx,
            status=status,
            title=account.name,
            account=account,
            team=team,
            caseload=notify.caseload(ctx.db, account),
            locked_until=auth.throttled_until(ctx.db, [account.id], ctx.now).get(account.id),
            roles=ROLES,
            admin=access.can_add_staff(ctx.staff),
            can_help=access.can_help_account(ctx.staff, account),
            can_duty=account.role in (PA, MANAGER),
            done=done,
            error=error,
            warnings=warnings or [],
            link=link,
        )

    def act(self, ctx: Ctx) -> Response:
        account = self._get(ctx)
        action = ctx.request.path_params["action"]
        admin_only = {"role", "deactivate", "reactivate"}
        if action in admin_only and not access.can_add_staff(ctx.staff):
            raise Denied("staff", account.id)
        if action in ("unlock", "reset-link") and not access.can_help_account(ctx.staff, account):
            raise Denied("staff", account.id)
        by, now, db = ctx.staff, ctx.now, ctx.db
        try:
            if action == "role":
                accounts.change_role(db, account, ctx.form.get("role", ""), by=by, now=now)
            elif action == "deactivate":
                result = accounts.deactivate(db, account, by=by, now=now)
                if result.warnings:
                    return self._account_page(
                        ctx, account, done=DONE[action], warnings=result.warnings
                    )
            elif action == "reactivate":
                accounts.reactivate(db, account, by=by, now=now)
            elif action == "unlock":
                accounts.unlock(db, account, by=by, now=now)
            elif action == "duty":
                accounts.set_duty(db, account, ctx.form.get("on_duty") == "on", by=by, now=now)
            elif action == "reset-link":
                return self._account_page(ctx, account, link=self._make_link(ctx, account))
            else:
                raise NotFound
        except AccountError as exc:
            db.rollback()
            return self._account_page(ctx, account, error=str(exc), status=400)
        log.info("account %s staff=%s by=%s", action, account.id, ctx.staff.id)
        return redirect(f"{ACCOUNTS}/{account.id}?done={action}")

    def _make_link(self, ctx: Ctx, account: StaffAccount) -> password_reset.ResetLink:
        public_url = self._public_url or str(ctx.request.base_url)
        return password_reset.make_link(
            ctx.db,
            account,
            by=ctx.staff,
            now=ctx.now,
            public_url=public_url,
            email_enabled=self._email_enabled,
        )

    # Reassigning a caseload -------------------------------------------------------------

    def reassign(self, ctx: Ctx) -> Response:
        account = self._get(ctx)
        from_pa = account.pa
        if from_pa is None:
            raise NotFound
        if not access.can_move_caseload(ctx.staff, from_pa, None):
            raise Denied("staff", account.id)
        error = ""
        if ctx.request.method == "POST":
            error, moved = self._move(ctx, from_pa)
            if moved is not None:
                return redirect(
                    f"{ACCOUNTS}/{account.id}?done=reassigned&moved={moved.moved}&told={moved.told}"
                )
        team_id = None if access.can_add_staff(ctx.staff) else ctx.staff.team_id
        return self._render(
            "account_reassign.html",
            ctx,
            status=400 if error else 200,
            title=f"Reassign {from_pa.name}'s caseload",
            account=account,
            people=caseload.caseload_of(ctx.db, from_pa),
            choices=caseload.choices(ctx.db, from_pa, team_id=team_id),
            counts=caseload.counts(ctx.db),
            chosen=_int(ctx.form.get("to_pa_id")),
            ticked={k for k, v in ctx.form.items() if k.startswith("yp") and v == "on"},
            error=error,
        )

    def _move(self, ctx: Ctx, from_pa: PersonalAdviser) -> tuple[str, caseload.Reassigned | None]:
        to_id = _int(ctx.form.get("to_pa_id"))
        to_pa = ctx.db.get(PersonalAdviser, to_id) if to_id is not None else None
        if to_pa is None:
            return "Choose the PA to move them to.", None
        if not access.can_move_caseload(ctx.staff, from_pa, to_pa):
            raise Denied("personal_adviser", to_pa.id)
        ids = None
        if ctx.form.get("move") != "all":
            ids = {
                n
                for k, v in ctx.form.items()
                if k.startswith("yp") and v == "on" and (n := _int(k[2:])) is not None
            }
        try:
            result = caseload.reassign(
                ctx.db,
                from_pa,
                to_pa,
                young_person_ids=ids,
                by=ctx.staff,
                now=ctx.now,
                default_language=self._default_language,
            )
        except AccountError as exc:
            ctx.db.rollback()
            return str(exc), None
        return "", result
