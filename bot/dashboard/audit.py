"""The audit log (who did what, for managers and admins) and the questions the bot could not
answer (for content editors, with names masked)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import access
from bot.dashboard.inbox import staff_names
from bot.dashboard.masking import Masker
from bot.dashboard.web import Ctx, Denied, PageWrapper, Renderer
from bot.models import AuditEvent, Message, PersonalAdviser, StaffAccount, YoungPerson

log = logging.getLogger(__name__)

AUDIT_PAGE_SIZE = 100
UNANSWERED_DAYS = 30
UNANSWERED_INTENTS = ("nlu_fallback", "out_of_scope")


def _actor(actor: str, names: dict[int, str]) -> str:
    """A staff actor with their name: "Sam Ortiz (staff:3)"; any other actor as it is."""
    if actor.startswith("staff:") and actor[6:].isdigit():
        return f"{names.get(int(actor[6:]), 'unknown')} ({actor})"
    return actor


class AuditPages:
    """The audit log and the unanswered questions."""

    def __init__(self, render: Renderer) -> None:
        self._render = render

    def routes(self, wrap: PageWrapper) -> list[Route]:
        """Both pages (read-only)."""
        return [
            Route("/staff/audit", wrap(self.audit), methods=["GET"]),
            Route("/staff/unanswered", wrap(self.unanswered), methods=["GET"]),
        ]

    def audit(self, ctx: Ctx) -> Response:
        """The audit log, newest first, a page at a time."""
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
        rows = [
            {
                "at": e.at,
                "actor": _actor(e.actor, names),
                "action": e.action,
                "subject": f"{e.subject_type}:{e.subject_id}" if e.subject_type else "",
                "detail": json.dumps(e.detail or {}, sort_keys=True, ensure_ascii=False)
                if e.detail
                else "",
            }
            for e in events
        ]
        return self._render(
            "audit.html",
            ctx,
            title="Audit log",
            rows=rows,
            page=page,
            has_next=has_next,
        )

    def unanswered(self, ctx: Ctx) -> Response:
        """What young people asked that the bot could not answer, grouped, most asked first."""
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
