"""Young people on the dashboard: the caseload list, one young person's record, and what a PA
changes there (how often the bot checks in, a link code for a new chat)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.responses import Response
from starlette.routing import Route

from bot.advisers import linking
from bot.clock import age_band, age_on
from bot.dashboard import access, labels
from bot.dashboard.checkins import keep_in_touch
from bot.dashboard.conversation import recent_messages
from bot.dashboard.inbox import summary
from bot.dashboard.web import Ctx, Denied, NotFound, PageWrapper, Renderer, redirect
from bot.keeping_in_touch.plans import plan_for
from bot.models import ChannelIdentity, Escalation, Message, YoungPerson

log = logging.getLogger(__name__)

YOUNG_PEOPLE = "/staff/young-people"
HISTORY_LIMIT = 200


class YoungPeoplePages:
    """The caseload, a young person's record, and the settings a PA changes there."""

    def __init__(
        self,
        render: Renderer,
        *,
        public_url: str,
        telegram_bot_username: str | None,
        whatsapp_number: str | None,
    ) -> None:
        self._render = render
        # A link code's page shows every way in: the web chat, Telegram and WhatsApp links.
        self._public_url = public_url
        self._telegram_bot_username = telegram_bot_username
        self._whatsapp_number = whatsapp_number

    def routes(self, wrap: PageWrapper) -> list[Route]:
        """The list, a record, and the record's two POST actions."""
        one = f"{YOUNG_PEOPLE}/{{id:int}}"
        return [
            Route(YOUNG_PEOPLE, wrap(self.young_people), methods=["GET"]),
            Route(one, wrap(self.young_person), methods=["GET"]),
            Route(f"{one}/link-code", wrap(self.link_code), methods=["POST"]),
            Route(f"{one}/keep-in-touch", wrap(self.keep_in_touch), methods=["POST"]),
        ]

    def young_people(self, ctx: Ctx) -> Response:
        """Everyone this member of staff may see: a PA's caseload, a manager's team's."""
        if not access.can_see_young_people(ctx.staff):
            raise Denied("page", "young_people")
        people = (
            ctx.db.execute(
                select(YoungPerson)
                .where(access.young_people_filter(ctx.staff))
                .options(selectinload(YoungPerson.pa))
                .order_by(YoungPerson.preferred_name, YoungPerson.ref)
            )
            .scalars()
            .all()
        )
        today = ctx.now.date()
        rows = []
        for yp in people:
            age = age_on(yp.date_of_birth, today)
            rows.append(
                {
                    "id": yp.id,
                    "name": yp.preferred_name,
                    "ref": yp.ref,
                    "age": age,
                    "band": age_band(age),
                    "support": labels.label(labels.SUPPORT, yp.support_status),
                    "pa": yp.pa.name if yp.pa else None,
                }
            )
        title = {access.PA: "My caseload", access.MANAGER: "Team caseload"}.get(
            ctx.staff.role, "All young people"
        )
        return self._render("young_people.html", ctx, title=title, rows=rows)

    def _get(self, ctx: Ctx) -> YoungPerson:
        yp = ctx.db.get(YoungPerson, ctx.int_param())
        if yp is None:
            raise NotFound
        if not access.can_see_young_person(ctx.staff, yp):
            raise Denied("young_person", yp.id)
        return yp

    def young_person(self, ctx: Ctx) -> Response:
        """One record: support, keeping in touch, channels, open escalations, messages."""
        yp = self._get(ctx)
        db = ctx.db
        age = age_on(yp.date_of_birth, ctx.now.date())
        channels = (
            db.execute(
                select(ChannelIdentity)
                .where(ChannelIdentity.young_person_id == yp.id)
                .order_by(ChannelIdentity.last_seen_at.desc())
            )
            .scalars()
            .all()
        )
        escalations = (
            db.execute(
                select(Escalation)
                .where(
                    Escalation.young_person_id == yp.id,
                    Escalation.status != "resolved",
                    access.escalations_filter(ctx.staff, today=ctx.today),
                )
                .order_by(Escalation.created_at.desc())
            )
            .scalars()
            .all()
        )
        messages = recent_messages(db, Message.young_person_id == yp.id, HISTORY_LIMIT, yp)
        ctx.audit("viewed_messages", "young_person", yp.id)
        log.info("young person viewed id=%s staff=%s", yp.id, ctx.staff.id)
        return self._render(
            "young_person.html",
            ctx,
            title=f"{yp.preferred_name} ({yp.ref})",
            yp=yp,
            age=age,
            band=age_band(age),
            support=labels.label(labels.SUPPORT, yp.support_status),
            circumstances=[labels.label({}, c) for c in (yp.circumstances or [])],
            kit=keep_in_touch(db, yp, ctx.now),
            kit_labels=labels.KEEP_IN_TOUCH,
            channels=[
                {"channel": labels.label(labels.CHANNELS, c.channel), "last_seen": c.last_seen_at}
                for c in channels
            ],
            escalations=[summary(e, ctx.now, {}) for e in escalations],
            messages=messages,
            history_limit=HISTORY_LIMIT,
        )

    def keep_in_touch(self, ctx: Ctx) -> Response:
        """A PA changes how often the bot checks in with one young person, or pauses it."""
        yp = self._get(ctx)
        raw = ctx.form.get("every_weeks", "").strip()
        if raw and (not raw.isdigit() or not 1 <= int(raw) <= 26):
            return self._render(
                "error.html",
                ctx,
                status=400,
                title="Not saved",
                message="Check in every 1 to 26 weeks, or leave it empty.",
            )
        plan = plan_for(ctx.db, yp.id, ctx.now)
        plan.checkin_every_weeks = int(raw) if raw else None
        paused = ctx.form.get("paused") == "on"
        if paused != plan.checkins_paused:
            plan.checkins_paused = paused
            plan.paused_by_id = ctx.staff.id if paused else None
        plan.updated_at = ctx.now
        ctx.audit(
            "keep_in_touch_changed",
            "young_person",
            yp.id,
            every_weeks=plan.checkin_every_weeks,
            paused=paused,
        )
        log.info("keep-in-touch changed young_person=%s staff=%s", yp.id, ctx.staff.id)
        return redirect(f"{YOUNG_PEOPLE}/{yp.id}")

    def link_code(self, ctx: Ctx) -> Response:
        """A one-time code that links a young person's chat to their record."""
        yp = self._get(ctx)
        # create_code records link_code_created in the audit log itself.
        code = linking.create_code(
            ctx.db,
            purpose="young_person",
            young_person_id=yp.id,
            staff_id=None,
            created_by_id=ctx.staff.id,
            now=ctx.now,
        )
        log.info("link code created young_person=%s staff=%s", yp.id, ctx.staff.id)
        return self._render(
            "link_code.html",
            ctx,
            title="Link code",
            yp=yp,
            code=code,
            expires_at=ctx.now + linking.VALID_FOR,
            telegram=linking.telegram_deep_link(self._telegram_bot_username, code),
            whatsapp=linking.whatsapp_link(self._whatsapp_number, code),
            web_chat=f"{self._public_url}/",
        )
