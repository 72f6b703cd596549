"""The one place an exception becomes a reply (`on_error`: registered with
`app.error` and used by `after_ack` in bot/state.py): a domain error as the short
reply the user sees (`error_reply`), never a traceback, sent where the request
came from. A verified request no listener takes is acknowledged with a log line."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import render
from bot.logs import request_line
from bot.payload import event_target, is_dm, kind_of, type_of, user_of
from bot.send import Responder, responder, say
from handlers.errors import IpbotError, NotAllowed, StoreUnavailable
from handlers.replies import Reply, ReplyKind

log = logging.getLogger(__name__)

GENERIC_ERROR = "Something went wrong on my side; please try again. If it keeps happening, tell the ipbot admins."


def error_reply(error: BaseException) -> Reply:
    """A domain exception as the short reply the user sees; never a traceback."""
    if isinstance(error, StoreUnavailable):
        return Reply(ReplyKind.UNAVAILABLE, str(error))
    if isinstance(error, NotAllowed):
        return Reply(ReplyKind.ERROR, str(error), mentions=error.contacts)
    if isinstance(error, IpbotError):
        return Reply(ReplyKind.ERROR, str(error))
    if isinstance(error, SQLAlchemyError | ConnectionError):
        return Reply(ReplyKind.UNAVAILABLE, str(StoreUnavailable()))
    return Reply(ReplyKind.ERROR, GENERIC_ERROR)


async def on_error(
    error: Exception, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
    respond: Responder | None = None,
) -> BoltResponse | None:
    """The one place an exception becomes a reply: registered with `app.error` and
    used by `after_ack`. The request stays acknowledged.

    A request that did not pass verification (e.g. a timestamp slack_sdk's verifier
    could not read) is refused: nothing in its body (channel, thread, response_url,
    user) is read or acted on."""
    if not context.get("verified"):
        log.warning("refused request: failed verification (%s)", type(error).__name__)
        return BoltResponse(status=401, body="")
    if isinstance(error, BoltUnhandledRequestError):
        return ignore(body, context, "no listener")
    reply = error_reply(error)
    kind = kind_of(body)
    if reply.kind is ReplyKind.ERROR and not isinstance(error, IpbotError):
        log.error("%s failed: %s", kind, type(error).__name__, exc_info=error)
    started = context.get("started", time.perf_counter())
    request_line(kind, user=user_of(body), started=started, answered=False, error=type(error).__name__)
    rendered = render(reply)
    ack = context.ack
    if kind == "command" and (ack is None or ack.response is None):
        # /ip not acknowledged yet: the error is the acknowledgement
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", **rendered.as_kwargs()}),
                            headers={"content-type": "application/json"})
    if kind == "action":
        respond = responder(client, user_of(body), respond)
    if kind in ("command", "action") and respond is not None:
        await respond(response_type="ephemeral", replace_original=False, **rendered.as_kwargs())
        return None
    event = body.get("event") or {}
    if event.get("channel"):
        channel, thread_ts = event_target(event)
        await say(client, reply, channel=channel, thread_ts=thread_ts, user=str(event.get("user") or ""),
                  is_dm=is_dm(event))
    return None


def ignore(body: dict[str, Any], context: AsyncBoltContext, reason: str) -> BoltResponse:
    """Acknowledge a verified request we do nothing with (a shortcut, a modal, an
    event we are not subscribed to on purpose): 200 and one log line."""
    request_line(type_of(body), user=user_of(body), started=context.get("started", time.perf_counter()),
                 answered=None, ignored=reason)
    return BoltResponse(status=200, body="")
