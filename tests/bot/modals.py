"""Modals the way Slack drives them: the views the bot opened (checked with
slack_sdk's View model), a type-ahead field's block_suggestion request, and a
view_submission whose state holds what a person left or chose in every input,
the pre-filled ones included (payload shapes as in bolt-python's tests)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from slack_sdk.models.views import View

from tests.bot.slack_harness import Bot, Reply

MAX_BLOCKS = 100


def checked(view: dict[str, Any]) -> dict[str, Any]:
    View(**view).validate_json()  # slack_sdk's models hold Block Kit's limits
    assert len(view["blocks"]) <= MAX_BLOCKS
    return view


def opened(bot: Bot) -> list[dict[str, Any]]:
    return [checked(c.body["view"]) for c in bot.slack.calls if c.method == "views.open"]


def _inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in view["blocks"] if b.get("type") == "input"]


def _state(el: dict[str, Any], given: str | None) -> dict[str, Any]:
    """One input's state: `given` None keeps what the view pre-filled, "" clears it."""
    kind = el["type"]
    if kind in ("static_select", "external_select"):
        chosen = el.get("initial_option") if given is None else ({"value": given} if given else None)
        return {"type": kind, "selected_option": chosen}
    if kind == "conversations_select":
        conversation = el.get("initial_conversation") if given is None else given or None
        return {"type": kind, "selected_conversation": conversation}
    if kind == "timepicker":
        return {"type": kind, "selected_time": el.get("initial_time") if given is None else given or None}
    return {"type": kind, "value": (el.get("initial_value") if given is None else given) or None}


def state(view: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """What Slack's state.values holds: the given values by field (action_id), the
    view's initial ones for fields not given; "" clears a field."""
    return {b["block_id"]: {b["element"]["action_id"]: _state(b["element"], values.get(b["element"]["action_id"]))}
            for b in _inputs(view)}


async def submit(bot: Bot, view: dict[str, Any], values: dict[str, str], *, user: str) -> Reply:
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "token": "legacy", "trigger_id": "9.9.9",
               "view": {**view, "id": "V1", "state": {"values": state(view, values)}}}
    return await bot.send.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


async def suggest(bot: Bot, view: dict[str, Any], field: str, typed: str, *, user: str) -> Reply:
    """The block_suggestion Slack sends while someone types into a type-ahead field."""
    [block] = [b for b in _inputs(view) if b["element"]["action_id"] == field]
    payload = {"type": "block_suggestion", "user": {"id": user, "username": "someone", "team_id": "T1"},
               "container": {"type": "view", "view_id": "V1"}, "api_app_id": "A1", "token": "legacy",
               "action_id": field, "block_id": block["block_id"], "value": typed,
               "team": {"id": "T1", "domain": "test"},
               "view": {**view, "id": "V1", "state": {"values": {}}}}
    return await bot.send.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


async def choices(bot: Bot, view: dict[str, Any], field: str, typed: str, *, user: str) -> list[dict[str, Any]]:
    r = await suggest(bot, view, field, typed, user=user)
    assert r.status == 200, r.text
    return list(r.json()["options"])
