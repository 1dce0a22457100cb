"""Escalation lists: a member of staff's own ("My escalations") and the team inbox, with the
PA, how long each has waited, and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, true
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import access, labels
from bot.dashboard.web import Ctx, Denied, PageWrapper, Renderer, redirect
from bot.models import Escalation, PersonalAdviser, StaffAccount

HOME = "/staff/"
TEAM = "/staff/team"
RESOLVED_SHOWN_FOR = timedelta(days=14)
FAR = timedelta(days=36500)
STATUS_FILTERS = {
    "": "Not resolved and recently resolved",
    "waiting": "Not resolved",
    "open": "Open",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved (last 14 days)",
}


def staff_names(db: Session, ids: set[int | None]) -> dict[int, str]:
    """Staff account id -> name, for the ids given (None skipped)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.execute(
        select(StaffAccount.id, StaffAccount.name).where(StaffAccount.id.in_(wanted))
    ).all()
    return {row.id: row.name for row in rows}


def pa_names(db: Session, ids: set[int | None]) -> dict[int, str]:
    """PA record id -> name."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.execute(
        select(PersonalAdviser.id, PersonalAdviser.name).where(PersonalAdviser.id.in_(wanted))
    ).all()
    return {row.id: row.name for row in rows}


def is_overdue(esc: Escalation, now: datetime) -> bool:
    """Open and past its deadline (acknowledged ones are being handled)."""
    return esc.status == "open" and esc.due_at is not None and esc.due_at < now


def waited(since: datetime, now: datetime) -> str:
    """How long an escalation has waited, the way staff say it: 40 min, 5 h, 3 days."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def summary(
    esc: Escalation,
    now: datetime,
    names: dict[int, str],
    pas: dict[int, str] | None = None,
) -> dict[str, Any]:
    """One escalation as the templates show it (names: staff ids; pas: PA record ids)."""
    yp = esc.young_person
    pas = pas or {}
    return {
        "id": esc.id,
        "name": yp.preferred_name if yp else None,
        "ref": yp.ref if yp else None,
        "reason": labels.label(labels.REASONS, esc.reason),
        "urgent": esc.urgency == "urgent",
        "status": esc.status,
        "overdue": is_overdue(esc, now),
        "created_at": esc.created_at,
        "waited": waited(esc.created_at, now) if esc.status != "resolved" else "",
        "due_at": esc.due_at,
        "resolved_at": esc.resolved_at,
        "routing": labels.label(labels.ROUTINGS, esc.routing),
        "reescalated": esc.reescalated_at is not None,
        "handling": names.get(esc.handling_staff_id) if esc.handling_staff_id else None,
        "pa": pas.get(esc.pa_id) if esc.pa_id else None,
        "cover": names.get(esc.cover_staff_id) if esc.cover_staff_id else None,
    }


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to, read from the query string (unknown values ignored)."""

    status: str = ""
    urgent: bool = False
    overdue: bool = False
    pa_id: int | None = None

    @classmethod
    def read(cls, query: Any) -> Filters:
        status = query.get("status", "")
        pa = query.get("pa", "")
        return cls(
            status=status if status in STATUS_FILTERS else "",
            urgent=query.get("urgent") == "1",
            overdue=query.get("overdue") == "1",
            pa_id=int(pa) if pa.isdigit() and len(pa) < 10 else None,
        )

    def where(self, now: datetime) -> ColumnElement[bool]:
        found: list[ColumnElement[bool]] = []
        if self.status in ("open", "acknowledged", "resolved"):
            found.append(Escalation.status == self.status)
        if self.urgent:
            found.append(Escalation.urgency == "urgent")
        if self.overdue:
            found += [Escalation.status == "open", Escalation.due_at < now]
        if self.pa_id is not None:
            found.append(Escalation.pa_id == self.pa_id)
        return and_(true(), *found)

    @property
    def active(self) -> bool:
        return self != Filters()


def escalation_rows(ctx: Ctx, where: ColumnElement[bool], filters: Filters) -> list[dict]:
    """Open first (overdue, then urgent, then soonest due), acknowledged, then the
    recently resolved, newest first."""
    db = ctx.db
    where = and_(where, filters.where(ctx.now))
    unresolved: list[Escalation] = []
    resolved: list[Escalation] = []
    if filters.status != "resolved":
        unresolved = list(
            db.execute(
                select(Escalation)
                .where(where, Escalation.status != "resolved")
                .options(selectinload(Escalation.young_person))
            ).scalars()
        )
    if filters.status in ("", "resolved"):
        resolved = list(
            db.execute(
                select(Escalation)
                .where(
                    where,
                    Escalation.status == "resolved",
                    Escalation.resolved_at >= ctx.now - RESOLVED_SHOWN_FOR,
                )
                .options(selectinload(Escalation.young_person))
                .order_by(Escalation.resolved_at.desc())
                .limit(50)
            ).scalars()
        )

    def order(esc: Escalation) -> tuple[Any, ...]:
        return (
            0 if esc.status == "open" else 1,
            not is_overdue(esc, ctx.now),
            esc.urgency != "urgent",
            esc.due_at or ctx.now + FAR,
            esc.created_at,
            esc.id,
        )

    escalations = sorted(unresolved, key=order) + resolved
    names = staff_names(
        db, {e.handling_staff_id for e in escalations} | {e.cover_staff_id for e in escalations}
    )
    pas = pa_names(db, {e.pa_id for e in escalations})
    return [summary(esc, ctx.now, names, pas) for esc in escalations]


class InboxPages:
    """Home ("My escalations") and the team inbox."""

    def __init__(self, render: Renderer) -> None:
        self._render = render

    def routes(self, wrap: PageWrapper) -> list[Route]:
        return [
            Route(HOME, wrap(self.home), methods=["GET"]),
            Route(TEAM, wrap(self.team), methods=["GET"]),
        ]

    def home(self, ctx: Ctx) -> Response:
        if ctx.staff.role == access.EDITOR:
            return redirect("/staff/unanswered")
        filters = Filters.read(ctx.request.query_params)
        where = access.my_escalations_filter(ctx.staff, today=ctx.today)
        return self._list(ctx, "My escalations", where, filters, "Nothing needs you right now.")

    def team(self, ctx: Ctx) -> Response:
        if not access.can_see_team_inbox(ctx.staff):
            raise Denied("page", "team")
        title = "All escalations" if ctx.staff.role == access.ADMIN else "Team inbox"
        filters = Filters.read(ctx.request.query_params)
        where = access.team_escalations_filter(ctx.staff)
        return self._list(ctx, title, where, filters, "Nothing is waiting for the team.")

    def _list(
        self, ctx: Ctx, title: str, where: ColumnElement[bool], filters: Filters, empty: str
    ) -> Response:
        # The PA choices are the PAs of what this person may see, so nothing new is revealed.
        pa_ids = ctx.db.execute(select(Escalation.pa_id).where(where).distinct()).scalars()
        choices = sorted(pa_names(ctx.db, set(pa_ids)).items(), key=lambda item: item[1])
        return self._render(
            "escalations.html",
            ctx,
            title=title,
            rows=escalation_rows(ctx, where, filters),
            empty="Nothing matches these filters." if filters.active else empty,
            filters=filters,
            status_filters=STATUS_FILTERS,
            pa_choices=choices,
            show_handling=ctx.request.url.path == TEAM,
        )
