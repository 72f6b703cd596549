"""Buttons: acknowledged at once, then routed after the ack (`after_ack`): Share
(the question is asked again and posted in the channel), a suggestion (asked as a
question), and every other button to its handler in handlers/registry.py (through
handlers.dispatch). The reply goes back to the click (`bot/send.py:responder`)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import forms
from bot.blocks import action_name, render, render_text
from bot.logs import request_line
from bot.payload import user_of
from bot.send import NOT_IN_CHANNEL, Responder, command_reply, responder, too_long
from bot.state import BotState, after_ack, state
from handlers import dispatch, limits
from handlers.replies import ActionId, ReplyKind

NOWHERE_TO_SHARE = ("There is no conversation to share into from here. Ask with `/ip` in a channel and press "
                    "Share there.")
EXPIRED = "That button is no longer active. Ask again with `/ip`."


async def on_action(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext,
                    client: AsyncWebClient, respond: AsyncRespond | None) -> None:
    await ack()
    st = state(context)
    reply_to = responder(client, user_of(body), respond)
    after_ack(st, _handle(st, body, action, context, client, reply_to), body, context, client, reply_to)


async def _handle(st: BotState, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext,
                  client: AsyncWebClient, respond: Responder) -> None:
    started = context.get("started", time.perf_counter())
    name = action_name(str(action.get("action_id", "")))
    value = str(action.get("value") or "")
    user = user_of(body)
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    is_dm = channel.startswith("D")
    if len(value) > limits.MAX_MESSAGE:  # Slack allows 2,000; nothing longer is ours
        await respond(response_type="ephemeral", replace_original=False, **render(too_long()).as_kwargs())
        request_line("action", user=user, started=started, answered=False, error="too_long")
        return
    req = dispatch.Request(value, user=user, channel=channel, is_dm=is_dm)
    if name == ActionId.SHARE and not channel:
        await respond(response_type="ephemeral", replace_original=False, **render_text(NOWHERE_TO_SHARE).as_kwargs())
        request_line("share", user=user, started=started, answered=False, error="no_channel")
        return
    if name == ActionId.SHARE:
        # the question is asked again: the answer text in the payload came from a client
        reply = await dispatch.handle(st.deps, req)
        try:
            await client.chat_postMessage(channel=channel, **render(reply, asked_by=user, question=value).as_kwargs())
        except SlackApiError as exc:
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found", "is_archived",
                                                 "restricted_action"):
                raise
            await respond(response_type="ephemeral", replace_original=False, **render_text(NOT_IN_CHANNEL).as_kwargs())
            request_line("share", user=user, started=started, answered=False, error=exc.response.get("error"))
            return
        with contextlib.suppress(Exception):  # the public post is what matters
            await respond(delete_original=True)
        request_line("share", user=user, started=started, answered=reply.answered, kind=reply.kind)
        return
    if name == ActionId.ASK_SUGGESTION:
        # the value is a stored name: a question, never a command ("admins add U…")
        reply = await dispatch.handle_question(st.deps, req)
        if container.get("is_ephemeral") or not body.get("message"):
            await respond(response_type="ephemeral", replace_original=False,
                          **command_reply(reply, value).as_kwargs())
        else:
            msg = body["message"]
            thread_ts = msg.get("thread_ts") or (None if is_dm else msg.get("ts"))
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **render(reply).as_kwargs())
        request_line("suggestion", user=user, started=started, answered=reply.answered, kind=reply.kind)
        return
    handled = await dispatch.handle_action(st.deps, req, name, value)
    if handled is None:
        await respond(response_type="ephemeral", replace_original=False, **render_text(EXPIRED).as_kwargs())
        request_line("action", user=user, started=started, answered=False, action=name)
        return
    if handled.form is not None and body.get("trigger_id"):
        # the trigger expires 3 seconds after the click: open the form first
        await forms.open_modal(client, str(body["trigger_id"]), handled.form)
        if handled.kind is ReplyKind.PREVIEW:  # the form is the whole reply
            request_line("action", user=user, started=started, answered=True, action=name, form="opened")
            return
    # a vote leaves the answer it is about in place; other buttons are replaced by their result
    keep = name in (ActionId.FEEDBACK_UP, ActionId.FEEDBACK_DOWN)
    await respond(response_type="ephemeral", replace_original=not keep, **render(handled).as_kwargs())
    request_line("action", user=user, started=started, answered=handled.answered, action=name)
