"""Finding 9 (behaviour): after `app_uninstalled`, or `tokens_revoked` naming the
bot's token, the bot must not post in that workspace any more. Every digest
subscription is paused, so the scheduler sends nothing; a revoked user token
alone changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import make_client
from bot.digest_poster import SlackPoster
from bot.scheduler import DigestScheduler
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot
from tests.conftest import Clock

bot = slack_harness.bot
slack = slack_harness.slack

MONDAY_RUN = datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC)
CHANNELS = ("CLICENSING", "GPRIVATE")


async def _subscribe(bot: Bot) -> None:
    for ch in CHANNELS:
        r = await bot.send.command("digest subscribe weekly mon 09:00 UTC", channel=ch, user="UADMIN")
        assert r.status == 200


async def _digests_at_the_run(bot: Bot, clock: Clock) -> list[str]:
    clock.now = MONDAY_RUN
    await DigestScheduler(bot.rt.deps, SlackPoster(make_client(bot.settings))).catch_up()
    return [p["channel"] for p in bot.posts()]


@pytest.mark.parametrize("event", [
    pytest.param({"type": "app_uninstalled"}, id="app_uninstalled"),
    pytest.param({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}, id="bot-token-revoked"),
])
async def test_no_digest_is_posted_after_the_app_lost_the_workspace(bot: Bot, clock: Clock, event: dict) -> None:
    await _subscribe(bot)
    r = await bot.send.event(event)
    assert r.status == 200
    await bot.settle()
    assert await _digests_at_the_run(bot, clock) == []
    listed = (await bot.send.command("digest list", channel="CLICENSING", user="U1")).json()["text"]
    assert "paused" in listed.lower()


async def test_a_revoked_user_token_leaves_digests_running(bot: Bot, clock: Clock) -> None:
    await _subscribe(bot)
    r = await bot.send.event({"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": []}})
    assert r.status == 200
    await bot.settle()
    assert sorted(await _digests_at_the_run(bot, clock)) == sorted(CHANNELS)
