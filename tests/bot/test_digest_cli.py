"""`ipbot digest preview|send` as cron runs it: a real process, a real database,
the stand-in Slack over HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from store import digests as digest_repo
from tests.bot.test_digest_support import CHANNEL, load_fixtures, standin


async def ipbot(db_url: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IPBOT_"))}
    full_env.update({"DATABASE_URL": db_url, **(env or {})})
    # the installed `ipbot` script, as cron runs it (`python -m bot.cli` would load
    # bot.cli twice and not see the subcommands that extensions register)
    exe = str(Path(sys.executable).with_name("ipbot"))
    proc = await asyncio.create_subprocess_exec(
        exe, *args, env=full_env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode(), err.decode()


async def _subscribe(rt, channel: str = CHANNEL, frequency: str = "weekly") -> None:
    async with rt.deps.sessions() as session, session.begin():
        await digest_repo.subscribe(session=session, channel=channel, frequency=frequency, weekday=0,
                                    day_of_month=1, at_time="09:00", timezone="Europe/Berlin", skip_empty=False,
                                    actor="UADMIN", at=datetime(2026, 1, 1, tzinfo=UTC))


async def test_send_run_twice_sends_once(rt, db_url) -> None:
    await load_fixtures(rt)
    await _subscribe(rt)
    await _subscribe(rt, "CDAILY", "daily")
    async with standin() as (slack, _client):
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url}
        rc1, out1, err1 = await ipbot(db_url, "digest", "send", "--channel", CHANNEL, "--period", "2026-w48", env=env)
        rc2, out2, _ = await ipbot(db_url, "digest", "send", "--channel", CHANNEL, "--period", "2026-W48", env=env)
        posts = slack.posted()
    assert rc1 == 0, err1
    assert out1.strip().startswith(f"{CHANNEL} 2026-W48: sent")
    assert rc2 == 0 and out2.strip() == f"{CHANNEL} 2026-W48: already sent or being sent"
    assert len(posts) == 1 and posts[0]["channel"] == CHANNEL
    assert posts[0]["blocks"][0]["text"]["text"] == "Licensing digest, week 48, 2026"
    assert slack.calls[0].headers["Authorization"] == "Bearer xoxb-test"
    # its chart went into the digest's thread, once
    ts = out1.strip().rsplit(" — ", 1)[1]
    [upload] = slack.uploads.values()
    assert (upload["channel"], upload["thread_ts"]) == (CHANNEL, ts)
    assert upload["data"].startswith(b"\x89PNG") and "2023: about US$630 million" in upload["alt_txt"]


async def test_send_without_token_or_with_bad_input_says_what_to_do(rt, db_url) -> None:
    await _subscribe(rt)
    rc, _, err = await ipbot(db_url, "digest", "send")
    assert rc == 2 and "SLACK_BOT_TOKEN is not set" in err and "digest preview" in err
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    rc, _, err = await ipbot(db_url, "digest", "send", "--period", "last week", env=env)
    assert rc == 2 and "2026-W48" in err
    rc, _, err = await ipbot(db_url, "digest", "send", "--channel", "CNOPE", env=env)
    assert rc == 1 and "CNOPE has no digest subscription" in err
    rc, out, _ = await ipbot(db_url, "digest", "send", "--period", "2026-11", env=env)
    assert rc == 1 and "period does not match the schedule" in out and "weekly" in out


async def test_send_failure_exits_nonzero_and_the_next_run_sends(rt, db_url) -> None:
    await _subscribe(rt)
    async with standin() as (slack, _client):
        env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.api_url}
        slack.fail("chat.postMessage", "not_in_channel")
        rc, out, _ = await ipbot(db_url, "digest", "send", "--period", "2026-W48", env=env)
        assert rc == 1 and "failed — Slack error: not_in_channel" in out
        rc, out, _ = await ipbot(db_url, "digest", "send", "--period", "2026-W48", env=env)
        assert rc == 0 and ": sent" in out
        assert len(slack.posted()) == 1


async def test_preview_prints_and_posts_nothing(rt, db_url) -> None:
    await load_fixtures(rt)
    await _subscribe(rt)
    rc, out, err = await ipbot(db_url, "digest", "preview", "--channel", CHANNEL)
    assert rc == 0, err
    assert f"── {CHANNEL} (weekly on Monday at 09:00 Europe/Berlin) ──" in out
    assert "Licensing digest, week" in out
    async with rt.deps.sessions() as session:
        sub = await digest_repo.get_subscription(session=session, channel=CHANNEL)
        assert await digest_repo.list_runs(session=session, subscription_id=sub.id) == []
