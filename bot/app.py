"""The Bolt app: one AsyncApp wired to the Slack-free handlers.

`build_app` makes the Web API client (SLACK_API_URL, retry handlers) and the app;
`register` wires every listener in one visible list."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import actions, commands, errors, messages
from bot.config import Settings
from bot.home_refresh import HomeRefresher
from bot.shortcuts import register_shortcuts
from bot.state import BotState
from bot.verify import VerifiedOnly
from bot.views import register_views
from bot.workspace_events import register_workspace_events
from handlers.deps import Deps

# A 429 is retried after its Retry-After; a reply waits rather than being lost.
RATE_LIMIT_RETRIES = 3
# A 5xx or a dropped connection before Slack answered: one more try.
SERVER_ERROR_RETRIES = 1

_STATE_ATTR = "_ipbot_state"


class _NoTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that the
    client we pass (which carries that very token) wins: true, and noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_NoTokenWarning())


def make_client(settings: Settings) -> AsyncWebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url or AsyncWebClient.BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        ],
    )


def build_app(settings: Settings, deps: Deps) -> AsyncApp:
    """No Slack call at start: Bolt calls auth.test on the first request (and caches
    it), so the app starts while Slack, or the stand-in, is still unreachable."""
    client = make_client(settings)
    app = AsyncApp(
        # the client carries the bot token; passing it twice only earns a warning
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else "",
        # see bot/state.py: answers go out in the ack, not after a 10 ms poll
        process_before_response=True,
        # our signature check in place of Bolt's, which logs every refused body in full;
        # only what passes it is marked verified (bot/verify.py)
        request_verification_enabled=False,
        before_authorize=VerifiedOnly(settings.slack_signing_secret.get_secret_value()
                                      if settings.slack_signing_secret else ""),
        # a request no listener takes reaches on_error as BoltUnhandledRequestError, which
        # acknowledges it (200) with one log line: Bolt's default is 404 (and no ack in
        # Socket Mode), and Slack disables the subscriptions of an app failing 5 % of them
        raise_error_for_unhandled_request=True,
    )
    # answers go out inside Slack's ack: an unanswered question is written a moment later
    deps.unanswered.batched = True
    refresher = HomeRefresher(deps, client)
    refresher.attach()
    state = BotState(deps=deps, bot_token=client.token or "", api_url=client.base_url, home=refresher)
    setattr(app, _STATE_ATTR, state)
    register(app, deps)
    return app


def state_of(app: AsyncApp) -> BotState:
    st = getattr(app, _STATE_ATTR)
    assert isinstance(st, BotState)
    return st


class _Inject(AsyncMiddleware):
    """Every request's context carries the bot's state and when the request arrived.
    A class: Bolt inspects a function middleware's arguments on every request."""

    def __init__(self, state: BotState) -> None:
        self.state = state

    async def async_process(self, *, req: AsyncBoltRequest, resp: BoltResponse,
                            next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse | None:
        req.context["ipbot"] = self.state
        req.context["started"] = time.perf_counter()
        return await next()


def register(app: AsyncApp, deps: Deps) -> None:
    state = getattr(app, _STATE_ATTR, None)
    if state is None:
        state = BotState(deps=deps)
        setattr(app, _STATE_ATTR, state)

    app.use(_Inject(state))
    app.error(errors.on_error)
    app.command("/ip")(commands.on_ip)
    app.event("app_mention")(messages.on_mention)
    app.event("message")(messages.on_message)
    # before any catch-all event listener: Bolt hands an event to the first that matches
    register_workspace_events(app)
    register_views(app)
    register_shortcuts(app)
    # every button: ours (share, suggestions) and the ones other handlers registered
    app.action(re.compile(r".+"))(actions.on_action)
