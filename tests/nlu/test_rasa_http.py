"""The NLU as a service: Rasa's own `rasa run --enable-api` answers as the in-process model does,
and a service that is down, refuses us or answers nonsense never breaks a turn."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from bot.runtime import build_runtime
from bot.server import create_app
from bot.settings import Settings
from nlu.rasa_http import RasaHttpInterpreter
from nlu.rasa_json import NOT_UNDERSTOOD
from nlu.result import Interpreter
from tests.conftest import Chat

TOKEN = "a-test-token-for-the-nlu-service"
MESSAGES = [
    "can i get council tax paid",
    "who's my PA",
    "i got kicked out",
    "councel tax help pls",
    "how do i get a bus pass",
    "what is the weather like on mars",
    "ok",
    "/greet",
    "",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "rasa run stopped"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("rasa run did not start")


@pytest.fixture(scope="module")
def rasa_service(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `rasa run --enable-api` on a loopback port, serving the test model."""
    home = tmp_path_factory.mktemp("rasa-home")
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "rasa"),
            "run",
            "--enable-api",
            "--model",
            str(trained_model),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--auth-token",
            TOKEN,
        ],
        cwd=home,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=(home / "rasa.err").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/", process, 180)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.slow
def test_the_service_answers_as_the_model_in_this_process(
    rasa_service: str, interpreter: Interpreter
) -> None:
    remote = RasaHttpInterpreter(rasa_service, token=TOKEN)
    for text in MESSAGES:
        here, there = interpreter.parse(text), remote.parse(text)
        assert there.intent == here.intent, text
        assert there.confidence == pytest.approx(here.confidence, abs=1e-6), text
        assert [s.intent for s in there.ranking] == [s.intent for s in here.ranking], text
    assert remote.answering is True


@pytest.mark.slow
def test_a_wrong_token_is_not_understood_not_an_error(
    rasa_service: str, caplog: pytest.LogCaptureFixture
) -> None:
    remote = RasaHttpInterpreter(rasa_service, token="not-the-token", rest=0)
    with caplog.at_level(logging.WARNING):
        assert remote.parse("can i get council tax paid") == NOT_UNDERSTOOD
    assert remote.answering is False
    assert "council tax" not in caplog.text
    assert "HTTPStatusError" in caplog.text


@pytest.mark.slow
def test_a_turn_through_the_service(
    rasa_service: str, settings: Settings, demo: None, staff: dict[str, int]
) -> None:
    runtime = build_runtime(replace(settings, nlu_url=rasa_service, nlu_token=TOKEN))
    assert runtime.interpreter is None and runtime.nlu_service is not None
    turn = Chat(runtime.engine).link("demo-19").say("can i get council tax paid")
    assert turn.topic == "council_tax"
    assert runtime.nlu_service.answering is True


def test_with_the_service_down_a_crisis_still_gets_the_safety_reply(
    settings: Settings, demo: None, staff: dict[str, int]
) -> None:
    # Safety never depends on the classifier: risk detection runs in the bot's own process.
    nobody = f"http://127.0.0.1:{free_port()}"
    runtime = build_runtime(replace(settings, nlu_url=nobody))
    chat = Chat(runtime.engine).link("demo-19")
    turn = chat.say("i got kicked out and have nowhere to sleep tonight")
    assert turn.safety == "homeless_tonight"
    assert turn.escalation is not None
    ordinary = chat.say("can i get council tax paid")
    assert ordinary.intent == "nlu_fallback" and ordinary.messages
    assert runtime.nlu_service is not None and runtime.nlu_service.answering is False


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>a proxy's error page</html>"),
        httpx.Response(200, json=["not", "a", "parse"]),
        httpx.Response(200, json={"intent": {"name": "council_tax", "confidence": "high"}}),
        httpx.Response(500, json={"status": "failure"}),
    ],
    ids=["not json", "a list", "a bad confidence", "a server error"],
)
def test_nonsense_from_the_service_is_not_understood(answer: httpx.Response) -> None:
    remote = RasaHttpInterpreter(
        "http://nlu.invalid", transport=httpx.MockTransport(lambda _request: answer)
    )
    assert remote.parse("can i get council tax paid") == NOT_UNDERSTOOD
    assert remote.answering is False


def test_the_service_gets_the_normalised_text_and_the_token() -> None:
    seen: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"intent": {"name": "council_tax", "confidence": 0.9}, "intent_ranking": []}
        return httpx.Response(200, json=body)

    remote = RasaHttpInterpreter(
        "http://nlu.invalid/", token="t0k", transport=httpx.MockTransport(rasa)
    )
    result = remote.parse("/  Can I get COUNCIL TAX paid?? ")
    assert (result.intent, result.confidence) == ("council_tax", 0.9)
    (request,) = seen
    assert request.url.path == "/model/parse"
    assert request.url.params["token"] == "t0k"
    sent = json.loads(request.content)["text"]
    assert not sent.startswith("/") and sent == sent.strip() and "COUNCIL" not in sent
    assert remote.parse("/") == NOT_UNDERSTOOD and len(seen) == 1


def test_the_health_check_says_whether_the_service_answers(settings: Settings, demo: None) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    runtime = build_runtime(replace(settings, nlu_url=nobody))
    with TestClient(create_app(runtime)) as client:
        assert client.get("/healthz").json()["nlu_service"] == "not used yet"
        Chat(runtime.engine).link("demo-19").say("can i get council tax paid")
        assert client.get("/healthz").json()["nlu_service"] == "not answering"


def test_after_a_failure_the_service_is_left_alone_for_a_while() -> None:
    # One turn at a time per process: a hung service must not cost every message a timeout.
    calls: list[httpx.Request] = []

    def hung(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadTimeout("no answer", request=request)

    remote = RasaHttpInterpreter(
        "http://nlu.invalid", rest=0.5, transport=httpx.MockTransport(hung)
    )
    assert remote.parse("can i get council tax paid") == NOT_UNDERSTOOD
    assert remote.parse("who is my pa") == NOT_UNDERSTOOD
    assert len(calls) == 1
    time.sleep(0.6)
    remote.parse("who is my pa")
    assert len(calls) == 2
