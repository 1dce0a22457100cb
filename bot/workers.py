"""`carebot run --workers N`: N web processes on one port, under uvicorn's own supervisor."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette

from bot import memory
from bot.content import ContentError
from bot.content.store import ContentStore
from bot.logsafe import configure_logging
from bot.runtime import build_runtime, load_risk_detector
from bot.server import UVICORN_OPTIONS, build_app, log_channels
from bot.settings import Settings, load_settings
from bot.startup import StartupError, open_database


def check_before_starting(settings: Settings) -> None:
    """Refuse to start, with build_runtime's one clear line, what every worker would refuse:
    uvicorn would otherwise start N processes that each fail the same way."""
    open_database(settings.database_url).dispose()
    try:
        ContentStore(settings.content_dir)
    except ContentError as exc:
        raise StartupError(f"content error: {exc}") from None
    if not settings.nlu_url and not settings.model_path.is_file():
        raise StartupError(f"no NLU model at {settings.model_path}; run `carebot train`")
    # Trains the risk classifier now if it is missing, once, rather than in every worker.
    load_risk_detector(settings)


def serve_workers(settings: Settings) -> None:
    """Bind the port here, then run `settings.workers` processes that each build the whole
    bot and share the port; uvicorn restarts a worker that dies. Each worker reads the same
    environment (the CLI puts --host, --port and --workers in it), so all agree on settings;
    bot.leader makes one of them, across every process on the database, the leader."""
    check_before_starting(settings)
    log_channels(settings)
    uvicorn.run(
        "bot.workers:worker_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        **UVICORN_OPTIONS,
    )


def worker_app() -> Starlette:
    """One worker's app (uvicorn calls this in each new process)."""
    settings = load_settings()
    configure_logging(settings.log_level)
    app = build_app(build_runtime(settings))
    memory.settle()  # everything is loaded: the model, the content, the app
    return app
