"""`app_uninstalled` and `tokens_revoked`: the app may no longer post in the
workspace, so digests stop (handlers/workspace.py). Registered on its own
(`register_workspace_events`), before any catch-all event listener, because Bolt
hands an event to the first listener that matches it."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.logs import request_line
from bot.state import state
from handlers import workspace


async def on_app_uninstalled(ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext) -> None:
    st = state(context)
    # before the ack: if the store is down the event fails and Slack delivers it again
    await workspace.access_lost(st.deps, reason="app uninstalled")
    await ack()
    request_line("app_uninstalled", user="", started=context.get("started", time.perf_counter()), answered=None)


async def on_tokens_revoked(ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext) -> None:
    tokens = event.get("tokens") or {}
    # only the bot token posts; a revoked user token changes nothing for us
    if tokens.get("bot"):
        await workspace.access_lost(state(context).deps, reason="bot token revoked")
    await ack()
    request_line("tokens_revoked", user="", started=context.get("started", time.perf_counter()), answered=None,
                 bot="yes" if tokens.get("bot") else "no")


def register_workspace_events(app: AsyncApp) -> None:
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
