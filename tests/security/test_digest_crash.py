"""Finding 13: a digest posted by a process that died before recording "sent" was
posted again once its claim went stale (15 minutes). Digests now carry Slack
message metadata, and a claim taken back is first looked up in the channel's
history: the digest that already went out is marked sent, not posted twice.
Without the history scope the bot says so in its log and posts again."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from bot.app import make_client
from bot.digest_poster import SlackPoster
from bot.scheduler import DigestScheduler
from handlers.digest_run import STALE_CLAIM
from store import digests as digest_repo
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot
from tests.conftest import Clock

bot = slack_harness.bot
slack = slack_harness.slack

CHANNEL = "CLICENSING"
MONDAY_RUN = datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC)


async def _crash_mid_post(bot: Bot, clock: Clock) -> None:
    """Subscribe, then a sender claims the period, posts, and dies before it hears back."""
    r = await bot.send.command("digest subscribe weekly mon 09:00 UTC", channel=CHANNEL, user="UADMIN")
    assert "Subscribed" in r.json()["text"] or "subscribed" in r.json()["text"]
    clock.now = MONDAY_RUN
    bot.slack.clock = clock
    bot.slack.hang("chat.postMessage")
    sender = asyncio.create_task(DigestScheduler(bot.rt.deps, SlackPoster(make_client(bot.settings))).catch_up())
    await bot.slack.called("chat.postMessage")
    sender.cancel()  # the process is gone: nothing after the post runs
    with pytest.raises(asyncio.CancelledError):
        await sender
    assert len(bot.slack.messages[CHANNEL]) == 1
    clock.now = MONDAY_RUN + STALE_CLAIM + STALE_CLAIM / 15


async def _run(bot: Bot) -> tuple[str, str]:
    async with bot.rt.deps.sessions() as s:
        sub = await digest_repo.get_subscription(session=s, channel=CHANNEL)
        assert sub is not None
        [run] = await digest_repo.list_runs(session=s, subscription_id=sub.id)
    return run.status, run.message_ts


async def test_a_digest_posted_before_a_crash_is_not_posted_again(bot: Bot, clock: Clock) -> None:
    await _crash_mid_post(bot, clock)
    scheduler = DigestScheduler(bot.rt.deps, SlackPoster(make_client(bot.settings)))
    outcomes = await scheduler.catch_up()
    assert [o.status for o in outcomes] == ["sent"]
    [message] = bot.slack.messages[CHANNEL]
    assert message["metadata"]["event_type"] == "ipbot_digest"
    assert message["metadata"]["event_payload"]["period"] == "2026-W49"
    assert await _run(bot) == ("sent", message["ts"])
    # and the next run finds it sent
    assert [o.status for o in await scheduler.catch_up()] == ["taken"]
    assert len(bot.slack.messages[CHANNEL]) == 1


async def test_without_the_history_scope_it_says_so_and_posts_again(bot: Bot, clock: Clock,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    await _crash_mid_post(bot, clock)
    bot.slack.fail("conversations.history", "missing_scope")
    with caplog.at_level(logging.WARNING, logger="handlers.digest_run"):
        outcomes = await DigestScheduler(bot.rt.deps, SlackPoster(make_client(bot.settings))).catch_up()
    assert [o.status for o in outcomes] == ["sent"]
    assert "could not read the channel's history" in caplog.text and "missing_scope" in caplog.text
    assert "channels:history" in caplog.text
    assert len(bot.slack.messages[CHANNEL]) == 2
