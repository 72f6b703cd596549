"""Finding 12 (refusals in channels): a non-admin's admin command in a channel
("@ipbot set …") was refused with a public thread reply that mentioned an admin,
pinging them in front of the channel every time anyone tried. A reply naming
people to contact now goes only to the person who asked (chat.postEphemeral in the
same thread); in a DM it stays an ordinary reply, which nobody else sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.models import Fact
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, dm, mention

bot = slack_harness.bot
slack = slack_harness.slack


async def _revenue_2022(bot: Bot) -> str:
    async with bot.rt.deps.sessions() as s:
        fact = await s.scalar(select(Fact).where(Fact.metric == "licensing revenue", Fact.period == "2022"))
        assert fact is not None
        return fact.value


@pytest.mark.parametrize("command", ["set licensing revenue 2022 = US$1", "admins add U666", "undo"])
async def test_a_refused_admin_command_in_a_channel_is_ephemeral(bot: Bot, command: str) -> None:
    before = await _revenue_2022(bot)
    r = await bot.send.event(mention(command, ts="95.1", channel="C5", user="U1"))
    assert r.status == 200
    await bot.settle()
    assert bot.posts() == []  # nothing public, nobody pinged
    [note] = bot.slack.posted("chat.postEphemeral")
    assert note["channel"] == "C5" and note["user"] == "U1" and note["thread_ts"] == "95.1"
    assert "Only IP admins" in note["text"] and "<@UADMIN>" in note["text"]
    assert await _revenue_2022(bot) == before


async def test_a_refusal_in_a_dm_is_an_ordinary_reply(bot: Bot) -> None:
    await bot.send.event(dm("set licensing revenue 2022 = US$1", ts="95.2", user="U1"))
    await bot.settle()
    [post] = bot.posts()
    assert post["channel"] == "D1" and "Only IP admins" in post["text"]
    assert bot.slack.posted("chat.postEphemeral") == []


async def test_an_admins_command_in_a_channel_is_still_answered_in_the_thread(bot: Bot) -> None:
    await bot.send.event(mention("set licensing revenue 2022 = about US$561 million", ts="95.3", channel="C5",
                                 user="UADMIN"))
    await bot.settle()
    [post] = bot.posts()
    assert post["channel"] == "C5" and post["thread_ts"] == "95.3"
    assert bot.slack.posted("chat.postEphemeral") == []
