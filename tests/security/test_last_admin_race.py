"""Finding 12 (admins): two admins removing each other at the same moment left no
admin at all: each checked "would this leave no admin?" before the other's
removal was committed. The check and the removal are now one locked step (row
locks on PostgreSQL, the write lock on SQLite), so one removal wins and the other
is refused as the last admin."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.runtime import running
from store import audit
from store.models import Admin
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, StandinSlack, slack_settings, start_bot, stop_bot
from tests.conftest import FIXED_NOW, Clock

slack = slack_harness.slack


@pytest.fixture
async def bot(db_url: str, slack: StandinSlack, clock: Clock) -> AsyncIterator[Bot]:
    # no IPBOT_ADMINS: the admins table is all there is
    settings = slack_settings(db_url, slack.api_url, IPBOT_ADMINS="")
    async with running(settings) as rt:
        rt.deps.clock = clock
        b = await start_bot(rt, slack, settings)
        try:
            yield b
        finally:
            await stop_bot(b)


async def _admins(bot: Bot) -> list[str]:
    async with bot.rt.deps.sessions() as s:
        return sorted((await s.scalars(select(Admin.user_id))).all())


async def test_two_admins_removing_each_other_leave_one(bot: Bot) -> None:
    for round_ in range(8):
        a, b = f"UA{round_}", f"UB{round_}"
        async with bot.rt.deps.sessions() as s, s.begin():
            for old in await audit.list_admins(session=s):
                await s.delete(old)
            for u in (a, b):
                await audit.add_admin(session=s, user_id=u, added_by="setup", at=FIXED_NOW)
        replies = await asyncio.gather(
            bot.send.command(f"admins remove <@{b}>", user=a),
            bot.send.command(f"admins remove <@{a}>", user=b),
        )
        texts = [r.json()["text"] for r in replies]
        left = await _admins(bot)
        assert len(left) == 1, (round_, texts)
        assert sum("is no longer an IP admin" in t for t in texts) == 1, texts
        assert sum("is the last IP admin" in t or "Only IP admins" in t for t in texts) == 1, texts
