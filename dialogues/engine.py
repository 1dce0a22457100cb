"""The one inbound path: normalised message -> who -> understand -> handler -> stored reply."""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox, payloads
from bot.advisers import escalations, linking, reach
from bot.clock import Clock, SystemClock, age_band, age_on
from bot.content import Offer
from bot.i18n import Translator, normalise_language
from bot.logsafe import where
from bot.messages import Button, InboundMessage, OutgoingMessage, Turn
from bot.models import (
    ChannelIdentity,
    ConversationState,
    Council,
    Escalation,
    Message,
    StaffAccount,
    Team,
    YoungPerson,
)
from bot.server_keys import ERASE_KEY, erased_id, server_key
from dialogues import routes, typed_answers, unstored
from dialogues.context import Reply, TurnContext
from dialogues.handlers import (
    fallback,
    keeping_in_touch,
    language,
    offer,
    privacy,
    safety,
    small_talk,
    staff,
)
from dialogues.handlers import linking as linking_handler
from dialogues.handlers.common import slow_down_text
from dialogues.language_detect import detect as detect_language
from dialogues.understanding import (
    MAX_PARSED_CHARS,
    SAFETY_INTENTS,
    Understander,
    Understanding,
)
from nlu import Interpreter
from nlu.risk import RiskDetector, default_detector

log = logging.getLogger(__name__)

_COUNCIL_ID = re.compile(r"[a-z][a-z0-9-]{0,63}")
# After a risk message, a topic answer needs at least this confidence; below it, the bot
# checks they are safe instead.
CLEAR_CONFIDENCE = 0.6
# Seconds a council's duty team is remembered for the answer without the database.
DUTY_TEAM_TTL = 600.0
# Turns that run at once in one process, by database (see DialogueEngine.__init__).
TURNS_AT_ONCE = {"sqlite": 1, "postgresql": 2}


def clean_text(text: str | None) -> str:
    """NFC, no NUL or other control characters (PostgreSQL refuses NUL), no lone surrogates."""
    if not text:
        return ""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


def _summary(esc: Escalation) -> dict[str, Any]:
    """An escalation as the chat protocol prints it."""
    return {
        "id": esc.id,
        "reason": esc.reason,
        "urgency": esc.urgency,
        "status": esc.status,
        "routing": esc.routing,
        "routed_to": "pa" if esc.pa_id else ("team" if esc.team_id else "none"),
        "duty_notified": esc.duty_notified,
        "due_at": esc.due_at.isoformat() if esc.due_at else None,
    }


class DialogueEngine:
    """The bot's one way in for every channel and the CLI: each message is stored, understood,
    answered by a handler and its reply stored, in one transaction per turn."""

    def __init__(
        self,
        sessions: sessionmaker,
        interpreter: Interpreter,
        offer_source: Callable[[], Offer],
        *,
        clock: Clock | None = None,
        default_language: str = "en",
        default_council: str | None = None,
        risk: RiskDetector | None = None,
        public_url: str = "http://127.0.0.1:8080",
    ) -> None:
        self._sessions = sessions
        self._understander = Understander(interpreter, risk or default_detector())
        # Hashes the chat ids of deleted conversations (dialogues/handlers/privacy.py).
        self._erase_key = server_key(sessions, ERASE_KEY)
        self._offer_source = offer_source
        self.clock = clock or SystemClock()
        self._default_language = default_language
        self._default_council = default_council
        self._public_url = public_url
        # Called after a turn that may have queued outbox messages (wakes the dispatcher).
        self.on_outbox: Callable[[], None] | None = None
        # One turn at a time per person, so two quick messages cannot race on their state.
        self._locks: weakref.WeakValueDictionary[tuple[str, str], threading.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._locks_guard = threading.Lock()
        # Council ids known to have their database row (see _council_exists).
        self._councils_seen: set[str] = set()
        # Each council's duty team as last read, for the answer without the database.
        self._duty_teams: dict[str, tuple[float, Team | None]] = {}
        # A turn is mostly Python holding the GIL. Run several at once and they only take
        # turns at it, each holding its database lock (SQLite's one writer, a row lock on
        # PostgreSQL) the longer, while the event loop waits for the GIL to read requests.
        # On SQLite one at a time, the rest queue in order: at 60 web messages/s, p99 0.1-1.9 s
        # against 3-12 s with no limit, and 2 or 3 at once were worse than 1 (web_load.py).
        # On PostgreSQL a turn waits for the server about a quarter of its time and locks only
        # its own chat's row, so a second turn uses the CPU meanwhile: with two processes at
        # 80 and 100 messages/s, p99 108-202 ms with 2 against 118-266 ms with 1 (paired runs).
        backend = sessions.kw["bind"].dialect.name if sessions.kw.get("bind") else "sqlite"
        self._turns = threading.BoundedSemaphore(TURNS_AT_ONCE.get(backend, 1))

    # -- public API used by channel adapters and the CLI ----------------------------------

    def handle(self, inbound: InboundMessage) -> Turn:
        """Answer one inbound message. Turns for one chat run one at a time in this process (a
        second message waits); a redelivered message id gets the stored reply, not a new one."""
        with self._lock_for(inbound.channel, inbound.sender_id), self._turns:
            started = time.perf_counter()
            turn = self._handle(inbound)
            log.info(
                "turn channel=%s kind=%s intent=%s confidence=%s topic=%s safety=%s "
                "duplicate=%s ms=%.1f",
                inbound.channel,
                inbound.kind,
                turn.intent,
                None if turn.confidence is None else round(turn.confidence, 3),
                turn.topic,
                turn.safety,
                turn.duplicate,
                (time.perf_counter() - started) * 1000,
            )
            return turn

    def identify(
        self,
        channel: str,
        sender_id: str,
        *,
        young_person_ref: str | None = None,
        council_id: str | None = None,
        language: str | None = None,
    ) -> ChannelIdentity:
        """Get or create an identity and apply what an operator tool knows about it."""
        with self._sessions.begin() as session:
            identity = self._identity(session, channel, sender_id)
            if young_person_ref is not None:
                yp = session.execute(
                    select(YoungPerson).where(YoungPerson.ref == young_person_ref)
                ).scalar_one_or_none()
                if yp is None:
                    raise LookupError(f"no young person with reference {young_person_ref!r}")
                identity.young_person_id = yp.id
            if council_id is not None:
                if (
                    not _COUNCIL_ID.fullmatch(council_id)
                    or session.get(Council, council_id) is None
                ):
                    raise LookupError(f"no council with id {council_id!r}")
                identity.council_id = council_id
            if language is not None:
                code = normalise_language(language)
                if code is None:
                    raise LookupError(f"no translation for language {language!r}")
                identity.language = code
            return identity

    def pushed_since(
        self, channel: str, sender_id: str, after_id: int, limit: int = 50
    ) -> list[tuple[int, OutgoingMessage, str | None]]:
        """Messages sent to this chat without being asked (a PA's reply, a check-in), newest
        last, with the PA's name when a PA wrote it, for channels with no push of their own
        (the web chat polls this)."""
        with self._sessions() as session:
            identity = session.execute(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.external_id == sender_id
                )
            ).scalar_one_or_none()
            if identity is None:
                return []
            rows = session.execute(
                select(Message.id, Message.text, StaffAccount.name)
                .outerjoin(StaffAccount, StaffAccount.id == Message.author_staff_id)
                .where(
                    Message.identity_id == identity.id,
                    Message.direction == "out",
                    Message.source != "bot",
                    Message.id > after_id,
                )
                .order_by(Message.id)
                .limit(limit)
            ).all()
            return [(row.id, OutgoingMessage(row.text or ""), row.name) for row in rows]

    def must_pass(self, inbound: InboundMessage) -> bool:
        """True for a message no flood limit may hold back (risk, stop, a safety button)."""
        return self._understander.must_pass(clean_text(inbound.text), inbound.payload)

    def slow_down(self, channel: str, sender_id: str) -> OutgoingMessage:
        """The line a flood limit sends instead of an answer, in the chat's language."""
        with self._sessions() as session:
            language = session.execute(
                select(ChannelIdentity.language).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.external_id == sender_id
                )
            ).scalar_one_or_none()
        return OutgoingMessage(slow_down_text(Translator(language or self._default_language)))

    def mark_unreachable(self, channel: str, sender_id: str, reason: str = "blocked") -> None:
        """The channel says this chat cannot be reached (a blocked bot): record it once and
        tell the young person's PA."""
        with self._sessions.begin() as session:
            identity = self._identity(session, channel, sender_id)
            reach.mark_unreachable(
                session, identity, self.clock.now(), reason=reason, public_url=self._public_url
            )

    def rename_sender(self, channel: str, old: str, new: str) -> None:
        """The chat keeps its history under a new channel id (the web chat rotates its
        visitor token when a chat is linked, so a token planted earlier is worth nothing)."""
        with self._lock_for(channel, old), self._sessions.begin() as session:
            identity = self._identity(session, channel, old)
            identity.external_id = new

    def forget_sender(self, channel: str, sender_id: str) -> None:
        """ "Forget this device": the chat is no longer linked to the young person, and its
        id is replaced by a random one nobody holds (their history stays for their PA)."""
        with self._lock_for(channel, sender_id), self._sessions.begin() as session:
            identity = session.execute(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.external_id == sender_id
                )
            ).scalar_one_or_none()
            if identity is None:
                return
            identity.young_person_id = None
            identity.external_id = f"forgotten:{secrets.token_urlsafe(18)}"
            session.execute(
                delete(ConversationState).where(ConversationState.identity_id == identity.id)
            )

    def reset(self, channel: str, sender_id: str) -> None:
        """Forget the conversation's state (not its history)."""
        with self._sessions.begin() as session:
            identity = self._identity(session, channel, sender_id)
            session.execute(
                delete(ConversationState).where(ConversationState.identity_id == identity.id)
            )

    # -- the turn ----------------------------------------------------------------------------

    def _lock_for(self, channel: str, sender_id: str) -> threading.Lock:
        with self._locks_guard:
            key = (channel, sender_id)
            lock = self._locks.get(key)
            if lock is None:
                lock = threading.Lock()
                self._locks[key] = lock
            return lock

    def _handle(self, inbound: InboundMessage) -> Turn:
        text = clean_text(inbound.text)
        shown_input = text if inbound.kind != "button" else f"/button {clean_text(inbound.payload)}"
        now = self.clock.now()
        # What the classifiers made of it, once read: kept for the answer without the
        # database should the turn fail after reading.
        reading: list[Understanding | Exception | None] = []
        try:
            return self._stored_turn(inbound, text, shown_input, now, reading)
        except Exception as exc:
            # The database failed (unreachable, full, a commit refused), or a bug outside the
            # handlers: nothing is kept, but they are still answered.
            read = reading[0] if reading else self._read_first(inbound, text)
            return self._unstored(inbound, text, shown_input, now, read, exc)

    def _stored_turn(
        self,
        inbound: InboundMessage,
        text: str,
        shown_input: str,
        now: Any,
        reading: list[Understanding | Exception | None],
    ) -> Turn:
        session: Session = self._sessions()
        try:
            identity = self._identity(session, inbound.channel, inbound.sender_id, lock=True)
            # Read after the chat's row is locked (PostgreSQL), so one chat's turns go in the
            # order they arrived however long each takes to read, and before anything is
            # written: on SQLite, whose one write lock covers the whole database, the first
            # write takes it until the turn commits, and every other chat's turn would wait
            # out the classifiers too.
            read = self._read_first(inbound, text)
            reading.append(read)
            self._apply_choices(session, identity, inbound)
            identity.last_seen_at = now
            # Writing to us proves the chat works again.
            identity.unreachable_at = None
            stored = Message(
                identity_id=identity.id,
                young_person_id=identity.young_person_id,
                direction="in",
                channel=inbound.channel,
                external_id=inbound.message_id,
                kind=inbound.kind,
                text=text if inbound.kind != "button" else clean_text(inbound.payload),
                created_at=now,
            )
            session.add(stored)
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                # Seen before (a retry after a lost response or a restart): the same reply
                # again, so a young person in crisis still gets the numbers.
                return self._replay(session, inbound, shown_input)
            # Read once: for a chat with no state yet, a second get would query again.
            state = session.get(ConversationState, identity.id)
            ctx = self._context(session, identity, text, now, state)
            self._remember_duty_team(session, ctx.council_id)
            try:
                code = linking.typed_code(text) if inbound.kind == "text" else None
                if isinstance(read, Exception):
                    raise read  # answered politely below, the message kept
                if code is not None:
                    # A link code is not a question: never classified, logged or kept.
                    stored.text = "[link code]"
                    understanding = Understanding(intent="link_code", confidence=1.0)
                elif read is None:
                    understanding = self._understander.button(
                        inbound.payload, ctx.offer.topic_ids()
                    )
                elif inbound.kind == "text":
                    understanding = self._typed_answer(ctx, read)
                else:
                    understanding = read
                if code is not None:
                    reply = linking_handler.redeem(ctx, code)
                elif identity.staff_id is not None and understanding.safety is None:
                    reply = staff.handle(ctx, inbound, text)
                else:
                    reply = self._route(ctx, inbound, text, understanding)
            except SQLAlchemyError:
                raise  # the database failing: answered without it (_unstored)
            except Exception:
                # The message is kept and answered politely; the cause goes to the log, no text.
                log.exception("handler failed channel=%s identity=%s", inbound.channel, identity.id)
                session.rollback()
                return self._apologise(inbound, text, shown_input, now, read)
            if not reply.erased:
                stored.intent = understanding.intent
                stored.confidence = understanding.confidence
                stored.topic = reply.topic
                stored.safety = understanding.safety
                self._save_state(session, identity, reply, now, state)
            # An erased conversation took the message with it: the reply answers nothing kept.
            answering = None if reply.erased else stored
            self._store_replies(session, identity, inbound.channel, reply, now, answering)
            session.flush()
            escalation = _summary(reply.escalation) if reply.escalation is not None else None
            queued = outbox.queued_in(session)
            # Should the connection drop just as the server commits, this turn is logged as
            # not stored although it was: a retry of the message id then gets the replay.
            session.commit()
            if queued:
                self._wake_outbox()
            return Turn(
                input=shown_input,
                language=ctx.t.language,
                messages=tuple(reply.messages),
                intent=understanding.intent,
                confidence=understanding.confidence,
                topic=reply.topic,
                safety=understanding.safety,
                escalation=escalation,
            )
        finally:
            session.close()

    def _remember_duty_team(self, session: Session, council_id: str | None) -> None:
        """A council's first team (whom TurnContext.team gives someone not linked), read
        again every DUTY_TEAM_TTL seconds: in an outage its duty number is still given."""
        if council_id is None:
            return
        seen = self._duty_teams.get(council_id)
        if seen is not None and time.monotonic() - seen[0] < DUTY_TEAM_TTL:
            return
        row = session.execute(
            select(Team.name, Team.phone, Team.duty_phone)
            .where(Team.council_id == council_id)
            .order_by(Team.id)
            .limit(1)
        ).first()
        # A copy bound to no session: it outlives this turn's.
        team = Team(council_id=council_id, **row._asdict()) if row is not None else None
        self._duty_teams[council_id] = (time.monotonic(), team)

    def _wake_outbox(self) -> None:
        if self.on_outbox is None:
            return
        try:
            self.on_outbox()
        except Exception:  # the turn is kept: the dispatcher's own poll sends it
            log.exception("waking the outbox failed")

    def _read_first(self, inbound: InboundMessage, text: str) -> Understanding | Exception | None:
        """What the classifiers make of a message that is not a button: they need only the
        text. None for a button and for a link code (never classified); if reading failed,
        the exception, raised where the turn answers failures politely, unless the risk
        checks alone find a risk in it: then that reading, so the risk is answered and
        escalated as on any day."""
        try:
            return self._read(inbound, text)
        except Exception as exc:
            if inbound.kind != "text":
                return exc
            try:
                risk_only = self._understander.unparsed(text)
            except Exception:
                return exc
            if risk_only.safety is None:
                return exc
            log.error("classifying failed, a risk found all the same error=%s", type(exc).__name__)
            return risk_only

    def _read(self, inbound: InboundMessage, text: str) -> Understanding | None:
        if inbound.kind == "button":
            return None
        if inbound.kind == "text":
            if linking.typed_code(text) is not None:
                return None
            return self._understander.text(text)
        return self._understander.unparsed(text)

    def _apologise(
        self,
        inbound: InboundMessage,
        text: str,
        shown_input: str,
        now: Any,
        read: Understanding | Exception | None,
    ) -> Turn:
        with self._sessions.begin() as session:
            identity = self._identity(session, inbound.channel, inbound.sender_id)
            state = session.get(ConversationState, identity.id)
            ctx = self._context(session, identity, text, now, state)
            risk = read.safety if isinstance(read, Understanding) else None
            reply = small_talk.sorry_error(ctx, risk)
            stored = Message(
                identity_id=identity.id,
                young_person_id=identity.young_person_id,
                direction="in",
                channel=inbound.channel,
                external_id=inbound.message_id,
                kind=inbound.kind,
                text=text,
                created_at=now,
            )
            session.add(stored)
            session.flush()
            self._store_replies(session, identity, inbound.channel, reply, now, stored)
            return Turn(input=shown_input, language=ctx.t.language, messages=tuple(reply.messages))

    def _unstored(
        self,
        inbound: InboundMessage,
        text: str,
        shown_input: str,
        now: Any,
        read: Understanding | Exception | None,
        exc: Exception,
    ) -> Turn:
        offer_now = self._offer_source()
        if inbound.kind == "button":
            # A safety button (no classifier, no database) still counts as its risk.
            try:
                read = self._understander.button(inbound.payload, offer_now.topic_ids())
            except Exception:
                read = None
        council = inbound.council_id if inbound.council_id in offer_now.councils else None
        remembered = self._duty_teams.get(council or self._default_council or "")
        turn = unstored.answer(
            inbound,
            text,
            shown_input,
            read if isinstance(read, Understanding) else None,
            team=remembered[1] if remembered is not None else None,
            offer=offer_now,
            default_language=self._default_language,
            now=now,
        )
        # Nothing was kept and nobody could be told of a risk: the operators must see this.
        # A driver's error text can quote the values it refused, so only its type and where;
        # anything else is a bug, whose traceback the redacting formatter cleans.
        log.error(
            "turn not stored channel=%s kind=%s safety=%s error=%s at=%s",
            inbound.channel,
            inbound.kind,
            turn.safety,
            type(exc).__name__,
            where(exc),
            exc_info=not isinstance(exc, DBAPIError),
        )
        return turn

    def _apply_choices(
        self, session: Session, identity: ChannelIdentity, inbound: InboundMessage
    ) -> None:
        """The page's council and language for this chat, each only when valid."""
        council = inbound.council_id
        if council and _COUNCIL_ID.fullmatch(council) and self._council_exists(session, council):
            identity.council_id = council
        code = normalise_language(inbound.language) if inbound.language else None
        if code is not None:
            identity.language = code

    def _council_exists(self, session: Session, council_id: str) -> bool:
        # Councils are added, never removed: one found stays found, and each web message
        # (which names its page's council) no longer costs a query.
        if council_id in self._councils_seen:
            return True
        if session.get(Council, council_id) is None:
            return False
        self._councils_seen.add(council_id)
        return True

    def _identity(
        self, session: Session, channel: str, sender_id: str, *, lock: bool = False
    ) -> ChannelIdentity:
        # A chat whose data was deleted keeps only a keyed hash of its id: writing again
        # brings the id back (it is needed to answer them), with nothing else restored. Both
        # are looked for at once.
        erased = erased_id(self._erase_key, channel, sender_id)
        query = select(ChannelIdentity).where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id.in_((sender_id, erased)),
        )
        if lock:
            # The chat's row stays locked until the turn commits: one person's turns go one
            # at a time across processes too (PostgreSQL; SQLite has one writer anyway).
            query = query.with_for_update()
        found = {row.external_id: row for row in session.execute(query).scalars()}
        if sender_id in found:
            return found[sender_id]
        if erased in found:
            found[erased].external_id = sender_id
            return found[erased]
        now = self.clock.now()
        identity = ChannelIdentity(
            channel=channel, external_id=sender_id, created_at=now, last_seen_at=now
        )
        try:
            with session.begin_nested():
                session.add(identity)
        except IntegrityError:
            # Another worker created it a moment ago.
            return session.execute(
                query.where(ChannelIdentity.external_id == sender_id)
            ).scalar_one()
        return identity

    def _context(
        self,
        session: Session,
        identity: ChannelIdentity,
        text: str,
        now: Any,
        state: ConversationState | None,
    ) -> TurnContext:
        yp = identity.young_person
        offer_now = self._offer_source()
        council_id = (yp.council_id if yp else None) or identity.council_id or self._default_council
        if council_id is None and len(offer_now.councils) == 1:
            council_id = next(iter(offer_now.councils))
        language = normalise_language(identity.language or (yp.language if yp else None))
        band = None
        if yp is not None:
            band = age_band(age_on(yp.date_of_birth, now.date()))
        return TurnContext(
            session=session,
            identity=identity,
            young_person=yp,
            council_id=council_id,
            age_band=band,
            t=Translator(language or self._default_language),
            offer=offer_now,
            now=now,
            text=text,
            conditions=frozenset(yp.circumstances or ()) if yp else frozenset(),
            state=state.state if state else None,
            state_data=dict(state.data or {}) if state else {},
            misses=state.misses if state else 0,
            public_url=self._public_url,
        )

    def _route(
        self, ctx: TurnContext, inbound: InboundMessage, text: str, u: Understanding
    ) -> Reply:
        reply = self._route_inner(ctx, inbound, text, u)
        offer_language = self._language_to_offer(ctx, inbound, text)
        if offer_language is not None:
            reply.messages.append(language.offer(ctx, offer_language))
        return reply

    @staticmethod
    def _language_to_offer(ctx: TurnContext, inbound: InboundMessage, text: str) -> str | None:
        """A shipped language they seem to write in, when they have not chosen one."""
        if inbound.kind != "text" or ctx.identity.language is not None:
            return None
        if ctx.young_person is not None and ctx.young_person.language is not None:
            return None
        detected = normalise_language(detect_language(text))
        return detected if detected is not None and detected != ctx.t.language else None

    def _route_inner(
        self, ctx: TurnContext, inbound: InboundMessage, text: str, u: Understanding
    ) -> Reply:
        """The first step that has an answer answers, in this order: safety, a PA holding
        the conversation, what cannot be read, a button, the conversation's own state, and
        then what the message means."""
        ctx.nlu = u.nlu
        steps = (
            self._safety_first,
            self._while_a_pa_handles_it,
            self._unreadable,
            self._pressed,
            self._in_context,
        )
        for step in steps:
            reply = step(ctx, inbound, text, u)
            if reply is not None:
                return reply
        return self._by_meaning(ctx, u)

    def _safety_first(
        self, ctx: TurnContext, inbound: InboundMessage, text: str, u: Understanding
    ) -> Reply | None:
        """Safety first, whatever state the conversation is in and whatever was sent."""
        if u.safety is None:
            return None
        seen = self._language_to_offer(ctx, inbound, text) or self._risk_language(ctx, u)
        if seen is not None:
            # What to do now, in the language they wrote in, before anything else.
            ctx.t = Translator(seen)
        return safety.safety(ctx, u.safety, u.risk)

    @staticmethod
    def _while_a_pa_handles_it(
        ctx: TurnContext, inbound: InboundMessage, text: str, u: Understanding
    ) -> Reply | None:
        """Their PA has the conversation: the bot stays quiet and tells the PA instead (once),
        except for stop and delete, which are theirs to ask for at any time."""
        held = escalations.handling(ctx.session, ctx.identity)
        if held is None:
            return None
        escalations.new_message_while_handling(
            ctx.session, held, now=ctx.now, public_url=ctx.public_url
        )
        if u.intent == "data_delete" and u.command is not None:
            return privacy.stop_or_delete(ctx)
        if u.payload is not None and u.payload.kind == payloads.PRIVACY:
            return privacy.privacy_button(ctx, u.payload.value)
        return Reply([])

    @staticmethod
    def _unreadable(
        ctx: TurnContext, inbound: InboundMessage, text: str, u: Understanding
    ) -> Reply | None:
        """A sticker, nothing at all, or more text than anyone asks a question in."""
        if inbound.kind not in ("text", "button"):
            return small_talk.non_text(ctx)
        if inbound.kind == "text" and not text:
            return small_talk.empty(ctx)
        if len(text) > MAX_PARSED_CHARS:
            return small_talk.too_long(ctx)
        return None

    @staticmethod
    def _pressed(
        ctx: TurnContext, inbound: InboundMessage, text: str, u: Understanding
    ) -> Reply | None:
        """A button with its own route; a forged or stale one gets the menu."""
        if u.payload is None:
            return small_talk.menu(ctx) if inbound.kind == "button" else None
        pressed = routes.PAYLOAD_ROUTES.get(u.payload.kind)
        return pressed(ctx, u.payload.value) if pressed is not None else None

    def _in_context(
        self, ctx: TurnContext, inbound: InboundMessage, text: str, u: Understanding
    ) -> Reply | None:
        """What the conversation so far makes of a typed message: after a risk, a vague
        message is a safety check; stop words; the note after "Not good"; a council name."""
        typed = u.payload is None
        if typed and safety.still_after_risk(ctx) and self._vague(ctx, u):
            # Read in the light of the risk message just before: check they are safe.
            return safety.are_you_safe(ctx)
        if u.intent == "data_delete" and u.command is not None:
            # Only an explicit stop word or /stop stops messages at once.
            return privacy.stop_or_delete(ctx)
        if (
            typed
            and ctx.state == keeping_in_touch.AWAITING_CHECKIN_NOTE
            and u.command is None
            and u.intent not in ("data_delete", "restart")
        ):
            return keeping_in_touch.checkin_note(ctx)
        if typed and ctx.state == offer.AWAITING_COUNCIL:
            council = self._council_named(ctx, text)
            if council is not None:
                return offer.choose_council(ctx, council)
        return None

    def _by_meaning(self, ctx: TurnContext, u: Understanding) -> Reply:
        """What the message means: a risk only the topic classifier read is asked about, a
        past one gets a gentle word, the rest goes by intent."""
        if u.risk.check is not None and u.payload is None and u.command is None:
            # Only the topic classifier read a risk: ask before alarming anyone.
            return safety.check(ctx, u.risk.check)
        if u.risk.past and u.intent in SAFETY_INTENTS:
            return safety.past_event(ctx)
        reply = self._by_intent(ctx, u.intent)
        if u.risk.past:
            reply.messages.append(safety.past_note(ctx))
        if reply.state is None and safety.still_after_risk(ctx):
            # A clear question answered; the next vague message is still checked.
            reply.state, reply.state_data = safety.AFTER_RISK, safety.carried(ctx)
        return reply

    def _typed_answer(self, ctx: TurnContext, u: Understanding) -> Understanding:
        """A typed "yes", "no", "ok" or a button's title, when the last message had buttons,
        read as that button (never when the text is a command)."""
        if u.command is not None:
            return u
        offered = typed_answers.offered(ctx.session, ctx.identity)
        typed = typed_answers.button_for(ctx.text, offered)
        if typed is None:
            if u.safety is None and typed_answers.needs_yes_or_no(ctx.text, offered):
                return Understanding(intent=routes.YES_OR_NO, confidence=1.0)
            return u
        if (u.safety is not None or u.risk.check is not None) and (
            u.risk.from_lexicon
            or not typed_answers.is_whole_answer(ctx.text, offered)
            or any(p.startswith(f"{payloads.SAFE}:") for _t, p in offered)
        ):
            # A risk stays a risk, unless only a classifier read one into a bare answer to
            # our own question ("not sure" scores as distress); "are you safe?" never bends.
            return u
        pressed = self._understander.button(typed, ctx.offer.topic_ids())
        return u if pressed.payload is None else pressed

    @staticmethod
    def _risk_language(ctx: TurnContext, u: Understanding) -> str | None:
        """The language of the risk phrase that fired, when they have not chosen one."""
        if ctx.identity.language is not None or (
            ctx.young_person is not None and ctx.young_person.language is not None
        ):
            return None
        found = normalise_language(u.risk.language) if u.risk.language else None
        return found if found is not None and found != ctx.t.language else None

    @staticmethod
    def _vague(ctx: TurnContext, u: Understanding) -> bool:
        """Not a clear request the bot can answer (so, after a risk message, a safety check)."""
        if u.command is not None:
            return False
        if u.intent in routes.CLEAR_INTENTS or u.intent in ctx.offer.topic_ids():
            return (u.confidence or 0.0) < CLEAR_CONFIDENCE
        return True

    @staticmethod
    def _by_intent(ctx: TurnContext, intent: str | None) -> Reply:
        handler = routes.INTENT_ROUTES.get(intent) if intent is not None else None
        if handler is not None:
            return handler(ctx)
        if intent is not None and intent in ctx.offer.topic_ids():
            return offer.answer(ctx, intent)
        return fallback.fallback(ctx)

    @staticmethod
    def _council_named(ctx: TurnContext, text: str) -> str | None:
        wanted = text.strip().casefold()
        for council in ctx.offer.councils.values():
            names = {council.id, council.id.replace("-", " "), council.name, council.short_name}
            if wanted in {name.casefold() for name in names}:
                return council.id
        return None

    @staticmethod
    def _store_replies(
        session: Session,
        identity: ChannelIdentity,
        channel: str,
        reply: Reply,
        now: Any,
        answering: Message | None = None,
    ) -> None:
        for message in reply.messages:
            session.add(
                Message(
                    identity_id=identity.id,
                    young_person_id=identity.young_person_id,
                    direction="out",
                    channel=channel,
                    kind="text",
                    text=message.text,
                    topic=reply.topic,
                    created_at=now,
                    reply_to_id=answering.id if answering is not None else None,
                    buttons=[[b.title, b.payload] for b in message.buttons] or None,
                )
            )

    def _replay(self, session: Session, inbound: InboundMessage, shown_input: str) -> Turn:
        """The reply stored for the first delivery of this message id (none if it was
        erased, or is still being written by another process)."""
        original = session.execute(
            select(Message).where(
                Message.channel == inbound.channel, Message.external_id == inbound.message_id
            )
        ).scalar_one_or_none()
        replies: list[OutgoingMessage] = []
        language = self._default_language
        if original is not None:
            rows = session.execute(
                select(Message)
                .where(Message.reply_to_id == original.id, Message.direction == "out")
                .order_by(Message.id)
            ).scalars()
            replies = [
                OutgoingMessage(
                    row.text or "",
                    tuple(Button(str(t), str(p)) for t, p in (row.buttons or ())),
                )
                for row in rows
            ]
            identity = session.get(ChannelIdentity, original.identity_id)
            if identity is not None and identity.language:
                language = identity.language
        return Turn(input=shown_input, language=language, messages=tuple(replies), duplicate=True)

    @staticmethod
    def _save_state(
        session: Session,
        identity: ChannelIdentity,
        reply: Reply,
        now: Any,
        state: ConversationState | None,
    ) -> None:
        misses = 0
        if reply.missed:
            # Once the PA has been asked (an escalation), counting starts again.
            misses = 0 if reply.escalation is not None else (state.misses if state else 0) + 1
        if state is None:
            if reply.state is None and misses == 0:
                return
            state = ConversationState(identity_id=identity.id, data={}, misses=0, updated_at=now)
            session.add(state)
        state.state = reply.state
        state.data = dict(reply.state_data)
        state.misses = misses
        state.updated_at = now
