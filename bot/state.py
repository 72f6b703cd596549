"""What every listener shares (`BotState`: the handler deps, the bot token for
private file downloads, one HTTP client) and the work that runs after the ack.

The app runs with process_before_response=True: Bolt's default mode polls for the
ack every 10 ms, which alone would eat the latency budget of `/ip`. So `/ip`
answers inside its own ack (bot/commands.py), and events and buttons ack at once
and hand the work to `after_ack`, whose failures go through the same `on_error`
as Bolt's (bot/errors.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import on_error
from bot.send import Responder
from handlers import unanswered
from handlers.deps import Deps

if TYPE_CHECKING:
    from bot.home_refresh import HomeRefresher

log = logging.getLogger(__name__)

# Slack wants the ack within 3 s; past this the answer goes through response_url
ACK_BUDGET = 2.0


@dataclass
class BotState:
    """What every listener shares: the handler deps, the bot token (for private file
    downloads only), and the tasks answering acknowledged requests."""

    deps: Deps
    bot_token: str = ""
    api_url: str = ""
    ack_budget: float = ACK_BUDGET
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # re-publishes recent visitors' Home tabs after a change (bot/home_refresh.py)
    home: HomeRefresher | None = None
    _http: aiohttp.ClientSession | None = None

    def spawn(self, work: Coroutine[Any, Any, None], on_error: Callable[[Exception], Awaitable[object]]) -> None:
        async def run() -> None:
            try:
                await work
            except Exception as exc:
                try:
                    await on_error(exc)
                except Exception:
                    log.exception("could not report an error to the user")

        task = asyncio.create_task(run())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        """Wait for every acknowledged request to be answered (shutdown, tests), and
        write the unanswered questions noted meanwhile."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        await unanswered.write_all(self.deps)

    async def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self._http

    async def close(self) -> None:
        if self.home is not None:
            await self.home.close()
        await self.drain()
        if self._http is not None:
            await self._http.close()


def state(context: AsyncBoltContext) -> BotState:
    """The BotState bot/app.py's middleware put into every request's context."""
    st = context["ipbot"]
    assert isinstance(st, BotState)
    return st


def after_ack(st: BotState, work: Coroutine[Any, Any, None], body: dict[str, Any], context: AsyncBoltContext,
              client: AsyncWebClient, respond: Responder | None = None) -> None:
    """Run `work` once the request is acknowledged; an exception it raises becomes
    the user's reply exactly as one raised in a listener would (bot/errors.py)."""
    async def report(exc: Exception) -> None:
        await on_error(exc, body, context, client, respond)

    st.spawn(work, report)
