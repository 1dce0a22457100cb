"""The duty view for team managers and admins: who needs the team's attention now (past
their keeping-in-touch cadence, unreachable, turning 21, said no to support, escalations
that missed their deadline), this month against last, a six-month trend, and a CSV export.

A manager sees their own team only and cannot widen it; an admin sees everyone and may
filter by council and team; anyone else is refused (403, audited)."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import access
from bot.dashboard.duty_chart import charts
from bot.dashboard.web import LOCAL, MAX_ID, Ctx, Denied, NotFound, PageWrapper, Renderer
from bot.keeping_in_touch import duty_export
from bot.keeping_in_touch.duty_report import Scope, duty_report
from bot.keeping_in_touch.duty_trend import MEASURES, duty_trend
from bot.models import Council, Team

log = logging.getLogger(__name__)

DUTY = "/staff/duty"
DUTY_CSV = "/staff/duty.csv"
ANSWERS = {"yes": "Yes, keep my PA", "no": "No thanks", "not_sure": "Not sure yet"}
CHECKINS = {"on": "On", "paused": "Paused by a PA", "stopped": "Stopped (they said stop)"}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP's advice:
    a leading apostrophe)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(LOCAL).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def _team_param(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > MAX_ID:
        raise NotFound
    return int(raw)


class DutyPages:
    """The duty view and its CSV export."""

    def __init__(self, render: Renderer) -> None:
        self._render = render

    def routes(self, wrap: PageWrapper) -> list[Route]:
        return [
            Route(DUTY, wrap(self.duty), methods=["GET"]),
            Route(DUTY_CSV, wrap(self.duty_csv), methods=["GET"]),
        ]

    # Who sees what ----------------------------------------------------------------------

    def _scope(self, ctx: Ctx) -> Scope:
        """The filters asked for, as far as this member of staff may see."""
        if ctx.staff.role not in (access.MANAGER, access.ADMIN):
            raise Denied("page", "duty")
        params = ctx.request.query_params
        council_id = (params.get("council") or "").strip() or None
        team_id = _team_param(params.get("team"))
        if ctx.staff.role == access.MANAGER:
            own = ctx.db.get(Team, ctx.staff.team_id) if ctx.staff.team_id else None
            if own is None:
                raise Denied("page", "duty")
            if team_id not in (None, own.id):
                raise Denied("team", str(team_id))
            if council_id not in (None, own.council_id):
                raise Denied("council", str(council_id))
            return Scope(team_id=own.id)
        if council_id is not None and ctx.db.get(Council, council_id) is None:
            raise NotFound
        if team_id is not None and ctx.db.get(Team, team_id) is None:
            raise NotFound
        return Scope(council_id=council_id, team_id=team_id)

    @staticmethod
    def _describe(ctx: Ctx, scope: Scope) -> str:
        parts = []
        if scope.team_id is not None:
            team = ctx.db.get(Team, scope.team_id)
            parts.append(team.name if team else f"team {scope.team_id}")
        if scope.council_id is not None:
            council = ctx.db.get(Council, scope.council_id)
            parts.append(council.name if council else scope.council_id)
        return ", ".join(parts) or "All councils and teams"

    @staticmethod
    def _query(scope: Scope) -> str:
        wanted = {"council": scope.council_id or "", "team": scope.team_id or ""}
        query = urlencode({k: v for k, v in wanted.items() if v != ""})
        return f"?{query}" if query else ""

    # Pages ------------------------------------------------------------------------------

    def duty(self, ctx: Ctx) -> Response:
        scope = self._scope(ctx)
        report = duty_report(ctx.db, ctx.now, scope)
        trend = duty_trend(ctx.db, ctx.now, scope)
        admin = ctx.staff.role == access.ADMIN
        log.info("duty view staff=%s", ctx.staff.id)
        return self._render(
            "duty.html",
            ctx,
            title="Duty",
            report=report,
            trend=trend,
            measures=MEASURES,
            charts=charts(trend),
            scope=scope,
            scope_name=self._describe(ctx, scope),
            admin=admin,
            councils=ctx.db.execute(select(Council).order_by(Council.name)).scalars().all()
            if admin
            else [],
            teams=ctx.db.execute(select(Team).order_by(Team.name)).scalars().all() if admin else [],
            csv_url=DUTY_CSV + self._query(scope),
            answers=ANSWERS,
            checkins=CHECKINS,
        )

    def duty_csv(self, ctx: Ctx) -> Response:
        scope = self._scope(ctx)
        report = duty_report(ctx.db, ctx.now, scope)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["list", *duty_export.COLUMNS])
        counts = {}
        for figure in duty_export.FIGURES:
            rows = duty_export.records(report, figure, names=True)
            counts[figure] = len(rows)
            for row in rows:
                writer.writerow([figure, *(_cell(row.get(c)) for c in duty_export.COLUMNS)])
        # What was exported and for which scope; never who.
        ctx.audit(
            "duty_report_exported",
            "page",
            "duty",
            council=scope.council_id,
            team=scope.team_id,
            rows=counts,
        )
        log.info("duty report exported staff=%s", ctx.staff.id)
        day = ctx.now.astimezone(LOCAL).date().isoformat()
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="duty-{day}.csv"'},
        )
