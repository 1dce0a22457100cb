"""Loading Rasa and its helpers leaves the bot's logging as the bot set it up."""

from __future__ import annotations

import subprocess
import sys

from bot.settings import PROJECT_ROOT

PROBE = """
import logging
from bot.logsafe import configure_logging
configure_logging("INFO")
import nlu.rasa_interpreter
root = logging.getLogger()
print(logging.getLevelName(root.level), len(root.handlers))
logging.getLogger("bot.leader").info("an info line")
"""


def test_importing_rasa_keeps_the_bots_info_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["INFO", "1"]
    assert "INFO bot.leader: an info line" in done.stderr
