"""Finding 1: a request that fails verification never acts. A malformed
X-Slack-Request-Timestamp or signature made slack_sdk's verifier raise, and Bolt's
error handler then posted into the channel, and to the response_url, named in the
unverified body. Such requests get 401 before Bolt runs, and the error handler
never acts on a request that was not verified."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from store.models import ProcessedEvent
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, mention

bot = slack_harness.bot
slack = slack_harness.slack

MALFORMED = [
    pytest.param({"ts": "x", "signature": "v0=" + "0" * 64}, id="timestamp-not-a-number"),
    pytest.param({"ts": "", "signature": "v0=" + "0" * 64}, id="timestamp-empty"),
    pytest.param({"ts": "1e9", "signature": "v0=" + "0" * 64}, id="timestamp-float"),
    pytest.param({"signature": "v0=é" + "0" * 63}, id="signature-not-ascii"),
    pytest.param({"signature": "garbage"}, id="signature-malformed"),
]


def _nothing_sent(bot: Bot) -> None:
    assert bot.posts() == []
    assert [c.method for c in bot.slack.calls] == [], "no Web API call, no response_url call"


@pytest.mark.parametrize("sign", MALFORMED)
async def test_malformed_signature_on_an_event_posts_nothing(bot: Bot, sign: dict) -> None:
    r = await bot.send.event(mention("licensees 2022", ts="10.1", channel="CVICTIM"), **sign)
    assert r.status == 401
    await bot.settle()
    _nothing_sent(bot)
    async with bot.rt.deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


@pytest.mark.parametrize("sign", MALFORMED)
async def test_malformed_signature_on_a_button_calls_no_response_url(bot: Bot, sign: dict) -> None:
    r = await bot.send.action("share_answer:0", "licensees 2022", channel="CVICTIM",
                              response_url=bot.slack.response_url("blind"), **sign)
    assert r.status == 401
    await bot.settle()
    _nothing_sent(bot)


@pytest.mark.parametrize("sign", MALFORMED)
async def test_malformed_signature_on_a_command_is_refused(bot: Bot, sign: dict) -> None:
    r = await bot.send.command("licensees 2022", response_url=bot.slack.response_url("blind"), **sign)
    assert r.status == 401
    assert "Licensing" not in r.text and "wrong" not in r.text
    await bot.settle()
    _nothing_sent(bot)


async def test_a_refused_request_is_one_short_log_line(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body_marker = "licensees-2022-" + "y" * 5000
    r = await bot.send.event(mention(body_marker, ts="11.1", channel="CVICTIM"), ts="x", signature="v0=1")
    assert r.status == 401
    assert body_marker not in caplog.text and "CVICTIM" not in caplog.text
    refused = [rec for rec in caplog.records if "refused" in rec.getMessage()]
    assert len(refused) == 1 and len(refused[0].getMessage()) < 300


async def test_bolts_error_handler_never_acts_on_an_unverified_request(bot: Bot) -> None:
    """Behind the HTTP check, the second line: the same malformed request handed to
    Bolt directly (as a proxy or another adapter would) still does nothing."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    ev = mention("licensees 2022", ts="12.1", channel="CVICTIM")
    body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": "EvBolt",
                       "event": ev, "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})
    for sig in MALFORMED:
        headers = bot.send.headers(body, **sig.values[0])
        resp = await bot.server.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
        assert resp.status == 401
    await bot.settle()
    _nothing_sent(bot)
