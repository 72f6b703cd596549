"""handlers.replies.Form <-> a Slack modal: the view to open, the values a
view_submission carries back, and the options a type-ahead ("search") field is
offered. Built with slack_sdk.models, whose validators hold Block Kit's limits
(title 24 characters, 100 options a select, 75 an option's text, 150 its value,
3000 a text)."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    ExternalDataSelectElement,
    InputBlock,
    InputInteractiveElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import SECTION_CHARS, _section, action_id, fit
from handlers.replies import Choice, Field, Form

TITLE_CHARS = 24
MAX_OPTIONS = 100
OPTION_CHARS = 75
OPTION_VALUE_CHARS = 150
INPUT_CHARS = 3000
PRIVATE_METADATA_CHARS = 3000
MAX_VIEW_BLOCKS = 100
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _option(label: str, value: str) -> Option:
    # escaped like every text the bot shows (bot/blocks.py); the value is never shown
    return Option(text=PlainTextObject(text=fit(label, OPTION_CHARS) or "…", emoji=False),
                  value=value[:OPTION_VALUE_CHARS])


def options(choices: list[Choice]) -> list[dict[str, Any]]:
    """A type-ahead field's options as Slack takes them in the acknowledgement."""
    return [_option(c.label, c.value).to_dict() for c in choices[:MAX_OPTIONS] if c.value]


def _element(f: Field) -> InputInteractiveElement:
    placeholder = PlainTextObject(text="Choose…", emoji=False)
    if f.kind == "select":
        opts = [_option(o, o) for o in f.options[:MAX_OPTIONS]]
        initial = next((o for o in opts if f.initial and o.value == f.initial[:OPTION_VALUE_CHARS]), None)
        return StaticSelectElement(action_id=f.name, options=opts, placeholder=placeholder, initial_option=initial)
    if f.kind == "search":
        # min_query_length 0: the list opens with the first choices before anything is typed
        return ExternalDataSelectElement(action_id=f.name, placeholder=PlainTextObject(text="Type to search…",
                                                                                        emoji=False),
                                         min_query_length=0,
                                         initial_option=_option(f.initial_label or f.initial, f.initial)
                                         if f.initial else None)
    if f.kind == "channel":
        return ConversationSelectElement(action_id=f.name, placeholder=placeholder,
                                         initial_conversation=f.initial or None,
                                         filter=ConversationFilter(include=["public", "private"],
                                                                   exclude_bot_users=True))
    if f.kind == "time":
        return TimePickerElement(action_id=f.name, initial_time=f.initial if _TIME.match(f.initial) else None)
    return PlainTextInputElement(action_id=f.name, multiline=f.multiline, initial_value=f.initial[:INPUT_CHARS] or None,
                                 max_length=INPUT_CHARS)


def view(form: Form, *, callback_id: str) -> dict[str, Any]:
    """The modal for a form. `callback_id` routes the submission back (the form's
    action); `private_metadata` carries its value (a gap name, a pending change)."""
    # bot/blocks.py's sections are Slack's JSON; View parses and validates them
    blocks: list[Block | dict[str, Any]] = [_section(fit(n, SECTION_CHARS)) for n in form.notes if n]
    blocks += [InputBlock(block_id=f.name, label=PlainTextObject(text=fit(f.label, 2000), emoji=False),
                          element=_element(f), optional=f.optional,
                          hint=PlainTextObject(text=fit(f.hint, 2000), emoji=False) if f.hint else None)
               for f in form.fields]
    blocks = blocks[:MAX_VIEW_BLOCKS]
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
            kind = element.get("type")
            if kind in ("static_select", "external_select"):
                out[str(name)] = str((element.get("selected_option") or {}).get("value") or "")
            elif kind == "conversations_select":
                out[str(name)] = str(element.get("selected_conversation") or "")
            elif kind == "timepicker":
                out[str(name)] = str(element.get("selected_time") or "")
            else:
                out[str(name)] = str(element.get("value") or "")
    return out
