"""handlers.replies.Form <-> a Slack modal: the view to open, and the values a
view_submission carries back. Built with slack_sdk.models, whose validators hold
Block Kit's limits (title 24 characters, 100 options a select, 3000 a text)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import action_id, fit
from handlers.replies import Field, Form

TITLE_CHARS = 24
MAX_OPTIONS = 100
INPUT_CHARS = 3000
PRIVATE_METADATA_CHARS = 3000


def _element(f: Field) -> PlainTextInputElement | StaticSelectElement:
    if f.kind == "select":
        options = [Option(text=PlainTextObject(text=o[:75], emoji=False), value=o[:150])
                   for o in f.options[:MAX_OPTIONS]]
        # a choice named by the button that opened the form (the metric an Update is for) is pre-selected
        chosen = next((o for o in options if o.value == f.initial[:150]), None) if f.initial else None
        return StaticSelectElement(action_id=f.name, options=options, initial_option=chosen,
                                   placeholder=PlainTextObject(text="Choose…", emoji=False))
    return PlainTextInputElement(action_id=f.name, multiline=f.multiline, initial_value=f.initial[:INPUT_CHARS] or None,
                                 max_length=INPUT_CHARS)


def view(form: Form, *, callback_id: str) -> dict[str, Any]:
    """The modal for a form. `callback_id` routes the submission back (the form's
    action); `private_metadata` carries its value (a gap name, a feedback id)."""
    blocks = [InputBlock(block_id=f.name, label=PlainTextObject(text=fit(f.label, 2000), emoji=False),
                         element=_element(f), optional=f.optional,
                         hint=PlainTextObject(text=fit(f.hint, 2000), emoji=False) if f.hint else None)
              for f in form.fields]
    v = View(type="modal", callback_id=callback_id,
             title=PlainTextObject(text=form.title[:TITLE_CHARS], emoji=False),
             submit=PlainTextObject(text=form.submit[:TITLE_CHARS], emoji=False),
             close=PlainTextObject(text="Cancel", emoji=False),
             private_metadata=form.value[:PRIVATE_METADATA_CHARS], blocks=blocks)
    return v.to_dict()


async def open_modal(client: AsyncWebClient, trigger_id: str, form: Form) -> None:
    """Show a form as a modal; Slack's trigger_id is good for 3 seconds after the click."""
    await client.views_open(trigger_id=trigger_id, view=view(form, callback_id=action_id(form.action)))


def values(view_payload: dict[str, Any]) -> dict[str, str]:
    """What was entered, by field name, from a view_submission's view.state."""
    out: dict[str, str] = {}
    state = (view_payload.get("state") or {}).get("values") or {}
    for block in state.values():
        if not isinstance(block, dict):
            continue
        for name, element in block.items():
            if not isinstance(element, dict):
                continue
            if element.get("type") == "static_select":
                out[str(name)] = str((element.get("selected_option") or {}).get("value") or "")
            else:
                out[str(name)] = str(element.get("value") or "")
    return out
