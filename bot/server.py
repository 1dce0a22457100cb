"""`carebot run`: the web app (web chat, webhooks) under uvicorn, with Telegram alongside."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.webchat import WebChat
from bot.runtime import Runtime

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


def create_app(runtime: Runtime, *, telegram: object | None = None) -> Starlette:
    """The ASGI app; `telegram` is a TelegramChannel when Telegram is on."""
    settings = runtime.settings
    web = WebChat(
        runtime.engine,
        default_language=settings.default_language,
        default_council=settings.default_council,
    )

    async def health(_request: Request) -> JSONResponse:
        # A content error names a file and a field, never a young person: safe to show staff.
        return JSONResponse(
            {
                "status": "ok",
                "content_error": runtime.content.last_error,
                "nlu_needs_training": runtime.nlu_stale,
            }
        )

    routes = [
        *web.routes(),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    if telegram is not None and getattr(telegram, "webhook_mode", False):
        routes.append(Route("/telegram/webhook", telegram.webhook, methods=["POST"]))  # type: ignore[attr-defined]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if telegram is not None:
            await telegram.start()  # type: ignore[attr-defined]
        try:
            yield
        finally:
            if telegram is not None:
                await telegram.stop()  # type: ignore[attr-defined]

    return Starlette(routes=routes, lifespan=lifespan)


def serve(runtime: Runtime) -> None:
    telegram = None
    if runtime.settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        telegram = TelegramChannel(runtime.settings, runtime.engine)
    app = create_app(runtime, telegram=telegram)
    settings = runtime.settings
    log.info(
        "web chat on http://%s:%d/ telegram=%s",
        settings.host,
        settings.port,
        "on" if telegram else "off (no TELEGRAM_TOKEN)",
    )
    # ws="none": uvicorn's websockets support breaks on the websockets 10.4 Rasa pins.
    # No access log: request lines carry IP addresses, which are personal data.
    uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            ws="none",
            access_log=False,
            log_config=None,
            lifespan="on",
        )
    ).run()
