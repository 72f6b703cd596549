"""Finding 9: requests no listener handles were not acknowledged. Shortcuts, view
submissions and closures, `app_home_opened`, `member_joined_channel`,
`tokens_revoked`, `app_uninstalled` and `app_rate_limited` got HTTP 404 (and no ack
in Socket Mode); Slack disables the event subscriptions of an app that fails 5 % of
deliveries. Every verified request is now acknowledged with 200 and one log line
says what was ignored. The payloads are Slack's own shapes (bolt-python's test
suite and Slack's event reference)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import quote

import pytest

from bot.runtime import running
from bot.socket import start_socket
from tests.bot import slack_harness
from tests.bot.slack_harness import APP_TOKEN, Bot, slack_settings
from tests.bot.test_slack_socket import SocketSlack
from tests.conftest import Clock

bot = slack_harness.bot
slack = slack_harness.slack

TEAM = {"id": "T1", "domain": "workspace-domain"}
USER = {"id": "U1", "username": "someone", "name": "someone", "team_id": "T1"}
VIEW = {
    "id": "V111", "team_id": "T1", "type": "modal",
    "blocks": [{"type": "input", "block_id": "hspI", "label": {"type": "plain_text", "text": "Label"},
                "optional": False, "element": {"type": "plain_text_input", "action_id": "maBWU"}}],
    "private_metadata": "", "callback_id": "view-id",
    "state": {"values": {"hspI": {"maBWU": {"type": "plain_text_input", "value": "test"}}}},
    "hash": "1596530361.3wRYuk3R", "title": {"type": "plain_text", "text": "My App"},
    "clear_on_close": False, "notify_on_close": False, "close": {"type": "plain_text", "text": "Cancel"},
    "submit": {"type": "plain_text", "text": "Submit"}, "previous_view_id": None, "root_view_id": "V111",
    "app_id": "A1", "external_id": "", "app_installed_team_id": "T1", "bot_id": "BBOT",
}

INTERACTIVE: dict[str, dict[str, Any]] = {
    "shortcut": {"type": "shortcut", "token": "verification_token", "action_ts": "111.111", "team": TEAM,
                 "user": USER, "callback_id": "test-shortcut", "trigger_id": "111.111.xxxxxx"},
    "message_action": {
        "type": "message_action", "token": "verification_token", "action_ts": "1583637157.207593", "team": TEAM,
        "user": {"id": "U1", "name": "someone"}, "channel": {"id": "C1", "name": "dev"},
        "callback_id": "test-shortcut", "trigger_id": "111.222.xxx", "message_ts": "1583636382.000300",
        "message": {"client_msg_id": "zzzz-111", "type": "message", "text": "<@U2> test", "user": "U1",
                    "ts": "1583636382.000300", "team": "T1"},
        "response_url": "https://hooks.slack.com/app/T1/111/xxx"},
    "view_submission": {"type": "view_submission", "team": TEAM, "user": USER, "api_app_id": "A1",
                        "token": "verification_token", "trigger_id": "111.222.valid", "view": VIEW,
                        "response_urls": []},
    "view_closed": {"type": "view_closed", "team": TEAM, "user": USER, "api_app_id": "A1",
                    "token": "verification_token", "view": VIEW, "is_cleared": False},
}


def _callback(event: dict[str, Any]) -> dict[str, Any]:
    return {"token": "verification_token", "team_id": "T1", "api_app_id": "A1", "event": event,
            "type": "event_callback", "event_id": f"Ev{event['type']}", "event_time": int(time.time()),
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]}


EVENTS: dict[str, dict[str, Any]] = {
    "app_home_opened": _callback({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages",
                                  "event_ts": "1515449522.000016"}),
    "member_joined_channel": _callback({"type": "member_joined_channel", "user": "UBOT", "channel": "C1",
                                        "channel_type": "C", "team": "T1", "inviter": "U2"}),
    "tokens_revoked": _callback({"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": ["UBOT"]}}),
    "app_uninstalled": _callback({"type": "app_uninstalled"}),
    "app_rate_limited": {"token": "verification_token", "type": "app_rate_limited", "team_id": "T1",
                         "minute_rate_limited": 1518467820, "api_app_id": "A1"},
}


def _slack_calls(bot: Bot) -> list[str]:
    # auth.test is Bolt learning who the bot is, not an action
    return [c.method for c in bot.slack.calls if c.method != "auth.test"]


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ipbot.requests"]


@pytest.mark.parametrize("kind", list(INTERACTIVE))
async def test_an_interaction_without_a_listener_is_acknowledged(bot: Bot, kind: str,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    body = "payload=" + quote(json.dumps(INTERACTIVE[kind]))
    r = await bot.send.post(body, "application/x-www-form-urlencoded")
    assert r.status == 200
    await bot.settle()
    assert _slack_calls(bot) == []  # acknowledged and ignored: nothing posted, no response_url called
    [line] = _request_lines(caplog)
    assert f"type={kind}" in line and "ignored=" in line
    assert "Unhandled request" not in caplog.text


@pytest.mark.parametrize("kind", list(EVENTS))
async def test_an_event_without_a_listener_is_acknowledged(bot: Bot, kind: str,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    r = await bot.send.post(json.dumps(EVENTS[kind]), "application/json")
    assert r.status == 200
    await bot.settle()
    assert _slack_calls(bot) == []
    [line] = _request_lines(caplog)
    # these two are acted on (digests pause: tests/security/test_uninstalled.py), the rest ignored
    acted_on = kind in ("tokens_revoked", "app_uninstalled")
    assert f"type={kind}" in line and ("ignored=" in line) is not acted_on
    assert "Unhandled request" not in caplog.text


async def test_socket_mode_acknowledges_what_it_ignores(db_url: str, clock: Clock) -> None:
    socket_slack = await SocketSlack().start()
    try:
        settings = slack_settings(db_url, socket_slack.api_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
        async with running(settings) as rt:
            rt.deps.clock = clock
            server = await start_socket(settings, rt.deps)
            try:
                await asyncio.wait_for(socket_slack.connected.wait(), 10)
                acks = [
                    await socket_slack.send({"envelope_id": "env-view", "type": "interactive",
                                             "accepts_response_payload": True,
                                             "payload": INTERACTIVE["view_submission"]}),
                    await socket_slack.send({"envelope_id": "env-home", "type": "events_api",
                                             "accepts_response_payload": False, "retry_attempt": 0,
                                             "payload": EVENTS["app_home_opened"]}),
                ]
                await server.state.drain()
            finally:
                await server.stop()
        assert [a["envelope_id"] for a in acks] == ["env-view", "env-home"]
        assert [c.method for c in socket_slack.calls
                if c.method not in ("auth.test", "apps.connections.open")] == []
    finally:
        await socket_slack.stop()
