"""Parses messages with Rasa's own HTTP server (`rasa run --enable-api`) instead of in process."""

from __future__ import annotations

import logging
import time

import httpx

from nlu.rasa_json import NOT_UNDERSTOOD, model_input, result_of
from nlu.result import NluResult

log = logging.getLogger(__name__)

# A parse takes milliseconds; a service that has not answered in this long is not going to
# in time for the young person, who gets "not sure" and the choices instead.
TIMEOUT_SECONDS = 2.0
# After a failure, the service is left alone this long (messages are "not understood" at
# once): a process answers one turn at a time (dialogues.engine), so waiting out a dead
# service on every message would hold up everyone's replies, crisis replies included.
REST_SECONDS = 10.0
# Kept-alive connections to the service, shared by the worker threads answering messages.
CONNECTIONS = 16


class RasaHttpInterpreter:
    """The Interpreter protocol (see nlu.result) over Rasa's `POST /model/parse`.

    The service holds the model, so this process never imports Rasa or TensorFlow. When the
    service is down or answers nonsense, the message is "not understood" rather than an
    error: risk detection runs in this process (nlu.risk) and does not depend on it."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        fold: bool = True,
        timeout: float = TIMEOUT_SECONDS,
        rest: float = REST_SECONDS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=url.rstrip("/"),
            # Rasa's --auth-token is checked against the `token` query parameter.
            params={"token": token} if token else None,
            timeout=timeout,
            limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS),
            transport=transport,
        )
        self._fold = fold
        self._rest = rest
        self._resting_until = 0.0
        # None until the first parse; then whether the last one was answered (for /healthz).
        self.answering: bool | None = None

    def parse(self, text: str) -> NluResult:
        """Classify one message; "not understood" when the service cannot say, and for a
        while after it could not."""
        cleaned = model_input(text, fold=self._fold)
        if not cleaned or time.monotonic() < self._resting_until:
            return NOT_UNDERSTOOD
        try:
            response = self._client.post("/model/parse", json={"text": cleaned})
            response.raise_for_status()
            result = result_of(response.json())
        except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # The type only: an error's text can quote the message.
            log.warning("NLU service gave no parse error=%s", type(exc).__name__)
            self.answering = False
            self._resting_until = time.monotonic() + self._rest
            return NOT_UNDERSTOOD
        self.answering = True
        return result

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._client.close()
