"""What must hold whatever Slack or a user sends: signatures, rate limits,
escaping, Block Kit limits, a store that goes away, health, logs."""

from __future__ import annotations

import logging
import time

import aiohttp
import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import func, select

from bot.blocks import MAX_BLOCKS, render
from bot.logs import RedactSecrets
from handlers.replies import Reply, ReplyKind
from store.db import make_engine, make_sessionmaker
from store.imports.apply import apply
from store.imports.readers import read_records
from store.imports.rows import validate
from store.models import ProcessedEvent
from tests.bot import slack_harness
from tests.bot.slack_harness import (
    BOT_TOKEN,
    SECRET,
    Bot,
    all_text,
    dm,
    mention,
    plain,
)

# the harness's fixtures, used here by name
bot = slack_harness.bot
slack = slack_harness.slack


def _validated(blocks: list[dict]) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    for b in blocks:
        parsed = Block.parse(b)
        assert parsed is not None
        parsed.validate_json()


# ---- signatures ----------------------------------------------------------------------

BAD_SIGNATURES = [
    pytest.param({"unsigned": True}, id="missing"),
    pytest.param({"signature": "v0=" + "0" * 64}, id="wrong"),
    pytest.param({"ts_offset": -6 * 60}, id="stale"),
    pytest.param({"ts_offset": +6 * 60}, id="future"),
]


def _signing(sign: dict) -> dict:
    """Timestamps relative to when the request is sent, not when tests were collected."""
    sign = dict(sign)
    if "ts_offset" in sign:
        sign["ts"] = int(time.time()) + sign.pop("ts_offset")
    return sign


@pytest.mark.parametrize("sign", BAD_SIGNATURES)
async def test_badly_signed_command_is_refused(bot: Bot, sign: dict) -> None:
    r = await bot.send.command("licensees 2022", response_url=bot.slack.response_url(), **_signing(sign))
    assert r.status == 401
    assert "Licensing" not in r.text
    await bot.settle()
    assert bot.posts() == [] and bot.responses() == []


@pytest.mark.parametrize("sign", BAD_SIGNATURES)
async def test_badly_signed_event_changes_nothing(bot: Bot, sign: dict) -> None:
    ev = mention("licensees 2022", ts="10.1")
    r = await bot.send.event(ev, event_id="EvSig", **_signing(sign))
    assert r.status == 401
    await bot.settle()
    assert bot.posts() == []
    async with bot.rt.deps.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ProcessedEvent)) == 0
    # the genuine delivery is still answered: the forged one claimed nothing
    assert (await bot.send.event(ev, event_id="EvSig")).status == 200
    await bot.settle()
    assert len(bot.posts()) == 1


async def test_badly_signed_button_posts_nothing(bot: Bot) -> None:
    r = await bot.send.action("share_answer:0", "licensees 2022", unsigned=True)
    assert r.status == 401
    await bot.settle()
    assert bot.posts() == []


async def test_signed_with_another_apps_secret_is_refused(bot: Bot) -> None:
    bot.send.secret = "another-apps-signing-secret-0000"
    assert (await bot.send.command("licensees 2022")).status == 401


# ---- rate limits ---------------------------------------------------------------------


async def test_rate_limited_reply_is_retried_and_sent_exactly_once(bot: Bot) -> None:
    bot.slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    await bot.send.event(mention("licensees 2022", ts="20.1"))
    await bot.settle()
    attempts = [c for c in bot.slack.calls if c.method == "chat.postMessage"]
    assert len(attempts) == 2
    [post] = bot.posts()
    assert "Licensing in 2022" in post["text"]


async def test_rate_limited_share_is_posted_once(bot: Bot) -> None:
    bot.slack.rate_limit("chat.postMessage", times=2, retry_after=0)
    await bot.send.action("share_answer:0", "licensees 2022", response_url=bot.slack.response_url())
    await bot.settle()
    assert len(bot.posts()) == 1


# ---- escaping ------------------------------------------------------------------------


async def test_stored_markup_in_a_patent_title_never_pings(bot: Bot) -> None:
    r = await bot.send.command("patents battery management")
    body = r.json()
    assert "&lt;!channel&gt;" in body["text"]
    for raw in ("<!channel>", "<@U123>", "<Ltd>"):
        assert raw not in r.text
    assert "<!channel> Battery <@U123> management & charging" in plain(all_text(body["blocks"]))
    _validated(body["blocks"])


async def test_stored_markup_in_a_fact_value_never_pings(bot: Bot) -> None:
    csv = ("subject,metric,period,value,unit,qualifier,source\n"
           'Huawei,ip strategy,,"<!here> open & <@U123> <https://evil.example|click>",,,"<!everyone> memo"\n')
    raw = read_records(csv.encode(), filename="facts.csv")
    async with bot.rt.deps.sessions() as session, session.begin():
        await apply(session=session, kind=raw.kind, rows=validate(raw, home_subject="Huawei"),
                             actor="t", dry_run=False)
    await bot.rt.deps.index.refresh(bot.rt.deps.sessions)
    await bot.send.event(mention("ip strategy", ts="30.1"))
    await bot.send.event(dm("ip strategy", ts="30.2"))
    await bot.settle()
    for post in bot.posts():
        for text in (post["text"], all_text(post["blocks"])):
            assert "<!" not in text and "<@" not in text and "<http" not in text
            assert "&lt;!here&gt; open &amp; &lt;@U123&gt;" in text
        assert all(t.get("verbatim") is True for b in post["blocks"] for t in [b.get("text") or {}]
                   if t.get("type") == "mrkdwn")


async def test_the_question_echoed_in_a_share_is_escaped(bot: Bot) -> None:
    await bot.send.action("share_answer:0", "<!channel> licensees 2022", user="U5",
                          response_url=bot.slack.response_url())
    await bot.settle()
    [post] = bot.posts()
    text = all_text(post["blocks"])
    assert "<@U5>" in text  # the asker is a real mention, from Slack's own payload
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


# ---- Block Kit limits ----------------------------------------------------------------


def test_long_lists_are_truncated_inside_block_kit_limits() -> None:
    reply = Reply(ReplyKind.ANSWER, "H" * 5000, lines=[f"line {i} " + "&" * 400 for i in range(500)],
                  note="n" * 4000, suggestions=["s" * 300] * 8)
    out = render(reply, share_question="q" * 10_000, asked_by="U1", question="q" * 10_000)
    _validated(out.blocks)
    sections = [b for b in out.blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    text = all_text(out.blocks)
    assert "more — narrow the question" in text
    buttons = [e for b in out.blocks for e in b.get("elements", []) if e.get("type") == "button"]
    assert all(len(b["value"]) <= 2000 and len(b["text"]["text"]) <= 75 for b in buttons)
    assert "&amp;" in text and "&&" not in text
    assert len(out.text) <= 3000


def test_many_short_lines_fill_at_most_fifty_blocks() -> None:
    lines = [("x" * 2990) for _ in range(200)]
    out = render(Reply(ReplyKind.ANSWER, "head", lines=lines))
    _validated(out.blocks)
    assert "and " in out.blocks[-1]["text"]["text"] and "narrow the question" in out.blocks[-1]["text"]["text"]


def test_digest_header_stays_under_150() -> None:
    out = render(Reply(ReplyKind.DIGEST, "<!channel> " + "d" * 400, lines=["a", "b"]))
    _validated(out.blocks)
    assert out.blocks[0]["type"] == "header" and len(out.blocks[0]["text"]["text"]) <= 150
    assert "<!channel>" not in out.blocks[0]["text"]["text"]


def test_truncation_never_splits_an_escape() -> None:
    out = render(Reply(ReplyKind.ANSWER, "&" * 2999))
    head = out.blocks[0]["text"]["text"]
    assert len(head) <= 3000 and head.endswith("&amp;…")


async def test_patent_search_with_huge_titles_stays_valid(bot: Bot) -> None:
    rows = "\n".join(f"US {9000000 + i} B1,Widget {'gear ' * 700}{i},US,granted,,,,,," for i in range(60))
    data = ("number,title,jurisdiction,status,filing_date,grant_date,expiry_date,family_id,technology,owner\n"
            + rows + "\n").encode()
    raw = read_records(data, filename="patents.csv")
    async with bot.rt.deps.sessions() as session, session.begin():
        await apply(session=session, kind=raw.kind, rows=validate(raw, home_subject="Huawei"),
                             actor="t", dry_run=False)
    await bot.rt.deps.index.refresh(bot.rt.deps.sessions)
    body = (await bot.send.command("patents widget gear")).json()
    _validated(body["blocks"])
    assert "narrow the question" in all_text(body["blocks"])


# ---- the store goes away --------------------------------------------------------------


def _unreachable_url(db_url: str) -> str:
    if db_url.startswith("sqlite"):
        return "sqlite:////nonexistent-ipbot-dir/gone.db"
    return "postgresql://postgres@127.0.0.1:1/gone"


async def test_store_down_user_is_told_and_request_acknowledged(bot: Bot) -> None:
    good = bot.rt.deps.sessions
    bad_engine = make_engine(_unreachable_url(bot.settings.database_url))
    bot.rt.deps.sessions = make_sessionmaker(bad_engine)
    try:
        r = await bot.send.command("patents tailgaters")
        assert r.status == 200
        assert r.json()["text"] == "The fact store is unavailable, try again shortly."
        assert r.json()["response_type"] == "ephemeral"
        r = await bot.send.event(mention("licensees 2022", ts="40.1"))
        assert r.status == 200
        await bot.settle()
        [post] = bot.posts()
        assert post["text"] == "The fact store is unavailable, try again shortly." and post["thread_ts"] == "40.1"
        async with aiohttp.ClientSession() as http, http.get(f"{bot.server.url}/healthz") as resp:
            assert resp.status == 503
    finally:
        bot.rt.deps.sessions = good
        await bad_engine.dispose()
    # the database is back: the same bot answers again
    body = (await bot.send.command("patents tailgaters")).json()
    assert "tailgaters" in body["text"].lower()
    await bot.send.event(mention("licensees 2022", ts="40.2"))
    await bot.settle()
    assert "Licensing in 2022" in bot.posts()[-1]["text"]
    async with aiohttp.ClientSession() as http, http.get(f"{bot.server.url}/healthz") as resp:
        assert resp.status == 200


async def test_healthz(bot: Bot) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.server.url}/healthz") as resp:
        assert resp.status == 200
        assert (await resp.json())["store"] == "up"


async def test_events_endpoint_only_takes_post(bot: Bot) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.server.url}/slack/events") as resp:
        assert resp.status == 405


# ---- logs ------------------------------------------------------------------------------


async def test_one_structured_line_per_request_and_no_secrets(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await bot.send.command("licensees 2022", user="U77")
    await bot.send.command("revenue of the moon base", user="U78")
    await bot.send.event(mention("licensees 2022", ts="50.1", user="U79"))
    await bot.settle()
    lines = [r.getMessage() for r in caplog.records if r.name == "ipbot.requests"]
    assert any("type=command user=U77" in ln and "answered=yes" in ln and "latency_ms=" in ln for ln in lines)
    assert any("type=command user=U78" in ln and "answered=no" in ln for ln in lines)
    assert any("type=mention user=U79" in ln and "answered=yes" in ln for ln in lines)
    assert len([ln for ln in lines if "user=U77" in ln]) == 1
    assert BOT_TOKEN not in caplog.text and SECRET not in caplog.text


def test_redaction_filter_masks_tokens_and_the_secret() -> None:
    f = RedactSecrets([SECRET])
    rec = logging.LogRecord("x", logging.INFO, __file__, 1, "token %s secret %s app %s",
                            (BOT_TOKEN, SECRET, "xapp-1-A1-2-abc"), None)
    f.filter(rec)
    msg = rec.getMessage()
    assert BOT_TOKEN not in msg and SECRET not in msg and "xapp-1" not in msg
    assert msg.count("[redacted]") == 3
