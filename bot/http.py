"""HTTP mode: an aiohttp server with `POST /slack/events` (commands, events and
interactivity, verified by Bolt's signature check) and `GET /healthz`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.app import build_app, state_of
from bot.config import Settings
from bot.listeners import BotState
from handlers.deps import Deps

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_TIMEOUT = 2.0


async def store_reachable(deps: Deps) -> bool:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), deps.sessions() as session:
            await session.execute(text("SELECT 1"))
        return True
    except (SQLAlchemyError, OSError, TimeoutError):
        return False


def web_app(app: AsyncApp, deps: Deps) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        bolt_resp = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_resp)

    async def healthz(request: web.Request) -> web.Response:
        ok = await store_reachable(deps)
        return web.json_response({"ok": ok, "store": "up" if ok else "down"}, status=200 if ok else 503)

    web_application = web.Application()
    web_application.router.add_post(EVENTS_PATH, events)
    web_application.router.add_get("/healthz", healthz)
    return web_application


@dataclass
class HttpServer:
    app: AsyncApp
    state: BotState
    runner: web.AppRunner
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        """Finish answering what was acknowledged, then close; safe to call twice."""
        if self.runner.server is not None:
            await self.runner.cleanup()
        await self.state.close()


async def start_http(settings: Settings, deps: Deps, *, host: str = "0.0.0.0", port: int | None = None) -> HttpServer:
    """Port 0 picks a free port (tests); the chosen one is in `.port`."""
    app = build_app(settings, deps)
    runner = web.AppRunner(web_app(app, deps), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, settings.port if port is None else port)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else (port or settings.port)
    log.info("listening on %s:%s%s", host, bound, EVENTS_PATH)
    return HttpServer(app=app, state=state_of(app), runner=runner, port=int(bound))
