"""`ipbot serve`: pick the run mode from the flags and the credentials present.

    --http [--port P] [--host H]
                       Slack Events API over HTTP (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET),
                       listening on IPBOT_HOST (0.0.0.0) and PORT (3000) unless given
    --socket           Slack Socket Mode (SLACK_BOT_TOKEN, SLACK_APP_TOKEN)
    --console          the local console
    no flag            Socket Mode if SLACK_APP_TOKEN is set, else HTTP if any Slack
                       variable is set, else the console

Partial or malformed credentials are refused at start with the variable's name."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings
from bot.console import run_console
from bot.logs import protect
from bot.runtime import Runtime, keep_index_fresh
from handlers import deliveries

log = logging.getLogger(__name__)

KEEP_DELIVERIES = timedelta(days=7)
PRUNE_EVERY = 3600.0

_WHERE = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (OAuth & Permissions), starting with xoxb-",
    "SLACK_SIGNING_SECRET": "the Signing Secret (Basic Information → App Credentials)",
    "SLACK_APP_TOKEN": "an app-level token with connections:write (Basic Information → App-Level Tokens), "
                       "starting with xapp-",
}


def _secret(settings: Settings, name: str) -> str | None:
    value = {
        "SLACK_BOT_TOKEN": settings.slack_bot_token,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        "SLACK_APP_TOKEN": settings.slack_app_token,
    }[name]
    return value.get_secret_value().strip() if value is not None else None


def choose_mode(settings: Settings, args: argparse.Namespace) -> str:
    """'http', 'socket' or 'console'; ConfigError naming the variable otherwise."""
    if getattr(args, "console", False):
        return "console"
    bot, secret, app = (_secret(settings, n) for n in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"))
    if getattr(args, "http", False):
        mode = "http"
    elif getattr(args, "socket", False):
        mode = "socket"
    elif app:
        mode = "socket"
    elif bot or secret:
        mode = "http"
    else:
        return "console"
    needed = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"] if mode == "http" else ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]
    values = {"SLACK_BOT_TOKEN": bot, "SLACK_SIGNING_SECRET": secret, "SLACK_APP_TOKEN": app}
    flag = "--http" if mode == "http" else "--socket"
    for name in needed:
        if not values[name]:
            raise ConfigError(f"{name} is not set; `ipbot serve {flag}` needs it: {_WHERE[name]}. "
                              "See README: Connect to Slack.")
    if not (bot or "").startswith("xoxb-"):
        raise ConfigError(f"SLACK_BOT_TOKEN does not look like a bot token: use {_WHERE['SLACK_BOT_TOKEN']} "
                          "(not a user xoxp- or app xapp- token)")
    if mode == "socket" and not (app or "").startswith("xapp-"):
        raise ConfigError(f"SLACK_APP_TOKEN does not look like an app-level token: use {_WHERE['SLACK_APP_TOKEN']}")
    if mode == "http" and (len(secret or "") < 16 or any(c.isspace() for c in secret or "")):
        raise ConfigError("SLACK_SIGNING_SECRET does not look like a signing secret: use "
                          f"{_WHERE['SLACK_SIGNING_SECRET']}")
    if settings.slack_api_url:
        parts = urlsplit(settings.slack_api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"SLACK_API_URL={settings.slack_api_url!r} is not an http(s) URL; "
                              "leave it unset to use Slack itself")
    return mode


async def prune_deliveries(rt: Runtime) -> None:
    """Dedupe records only need to outlive Slack's retries."""
    while True:
        try:
            await deliveries.prune(rt.deps, keep=KEEP_DELIVERIES)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("pruning old deliveries failed: %s", type(exc).__name__)
        await asyncio.sleep(PRUNE_EVERY)


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve(rt: Runtime, args: argparse.Namespace) -> int:
    mode = choose_mode(rt.settings, args)
    background: list[asyncio.Task[None]] = []

    def start_background() -> None:
        # only once the bot answers: loading a large patent index is seconds of CPU,
        # and started earlier it delayed the first answer (figures need no patent index)
        background.append(asyncio.create_task(keep_index_fresh(rt)))
        if mode != "console":
            background.append(asyncio.create_task(prune_deliveries(rt)))

    scheduler = None
    try:
        if mode == "console":
            start_background()
            await run_console(rt)
            return 0
        protect(s for s in (_secret(rt.settings, n) for n in _WHERE) if s)
        from bot.app import make_client
        from bot.scheduler import start_scheduler

        # digests run in every Slack mode; exactly-once comes from the database claim,
        # so each replica may run its own in-memory scheduler
        scheduler = await start_scheduler(rt, make_client(rt.settings))
        if mode == "http":
            from bot.http import start_http

            port = args.port if getattr(args, "port", None) is not None else rt.settings.port
            host = args.host if getattr(args, "host", None) else rt.settings.host
            server = await start_http(rt.settings, rt.deps, host=host, port=port)
            print(f"ipbot: listening for Slack on {server.host}:{server.port} (POST /slack/events, GET /healthz)",
                  flush=True)
            start_background()
            try:
                await _until_stopped()
            finally:
                await server.stop()
        else:
            from bot.socket import start_socket

            sock = await start_socket(rt.settings, rt.deps)
            print("ipbot: connected to Slack over Socket Mode", flush=True)
            start_background()
            try:
                await _until_stopped()
            finally:
                await sock.stop()
        return 0
    finally:
        if scheduler is not None:
            from bot.scheduler import stop_scheduler

            stop_scheduler(scheduler)
        for t in background:
            t.cancel()
        for t in background:
            with contextlib.suppress(asyncio.CancelledError):
                await t
