"""HTTP mode: an aiohttp server with `POST /slack/events` (commands, events and
interactivity) and `GET /healthz`.

Every POST is verified here, before Bolt sees it: a timestamp that is not a
number or a signature that is not `v0=` and 64 hex digits made slack_sdk's verifier
raise inside Bolt, whose error handler then acted on the unverified body. A
refused request gets 401, a body over MAX_BODY 413, each with one short log line
(never the body); Bolt's verification step (bot/verify.py, the same code) knows
the request was checked and does not hash it again."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app import build_app, state_of
from bot.config import Settings
from bot.state import BotState
from bot.verify import checked, refusal, refused_line
from handlers.deps import Deps
from handlers.health import store_healthy

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# The largest body accepted (aiohttp's default is 1 MiB). Slack's largest legitimate
# deliveries: a 40,000-character message whose every character arrives escaped as
# "&lt;" is ~200 KB as an event and ~320 KB as a form-encoded slash command. Larger
# bodies get 413 and one log line, unread beyond this size.
MAX_BODY = 512 * 1024


def form_body(raw: str) -> dict[str, Any]:
    """A form-encoded Slack body by its fields: interactivity sends one `payload`
    field holding JSON, slash commands send their fields as they are.

    slack_bolt's `parse_body` takes a form body for interactivity whenever the
    *text* "payload" occurs anywhere in it, so `/ip royalty payload` (or a channel
    named payload-team) became `{}`, matched no listener and got 404."""
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:
        parsed = json.loads(fields["payload"])
        if not isinstance(parsed, dict):
            raise ValueError("payload is not a JSON object")
        return parsed
    return fields


def to_bolt_request(request: web.Request, raw: str) -> AsyncBoltRequest:
    """Bolt's aiohttp adapter, with form bodies read by `form_body`. `raw` stays the
    exact signed text (Bolt's lazy listeners and verification read it)."""
    req = AsyncBoltRequest(body=raw, query=request.query_string,
                           headers=request.headers)  # type: ignore[arg-type]
    # without the text "payload" Bolt reads a form body exactly as form_body does
    if "payload" in raw and request.content_type != "application/json" and not raw.startswith("{"):
        body = form_body(raw)
        if body != req.body:
            req.body = body
            req.context = build_async_context(AsyncBoltContext({}), body)
    return req


def web_app(app: AsyncApp, deps: Deps, signing_secret: str) -> web.Application:
    async def events(request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            refused_line(f"body over {MAX_BODY // 1024} KiB", request.content_length or 0)
            return web.json_response({"error": "request too large"}, status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:  # no Content-Length (chunked): counted while read
            refused_line(f"body over {MAX_BODY // 1024} KiB", MAX_BODY + 1)
            return web.json_response({"error": "request too large"}, status=413)
        why = refusal(signing_secret, body, request.headers)
        if why is not None:
            refused_line(why, len(body))
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = checked(to_bolt_request(request, body.decode("utf-8")))
        except ValueError as exc:  # not UTF-8, not JSON: signed, but nothing Slack sends
            refused_line(f"unreadable body ({type(exc).__name__})", len(body))
            return web.json_response({"error": "invalid request"}, status=400)
        bolt_resp = await app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_resp)

    async def healthz(request: web.Request) -> web.Response:
        ok = await store_healthy(deps)
        return web.json_response({"ok": ok, "store": "up" if ok else "down"}, status=200 if ok else 503)

    web_application = web.Application(client_max_size=MAX_BODY)
    web_application.router.add_post(EVENTS_PATH, events)
    web_application.router.add_get("/healthz", healthz)
    return web_application


@dataclass
class HttpServer:
    app: AsyncApp
    state: BotState
    runner: web.AppRunner
    port: int
    host: str = "0.0.0.0"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        """Finish answering what was acknowledged, then close; safe to call twice."""
        if self.runner.server is not None:
            await self.runner.cleanup()
        await self.state.close()


async def start_http(settings: Settings, deps: Deps, *, host: str | None = None,
                     port: int | None = None) -> HttpServer:
    """Listens on `host`/`port`, by default IPBOT_HOST and PORT. Port 0 picks a free
    port (tests); the chosen one is in `.port`."""
    host = settings.host if host is None else host
    app = build_app(settings, deps)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    runner = web.AppRunner(web_app(app, deps, secret), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, settings.port if port is None else port)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else (port or settings.port)
    log.info("listening on %s:%s%s", host, bound, EVENTS_PATH)
    return HttpServer(app=app, state=state_of(app), runner=runner, port=int(bound), host=host)
