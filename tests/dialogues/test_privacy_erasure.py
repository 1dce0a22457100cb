"""After "delete my data", no table holds the young person's words or their chat id (a
WhatsApp id is their phone number); the same phone is still recognised if it writes again."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.db import session_factory
from bot.models import Base, ChannelIdentity
from tests.conftest import Chat

# Exercises SQL behaviour: runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.sql

PHONE = "447700900123"
WORDS = "my landlord at 12 Acacia Avenue keeps shouting"


def dump(db_engine: Engine) -> str:
    """Every row of every table, as text."""
    out: list[str] = []
    with db_engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                out.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(out)


def test_nothing_of_theirs_is_left_after_deletion(engine, db_engine: Engine) -> None:
    chat = Chat(engine, channel="whatsapp", sender_id=PHONE).link("demo-19")
    chat.say(WORDS)
    chat.say("i want to talk to my pa")
    assert PHONE in dump(db_engine) and "Acacia" in dump(db_engine)  # the test can fail

    asked = chat.say("/stop delete my data")
    assert "privacy:delete_yes" in [b.payload for m in asked.messages for b in m.buttons]
    done = chat.press("privacy:delete_yes")
    assert "deleted" in done.messages[0].text

    everything = dump(db_engine)
    assert PHONE not in everything
    assert "Acacia" not in everything and "shouting" not in everything


def test_the_same_phone_is_recognised_if_it_writes_again(engine, db_engine: Engine) -> None:
    chat = Chat(engine, channel="whatsapp", sender_id=PHONE).link("demo-19")
    chat.say("/stop delete my data")
    chat.press("privacy:delete_yes")
    chat.say("hello again")
    with session_factory(db_engine)() as session:
        chats = (
            session.execute(select(ChannelIdentity).where(ChannelIdentity.channel == "whatsapp"))
            .scalars()
            .all()
        )
        assert len(chats) == 1 and chats[0].external_id == PHONE
        assert chats[0].young_person_id is not None  # still their chat, nothing else back
