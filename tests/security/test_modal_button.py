"""Finding 11: a block_actions payload from a modal or the Home tab has no
`response_url` and no channel. The action handler called the missing `respond` and
raised, and the error handler raised again trying to report it; the person who
clicked heard nothing. Now such a click is answered in a DM with the bot (a
suggestion is answered, Share says there is nothing to share into) and nothing
raises. The payload is Slack's shape for a button in a view (container type
"view", a `view` object, no `channel`, no `response_url`)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import quote

import pytest

from bot.blocks import action_id
from handlers.replies import ActionId
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot

bot = slack_harness.bot
slack = slack_harness.slack


def _view_click(action: str, value: str, *, view_type: str = "modal", user: str = "U1") -> str:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": "T1"},
        "api_app_id": "A1", "token": "verification_token",
        "container": {"type": "view", "view_id": "V111"},
        "trigger_id": "111.222.valid",
        "team": {"id": "T1", "domain": "workspace-domain"},
        "is_enterprise_install": False,
        "view": {
            "id": "V111", "team_id": "T1", "type": view_type,
            "blocks": [{"type": "actions", "block_id": "b1", "elements": [
                {"type": "button", "action_id": action, "text": {"type": "plain_text", "text": value},
                 "value": value}]}],
            "private_metadata": "", "callback_id": "", "state": {"values": {}}, "hash": "1596530361.3wRYuk3R",
            "title": {"type": "plain_text", "text": "ipbot"}, "clear_on_close": False, "notify_on_close": False,
            "previous_view_id": None, "root_view_id": "V111", "app_id": "A1", "external_id": "",
            "app_installed_team_id": "T1", "bot_id": "BBOT",
        },
        "actions": [{"action_id": action, "block_id": "b1", "text": {"type": "plain_text", "text": value},
                     "value": value, "type": "button", "action_ts": f"{time.time():.6f}"}],
    }
    return "payload=" + quote(json.dumps(payload))


async def _click(bot: Bot, body: str) -> None:
    r = await bot.send.post(body, "application/x-www-form-urlencoded")
    assert r.status == 200
    await bot.settle()


def _no_errors(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert bad == []
    assert "could not report an error" not in caplog.text


@pytest.mark.parametrize("view_type", ["modal", "home"])
async def test_a_suggestion_clicked_in_a_view_is_answered_in_a_dm(bot: Bot, view_type: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    await _click(bot, _view_click(action_id(ActionId.ASK_SUGGESTION.value, 0), "licensees 2022",
                                  view_type=view_type))
    [post] = bot.posts()
    assert post["channel"] == "U1"  # the person's DM with the bot
    assert "Licensing in 2022" in post["text"]
    _no_errors(caplog)


async def test_share_clicked_in_a_modal_says_there_is_nowhere_to_share(bot: Bot,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    await _click(bot, _view_click(action_id(ActionId.SHARE.value, 0), "licensees 2022"))
    [post] = bot.posts()
    assert post["channel"] == "U1"
    assert "/ip" in post["text"] and "Licensing in 2022" not in post["text"]
    _no_errors(caplog)


async def test_a_stale_button_in_a_modal_is_answered_not_raised(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    await _click(bot, _view_click("no_such_button:0", "x"))
    [post] = bot.posts()
    assert post["channel"] == "U1" and "no longer active" in post["text"]
    _no_errors(caplog)


async def test_a_confirm_clicked_in_a_modal_is_answered_in_a_dm(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    # a confirm button whose change is gone: the person hears so in the DM
    await _click(bot, _view_click(action_id(ActionId.CONFIRM_CHANGE.value, 0), "nonexistent-token",
                                  user="UADMIN"))
    [post] = bot.posts()
    assert post["channel"] == "UADMIN" and post["text"]
    _no_errors(caplog)
