"""Finding 12 (/healthz): deleting the SQLite file under a running bot went
unnoticed. SQLite keeps reading and writing the deleted file through the open
connection, so `SELECT 1` kept succeeding and /healthz said 200 while every change
was headed for a file nobody will ever open again. /healthz now answers 503 when
the database is gone: the SQLite file no longer at its path, or (PostgreSQL) the
database dropped."""

from __future__ import annotations

import os

import aiohttp
from sqlalchemy.engine import make_url

from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, mention
from tests.conftest import BACKEND, _pg_admin

bot = slack_harness.bot
slack = slack_harness.slack


async def _healthz(bot: Bot) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.server.url}/healthz") as resp:
        return resp.status, await resp.json()


async def _remove_database(bot: Bot) -> None:
    url = make_url(bot.settings.database_url)
    if BACKEND == "sqlite":
        assert url.database
        os.remove(url.database)
    else:
        await _pg_admin(f'DROP DATABASE "{url.database}" WITH (FORCE)')


async def test_healthz_notices_the_database_is_gone(bot: Bot) -> None:
    # in use: a question answered (and logged) before
    await bot.send.event(mention("licensees 2022", ts="60.1"))
    await bot.settle()
    assert await _healthz(bot) == (200, {"ok": True, "store": "up"})
    await _remove_database(bot)
    status, body = await _healthz(bot)
    assert status == 503
    assert body["ok"] is False and body["store"] == "down"
