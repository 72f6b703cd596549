"""The Slack-native surfaces over Socket Mode, as Slack delivers them there
(envelopes on the websocket, acknowledged with their envelope_id): opening the Home
tab publishes it, 👍 on an answer is taken, and the fact form's submission is
checked (mistakes come back in the acknowledgement) and applied — after which the
Home tab of whoever opened it is published again."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.runtime import running
from bot.socket import SocketServer, start_socket
from tests.bot import modals
from tests.bot.slack_harness import APP_TOKEN, BOT_USER, all_text, load_fixtures, plain, slack_settings
from tests.bot.test_slack_socket import SocketSlack
from tests.conftest import Clock

ADMIN = "UADMIN"
_ids = itertools.count(1)


@pytest.fixture
async def socket_slack() -> AsyncIterator[SocketSlack]:
    s = await SocketSlack().start()
    yield s
    await s.stop()


@pytest.fixture
async def server(db_url: str, socket_slack: SocketSlack, clock: Clock) -> AsyncIterator[SocketServer]:
    settings = slack_settings(db_url, socket_slack.api_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    async with running(settings) as rt:
        rt.deps.clock = clock
        await load_fixtures(rt)
        srv = await start_socket(settings, rt.deps)
        assert srv.state.home is not None
        srv.state.home.coalesce = 0.05
        try:
            await asyncio.wait_for(socket_slack.connected.wait(), 10)
            yield srv
        finally:
            await srv.stop()


async def command(slack: SocketSlack, text: str, user: str = ADMIN) -> dict[str, Any]:
    n = next(_ids)
    ack = await slack.send({"envelope_id": f"cmd-{n}", "type": "slash_commands", "accepts_response_payload": True,
                            "payload": {"token": "legacy", "team_id": "T1", "channel_id": "C1", "user_id": user,
                                        "command": "/ip", "text": text, "api_app_id": "A1",
                                        "response_url": slack.response_url(), "trigger_id": f"{n}.1.2"}})
    return dict(ack.get("payload") or {})


async def interactive(slack: SocketSlack, payload: dict[str, Any]) -> dict[str, Any]:
    ack = await slack.send({"envelope_id": f"int-{next(_ids)}", "type": "interactive", "payload": payload,
                            "accepts_response_payload": payload["type"] == "view_submission"})
    return dict(ack.get("payload") or {})


async def event(slack: SocketSlack, ev: dict[str, Any]) -> None:
    n = next(_ids)
    await slack.send({"envelope_id": f"ev-{n}", "type": "events_api", "accepts_response_payload": False,
                      "retry_attempt": 0, "payload": {
                          "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                          "event_id": f"EvN{n}", "event_time": 1, "event": ev,
                          "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}]}})


def submission(view: dict[str, Any], values: dict[str, str], user: str = ADMIN) -> dict[str, Any]:
    # what Slack's state holds: the given values, the pre-filled ones for the rest
    return {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
            "token": "legacy", "trigger_id": "9.9.9",
            "view": {**view, "id": "V1", "state": {"values": modals.state(view, values)}}}


async def test_opening_the_home_tab_publishes_it(server: SocketServer, socket_slack: SocketSlack) -> None:
    await event(socket_slack, {"type": "app_home_opened", "user": ADMIN, "channel": "D5", "tab": "home",
                               "event_ts": "1515449522.000016"})
    await server.state.drain()
    [published] = socket_slack.posted("views.publish")
    View(**published["view"]).validate_json()
    assert published["user_id"] == ADMIN and "Headline figures" in all_text(published["view"]["blocks"])


async def test_a_thumbs_up_on_an_answer_is_taken(server: SocketServer, socket_slack: SocketSlack) -> None:
    answer = await command(socket_slack, "licensing revenue 2022", user="U7")
    [up] = [el for b in answer["blocks"] for el in b.get("elements", [])
            if el.get("type") == "button" and el["action_id"].startswith("feedback_up")]
    ack = await interactive(socket_slack, {
        "type": "block_actions", "user": {"id": "U7", "team_id": "T1"}, "api_app_id": "A1", "token": "legacy",
        "team": {"id": "T1"}, "channel": {"id": "C1"}, "trigger_id": "3.3.3",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "C1", "is_ephemeral": True},
        "response_url": socket_slack.response_url("up"),
        "actions": [{"action_id": up["action_id"], "block_id": "feedback", "value": up["value"], "type": "button",
                     "action_ts": "1.2"}]})
    assert ack == {}
    await server.state.drain()
    [thanks] = [c.body for c in socket_slack.calls if c.method == "response_url:up"]
    assert "this answer was right" in thanks["text"] and thanks["replace_original"] is False


async def test_the_fact_form_is_checked_and_applied(server: SocketServer, socket_slack: SocketSlack) -> None:
    await event(socket_slack, {"type": "app_home_opened", "user": "U5", "channel": "D5", "tab": "home",
                               "event_ts": "1515449522.000016"})
    opened = await command(socket_slack, "set")
    assert "Opened the form" in opened["text"]
    await server.state.drain()
    [form] = [c.body["view"] for c in socket_slack.calls if c.method == "views.open"]

    bad = await interactive(socket_slack, submission(form, {"metric": "m:licensing revenue", "period": "20x4",
                                                            "value": "US$650 million"}))
    assert bad["response_action"] == "errors" and list(bad["errors"]) == ["period"]
    good = await interactive(socket_slack, submission(form, {"metric": "m:licensing revenue", "period": "2024",
                                                             "value": "US$650 million", "source": "AR 2024"}))
    assert good == {}
    await server.state.drain()
    assert server.state.home is not None
    await server.state.home.settled()
    result = [p for p in socket_slack.posted("chat.postMessage") if p["channel"] == ADMIN]
    assert "US$650 million" in plain(result[-1]["text"])
    answer = await command(socket_slack, "licensing revenue 2024", user="U9")
    assert "US$650 million" in plain(all_text(answer["blocks"]))
    # U5 has the Home tab open: it shows the new figure
    home = [p for p in socket_slack.posted("views.publish") if p["user_id"] == "U5"]
    assert len(home) == 2 and "licensing revenue 2024: US$650 million" in plain(all_text(home[-1]["view"]["blocks"]))
