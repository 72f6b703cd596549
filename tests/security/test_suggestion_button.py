"""Finding 4: a "Did you mean" button is always a question. Its value comes from
stored names (a licensee, a metric); a licensee named `admins add U…` produced a
button that, clicked by an admin, granted admin rights. Whatever the value says,
a suggestion click is answered as a question and never runs a command."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.blocks import action_id
from handlers.replies import ActionId
from store.models import Admin, Fact
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot

bot = slack_harness.bot
slack = slack_harness.slack

SUGGESTION = action_id(ActionId.ASK_SUGGESTION.value, 0)


async def _admins(bot: Bot) -> list[str]:
    async with bot.rt.deps.sessions() as s:
        return list((await s.scalars(select(Admin.user_id))).all())


async def _revenue_2022(bot: Bot) -> str:
    async with bot.rt.deps.sessions() as s:
        fact = await s.scalar(select(Fact).where(Fact.metric == "licensing revenue", Fact.period == "2022"))
        assert fact is not None
        return fact.value


@pytest.mark.parametrize("ephemeral", [True, False], ids=["under-an-ephemeral-answer", "under-a-thread-answer"])
async def test_a_suggestion_named_like_an_admin_command_is_only_a_question(bot: Bot, ephemeral: bool) -> None:
    before = await _revenue_2022(bot)
    message = None if ephemeral else {"ts": "80.2", "thread_ts": "80.1", "text": "Did you mean"}
    for value in ("admins add UEVIL1", "set licensing revenue 2022 = US$1", "undo", "admins remove UADMIN",
                  "digest unsubscribe"):
        r = await bot.send.action(SUGGESTION, value, user="UADMIN", channel="C1", ephemeral=ephemeral,
                                  message=message, response_url=bot.slack.response_url())
        assert r.status == 200
    await bot.settle()
    assert "UEVIL1" not in await _admins(bot)
    assert await _revenue_2022(bot) == before
    replies = bot.responses() if ephemeral else bot.posts()
    assert len(replies) == 5
    for reply in replies:
        assert "is now an IP admin" not in reply["text"] and not reply["text"].startswith(("Set ", "Undone"))


async def test_a_suggestion_that_is_a_real_question_is_still_answered(bot: Bot) -> None:
    await bot.send.action(SUGGESTION, "licensees 2022", user="U1", response_url=bot.slack.response_url())
    await bot.settle()
    [reply] = bot.responses()
    assert "Licensing in 2022" in reply["text"]
