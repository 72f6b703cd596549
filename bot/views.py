"""Modals and the App Home tab: a submitted form goes to the form handler its
callback_id names (mistakes come back on their fields, in the acknowledgement, as
Slack requires; a form the handler answers with, such as a confirmation, replaces
the modal); a type-ahead field's options come from the options handler its
action_id names; opening the Home tab publishes handlers.home's page for that user.
Registered with `register_views(app)` before any catch-all listener."""

from __future__ import annotations

import re
import time
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.blocks import PlainTextObject
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import forms, home
from bot.blocks import action_id, action_name, render
from bot.logs import request_line, warn_failure
from bot.state import state
from handlers import dispatch, limits
from handlers import home as home_service
from handlers.replies import ActionId, Reply

MAX_VIEW_BLOCKS = 100
# Slack shows at most this much of an error under a field
ERROR_CHARS = 150
# what was typed into a type-ahead field, cut before any matcher sees it
MAX_OPTION_QUERY = 100


async def on_view_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                             context: AsyncBoltContext, client: AsyncWebClient) -> None:
    st = state(context)
    started = context.get("started", time.perf_counter())
    user = str((body.get("user") or {}).get("id") or "")
    action = action_name(str(view.get("callback_id") or ""))
    value = str(view.get("private_metadata") or "")[: limits.MAX_MESSAGE]
    # each field is capped before any parser sees it
    values = {k: v[: limits.MAX_MESSAGE] for k, v in forms.values(view).items()}
    reply = await dispatch.handle_form(st.deps, dispatch.Request("", user=user, is_dm=True), action, value, values)
    if reply is None:
        await ack()
        request_line("view_submission", user=user, started=started, answered=None, ignored="no such form")
        return
    if reply.field_errors:
        await ack(response_action="errors", errors={k: v[:ERROR_CHARS] for k, v in reply.field_errors.items()})
        request_line("view_submission", user=user, started=started, answered=False, form=action, errors="fields")
        return
    if reply.form is not None:
        # the next step of the same form (a change to confirm) takes the modal's place
        await ack(response_action="update", view=forms.view(reply.form, callback_id=action_id(reply.form.action)))
        request_line("view_submission", user=user, started=started, answered=reply.answered, form=action,
                     next=reply.form.action)
        return
    if action == ActionId.ASK_SUBMIT:
        # the "Ask ipbot" shortcut: the answer takes the form's place
        await ack(response_action="update", view=answer_view(reply))
        request_line("view_submission", user=user, started=started, answered=reply.answered, form=action)
        return
    await ack()

    async def tell() -> None:
        # the result goes to the person's DM with the bot: a modal has no conversation
        await client.chat_postMessage(channel=user, **render(reply).as_kwargs())

    st.spawn(tell(), warn_failure("send a form's result"))
    request_line("view_submission", user=user, started=started, answered=reply.answered, form=action)


async def on_options(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """A type-ahead field asks for its choices at each keystroke: answered in the
    acknowledgement itself (Slack waits for nothing else), from memory."""
    st = state(context)
    started = context.get("started", time.perf_counter())
    user = str((body.get("user") or {}).get("id") or "")
    name = action_name(str(body.get("action_id") or ""))
    typed = str(body.get("value") or "")[:MAX_OPTION_QUERY]
    choices = await dispatch.handle_options(st.deps, dispatch.Request("", user=user), name, typed)
    await ack(options=forms.options(choices or []))
    request_line("block_suggestion", user=user, started=started, answered=choices is not None, field=name,
                 options=str(len(choices or [])))


def answer_view(reply: Reply) -> dict[str, Any]:
    blocks = render(reply).blocks[:MAX_VIEW_BLOCKS]
    return View(type="modal", title=PlainTextObject(text="ipbot", emoji=False),
                close=PlainTextObject(text="Done", emoji=False), blocks=blocks).to_dict()


async def on_home_opened(ack: AsyncAck, event: dict[str, Any], context: AsyncBoltContext,
                         client: AsyncWebClient) -> None:
    await ack()
    st = state(context)
    started = context.get("started", time.perf_counter())
    user = str(event.get("user") or "")
    if event.get("tab") != "home" or not user:
        request_line("app_home_opened", user=user, started=started, answered=None, ignored="not the home tab")
        return

    async def publish() -> None:
        rev = st.home.revision() if st.home else 0
        page = await home_service.page(st.deps, user)
        await client.views_publish(user_id=user, view=home.view(page))
        if st.home is not None:
            # remembered, so the tab is re-published when the store changes
            await st.home.opened(user, rev)

    st.spawn(publish(), warn_failure("publish the Home tab"))
    request_line("app_home_opened", user=user, started=started, answered=True)


def register_views(app: AsyncApp) -> None:
    app.view(re.compile(r".+"))(on_view_submission)
    app.options(re.compile(r".+"))(on_options)
    app.event("app_home_opened")(on_home_opened)
