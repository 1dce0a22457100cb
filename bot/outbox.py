"""The outbox dispatcher: sends queued messages (to young people and to staff) exactly as
they were queued, paced per channel, retried when a channel asks, and recorded when sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.messages import Button
from bot.models import ChannelIdentity, Message, OutboxItem

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
# What a WhatsApp sender says when the 24-hour window is closed (Graph error 131047).
WINDOW_CLOSED = "outside the 24-hour window"
# Was being sent when the process died: it may or may not have arrived. It is never sent
# again (a repeated message is worse than a missing one the next check-in makes up for),
# and staff see it as "not confirmed".
UNCONFIRMED = "unconfirmed"
# How often the dispatcher looks for items a dead process left in flight (see recover()).
RECOVER_EVERY_SECONDS = 60.0
# Backoff after a failure that may pass (network, throttling): 30 s, 1, 2, 4... minutes.
_BACKOFF = (30, 60, 120, 240, 480, 960)


# Set in a session's info by enqueue(); read by queued_in().
_QUEUED = "outbox.queued"


def enqueue(
    session: Session,
    *,
    channel: str,
    address: str,
    purpose: str,
    body: str,
    now: datetime,
    not_before: datetime | None = None,
    buttons: Sequence[Button] = (),
    subject: str | None = None,
    dedupe_key: str | None = None,
    staff_id: int | None = None,
    identity_id: int | None = None,
    young_person_id: int | None = None,
    escalation_id: int | None = None,
    author_staff_id: int | None = None,
    template: str | None = None,
    template_params: Sequence[str] = (),
    failed: str | None = None,
) -> OutboxItem | None:
    """The one way to queue a message, in the caller's transaction, so it goes if and only
    if what caused it is committed. With a dedupe key already queued, nothing is added and
    None comes back: the same message is never sent twice. `failed`: recorded as failed with
    this reason, never sent (for staff to see, as when no WhatsApp template is approved)."""
    item = OutboxItem(
        channel=channel,
        address=address,
        purpose=purpose,
        body=body,
        subject=subject,
        buttons=[{"title": b.title, "payload": b.payload} for b in buttons],
        status=FAILED if failed is not None else PENDING,
        error=failed,
        not_before=not_before or now,
        attempts=0,
        created_at=now,
        dedupe_key=dedupe_key,
        staff_id=staff_id,
        identity_id=identity_id,
        young_person_id=young_person_id,
        escalation_id=escalation_id,
        author_staff_id=author_staff_id,
        template=template,
        template_params=list(template_params),
    )
    if dedupe_key is None:
        session.add(item)
    else:
        try:
            with session.begin_nested():
                session.add(item)
        except IntegrityError:  # queued a moment ago (another worker, a retried job)
            return None
    if failed is None:
        session.info[_QUEUED] = True
    return item


def queued_in(session: Session) -> bool:
    """Whether this session queued something to send: the caller wakes the dispatcher after
    committing it only then (waking it for nothing, on every web chat turn, cost a query)."""
    return bool(session.info.get(_QUEUED))


@dataclass(frozen=True)
class Delivery:
    """One message as a channel sender sees it: no database objects cross this line."""

    id: int
    channel: str
    address: str
    purpose: str
    body: str
    subject: str | None = None
    buttons: tuple[Button, ...] = ()
    # An approved WhatsApp template to send instead of free text (outside the 24-hour
    # window), and its body parameters.
    template: str | None = None
    template_params: tuple[str, ...] = ()


class DeliveryError(Exception):
    """A send that did not work. `permanent`: never retry; `retry_after`: seconds the channel
    asked us to wait; `unreachable`: the person blocked us or no longer exists there;
    `in_doubt`: no answer came (a time-out), so it may have arrived and is not sent again."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        unreachable: bool = False,
        in_doubt: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.in_doubt = in_doubt
        self.permanent = permanent or unreachable or in_doubt
        self.retry_after = retry_after
        self.unreachable = unreachable


class Sender(Protocol):
    async def send(self, delivery: Delivery) -> str | None:
        """Send it; return the channel's id for the sent message, if it has one."""


class StoredSender:
    """Web chat and terminal have no push: a delivered message is one the chat can fetch."""

    async def send(self, delivery: Delivery) -> str | None:
        return None


class Pacer:
    """At most `rate` sends in any one-second window: sends are spaced 1/rate apart (a token
    bucket would allow a burst at the start, which a channel's limit counts against us)."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if now < self._next:
                await asyncio.sleep(self._next - now)
                now = loop.time()
            self._next = now + self.interval


class FollowUp(Protocol):
    """What a failed delivery means beyond the outbox (bot/advisers/delivery.py)."""

    def unreachable(
        self, session: Session, item: OutboxItem, reason: str, now: datetime
    ) -> None: ...

    def window_closed(self, session: Session, item: OutboxItem, now: datetime) -> bool: ...


class Dispatcher:
    def __init__(
        self,
        sessions: sessionmaker,
        clock: Clock,
        senders: Mapping[str, Sender],
        *,
        rates: Mapping[str, float] | None = None,
        batch_size: int = 200,
        max_attempts: int = len(_BACKOFF) + 1,
        follow_up: FollowUp | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._senders = dict(senders)
        # Messages per second per channel (Telegram allows about 30 overall).
        self._pacers = {ch: Pacer(rate) for ch, rate in (rates or {}).items()}
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        # What a failure means for people (bot/advisers/delivery.py), wired in by the server.
        self._follow_up = follow_up

    def add_sender(self, channel: str, sender: Sender, rate: float | None = None) -> None:
        self._senders[channel] = sender
        if rate is not None:
            self._pacers[channel] = Pacer(rate)

    def wake(self) -> None:
        """Something was queued: look now rather than at the next tick. Safe from any thread
        (the engine runs turns in worker threads)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._wake.set)

    def _due(self) -> list[tuple[int, str]]:
        now = self._clock.now()
        with self._sessions() as session:
            rows = session.execute(
                select(OutboxItem.id, OutboxItem.channel)
                .where(
                    OutboxItem.status == PENDING,
                    OutboxItem.not_before <= now,
                    OutboxItem.channel.in_(list(self._senders)),
                )
                .order_by(OutboxItem.not_before, OutboxItem.id)
                .limit(self._batch_size)
            ).all()
            return [(row.id, row.channel) for row in rows]

    def _claim(self, item_id: int) -> Delivery | None:
        """Take one item; another worker that took it first wins (the UPDATE is the lock)."""
        now = self._clock.now()
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item_id, OutboxItem.status == PENDING)
                .values(status=SENDING, claimed_at=now, attempts=OutboxItem.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                return None
            item = session.get(OutboxItem, item_id)
            assert item is not None
            return Delivery(
                id=item.id,
                channel=item.channel,
                address=item.address,
                purpose=item.purpose,
                body=item.body,
                subject=item.subject,
                buttons=tuple(Button(b["title"], b["payload"]) for b in item.buttons or ()),
                template=item.template,
                template_params=tuple(str(p) for p in item.template_params or ()),
            )

    def _sent(self, delivery: Delivery, external_id: str | None) -> None:
        now = self._clock.now()
        with self._sessions.begin() as session:
            item = session.get(OutboxItem, delivery.id)
            assert item is not None
            item.status, item.sent_at, item.external_id, item.error = SENT, now, external_id, None
            if item.identity_id is not None:
                # What a young person was sent is part of their conversation history.
                identity = session.get(ChannelIdentity, item.identity_id)
                session.add(
                    Message(
                        identity_id=item.identity_id,
                        young_person_id=identity.young_person_id if identity else None,
                        direction="out",
                        channel=item.channel,
                        kind="text",
                        text=item.body,
                        source="pa" if item.author_staff_id else "proactive",
                        author_staff_id=item.author_staff_id,
                        created_at=now,
                        # So a typed "yes" answers a check-in's buttons like a press.
                        buttons=[[b["title"], b["payload"]] for b in item.buttons or ()] or None,
                    )
                )

    def _failed(self, delivery: Delivery, error: DeliveryError) -> None:
        now = self._clock.now()
        with self._sessions.begin() as session:
            item = session.get(OutboxItem, delivery.id)
            assert item is not None
            item.error = error.reason[:200]
            if error.retry_after is not None and not error.permanent:
                # Throttling is the channel pacing us, not a failure: it does not use up tries.
                item.attempts -= 1
            if error.unreachable and self._follow_up is not None:
                self._follow_up.unreachable(session, item, error.reason, now)
            if (
                error.reason == WINDOW_CLOSED
                and item.template is None
                and self._follow_up is not None
                and self._follow_up.window_closed(session, item, now)
            ):
                # The template goes at once: the window, not a failure, so no try used up.
                item.status = PENDING
                item.attempts -= 1
                item.not_before = now
                return
            if error.in_doubt:
                item.status = UNCONFIRMED
            elif error.permanent or item.attempts >= self._max_attempts:
                item.status = FAILED
            else:
                wait = (
                    error.retry_after
                    if error.retry_after is not None
                    else _BACKOFF[min(item.attempts - 1, len(_BACKOFF) - 1)]
                )
                item.status = PENDING
                item.not_before = now + timedelta(seconds=wait)
        log.warning(
            "delivery failed id=%s channel=%s purpose=%s reason=%s permanent=%s",
            delivery.id,
            delivery.channel,
            delivery.purpose,
            error.reason,
            error.permanent,
        )

    async def run_once(self) -> int:
        """Send everything due now; returns how many were sent."""
        sent = 0
        due = await asyncio.to_thread(self._due)
        channels = dict(due)
        for item_id, _channel in due:
            channel = channels[item_id]
            pacer = self._pacers.get(channel)
            if pacer is not None:
                # Wait before claiming, so a claimed item is only ever in flight, not queued.
                await pacer.wait()
            delivery = await asyncio.to_thread(self._claim, item_id)
            if delivery is None:
                continue
            try:
                external_id = await self._senders[delivery.channel].send(delivery)
            except DeliveryError as exc:
                await asyncio.to_thread(self._failed, delivery, exc)
                continue
            except Exception as exc:  # a bug or an outage: keep the item, try again later
                log.exception("sender crashed id=%s channel=%s", delivery.id, delivery.channel)
                await asyncio.to_thread(self._failed, delivery, DeliveryError(type(exc).__name__))
                continue
            await asyncio.to_thread(self._sent, delivery, external_id)
            sent += 1
        return sent

    def recover(self, older_than: timedelta = timedelta(minutes=5)) -> int:
        """Items left 'sending' by a crash: we cannot know whether they arrived, so they are
        marked unconfirmed (shown to staff) rather than sent again. Only the one message in
        flight per channel can be in doubt: pacing waits before an item is claimed."""
        cutoff = self._clock.now() - older_than
        with self._sessions.begin() as session:
            return session.execute(
                update(OutboxItem)
                .where(OutboxItem.status == SENDING, OutboxItem.claimed_at <= cutoff)
                .values(status=UNCONFIRMED, error="interrupted while sending; may not have arrived")
                .execution_options(synchronize_session=False)
            ).rowcount

    async def run(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        """Until `stop` is set: send what is due, then wait for a wake-up or the next tick."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        recovered_at = -RECOVER_EVERY_SECONDS
        while not stop.is_set():
            # Cleared before the pass, so a wake-up that arrives during it is not lost.
            self._wake.clear()
            try:
                # Not only at start: a leader that died mid-send (another process took
                # over within minutes) leaves an item 'sending' that only turns stale later.
                if time.monotonic() - recovered_at >= RECOVER_EVERY_SECONDS:
                    await asyncio.to_thread(self.recover)
                    recovered_at = time.monotonic()
                await self.run_once()
            except Exception:
                log.exception("outbox pass failed")
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=interval, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()
