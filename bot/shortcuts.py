"""Shortcuts: the global "Ask ipbot" (a form with a question box; the answer replaces
it) and the message shortcut "Ask ipbot about this" (the message's text is answered
in its thread, always as a question, since the text is someone else's).
Registered with `register_shortcuts(app)`; manifest.yml names both callback ids."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import forms
from bot.blocks import render, render_text
from bot.logs import request_line, warn_failure
from bot.payload import read_text
from bot.send import NOT_IN_CHANNEL
from bot.state import BotState, state
from handlers import dispatch
from handlers.ask_form import ASK_FORM

ASK = "ask_ipbot"
ASK_ABOUT_MESSAGE = "ask_about_message"
# not a question: nothing in the message but markup, or too long to read
NOTHING_TO_ASK = "That message has no question I can read (or is longer than 4,000 characters)."


async def on_ask(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
    await ack()
    await forms.open_modal(client, str(body.get("trigger_id") or ""), ASK_FORM)
    request_line("shortcut", user=str((body.get("user") or {}).get("id") or ""),
                 started=context.get("started", time.perf_counter()), answered=None, shortcut=ASK)


async def on_ask_about_message(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext,
                               client: AsyncWebClient, respond: AsyncRespond) -> None:
    await ack()
    st = state(context)
    st.spawn(_answer_message(st, body, context, client, respond), warn_failure("answer a message shortcut"))


async def _answer_message(st: BotState, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
                          respond: AsyncRespond) -> None:
    started = context.get("started", time.perf_counter())
    user = str((body.get("user") or {}).get("id") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    message = body.get("message") or {}
    text = read_text(str(message.get("text") or ""), context.bot_user_id)
    if not text:
        await respond(response_type="ephemeral", **render_text(NOTHING_TO_ASK).as_kwargs())
        request_line("shortcut", user=user, started=started, answered=False, shortcut=ASK_ABOUT_MESSAGE)
        return
    reply = await dispatch.handle_question(st.deps, dispatch.Request(text, user=user, channel=channel,
                                                                     is_dm=channel.startswith("D")))
    thread_ts = str(message.get("thread_ts") or message.get("ts") or "") or None
    try:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                      **render(reply, asked_by=user, question=text).as_kwargs())
    except SlackApiError as exc:
        if exc.response.get("error") not in ("not_in_channel", "channel_not_found", "is_archived"):
            raise
        await respond(response_type="ephemeral", **render(reply).as_kwargs())
        await respond(response_type="ephemeral", **render_text(NOT_IN_CHANNEL).as_kwargs())
    request_line("shortcut", user=user, started=started, answered=reply.answered, shortcut=ASK_ABOUT_MESSAGE)


def register_shortcuts(app: AsyncApp) -> None:
    app.shortcut(ASK)(on_ask)
    app.shortcut(ASK_ABOUT_MESSAGE)(on_ask_about_message)
