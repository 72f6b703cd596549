"""Finding 7: log flooding. Bodies up to aiohttp's 1 MiB were accepted, and Bolt's
signature check logged every body it refused in full at INFO (20 requests, 20 MB of
log, with Slack's verification token and response_urls); Bolt and slack_sdk print
whole request and response bodies at DEBUG. Now:

- a body over 512 KiB gets 413 and one short log line, and nothing acts; the
  largest legitimate delivery (a 40,000-character message fully escaped) still gets
  200;
- a refused request is one short log line, whichever check refuses it;
- `ipbot serve` at IPBOT_LOG_LEVEL=DEBUG writes no body Bolt or slack_sdk would
  echo, and no line from them longer than a few hundred characters."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func, select

from store.models import ProcessedEvent
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, SlackSender, dm, mention
from tests.standin_slack import StandinSlack
from tests.test_replicas import _env, _free_port

bot = slack_harness.bot
slack = slack_harness.slack

ROOT = Path(__file__).resolve().parents[2]
MARKER = "zqfloodmark"
CAP = 512 * 1024  # documented in README: Safety limits


async def _nothing_happened(bot: Bot) -> None:
    await bot.settle()
    assert [c.method for c in bot.slack.calls] == [], "no Web API call, no response_url call"
    async with bot.rt.deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]


def _short_and_bodyless(caplog: pytest.LogCaptureFixture) -> None:
    assert MARKER not in caplog.text and "CVICTIM" not in caplog.text
    assert "verification_token" not in caplog.text and "hooks.slack.com" not in caplog.text
    assert all(len(r.getMessage()) < 300 for r in caplog.records)


def _big_mention(size: int) -> str:
    """A signed-looking event of about `size` bytes, carrying what a stale request
    would: the verification token and a response_url."""
    text = MARKER + "x" * size
    return json.dumps({"token": "verification_token", "team_id": "T1", "api_app_id": "A1",
                       "type": "event_callback", "event_id": "EvFlood", "event_time": 1,
                       "response_url": "https://hooks.slack.com/actions/T1/1/secret",
                       "event": mention(text, ts="90.1", channel="CVICTIM")})


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
async def test_a_body_over_the_cap_gets_413_and_one_short_line(bot: Bot, signed: bool,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = _big_mention(1_000_000)  # under aiohttp's 1 MiB default, over ours
    r = await bot.send.post(body, "application/json", unsigned=not signed)
    assert r.status == 413
    await _nothing_happened(bot)
    [line] = _refusals(caplog)
    assert len(line) < 200
    _short_and_bodyless(caplog)


async def test_a_chunked_body_over_the_cap_gets_413(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """No Content-Length to refuse by: the body is counted while it is read."""
    caplog.set_level(logging.DEBUG)
    body = _big_mention(CAP).encode()

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 64 * 1024):
            yield body[i:i + 64 * 1024]

    headers = {"Content-Type": "application/json", **bot.send.headers(body.decode())}
    async with aiohttp.ClientSession() as http, \
            http.post(f"{bot.send.base}/slack/events", data=pieces(), headers=headers) as resp:
        assert resp.status == 413
    await _nothing_happened(bot)
    [line] = _refusals(caplog)
    assert len(line) < 200
    _short_and_bodyless(caplog)


async def test_twenty_refused_requests_are_twenty_short_lines(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = _big_mention(300_000)  # under the cap: refused for its signature
    for i in range(20):
        sign = {"signature": "v0=" + "0" * 64} if i % 2 else {"ts": int(time.time()) - 3600}
        r = await bot.send.post(body, "application/json", **sign)
        assert r.status == 401
    await _nothing_happened(bot)
    lines = _refusals(caplog)
    assert len(lines) == 20 and all(len(line) < 200 for line in lines)
    _short_and_bodyless(caplog)


async def test_the_largest_legitimate_message_still_gets_200(bot: Bot) -> None:
    """40,000 characters, each typed as "<" and delivered as "&lt;": ~200 KB as an
    event, ~320 KB as a form-encoded slash command. Accepted; the bot says it is too
    long rather than dropping it."""
    huge = "&lt;" * 40_000
    ev = dm(huge, ts="91.1", blocks=[{"type": "rich_text", "block_id": "b", "elements": [
        {"type": "rich_text_section", "elements": [{"type": "text", "text": "<" * 40_000}]}]}])
    r = await bot.send.event(ev)
    assert r.status == 200
    await bot.settle()
    [post] = bot.posts()
    assert "longer than 4,000 characters" in post["text"]
    r = await bot.send.command(huge, response_url=bot.slack.response_url())
    assert len(urlencode({"text": huge})) > 300_000
    assert r.status == 200
    assert "longer than 4,000 characters" in r.json()["text"]


async def test_bolts_own_check_logs_no_body(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """The same request handed to Bolt directly (a proxy or another adapter, or the
    HTTP check's clock a moment ahead of Bolt's): refused with one short line."""
    from slack_bolt.request.async_request import AsyncBoltRequest

    caplog.set_level(logging.DEBUG)
    body = _big_mention(300_000)
    for sign in ({"signature": "v0=" + "0" * 64}, {"ts": int(time.time()) - 3600}, {"unsigned": True}):
        resp = await bot.server.app.async_dispatch(AsyncBoltRequest(body=body, headers=bot.send.headers(body, **sign)))
        assert resp.status == 401
    await _nothing_happened(bot)
    lines = _refusals(caplog)
    assert len(lines) == 3 and all(len(line) < 200 for line in lines)
    _short_and_bodyless(caplog)


async def test_serve_at_debug_level_logs_no_bodies(db_url: str, tmp_path: Path) -> None:
    """The real `ipbot serve --http` at IPBOT_LOG_LEVEL=DEBUG: an answered command, an
    answered mention (a Web API call and its response), a refused and an oversized
    request. Nothing of their bodies, nor of the replies, reaches the log."""
    standin = await StandinSlack().start()
    port = _free_port()
    env = {**_env(db_url, standin), "IPBOT_LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1"}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--http", "--port", str(port),
            env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=log_file)
    send = SlackSender(f"http://127.0.0.1:{port}")
    try:
        assert proc.stdout is not None
        assert b"listening" in await asyncio.wait_for(proc.stdout.readline(), 60)
        for _ in range(600):  # the patent index loads after the server starts answering
            r = await send.command(f"licensees 2022 {MARKER}cmd")
            if "still loading" not in r.text:
                break
            await asyncio.sleep(0.05)
        assert r.status == 200 and f"{MARKER}cmd" in r.text  # the reply names the word it did not know
        r = await send.event(mention(f"licensees 2022 {MARKER}mention", ts="92.1"))
        assert r.status == 200
        for _ in range(100):
            if standin.posted("chat.postMessage"):
                break
            await asyncio.sleep(0.05)
        assert f"{MARKER}mention" in standin.posted("chat.postMessage")[0]["text"]
        r = await send.post(_big_mention(300_000), "application/json", signature="v0=" + "0" * 64)
        assert r.status == 401
        r = await send.post(_big_mention(1_000_000), "application/json")
        assert r.status == 413
    finally:
        await send.close()
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
        await standin.stop()
    log = log_path.read_text(errors="replace")
    assert "DEBUG" in log  # the level took effect
    assert MARKER not in log and "verification_token" not in log and "Licensing in 2022" not in log
    slack_lines = [ln for ln in log.splitlines() if " slack_bolt" in ln or " slack_sdk" in ln]
    assert all(len(ln) < 500 for ln in slack_lines)
    assert len(log) < 100_000, f"{len(log)} characters of log"
    assert os.environ.get("SLACK_BOT_TOKEN", "xoxb-1111") not in log
