"""Finding 12 (replay): a signed `/ip undo` sent again within Slack's 5-minute
window undid twice (the second one took back the change before). Every command
carries Slack's trigger_id, part of the signed body; a command whose trigger_id
was seen before is answered "already carried out" and not run again, on any
replica."""

from __future__ import annotations

import time

from sqlalchemy import select

from store.models import Fact
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot

bot = slack_harness.bot
slack = slack_harness.slack


async def _revenue_2023(bot: Bot) -> str | None:
    async with bot.rt.deps.sessions() as s:
        fact = await s.scalar(select(Fact).where(Fact.metric == "licensing revenue", Fact.period == "2023"))
        return None if fact is None else fact.value


async def test_a_replayed_undo_undoes_once(bot: Bot) -> None:
    await bot.send.command("set licensing revenue 2023 = US$600 million", user="UADMIN")
    await bot.send.command("set licensing revenue 2023 = US$630 million", user="UADMIN")
    stamp = int(time.time())
    first = await bot.send.command("undo", user="UADMIN", trigger_id="4242.1.replayed", ts=stamp)
    assert first.json()["text"].startswith("Undone: licensing revenue, 2023 is back to US$600 million")
    replay = await bot.send.command("undo", user="UADMIN", trigger_id="4242.1.replayed", ts=stamp)
    assert replay.status == 200
    assert "already carried out this very request" in replay.json()["text"]
    assert await _revenue_2023(bot) == "US$600 million"
    # a new undo, typed again, still works
    again = await bot.send.command("undo", user="UADMIN")
    assert again.json()["text"].startswith("Undone:")


async def test_a_replayed_set_and_admin_grant_run_once(bot: Bot) -> None:
    stamp = int(time.time())
    for _ in range(2):
        await bot.send.command("admins add <@U0MARIA>", user="UADMIN", trigger_id="77.1.grant", ts=stamp)
    removed = await bot.send.command("admins remove <@U0MARIA>", user="UADMIN")
    assert "is no longer an IP admin" in removed.json()["text"]
    replay = await bot.send.command("admins add <@U0MARIA>", user="UADMIN", trigger_id="77.1.grant", ts=stamp)
    assert "already carried out" in replay.json()["text"]
    listed = (await bot.send.command("admins", user="U1")).json()["text"]
    assert "U0MARIA" not in listed


async def test_questions_and_new_commands_are_not_affected(bot: Bot) -> None:
    for _ in range(2):
        r = await bot.send.command("licensees 2022", user="U1", trigger_id="9.9.same")
        assert "Licensing in 2022" in r.json()["text"]
