"""Mentions in channels and messages in a DM: acknowledged at once, then answered
after the ack (`after_ack`) in the thread (channels) or the DM, with the thread's
topic carried between questions (handlers/topics.py). Files in a DM are an admin's
import (bot/dm_import.py)."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import charts, dedupe, dm_import
from bot.blocks import render
from bot.logs import request_line, warn_failure
from bot.payload import event_target, ignorable, is_dm, read_text
from bot.send import feedback_on, say, too_long
from bot.state import BotState, after_ack, state
from handlers import dispatch, topics
from handlers.charts import Chart


async def on_mention(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext,
                     client: AsyncWebClient) -> None:
    await ack()
    if ignorable(event, context.bot_user_id):
        _log_ignored("mention", event, context)
        return
    st = state(context)
    after_ack(st, _answer(st, client, context, event, "mention"), body, context, client)


async def on_message(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext,
                     client: AsyncWebClient) -> None:
    await ack()
    if event.get("channel_type") != "im" or ignorable(event, context.bot_user_id):
        _log_ignored("dm", event, context)
        return
    st = state(context)
    after_ack(st, _answer(st, client, context, event, "dm"), body, context, client)


def _log_ignored(kind: str, event: dict[str, Any], context: AsyncBoltContext) -> None:
    reason = "bot" if event.get("bot_id") else (event.get("subtype") or event.get("channel_type") or "other")
    request_line(kind, user=str(event.get("user") or ""), started=context.get("started", time.perf_counter()),
                 answered=None, ignored=reason)


async def _answer(st: BotState, client: AsyncWebClient, context: AsyncBoltContext, event: dict[str, Any],
                  kind: str) -> None:
    started = context.get("started", time.perf_counter())
    channel, thread_ts = event_target(event)
    user = str(event.get("user", ""))
    dm = is_dm(event)
    if dm and event.get("files"):
        await dm_import.import_message(st, client, event, user=user, channel=channel, thread_ts=thread_ts,
                                       started=started)
        return
    if not await dedupe.claim(st, dedupe.message_key(event)):
        request_line(kind, user=user, started=started, answered=None, duplicate="yes")
        return
    text = read_text(str(event.get("text") or ""), context.bot_user_id)
    if text is None:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **render(too_long()).as_kwargs())
        request_line(kind, user=user, started=started, answered=False, error="too_long")
        return
    # the thread's root ts (channels), or the DM itself at top level
    topic_key = str(event.get("thread_ts") or ("" if dm else event.get("ts", "")))
    topic = (await topics.get(st.deps, channel=channel, thread_ts=topic_key)
             if (dm or event.get("thread_ts")) else None)
    reply = await dispatch.handle(st.deps, dispatch.Request(text, user=user, channel=channel, is_dm=dm, topic=topic))
    await say(client, reply, channel=channel, thread_ts=thread_ts, user=user, is_dm=dm,
              question=feedback_on(reply, text))
    if reply.chart is not None:
        # drawn and uploaded after the answer is out; a failed upload costs only the picture
        st.spawn(_upload_chart(client, reply.chart, channel=channel, thread_ts=thread_ts),
                 warn_failure("upload a chart"))
    if reply.topic and reply.topic != topic:
        await topics.put(st.deps, channel=channel, thread_ts=topic_key, topic=reply.topic)
    request_line(kind, user=user, started=started, answered=reply.answered, kind=reply.kind,
                 topic=reply.topic or "")


async def _upload_chart(client: AsyncWebClient, chart: Chart, *, channel: str, thread_ts: str | None) -> None:
    await charts.upload(client, chart, channel=channel, thread_ts=thread_ts)
