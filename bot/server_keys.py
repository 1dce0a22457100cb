"""Secrets every process shares, made once and kept in the database (so a log-in form made
by one process is accepted by another behind a load balancer)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.models import ServerKey


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
