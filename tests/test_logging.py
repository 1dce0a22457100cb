"""No log line contains a message's text, a name or a phone number.

Everything is captured at DEBUG (caplog on the root logger) while real conversations run through
the engine and through the web chat over HTTP; then every record's final message and exception
text is searched for what people said and for the personal details the bot replied with.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
import secrets
from collections.abc import Iterable, Iterator

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from bot import logsafe
from bot.logsafe import RedactingFilter, configure_logging
from bot.models import Message
from bot.runtime import Runtime
from bot.server import create_app
from bot.server_keys import server_key
from tests.conftest import Chat
from tests.support.servers import serve

SECRET_TEXT = "my secret is purple-banana-42 call me on 07700 900123"
WEB_TEXT = "web secret is mango-kite-77, my number is 07700 900987"
WEB_LONG_TEXT = ("turquoise-walrus-19 " * 600).strip()  # over the parse limit, stored whole
CRISIS_TEXT = "i want to kill myself"
WEB_CRISIS_TEXT = "honestly i want to kill myself tonight"

FORBIDDEN = (
    SECRET_TEXT,
    WEB_TEXT,
    CRISIS_TEXT,
    WEB_CRISIS_TEXT,
    "purple-banana",
    "mango-kite",
    "turquoise-walrus",
    "07700 900123",
    "07700 900987",
    "Sam Ortiz",
    "Jay",
    "01632 960123",
    "01632 960456",
    "kill myself",
    "sam.ortiz@example.org",
)


def rendered(record: logging.LogRecord) -> str:
    """The record as a handler would write it: final message, exception and stack text."""
    try:
        parts = [record.getMessage()]
    except Exception:
        parts = [str(record.msg), repr(record.args)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def assert_no_personal_data(records: Iterable[logging.LogRecord]) -> None:
    leaks = [
        f"{record.name} {record.levelname}: {needle!r} in {rendered(record)[:2000]!r}"
        for record in records
        for needle in FORBIDDEN
        if needle in rendered(record)
    ]
    assert not leaks, "\n".join(leaks)


def texts(turn) -> str:
    return "\n".join(m.text for m in turn.messages)


def post(client: httpx.Client, **fields: object) -> httpx.Response:
    fields.setdefault("message_id", secrets.token_hex(8))
    return client.post("/api/chat", json=fields)


@pytest.mark.slow
def test_no_log_line_contains_text_names_or_phone_numbers(
    chat: Chat, runtime: Runtime, staff: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    # Through the engine, as a linked young person.
    chat.link("demo-19")
    assert chat.say(SECRET_TEXT).messages
    hello = chat.say("hello")
    assert "Jay" in texts(hello)
    pa = chat.say("who's my PA")
    assert "Sam Ortiz" in texts(pa) and "01632 960123" in texts(pa)
    assert "sam.ortiz@example.org" in texts(pa) and "01632 960456" in texts(pa)
    talk = chat.press("intent:talk_to_pa")
    assert "Sam Ortiz" in texts(talk)
    crisis = chat.say(CRISIS_TEXT)
    assert crisis.safety == "suicide_self_harm" and crisis.escalation is not None
    assert chat.say(None, kind="sticker").messages
    assert chat.say(SECRET_TEXT, message_id="repeat-1").messages
    assert chat.say(SECRET_TEXT, message_id="repeat-1").duplicate

    # Through the web chat over real HTTP, anonymous and then linked.
    with serve(create_app(runtime)) as url, httpx.Client(base_url=url, timeout=60) as client:
        assert client.get("/").status_code == 200
        visitor = client.cookies["carebot_visitor"]
        message_id = secrets.token_hex(8)
        first = post(client, message_id=message_id, text=WEB_TEXT)
        assert first.status_code == 200 and first.json()["messages"]
        # A retry: the duplicate path replays the stored reply.
        again = post(client, message_id=message_id, text=WEB_TEXT)
        assert again.status_code == 200
        assert again.json()["messages"] == first.json()["messages"]
        assert post(client, text=WEB_LONG_TEXT).status_code == 200
        crisis_id = secrets.token_hex(8)
        crisis_reply = post(client, message_id=crisis_id, text=WEB_CRISIS_TEXT).json()
        assert "116 123" in "\n".join(m["text"] for m in crisis_reply["messages"])
        with runtime.sessions() as session:
            retried = session.execute(
                select(func.count())
                .select_from(Message)
                .where(Message.channel == "web", Message.external_id == f"{visitor}:{message_id}")
            ).scalar_one()
            web_crisis = session.execute(
                select(Message.safety).where(
                    Message.channel == "web", Message.external_id == f"{visitor}:{crisis_id}"
                )
            ).scalar_one()
        assert retried == 1
        assert web_crisis == "suicide_self_harm"
        assert post(client, text="", language="ar").status_code == 200
        assert post(client, payload="more:council_tax").status_code == 200
        bad = client.post(
            "/api/chat",
            content=b'{"message_id": "x", "text": "mango-kite-77 \xff"}',
            headers={"Content-Type": "application/json"},
        )
        assert bad.status_code == 400

        runtime.engine.identify("web", visitor, young_person_ref="demo-19")
        web_pa = post(client, text="who's my PA").json()
        assert "Sam Ortiz" in web_pa["messages"][0]["text"]
        assert "Jay" in post(client, text="hello").json()["messages"][0]["text"]

    records = caplog.records
    engine_records = [r for r in records if r.name == "dialogues.engine"]
    assert engine_records, "the engine logs each turn: logging is not silently off"
    assert len(engine_records) >= 13
    assert any("channel=web" in r.getMessage() for r in engine_records)
    assert any("safety=suicide_self_harm" in r.getMessage() for r in engine_records)
    assert_no_personal_data(records)


@pytest.mark.slow
def test_a_database_failure_does_not_log_the_message_text(
    runtime: Runtime, db_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """When storing a message fails, the error is logged, but not what the person wrote."""
    caplog.set_level(logging.DEBUG)
    with serve(create_app(runtime)) as url, httpx.Client(base_url=url, timeout=60) as client:
        assert post(client, text="hello").status_code == 200
        # The messages table goes away (a botched migration, a restore in progress...).
        with db_engine.begin() as conn:
            conn.execute(text("ALTER TABLE messages RENAME TO messages_gone"))
        response = post(client, text=WEB_TEXT)
        assert response.status_code != 200
        assert WEB_TEXT not in response.text

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the failure itself is logged"
    assert_no_personal_data(caplog.records)


@pytest.mark.slow
def test_a_forged_button_payload_is_not_logged(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can POST any payload: its value is text the person wrote, not one of ours."""
    caplog.set_level(logging.DEBUG)
    with serve(create_app(runtime)) as url, httpx.Client(base_url=url, timeout=60) as client:
        for payload in ("topic:purple-banana-42", "intent:Jay", "more:Sam_Ortiz-kill-myself"):
            response = post(client, payload=payload)
            assert response.status_code == 200
            assert response.json()["messages"]
    assert any(r.name == "dialogues.engine" for r in caplog.records)
    assert_no_personal_data(caplog.records)
    assert not any("Sam_Ortiz" in rendered(r) for r in caplog.records)


# -- RedactingFilter ---------------------------------------------------------------------------


def make_record(msg: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord(
        "carebot.test",
        logging.INFO,
        __file__,
        1,
        msg,
        args or None,
        exc_info,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("PA phone 07700 900123, email sam.ortiz@example.org", ()),
        ("PA phone %s, email %s", ("07700 900123", "sam.ortiz@example.org")),
        (
            "PA phone %(phone)s, email %(email)s",
            ({"phone": "07700 900123", "email": "sam.ortiz@example.org"},),
        ),
    ],
    ids=["preformatted", "positional-args", "mapping-args"],
)
def test_redacting_filter_masks_phone_numbers_and_emails(msg: str, args: tuple) -> None:
    record = make_record(msg, *args)
    assert RedactingFilter().filter(record) is True
    message = record.getMessage()
    assert message == "PA phone [number], email [email]"
    assert "07700" not in message and "example.org" not in message


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "(01632) 960123",
        "01632-960-123",
    ],
)
def test_redacting_filter_masks_common_uk_phone_formats(number: str) -> None:
    record = make_record("call %s now", number)
    RedactingFilter().filter(record)
    assert record.getMessage() in ("call [number] now", "call ([number] now")
    assert number.strip("()+")[-6:] not in record.getMessage()


def test_redacting_filter_masks_an_email_with_digits_whole() -> None:
    record = make_record("reply to jay.07700900123@example.org please")
    RedactingFilter().filter(record)
    assert record.getMessage() == "reply to [email] please"


def test_redacting_filter_leaves_other_records_alone() -> None:
    record = make_record("turn channel=%s intent=%s ms=%.1f", "web", "council_tax", 12.5)
    assert RedactingFilter().filter(record) is True
    assert record.msg == "turn channel=%s intent=%s ms=%.1f"
    assert record.args == ("web", "council_tax", 12.5)
    # A broken format string is kept, not dropped or raised.
    broken = make_record("oops %s %s", "only one")
    assert RedactingFilter().filter(broken) is True


@pytest.fixture
def configured_logging() -> Iterator[io.StringIO]:
    """configure_logging() as `carebot run` calls it, writing to a buffer; undone afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    names = (*logsafe._QUIET, "py.warnings")
    saved_levels = {name: logging.getLogger(name).level for name in names}
    buffer = io.StringIO()
    try:
        configure_logging("DEBUG")
        (handler,) = root.handlers
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(buffer)
        yield buffer
    finally:
        logging.captureWarnings(False)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def test_configured_logging_redacts_messages_and_exception_text(
    configured_logging: io.StringIO,
) -> None:
    log = logging.getLogger("carebot.test.redaction")
    log.info("sms to %s failed, email %s", "07700 900123", "sam.ortiz@example.org")
    number, email = "07700 " + "900123", "sam.ortiz@" + "example.org"
    try:
        raise ValueError(f"could not reach {number} or {email}")  # not in the traceback's source
    except ValueError:
        log.exception("notify failed")
    output = configured_logging.getvalue()
    assert "sms to [number] failed, email [email]" in output
    assert "notify failed" in output and "ValueError" in output
    assert "07700 900123" not in output
    assert "sam.ortiz@example.org" not in output


def test_configured_logging_keeps_timestamps_readable(configured_logging: io.StringIO) -> None:
    logging.getLogger("carebot.test.redaction").info("turn intent=%s", "council_tax")
    line = configured_logging.getvalue().strip()
    assert re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} INFO ", line), line
    assert "[number]" not in line


def test_a_pseudonym_is_keyed_so_a_phone_number_cannot_be_hashed_back() -> None:
    # A WhatsApp sender id is the phone number: a plain hash of every UK mobile is a lookup.
    number = "447700900123"
    plain = hashlib.sha256(number.encode()).hexdigest()[:10]
    assert logsafe.pseudonym(number) != plain
    assert logsafe.pseudonym(number) == logsafe.pseudonym(number)
    assert logsafe.pseudonym(number) != logsafe.pseudonym("447700900124")


@pytest.mark.slow
def test_every_process_on_one_database_uses_the_databases_pseudonym_key(
    runtime: Runtime,
) -> None:
    # build_runtime set it; another process on the same database reads the same key.
    key = server_key(runtime.sessions, "log_pseudonym")
    expected = hmac.new(key, b"447700900123", hashlib.sha256).hexdigest()[:10]
    assert logsafe.pseudonym("447700900123") == expected
