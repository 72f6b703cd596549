"""Finding 6: private questions never reach another channel's digest. Unanswered
questions asked in a DM or a private channel were listed verbatim in every
channel's digest. A channel's digest now lists only what was asked in that
channel; questions asked elsewhere appear at most as a count."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.app import make_client
from bot.digest_poster import SlackPoster
from bot.scheduler import DigestScheduler
from store.models import UnansweredQuestion
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, all_text, dm, mention
from tests.conftest import Clock

bot = slack_harness.bot
slack = slack_harness.slack

CHANNEL = "CLICENSING"
HERE = "moon base snack policy"
IN_DM = "secret merger with acme corp"
IN_PRIVATE = "project nightingale codename"


async def _ask_everywhere(bot: Bot) -> None:
    assert (await bot.send.command(HERE, channel=CHANNEL, user="U1")).status == 200
    await bot.send.event(dm(IN_DM, ts="90.1", channel="D2", user="U2"))
    await bot.send.event(mention(IN_PRIVATE, ts="90.2", channel="GPRIVATE", user="U3"))
    await bot.settle()
    async with bot.rt.deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(UnansweredQuestion)) == 3


def _check(text: str) -> None:
    assert HERE in text
    assert IN_DM not in text and "acme" not in text
    assert IN_PRIVATE not in text and "nightingale" not in text
    assert "2 more asked in other conversations" in text


async def test_preview_lists_only_this_channels_questions(bot: Bot) -> None:
    await _ask_everywhere(bot)
    assert (await bot.send.command("digest subscribe weekly mon 09:00 UTC", channel=CHANNEL,
                                   user="UADMIN")).status == 200
    body = (await bot.send.command("digest preview", channel=CHANNEL, user="U1")).json()
    _check(body["text"] + "\n" + all_text(body["blocks"]))


async def test_posted_digest_lists_only_this_channels_questions(bot: Bot, clock: Clock) -> None:
    await _ask_everywhere(bot)
    await bot.send.command("digest subscribe weekly mon 09:00 UTC", channel=CHANNEL, user="UADMIN")
    clock.now = datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC)
    out = await DigestScheduler(bot.rt.deps, SlackPoster(make_client(bot.settings))).catch_up()
    assert [o.status for o in out] == ["sent"]
    [post] = [p for p in bot.posts() if p["channel"] == CHANNEL]
    _check(post["text"] + "\n" + all_text(post["blocks"]))


async def test_a_preview_in_a_dm_shows_only_that_dms_questions(bot: Bot) -> None:
    """A DM is a channel of its own: its preview shows its questions and nobody else's."""
    await _ask_everywhere(bot)
    await bot.send.event(dm("digest preview", ts="91.1", channel="D2", user="U2"))
    await bot.settle()
    text = bot.posts()[-1]["text"] + all_text(bot.posts()[-1]["blocks"])
    assert IN_DM in text and HERE not in text and IN_PRIVATE not in text
