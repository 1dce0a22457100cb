"""`carebot chat`: the dialogue engine in a terminal, for people and (with --json) for scripts."""

from __future__ import annotations

import json
import sys
import uuid
from typing import TextIO

from bot.messages import InboundMessage, Turn
from dialogues.engine import DialogueEngine

CHANNEL = "terminal"


class TerminalChat:
    """`carebot chat`: one conversation through the engine on the "terminal" channel, linked to a
    young person, council or language as the command's flags say."""

    def __init__(
        self,
        engine: DialogueEngine,
        *,
        as_ref: str | None = None,
        council: str | None = None,
        language: str | None = None,
    ) -> None:
        self._engine = engine
        self._as_ref, self._council, self._language = as_ref, council, language
        self._new_conversation()

    def _new_conversation(self) -> None:
        # Each run (and each /reset) is a fresh conversation, linked as the flags say.
        self.sender_id = f"cli-{uuid.uuid4().hex[:16]}"
        self._engine.identify(
            CHANNEL,
            self.sender_id,
            young_person_ref=self._as_ref,
            council_id=self._council,
            language=self._language,
        )

    def send(self, line: str) -> Turn:
        """One input line: a message, `/button PAYLOAD`, or `/reset`."""
        line = line.rstrip("\r\n")
        message_id = uuid.uuid4().hex
        if line.strip() == "/reset":
            self._new_conversation()
            return Turn(input=line, language=self._language or "en")
        if line.startswith("/button"):
            payload = line[len("/button") :].strip()
            inbound = InboundMessage(
                CHANNEL, self.sender_id, message_id, kind="button", payload=payload
            )
        else:
            inbound = InboundMessage(CHANNEL, self.sender_id, message_id, text=line)
        return self._engine.handle(inbound)

    def run_json(self, stdin: TextIO, stdout: TextIO) -> None:
        """For scripts: one JSON turn (the message protocol) per input line, to the end of input."""
        for line in stdin:
            turn = self.send(line)
            stdout.write(json.dumps(turn.as_protocol(), ensure_ascii=False) + "\n")
            stdout.flush()

    def run_interactive(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        """A prompt for people: the bot's messages, its buttons numbered; a number presses one."""
        stdout.write(
            "Type a message (a number presses a button; /reset starts again; Ctrl-D quits).\n"
        )
        buttons: list[str] = []
        while True:
            stdout.write("> ")
            stdout.flush()
            line = stdin.readline()
            if not line:
                stdout.write("\n")
                return
            choice = line.strip()
            if choice.isdigit() and 1 <= int(choice) <= len(buttons):
                line = f"/button {buttons[int(choice) - 1]}"
            turn = self.send(line)
            buttons = []
            for message in turn.messages:
                stdout.write(f"bot: {message.text}\n")
                for button in message.buttons:
                    buttons.append(button.payload)
                    stdout.write(f"  [{len(buttons)}] {button.title}\n")
