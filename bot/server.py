"""`carebot run`: the web app (web chat, webhooks) under uvicorn, with Telegram alongside."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import memory
from bot.advisers.delivery import DeliveryFollowUp
from bot.channels.email import SmtpSender
from bot.channels.telegram import TelegramChannel
from bot.channels.webchat import WebChat
from bot.channels.whatsapp import WhatsAppChannel
from bot.dashboard.app import Dashboard
from bot.leader import RETRY_SECONDS, Leadership
from bot.outbox import Dispatcher, StoredSender
from bot.runtime import Runtime
from bot.scheduler import JobContext, Scheduler
from bot.server_keys import TokenSigner, server_key
from bot.settings import Settings
from bot.web_headers import SecurityHeaders, default_headers

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


# Telegram allows about 30 messages a second overall; stay a little under it.
TELEGRAM_RATE = 25.0
# WhatsApp's Cloud API allows about 80 messages a second per number; stay well under it.
WHATSAPP_RATE = 20.0
EMAIL_RATE = 5.0
# How often each process looks for a newly trained NLU model (it loads in the background).
MODEL_CHECK_SECONDS = 15.0


def build_dispatcher(
    runtime: Runtime, telegram: object | None, whatsapp: object | None = None
) -> Dispatcher:
    """The outbox dispatcher with a sender for every channel that is on."""
    dispatcher = Dispatcher(
        runtime.sessions,
        runtime.engine.clock,
        {"web": StoredSender(), "terminal": StoredSender()},
        follow_up=DeliveryFollowUp(runtime.settings.public_url),
    )
    if telegram is not None:
        dispatcher.add_sender("telegram", telegram, rate=TELEGRAM_RATE)  # type: ignore[arg-type]
    if whatsapp is not None:
        dispatcher.add_sender("whatsapp", whatsapp.sender, rate=WHATSAPP_RATE)  # type: ignore[attr-defined]
    if runtime.settings.email_enabled:
        dispatcher.add_sender("email", SmtpSender(runtime.settings), rate=EMAIL_RATE)
    return dispatcher


def create_app(
    runtime: Runtime,
    *,
    telegram: object | None = None,
    whatsapp: object | None = None,
    dispatcher: Dispatcher | None = None,
) -> Starlette:
    """The ASGI app; `telegram` is a TelegramChannel when Telegram is on, `whatsapp` a
    WhatsAppChannel when WhatsApp is on. Its lifespan runs the outbox dispatcher and the
    scheduler while this process leads (one process per database does)."""
    settings = runtime.settings
    dispatcher = dispatcher or build_dispatcher(runtime, telegram, whatsapp)
    runtime.engine.on_outbox = dispatcher.wake
    scheduler = Scheduler(
        runtime.db,
        JobContext(
            sessions=runtime.sessions,
            clock=runtime.engine.clock,
            public_url=settings.public_url,
            wake_outbox=dispatcher.wake,
            default_language=settings.default_language,
            retention_months=lambda: {
                c.id: c.retention_months for c in runtime.content.current().councils.values()
            },
        ),
    )
    leadership = Leadership(runtime.db)
    web = WebChat(
        runtime.engine,
        default_language=settings.default_language,
        default_council=settings.default_council,
        signer=TokenSigner(server_key(runtime.sessions, "visitor_token")),
        councils=lambda: runtime.content.current().councils,
        secure=settings.behind_https,
        trusted_proxies=settings.trusted_proxies,
    )

    async def health(_request: Request) -> JSONResponse:
        # A content error names a file and a field, never a young person: safe to show staff.
        return JSONResponse(
            {
                "status": "ok",
                "content_error": runtime.content.last_error,
                "nlu_needs_training": runtime.nlu_stale,
                "nlu_model": dataclasses.asdict(runtime.model_info()),
                # Whether this process runs the scheduler and the outbox (bot/leader.py),
                # and which process answered (with --workers, any of them may).
                "leader": leadership.held,
                "process": os.getpid(),
                # With CAREBOT_NLU_URL: whether the NLU service answered the last parse.
                "nlu_service": _service_state(runtime),
            }
        )

    dashboard = Dashboard(
        sessions=runtime.sessions,
        clock=runtime.engine.clock,
        public_url=settings.public_url,
        telegram_bot_username=settings.telegram_bot_username,
        whatsapp_number=settings.whatsapp_number,
        trusted_proxies=settings.trusted_proxies,
        email_enabled=settings.email_enabled,
        default_language=settings.default_language,
    )
    dashboard.on_queued = dispatcher.wake
    routes = [
        *web.routes(),
        *dashboard.routes(),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=STATIC)),
    ]
    if telegram is not None and getattr(telegram, "webhook_mode", False):
        routes.append(Route("/telegram/webhook", telegram.webhook, methods=["POST"]))  # type: ignore[attr-defined]
    if whatsapp is not None:
        routes.extend(whatsapp.routes())  # type: ignore[attr-defined]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if telegram is not None:
            await telegram.start()  # type: ignore[attr-defined]
        stop = asyncio.Event()
        # Telegram allows one poller per bot token: only the leader polls.
        poller = telegram if telegram is not None and not telegram.webhook_mode else None  # type: ignore[attr-defined]
        leading = asyncio.create_task(_lead(leadership, scheduler, dispatcher, stop, poller))
        watching = asyncio.create_task(_watch_model(runtime, stop))
        try:
            yield
        finally:
            stop.set()
            await leading
            await watching
            if telegram is not None:
                await telegram.stop()  # type: ignore[attr-defined]
            if whatsapp is not None:
                await whatsapp.stop()  # type: ignore[attr-defined]

    headers = default_headers(https=settings.behind_https, frame_ancestors=settings.frame_ancestors)
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders, headers=headers)],
    )


async def _lead(
    leadership: Leadership,
    scheduler: Scheduler,
    dispatcher: Dispatcher,
    stop: asyncio.Event,
    poller: TelegramChannel | None,
) -> None:
    """Run the scheduler, the outbox and Telegram polling while this process leads (one per
    database); try to take the lead, or check it is still held, every few seconds until the
    server stops."""
    working: tuple[asyncio.Event, asyncio.Task[None]] | None = None
    while not stop.is_set():
        leads = await asyncio.to_thread(leadership.try_acquire)
        if leads and working is None:
            halt = asyncio.Event()
            working = (halt, asyncio.create_task(dispatcher.run(halt)))
            scheduler.start()
            if poller is not None:
                await poller.start_polling()
        elif not leads and working is not None:
            await _stand_down(scheduler, working, poller)
            working = None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
    if working is not None:
        await _stand_down(scheduler, working, poller)
    await asyncio.to_thread(leadership.release)


async def _stand_down(
    scheduler: Scheduler,
    working: tuple[asyncio.Event, asyncio.Task[None]],
    poller: TelegramChannel | None,
) -> None:
    scheduler.shutdown()
    if poller is not None:
        await poller.stop_polling()
    halt, sending = working
    halt.set()
    await sending


def _service_state(runtime: Runtime) -> str | None:
    service = runtime.nlu_service
    if service is None:
        return None
    return {None: "not used yet", True: "answering", False: "not answering"}[service.answering]


async def _watch_model(runtime: Runtime, stop: asyncio.Event) -> None:
    """Every few seconds, look for a model `carebot train` replaced (each process its own)."""
    if runtime.interpreter is None:
        return
    model = runtime.interpreter.info
    while not stop.is_set():
        runtime.interpreter.check()
        if runtime.interpreter.info != model:
            model = runtime.interpreter.info
            memory.after_model_swap()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), MODEL_CHECK_SECONDS)


# ws="none": uvicorn's websockets support breaks on the websockets 10.4 Rasa pins.
# No access log: request lines carry IP addresses, which are personal data.
UVICORN_OPTIONS: dict[str, Any] = {
    "ws": "none",
    "access_log": False,
    "log_config": None,
    "lifespan": "on",
}


def build_app(runtime: Runtime) -> Starlette:
    """The app with Telegram and WhatsApp when they are configured."""
    telegram = None
    if runtime.settings.telegram_enabled:
        telegram = TelegramChannel(runtime.settings, runtime.engine)
    whatsapp = None
    if runtime.settings.whatsapp_enabled:
        whatsapp = WhatsAppChannel(runtime.settings, runtime.engine)
    return create_app(runtime, telegram=telegram, whatsapp=whatsapp)


def log_channels(settings: Settings) -> None:
    """Say where the bot listens and which channels are on."""
    log.info(
        "web chat on http://%s:%d/ telegram=%s whatsapp=%s nlu=%s",
        settings.host,
        settings.port,
        "on" if settings.telegram_enabled else "off (no TELEGRAM_TOKEN)",
        "on" if settings.whatsapp_enabled else "off (no WHATSAPP_TOKEN)",
        "service" if settings.nlu_url else "in this process",
    )


def serve(runtime: Runtime) -> None:
    """Run the web app in this process until stopped."""
    app = build_app(runtime)
    log_channels(runtime.settings)
    memory.settle()  # everything is loaded: the model, the content, the app
    settings = runtime.settings
    uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=settings.port, **UVICORN_OPTIONS)
    ).run()
