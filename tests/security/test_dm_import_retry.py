"""Finding 12 (DM imports, retries): a DM import was marked handled when it began.
A bot killed part-way (the file half downloaded, or being written) had written
nothing, yet Slack's retry of the same delivery was dropped as a duplicate: the
file was never imported and nobody was told. Now each file is recorded as imported
in the same transaction as its rows, and the message only once every file was
dealt with: a retry after a kill imports the file, a retry after a finished import
does nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from store.db import make_engine, make_sessionmaker
from store.models import Patent
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, dm
from tests.security.test_dm_import import patents_csv
from tests.standin_slack import StandinSlack
from tests.test_replicas import Replica, _env, _free_port, wait_for

bot = slack_harness.bot
slack = slack_harness.slack


async def _patents(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as s:
            return int(await s.scalar(select(func.count()).select_from(Patent)) or 0)
    finally:
        await engine.dispose()


@pytest.fixture
async def standin() -> AsyncIterator[StandinSlack]:
    s = await StandinSlack().start()
    yield s
    await s.stop()


def _file_event(fid: str, ts: str) -> dict:
    return dm("", ts=ts, user="UADMIN", subtype="file_share", files=[{"id": fid, "name": "patents.csv"}])


async def test_an_import_killed_part_way_is_done_by_slacks_retry(db_url: str, standin: StandinSlack) -> None:
    before = await _patents(db_url)
    standin.files["FKILL"] = ("patents.csv", patents_csv(300))
    standin.hold_downloads = asyncio.Event()
    env = _env(db_url, standin)
    first, second = Replica(_free_port(), env), Replica(_free_port(), env)
    try:
        await first.start()
        assert first.send is not None and first.proc is not None
        r = await first.send.event(_file_event("FKILL", "996.1"), event_id="EvKill")
        assert r.status == 200
        await wait_for(lambda: any(c.method == "download:FKILL" for c in standin.calls))
        first.proc.kill()  # mid-download: nothing written, nothing said
        await first.proc.wait()
        await first.stop()
        assert await _patents(db_url) == before
        assert standin.posted("chat.postMessage") == []

        standin.hold_downloads.set()
        await second.start()
        assert second.send is not None
        r = await second.send.event(_file_event("FKILL", "996.1"), event_id="EvKill", retry_num=1)
        assert r.status == 200
        await wait_for(lambda: bool(standin.posted("chat.postMessage")))
        [post] = standin.posted("chat.postMessage")
        assert "Imported patents.csv" in post["text"] and "300 added" in post["text"]
        assert await _patents(db_url) == before + 300
    finally:
        await first.stop()
        await second.stop()


async def test_a_retry_of_a_finished_import_does_nothing(bot: Bot) -> None:
    bot.slack.files["FDONE"] = ("patents.csv", patents_csv(5, first=9_300_000))
    await bot.send.event(_file_event("FDONE", "997.1"), event_id="EvDone")
    await bot.settle()
    [post] = bot.posts()
    assert "5 added" in post["text"]
    await bot.send.event(_file_event("FDONE", "997.1"), event_id="EvDone", retry_num=1)
    await bot.settle()
    assert len(bot.posts()) == 1
    assert [c.method for c in bot.slack.calls].count("download:FDONE") == 1


async def test_two_deliveries_at_once_import_the_file_once(bot: Bot) -> None:
    bot.slack.files["FTWO"] = ("patents.csv", patents_csv(50, first=9_400_000))
    bot.slack.hold_downloads = asyncio.Event()
    ev = _file_event("FTWO", "998.1")
    await bot.send.event(ev, event_id="EvTwo")
    await bot.send.event(ev, event_id="EvTwo", retry_num=1)
    await wait_for(lambda: [c.method for c in bot.slack.calls].count("download:FTWO") == 2)
    bot.slack.hold_downloads.set()
    await bot.settle()
    [post] = bot.posts()
    assert "50 added" in post["text"]
