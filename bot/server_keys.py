"""Secrets every process shares, made once and kept in the database (so a log-in form made
by one process is accepted by another behind a load balancer)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import ServerKey

# The key that hashes the chat ids of deleted conversations.
ERASE_KEY = "erase"


def key_in(session: Session, name: str) -> bytes:
    """The key called `name`, read (or made) in the caller's own transaction."""
    row = session.get(ServerKey, name)
    if row is None:
        row = ServerKey(
            name=name, secret=secrets.token_hex(32), created_at=datetime.now(timezone.utc)
        )
        session.add(row)
        session.flush()
    return bytes.fromhex(row.secret)


def server_key(sessions: sessionmaker, name: str) -> bytes:
    """The key called `name`, made on first use; two processes racing agree on one."""
    for _ in range(2):
        with sessions() as session:
            row = session.get(ServerKey, name)
            if row is not None:
                return bytes.fromhex(row.secret)
            session.add(
                ServerKey(
                    name=name,
                    secret=secrets.token_hex(32),
                    created_at=datetime.now(timezone.utc),
                )
            )
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # another process made it first: read theirs
    with sessions() as session:
        row = session.get(ServerKey, name)
        assert row is not None
        return bytes.fromhex(row.secret)


class TokenSigner:
    """Tokens only this server issues: random letters followed by their HMAC."""

    RANDOM = 32  # characters of token_urlsafe(24)
    SIGNATURE = 22

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, random: str) -> str:
        digest = hmac.new(self._key, random.encode(), hashlib.sha256).hexdigest()
        return digest[: self.SIGNATURE]

    def issue(self) -> str:
        random = secrets.token_urlsafe(24)
        return random + self._sign(random)

    def valid(self, token: str | None) -> bool:
        if not token or len(token) != self.RANDOM + self.SIGNATURE:
            return False
        random, signature = token[: self.RANDOM], token[self.RANDOM :]
        return hmac.compare_digest(self._sign(random), signature)


def erased_id(key: bytes, channel: str, external_id: str) -> str:
    """What a chat's id becomes when its data is deleted: a keyed hash, so the number or
    chat id cannot be read back (a plain hash of a phone number is easily reversed), but
    the same chat is recognised if it writes again."""
    digest = hmac.new(key, f"{channel}:{external_id}".encode(), hashlib.sha256).hexdigest()
    return f"erased:{digest[:48]}"
