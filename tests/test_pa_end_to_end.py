"""End to end over real HTTP: a young person on the web chat asks for their PA; the PA's
email arrives at a local SMTP server; the PA logs into the dashboard, acknowledges and
replies; the young person's chat receives the reply."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.advisers import linking
from bot.db import session_factory
from bot.demo import add_demo_staff
from bot.models import Escalation, OutboxItem, PersonalAdviser, StaffAccount, Team, YoungPerson
from bot.runtime import build_runtime
from bot.server import create_app
from bot.settings import load_settings
from tests.support.servers import serve

pytestmark = [pytest.mark.slow]

PASSWORD = "correct-horse-battery"
TIMEOUT = 15.0


class Inbox:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, to: str, timeout: float = TIMEOUT) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.messages:
                    if message["To"] == to:
                        return message
            time.sleep(0.05)
        raise AssertionError(f"no email to {to}; got {[m['To'] for m in self.messages]}")


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    # aiosmtpd checks it is up by connecting to its port, so it needs a real one, not 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def bot_url(database_url, trained_model, tmp_path, interpreter, clock, db_engine, demo, smtp):
    _inbox, port = smtp
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "CAREBOT_DATA_DIR": str(tmp_path),
            "CAREBOT_MODEL_PATH": str(trained_model),
            "CAREBOT_DEFAULT_COUNCIL": "plymouth",
            "CAREBOT_PUBLIC_URL": "http://dashboard.test",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_SECURITY": "none",
            "SMTP_FROM": "bot@council.example.org",
        }
    )
    with session_factory(db_engine).begin() as session:
        teams = {t.council_id: t for t in session.execute(select(Team)).scalars()}
        advisers = {p.name: p for p in session.execute(select(PersonalAdviser)).scalars()}
        add_demo_staff(session, teams, advisers, PASSWORD, clock.now())
    runtime = build_runtime(settings, interpreter=interpreter, clock=clock)
    with serve(create_app(runtime), lifespan="on") as url:
        yield url


def csrf(html: str, field: str = "csrf_token") -> str:
    match = re.search(rf'name="{field}" value="([^"]+)"', html)
    assert match, f"no {field} in the page"
    return match.group(1)


def test_young_person_reaches_their_named_pa_and_gets_the_reply(
    bot_url, smtp, db_engine, clock
) -> None:
    inbox, _port = smtp
    with session_factory(db_engine).begin() as session:
        yp = session.execute(select(YoungPerson).where(YoungPerson.ref == "demo-19")).scalar_one()
        yp_id = yp.id
        sam = session.execute(
            select(StaffAccount).where(StaffAccount.email == "sam.ortiz@example.org")
        ).scalar_one()
        code = linking.create_code(
            session,
            purpose="young_person",
            young_person_id=yp.id,
            staff_id=None,
            created_by_id=sam.id,
            now=clock.now(),
        )

    young = httpx.Client(base_url=bot_url, timeout=TIMEOUT)
    young.get("/")  # the page sets the visitor cookie

    def say(text: str, n: int) -> dict:
        response = young.post("/api/chat", json={"message_id": f"msg-000{n}", "text": text})
        assert response.status_code == 200, response.text
        return response.json()

    assert "You're linked. Hi Jay." in say(f"link {code}", 1)["messages"][0]["text"]
    turn = say("i want to talk to my pa", 2)
    reply = "\n".join(m["text"] for m in turn["messages"])
    assert "Sam Ortiz" in reply and "17:00 tomorrow" in reply
    assert set(turn) == {"messages", "language", "direction"}, "no escalation details"
    # The escalation the turn opened, as the dashboard will find it.
    with session_factory(db_engine)() as session:
        (opened,) = session.execute(
            select(Escalation).where(Escalation.young_person_id == yp_id)
        ).scalars()
        assert (opened.reason, opened.status) == ("asked_for_pa", "open")
        escalation_id = opened.id

    # The PA's email: it says there is an escalation and links to it, and nothing more.
    email = inbox.wait_for("sam.ortiz@example.org")
    body = email.get_payload(decode=True).decode()
    assert f"http://dashboard.test/staff/escalations/{escalation_id}" in body
    assert "talk to my pa" not in body and "Jay" not in body
    assert email["From"] == "bot@council.example.org"

    pa = httpx.Client(base_url=bot_url, timeout=TIMEOUT, follow_redirects=True)
    login = pa.get("/staff/login")
    home = pa.post(
        "/staff/login",
        data={
            "email": "sam.ortiz@example.org",
            "password": PASSWORD,
            "login_token": csrf(login.text, "login_token"),
            "next": "/staff/",
        },
    )
    assert home.status_code == 200 and "Log out" in home.text
    page = pa.get(f"/staff/escalations/{escalation_id}")
    assert page.status_code == 200 and "Jay" in page.text
    token = csrf(page.text)
    acked = pa.post(f"/staff/escalations/{escalation_id}/acknowledge", data={"csrf_token": token})
    assert acked.status_code == 200
    sent = pa.post(
        f"/staff/escalations/{escalation_id}/reply",
        data={"csrf_token": token, "text": "Hi Jay, it's Sam. I'll call you at 2pm."},
    )
    assert sent.status_code == 200
    with session_factory(db_engine)() as session:
        esc = session.get(Escalation, escalation_id)
        assert esc.status == "acknowledged" and esc.acknowledged_by_id == sam.id

    # The young person's chat picks the reply up.
    deadline = time.monotonic() + TIMEOUT
    got: list[str] = []
    while time.monotonic() < deadline and not got:
        got = [(m["text"], m["from"]) for m in young.get("/api/updates?after=0").json()["messages"]]
        time.sleep(0.1)
    assert got == [("Hi Jay, it's Sam. I'll call you at 2pm.", "Sam Ortiz")]
    with session_factory(db_engine)() as session:
        delivered = session.execute(
            select(OutboxItem).where(OutboxItem.purpose == "pa_reply")
        ).scalar_one()
        assert delivered.status == "sent" and delivered.channel == "web"
