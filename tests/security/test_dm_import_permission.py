"""Finding 12 (DM imports, permission): a file a non-admin sent the bot in a DM was
looked up (files.info) and downloaded, up to 20 MB with the bot's token, before the
import found the sender was not an admin. The admin check now comes first: a
non-admin's file is neither looked up nor downloaded."""

from __future__ import annotations

from sqlalchemy import func, select

from store.models import Fact
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, dm

bot = slack_harness.bot
slack = slack_harness.slack

FACTS_CSV = (b"subject,metric,period,value,unit,qualifier,source\n"
             b"Huawei,licensing revenue,2019,100000000,USD,about,Test report\n")


async def _facts(bot: Bot) -> int:
    async with bot.rt.deps.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Fact)) or 0)


def _file_calls(bot: Bot) -> list[str]:
    return [c.method for c in bot.slack.calls if c.method == "files.info" or c.method.startswith("download:")]


async def test_a_non_admins_file_is_not_even_downloaded(bot: Bot) -> None:
    before = await _facts(bot)
    bot.slack.files["FNA"] = ("facts.csv", FACTS_CSV)
    r = await bot.send.event(dm("", ts="990.1", user="U1", subtype="file_share",
                                files=[{"id": "FNA", "name": "facts.csv"}]))
    assert r.status == 200
    await bot.settle()
    [post] = bot.posts()
    assert post["channel"] == "D1" and "Only IP admins" in post["text"]
    assert _file_calls(bot) == []
    assert await _facts(bot) == before


async def test_an_admins_file_is_still_downloaded_and_imported(bot: Bot) -> None:
    bot.slack.files["FAD"] = ("facts.csv", FACTS_CSV)
    await bot.send.event(dm("", ts="990.2", user="UADMIN", subtype="file_share",
                            files=[{"id": "FAD", "name": "facts.csv"}]))
    await bot.settle()
    assert "Imported facts.csv" in bot.posts()[-1]["text"]
    assert _file_calls(bot) == ["files.info", "download:FAD"]
