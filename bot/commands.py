"""`/ip`: answered inside its own acknowledgement when the answer is ready within
the ack budget (Slack allows 3 s); otherwise acknowledged with "Working on it…" and
answered through response_url after the ack (`after_ack`). A form (`/ip set`
alone) opens as a modal and the ack says so. A domain error before the ack reaches
bot/errors.py's on_error, which acknowledges with it. An unanswered question is
only noted inside the ack and written a moment later (handlers/unanswered.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import forms
from bot.blocks import render
from bot.logs import request_line
from bot.payload import read_text, request_key
from bot.send import command_reply, too_long
from bot.state import after_ack, state
from handlers import dispatch


async def on_ip(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient,
                respond: AsyncRespond) -> None:
    st = state(context)
    started = context.get("started", time.perf_counter())
    user = str(command.get("user_id", ""))
    channel = str(command.get("channel_id", ""))
    text = read_text(str(command.get("text") or ""), None, strip=False)
    if text is None:
        await ack(response_type="ephemeral", **render(too_long()).as_kwargs())
        request_line("command", user=user, started=started, answered=False, error="too_long")
        return
    req = dispatch.Request(text, user=user, channel=channel,
                           is_dm=command.get("channel_name") == "directmessage" or channel.startswith("D"),
                           request_key=request_key(command), private=True)
    task = asyncio.ensure_future(dispatch.handle(st.deps, req))
    done, _ = await asyncio.wait({task}, timeout=st.ack_budget)
    if not done:
        await ack(response_type="ephemeral", text="Working on it…")

        async def finish() -> None:
            reply = await task
            await respond(response_type="ephemeral", replace_original=True, **command_reply(reply, text).as_kwargs())
            request_line("command", user=user, started=started, answered=reply.answered, kind=reply.kind,
                         late="yes")

        body = {"command": command.get("command", "/ip"), "user_id": user}
        after_ack(st, finish(), body, context, client, respond)
        return
    reply = task.result()  # a domain error propagates to on_error, which acknowledges with it
    if reply.form is not None and command.get("trigger_id"):
        # `/ip set` alone: the form opens (within the trigger's 3 seconds); the ack says so
        await forms.open_modal(client, str(command["trigger_id"]), reply.form)
        await ack(response_type="ephemeral", text=f"Opened the form: {reply.form.title}.")
        request_line("command", user=user, started=started, answered=True, kind=reply.kind, form="opened")
        return
    await ack(response_type="ephemeral", **command_reply(reply, text).as_kwargs())
    request_line("command", user=user, started=started, answered=reply.answered, kind=reply.kind)
