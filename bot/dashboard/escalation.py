"""One escalation's page and what staff do there: acknowledge it, reply to the young person,
hand it back to the team, resolve it."""

from __future__ import annotations

import logging

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from bot.advisers import escalations
from bot.dashboard import access, labels
from bot.dashboard.conversation import recent_messages
from bot.dashboard.inbox import staff_names, summary
from bot.dashboard.web import Ctx, Denied, NotFound, PageWrapper, Renderer, redirect
from bot.models import ChannelIdentity, Escalation, Message, OutboxItem

log = logging.getLogger(__name__)

ESCALATIONS = "/staff/escalations"
MAX_REPLY_CHARS = 4000
HISTORY_LIMIT = 50


class EscalationPages:
    """An escalation's page and its actions."""

    def __init__(self, render: Renderer) -> None:
        self._render = render

    def routes(self, wrap: PageWrapper) -> list[Route]:
        """The page (GET) and one POST route per action."""
        one = f"{ESCALATIONS}/{{id:int}}"
        return [
            Route(one, wrap(self.escalation), methods=["GET"]),
            Route(f"{one}/acknowledge", wrap(self.acknowledge), methods=["POST"]),
            Route(f"{one}/reply", wrap(self.reply), methods=["POST"]),
            Route(f"{one}/hand-back", wrap(self.hand_back), methods=["POST"]),
            Route(f"{one}/resolve", wrap(self.resolve), methods=["POST"]),
        ]

    def _get(self, ctx: Ctx) -> Escalation:
        esc = ctx.db.get(Escalation, ctx.int_param())
        if esc is None:
            raise NotFound
        if not access.can_see_escalation(ctx.staff, esc, today=ctx.today):
            raise Denied("escalation", esc.id)
        return esc

    def escalation(self, ctx: Ctx) -> Response:
        """The escalation, the conversation around it and the replies sent."""
        return self._page(ctx, self._get(ctx))

    def _page(
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
        messages = recent_messages(db, who, HISTORY_LIMIT, yp)
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
        esc = self._get(ctx)
        try:
            if action == "acknowledge":
                escalations.acknowledge(ctx.db, esc, ctx.staff, ctx.now)
            elif action == "hand_back":
                escalations.hand_back(ctx.db, esc, ctx.staff, ctx.now)
            elif action == "resolve":
                escalations.resolve(ctx.db, esc, ctx.staff, ctx.now)
        except escalations.EscalationError as exc:
            ctx.db.rollback()
            esc = self._get(ctx)
            return self._page(ctx, esc, error=str(exc), status=409)
        log.info("escalation %s id=%s staff=%s", action, esc.id, ctx.staff.id)
        return redirect(f"{ESCALATIONS}/{esc.id}")

    def acknowledge(self, ctx: Ctx) -> Response:
        """This member of staff is handling it."""
        return self._act(ctx, "acknowledge")

    def hand_back(self, ctx: Ctx) -> Response:
        """Back to the team, for someone else to handle."""
        return self._act(ctx, "hand_back")

    def resolve(self, ctx: Ctx) -> Response:
        """Done with."""
        return self._act(ctx, "resolve")

    def reply(self, ctx: Ctx) -> Response:
        """Queues a message to the young person (the page again, with the draft, if refused)."""
        esc = self._get(ctx)
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
                esc = self._get(ctx)
                error = str(exc)
        if error:
            return self._page(ctx, esc, error=error, draft=text, status=400)
        log.info("escalation reply queued id=%s staff=%s", esc.id, ctx.staff.id)
        return redirect(f"{ESCALATIONS}/{esc.id}")
