"""Socket Mode: the same Bolt app over a websocket Slack opens to us, for teams
without a public URL. Needs SLACK_APP_TOKEN (xapp-…) with connections:write."""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import build_app, state_of
from bot.config import Settings
from bot.state import BotState
from handlers.deps import Deps

log = logging.getLogger(__name__)


class SocketServer:
    def __init__(self, handler: AsyncSocketModeHandler, state: BotState) -> None:
        self.handler = handler
        self.state = state

    async def stop(self) -> None:
        # slack_bolt's Socket Mode adapter is not annotated
        await self.handler.close_async()  # type: ignore[no-untyped-call]
        await self.state.close()


async def start_socket(settings: Settings, deps: Deps) -> SocketServer:
    if settings.slack_app_token is None:
        raise ValueError("SLACK_APP_TOKEN is required for Socket Mode")
    app = build_app(settings, deps)
    # the handler reuses app.client, so SLACK_API_URL and the retry handlers apply here too
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("connected to Slack over Socket Mode")
    return SocketServer(handler, state_of(app))
