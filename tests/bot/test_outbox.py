"""The outbox dispatcher on SQLite and PostgreSQL, with fake senders that record deliveries."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot import outbox
from bot.advisers.delivery import DeliveryFollowUp
from bot.clock import FixedClock
from bot.db import session_factory
from bot.messages import Button
from bot.models import (
    ChannelIdentity,
    Council,
    Message,
    OutboxItem,
    PersonalAdviser,
    StaffAccount,
    YoungPerson,
)
from bot.outbox import Delivery, DeliveryError, Dispatcher, StoredSender
from tests.conftest import MONDAY_10AM

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql


class FakeSender:
    """Records every delivery; raises the queued errors first, one per send."""

    def __init__(self, *errors: BaseException, prefix: str = "ext") -> None:
        self.deliveries: list[Delivery] = []
        self.errors = list(errors)
        self.prefix = prefix

    async def send(self, delivery: Delivery) -> str | None:
        self.deliveries.append(delivery)
        await asyncio.sleep(0)  # let another dispatcher run in between
        if self.errors:
            raise self.errors.pop(0)
        return f"{self.prefix}-{delivery.id}"

    @property
    def ids(self) -> list[int]:
        return [d.id for d in self.deliveries]


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker:
    return session_factory(db_engine)


def _queue(sessions: sessionmaker, **fields: Any) -> int:
    values: dict[str, Any] = {
        "channel": "email",
        "address": "pa@example.org",
        "purpose": "escalation_new",
        "subject": "New escalation",
        "body": "There is a new escalation for you.",
        "buttons": [],
        "status": "pending",
        "not_before": MONDAY_10AM,
        "attempts": 0,
        "created_at": MONDAY_10AM,
    }
    values.update(fields)
    with sessions.begin() as session:
        item = OutboxItem(**values)
        session.add(item)
        session.flush()
        return item.id


def _item(sessions: sessionmaker, item_id: int) -> OutboxItem:
    with sessions() as session:
        item = session.get(OutboxItem, item_id)
        assert item is not None
        return item


def _messages(sessions: sessionmaker) -> list[Message]:
    with sessions() as session:
        return list(session.execute(select(Message).order_by(Message.id)).scalars())


# --- sending ---------------------------------------------------------------------------------


async def test_due_items_are_sent_once_and_marked_sent(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    first = _queue(sessions, address="a@example.org", body="one")
    second = _queue(sessions, address="b@example.org", body="two", subject=None)
    email = FakeSender()
    dispatcher = Dispatcher(sessions, clock, {"email": email})
    clock.advance(timedelta(seconds=5))
    assert await dispatcher.run_once() == 2
    assert await dispatcher.run_once() == 0
    assert email.deliveries == [
        Delivery(
            id=first,
            channel="email",
            address="a@example.org",
            purpose="escalation_new",
            body="one",
            subject="New escalation",
            buttons=(),
        ),
        Delivery(
            id=second,
            channel="email",
            address="b@example.org",
            purpose="escalation_new",
            body="two",
            subject=None,
            buttons=(),
        ),
    ]
    for item_id in (first, second):
        item = _item(sessions, item_id)
        assert item.status == "sent"
        assert item.external_id == f"ext-{item_id}"
        assert item.sent_at == MONDAY_10AM + timedelta(seconds=5)
        assert item.claimed_at == MONDAY_10AM + timedelta(seconds=5)
        assert item.attempts == 1
        assert item.error is None
    # Staff notifications are not part of anyone's conversation.
    assert _messages(sessions) == []


async def test_buttons_reach_the_sender(sessions: sessionmaker, clock: FixedClock) -> None:
    item_id = _queue(
        sessions,
        channel="telegram",
        address="123",
        buttons=[
            {"title": "Good", "payload": "checkin:good"},
            {"title": "Not good", "payload": "checkin:bad"},
        ],
    )
    telegram = FakeSender()
    await Dispatcher(sessions, clock, {"telegram": telegram}).run_once()
    assert telegram.ids == [item_id]
    assert telegram.deliveries[0].buttons == (
        Button("Good", "checkin:good"),
        Button("Not good", "checkin:bad"),
    )


async def test_items_go_in_not_before_order(sessions: sessionmaker, clock: FixedClock) -> None:
    late = _queue(sessions, not_before=MONDAY_10AM - timedelta(minutes=1))
    early = _queue(sessions, not_before=MONDAY_10AM - timedelta(minutes=10))
    same_a = _queue(sessions, not_before=MONDAY_10AM - timedelta(minutes=5))
    same_b = _queue(sessions, not_before=MONDAY_10AM - timedelta(minutes=5))
    email = FakeSender()
    await Dispatcher(sessions, clock, {"email": email}).run_once()
    assert email.ids == [early, same_a, same_b, late]


async def test_batch_size_limits_one_pass(sessions: sessionmaker, clock: FixedClock) -> None:
    ids = [_queue(sessions) for _ in range(5)]
    email = FakeSender()
    dispatcher = Dispatcher(sessions, clock, {"email": email}, batch_size=2)
    assert await dispatcher.run_once() == 2
    assert await dispatcher.run_once() == 2
    assert await dispatcher.run_once() == 1
    assert email.ids == ids


async def test_not_before_in_the_future_waits_for_the_clock(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    item_id = _queue(sessions, not_before=MONDAY_10AM + timedelta(minutes=10))
    email = FakeSender()
    dispatcher = Dispatcher(sessions, clock, {"email": email})
    assert await dispatcher.run_once() == 0
    clock.advance(timedelta(minutes=9, seconds=59))
    assert await dispatcher.run_once() == 0
    assert email.deliveries == []
    assert _item(sessions, item_id).status == "pending"
    assert _item(sessions, item_id).attempts == 0
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.run_once() == 1
    assert email.ids == [item_id]
    assert _item(sessions, item_id).status == "sent"


async def test_channels_without_a_sender_stay_pending(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    whatsapp = _queue(sessions, channel="whatsapp", address="+447700900123")
    email_id = _queue(sessions)
    email = FakeSender()
    dispatcher = Dispatcher(sessions, clock, {"email": email})
    assert await dispatcher.run_once() == 1
    assert email.ids == [email_id]
    item = _item(sessions, whatsapp)
    assert (item.status, item.attempts, item.claimed_at) == ("pending", 0, None)
    # Once that channel gets a sender, it goes.
    wa = FakeSender(prefix="wa")
    dispatcher.add_sender("whatsapp", wa, rate=50)
    assert await dispatcher.run_once() == 1
    assert wa.ids == [whatsapp]
    assert _item(sessions, whatsapp).external_id == f"wa-{whatsapp}"


async def test_stored_sender_marks_sent_without_an_id(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    item_id = _queue(sessions, channel="web", address="visitor-1")
    assert await Dispatcher(sessions, clock, {"web": StoredSender()}).run_once() == 1
    item = _item(sessions, item_id)
    assert (item.status, item.external_id) == ("sent", None)


# --- failures -------------------------------------------------------------------------------


async def test_retry_after_puts_it_back_with_not_before_moved(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    item_id = _queue(sessions, channel="telegram", address="123")
    telegram = FakeSender(DeliveryError("flood control", retry_after=120))
    dispatcher = Dispatcher(sessions, clock, {"telegram": telegram})
    assert await dispatcher.run_once() == 0
    item = _item(sessions, item_id)
    assert item.status == "pending"
    assert item.not_before == MONDAY_10AM + timedelta(seconds=120)
    assert item.attempts == 0  # throttling does not use up a try
    assert item.error == "flood control"
    assert item.sent_at is None
    clock.advance(timedelta(seconds=119))
    assert await dispatcher.run_once() == 0
    assert telegram.ids == [item_id]
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.run_once() == 1
    assert telegram.ids == [item_id, item_id]
    item = _item(sessions, item_id)
    assert (item.status, item.attempts, item.error) == ("sent", 1, None)
    assert item.external_id == f"ext-{item_id}"


@pytest.mark.parametrize(
    "error",
    [
        DeliveryError("recipient refused", permanent=True),
        DeliveryError("blocked by the user", unreachable=True),
    ],
)
async def test_permanent_errors_fail_the_item(
    sessions: sessionmaker, clock: FixedClock, error: DeliveryError
) -> None:
    item_id = _queue(sessions)
    email = FakeSender(error)
    dispatcher = Dispatcher(sessions, clock, {"email": email})
    assert await dispatcher.run_once() == 0
    item = _item(sessions, item_id)
    assert item.status == "failed"
    assert item.error == error.reason
    assert item.attempts == 1
    assert item.not_before == MONDAY_10AM
    clock.advance(timedelta(days=1))
    assert await dispatcher.run_once() == 0
    assert email.ids == [item_id]  # never tried again


async def test_a_crashing_sender_backs_off_then_gives_up(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    item_id = _queue(sessions)
    email = FakeSender(RuntimeError("boom"), ConnectionError("down"), ValueError("x"))
    dispatcher = Dispatcher(sessions, clock, {"email": email}, max_attempts=3)
    assert await dispatcher.run_once() == 0
    item = _item(sessions, item_id)
    assert (item.status, item.attempts, item.error) == ("pending", 1, "RuntimeError")
    assert item.not_before == MONDAY_10AM + timedelta(seconds=30)

    clock.advance(timedelta(seconds=29))
    assert await dispatcher.run_once() == 0
    assert len(email.deliveries) == 1
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.run_once() == 0
    item = _item(sessions, item_id)
    assert (item.status, item.attempts, item.error) == ("pending", 2, "ConnectionError")
    assert item.not_before == MONDAY_10AM + timedelta(seconds=30 + 60)

    clock.advance(timedelta(seconds=60))
    assert await dispatcher.run_once() == 0
    item = _item(sessions, item_id)
    assert (item.status, item.attempts, item.error) == ("failed", 3, "ValueError")
    clock.advance(timedelta(hours=1))
    assert await dispatcher.run_once() == 0
    assert email.ids == [item_id] * 3


async def test_default_backoff_schedule(sessions: sessionmaker, clock: FixedClock) -> None:
    item_id = _queue(sessions)
    email = FakeSender(*(OSError("network") for _ in range(10)))
    dispatcher = Dispatcher(sessions, clock, {"email": email})
    waits = []
    for _ in range(6):
        before = clock.now()
        await dispatcher.run_once()
        item = _item(sessions, item_id)
        assert item.status == "pending"
        waits.append((item.not_before - before).total_seconds())
        clock.set(item.not_before)
    assert waits == [30, 60, 120, 240, 480, 960]
    await dispatcher.run_once()
    item = _item(sessions, item_id)
    assert (item.status, item.attempts) == ("failed", 7)


async def test_error_reason_is_cut_to_fit(sessions: sessionmaker, clock: FixedClock) -> None:
    item_id = _queue(sessions)
    email = FakeSender(DeliveryError("x" * 500, permanent=True))
    await Dispatcher(sessions, clock, {"email": email}).run_once()
    assert _item(sessions, item_id).error == "x" * 200


async def test_one_failure_does_not_stop_the_others(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    bad = _queue(sessions)
    good = _queue(sessions)
    email = FakeSender(RuntimeError("first one breaks"))
    assert await Dispatcher(sessions, clock, {"email": email}).run_once() == 1
    assert email.ids == [bad, good]
    assert _item(sessions, bad).status == "pending"
    assert _item(sessions, good).status == "sent"


# --- concurrency ------------------------------------------------------------------------------


async def test_two_dispatchers_send_each_item_exactly_once(
    db_engine: Engine, sessions: sessionmaker, clock: FixedClock
) -> None:
    ids = [_queue(sessions, address=f"pa{i}@example.org") for i in range(30)]
    shared = FakeSender()

    class Counting(Dispatcher):
        lost = 0

        def _claim(self, item_id: int) -> Delivery | None:
            delivery = super()._claim(item_id)
            if delivery is None:
                Counting.lost += 1
            return delivery

    one = Counting(sessions, clock, {"email": shared})
    # A second worker with its own session factory on the same database.
    two = Counting(session_factory(db_engine), clock, {"email": shared})
    sent = await asyncio.gather(one.run_once(), two.run_once(), one.run_once())
    assert sum(sent) == 30
    # The passes really did compete for the same items (and lost them to each other).
    assert Counting.lost > 0
    assert sorted(shared.ids) == ids
    assert len(set(shared.ids)) == 30
    with sessions() as session:
        statuses = session.execute(select(OutboxItem.status, OutboxItem.attempts)).all()
    assert sorted(statuses) == [("sent", 1)] * 30


# --- young people's messages ------------------------------------------------------------------


@pytest.fixture
def young_person_chat(sessions: sessionmaker, demo: None) -> Iterator[tuple[int, int, int]]:
    """(identity id, young person id, staff id) for demo-16 on Telegram chat 555."""
    with sessions.begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-16")).scalar_one()
        identity = ChannelIdentity(
            channel="telegram",
            external_id="555",
            young_person_id=yp.id,
            created_at=MONDAY_10AM,
            last_seen_at=MONDAY_10AM,
        )
        staff = StaffAccount(
            email="sam.ortiz@example.org",
            name="Sam Ortiz",
            role="pa",
            password_hash="x",
            team_id=yp.pa.team_id,
            pa_id=yp.pa_id,
            notify_email=True,
            notify_telegram=True,
            active=True,
            failed_logins=0,
            created_at=MONDAY_10AM,
        )
        session.add_all([identity, staff])
        session.flush()
        ids = (identity.id, yp.id, staff.id)
    yield ids


async def test_a_pa_reply_becomes_part_of_the_conversation(
    sessions: sessionmaker, clock: FixedClock, young_person_chat: tuple[int, int, int]
) -> None:
    identity_id, yp_id, staff_id = young_person_chat
    item_id = _queue(
        sessions,
        channel="telegram",
        address="555",
        purpose="pa_reply",
        subject=None,
        body="Hi, it's Sam. I'll call you at 2pm.",
        identity_id=identity_id,
        young_person_id=yp_id,
        author_staff_id=staff_id,
    )
    telegram = FakeSender()
    dispatcher = Dispatcher(sessions, clock, {"telegram": telegram})
    assert _messages(sessions) == []
    clock.advance(timedelta(seconds=3))
    assert await dispatcher.run_once() == 1
    assert telegram.ids == [item_id]
    [message] = _messages(sessions)
    assert message.identity_id == identity_id
    assert message.young_person_id == yp_id
    assert message.direction == "out"
    assert message.channel == "telegram"
    assert message.kind == "text"
    assert message.text == "Hi, it's Sam. I'll call you at 2pm."
    assert message.source == "pa"
    assert message.author_staff_id == staff_id
    assert message.created_at == MONDAY_10AM + timedelta(seconds=3)
    # Sending again does not add it again.
    assert await dispatcher.run_once() == 0
    assert len(_messages(sessions)) == 1


async def test_a_proactive_message_is_recorded_as_proactive(
    sessions: sessionmaker, clock: FixedClock, young_person_chat: tuple[int, int, int]
) -> None:
    identity_id, yp_id, _staff_id = young_person_chat
    _queue(
        sessions,
        channel="telegram",
        address="555",
        purpose="checkin",
        body="How are things?",
        identity_id=identity_id,
        young_person_id=yp_id,
    )
    await Dispatcher(sessions, clock, {"telegram": FakeSender()}).run_once()
    [message] = _messages(sessions)
    assert (message.source, message.author_staff_id, message.text) == (
        "proactive",
        None,
        "How are things?",
    )


async def test_a_failed_reply_is_not_in_the_conversation(
    sessions: sessionmaker, clock: FixedClock, young_person_chat: tuple[int, int, int]
) -> None:
    identity_id, yp_id, staff_id = young_person_chat
    _queue(
        sessions,
        channel="telegram",
        address="555",
        purpose="pa_reply",
        body="hello",
        identity_id=identity_id,
        young_person_id=yp_id,
        author_staff_id=staff_id,
    )
    sender = FakeSender(DeliveryError("blocked", unreachable=True))
    await Dispatcher(sessions, clock, {"telegram": sender}).run_once()
    assert _messages(sessions) == []


# --- recovery and the run loop ---------------------------------------------------------------


def test_recover_marks_stale_sending_items_unconfirmed(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    stale = _queue(sessions, status="sending", claimed_at=MONDAY_10AM - timedelta(minutes=6))
    edge = _queue(sessions, status="sending", claimed_at=MONDAY_10AM - timedelta(minutes=5))
    fresh = _queue(sessions, status="sending", claimed_at=MONDAY_10AM - timedelta(minutes=4))
    pending = _queue(sessions)
    sent = _queue(sessions, status="sent", claimed_at=MONDAY_10AM - timedelta(hours=1))
    dispatcher = Dispatcher(sessions, clock, {"email": FakeSender()})
    assert dispatcher.recover() == 2
    for item_id in (stale, edge):
        item = _item(sessions, item_id)
        assert item.status == "unconfirmed"
        assert item.error == "interrupted while sending; may not have arrived"
    assert _item(sessions, fresh).status == "sending"
    assert _item(sessions, pending).status == "pending"
    assert _item(sessions, sent).status == "sent"
    assert dispatcher.recover() == 0
    assert dispatcher.recover(older_than=timedelta(minutes=1)) == 1
    assert _item(sessions, fresh).status == "unconfirmed"


def test_wake_before_run_is_harmless(sessions: sessionmaker, clock: FixedClock) -> None:
    # A turn may finish before the dispatcher's loop starts: the wake-up is dropped, not
    # queued on a loop that does not exist yet, and nothing is sent or claimed.
    dispatcher = Dispatcher(sessions, clock, {})
    queued = _queue(sessions)
    dispatcher.wake()
    assert not dispatcher._wake.is_set()
    assert _item(sessions, queued).status == "pending"


async def test_a_running_dispatcher_recovers_what_a_dead_leader_left_in_flight(
    sessions: sessionmaker, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process took over within minutes of the leader dying mid-send: the item it
    left 'sending' is not stale yet when this dispatcher starts, but is marked unconfirmed
    once it is, without a restart."""
    monkeypatch.setattr(outbox, "RECOVER_EVERY_SECONDS", 0.05)
    in_flight = _queue(sessions, status="sending", claimed_at=MONDAY_10AM - timedelta(minutes=1))
    dispatcher = Dispatcher(sessions, clock, {"email": FakeSender()})
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop, interval=0.02))
    try:
        await asyncio.sleep(0.2)
        assert _item(sessions, in_flight).status == "sending"  # may still arrive: left alone
        clock.advance(timedelta(minutes=5))
        for _ in range(200):
            if _item(sessions, in_flight).status == "unconfirmed":
                break
            await asyncio.sleep(0.02)
        assert _item(sessions, in_flight).status == "unconfirmed"
    finally:
        stop.set()
        await task


async def test_run_recovers_sends_and_wakes_up_when_told(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    stale = _queue(sessions, status="sending", claimed_at=MONDAY_10AM - timedelta(hours=1))
    first = _queue(sessions)
    email = FakeSender()
    dispatcher = Dispatcher(sessions, clock, {"email": email})
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop, interval=30))

    async def until(condition: Any) -> None:
        for _ in range(500):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("timed out")

    try:
        await until(lambda: _item(sessions, first).status == "sent")
        assert email.ids == [first]
        assert _item(sessions, stale).status == "unconfirmed"
        await asyncio.sleep(0.05)  # let the pass finish and the loop start waiting
        second = _queue(sessions)
        # Without a wake-up it would wait for the 30 s tick.
        dispatcher.wake()
        await until(lambda: email.ids == [first, second])
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert task.done()
    assert _item(sessions, second).status == "sent"


def test_delivery_error_flags() -> None:
    assert DeliveryError("x").permanent is False
    assert DeliveryError("x", unreachable=True).permanent is True
    error = DeliveryError("slow down", retry_after=3.5)
    assert (error.reason, error.retry_after, error.permanent, str(error)) == (
        "slow down",
        3.5,
        False,
        "slow down",
    )


async def test_a_wake_up_during_a_pass_is_not_lost(
    sessions: sessionmaker, clock: FixedClock
) -> None:
    """The engine queues a message (and calls wake) while the dispatcher is busy sending
    another: that message should go now, not at the next tick."""
    first = _queue(sessions)
    queued: list[int] = []

    class QueueingSender(FakeSender):
        async def send(self, delivery: Delivery) -> str | None:
            if not queued:
                queued.append(await asyncio.to_thread(_queue, sessions, body="queued meanwhile"))
                dispatcher.wake()
            return await super().send(delivery)

    email = QueueingSender()
    dispatcher = Dispatcher(sessions, clock, {"email": email})
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop, interval=30))
    try:
        for _ in range(150):
            if len(email.ids) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert email.ids == [first, *queued], "the wake-up was cleared after the pass"


# --- WhatsApp's 24-hour window (Graph error 131047) ------------------------------------------

FOLLOW_UP = DeliveryFollowUp("http://127.0.0.1:8080")


def _whatsapp_item(sessions: sessionmaker, demo: None) -> tuple[int, int]:
    with sessions.begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        item = OutboxItem(
            channel="whatsapp",
            address="wa-user-19",
            purpose="pa_reply",
            young_person_id=yp.id,
            body="Hi Jay, it's Sam.",
            buttons=[],
            status="pending",
            not_before=MONDAY_10AM,
            attempts=0,
            created_at=MONDAY_10AM,
        )
        session.add(item)
        session.flush()
        return item.id, yp.id


async def test_outside_the_window_it_falls_back_to_the_councils_template(
    sessions: sessionmaker, clock: FixedClock, demo: None
) -> None:

    item_id, _yp = _whatsapp_item(sessions, demo)
    with sessions.begin() as session:
        session.get(Council, "plymouth").whatsapp_templates = {"pa_reply": "pa_message_v1"}
    whatsapp = FakeSender(DeliveryError("outside the 24-hour window", permanent=True))
    dispatcher = Dispatcher(sessions, clock, {"whatsapp": whatsapp}, follow_up=FOLLOW_UP)
    assert await dispatcher.run_once() == 0
    queued = _item(sessions, item_id)
    assert (queued.status, queued.template, queued.template_params) == (
        "pending",
        "pa_message_v1",
        ["Jay"],
    )
    assert await dispatcher.run_once() == 1
    assert [(d.template, d.template_params) for d in whatsapp.deliveries] == [
        (None, ()),
        ("pa_message_v1", ("Jay",)),
    ]
    assert _item(sessions, item_id).status == "sent"


async def test_outside_the_window_with_no_template_the_pa_gets_a_task(
    sessions: sessionmaker, clock: FixedClock, demo: None
) -> None:

    item_id, yp_id = _whatsapp_item(sessions, demo)
    with sessions.begin() as session:
        sam = session.execute(
            select(PersonalAdviser).where(PersonalAdviser.name == "Sam Ortiz")
        ).scalar_one()
        session.add(
            StaffAccount(
                email="sam.ortiz@example.org",
                name="Sam Ortiz",
                role="pa",
                password_hash="x",
                pa_id=sam.id,
                team_id=sam.team_id,
                notify_email=True,
                notify_telegram=False,
                active=True,
                failed_logins=0,
                created_at=MONDAY_10AM,
            )
        )
    whatsapp = FakeSender(DeliveryError("outside the 24-hour window", permanent=True))
    dispatcher = Dispatcher(sessions, clock, {"whatsapp": whatsapp}, follow_up=FOLLOW_UP)
    assert await dispatcher.run_once() == 0
    assert _item(sessions, item_id).status == "failed"
    with sessions() as session:
        tasks = list(
            session.execute(
                select(OutboxItem).where(OutboxItem.purpose == "whatsapp_window_closed")
            ).scalars()
        )
    assert [(t.channel, t.address, t.young_person_id) for t in tasks] == [
        ("email", "sam.ortiz@example.org", yp_id)
    ]
    assert "Hi Jay" not in tasks[0].body
