"""Posting digests as the scheduler does (its start-up and every-minute catch-up),
through the bot's poster on a real AsyncWebClient to the stand-in Slack: once per
channel and period, failures retried, Block Kit within limits and escaped."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, date, datetime

from bot.blocks import render_digest
from bot.scheduler import RETRY_FAILED_AFTER, DigestScheduler
from handlers.deps import Deps
from handlers.digest import DigestItem, DigestReply, DigestSection
from handlers.digest_run import Outcome, Poster
from handlers.replies import ReplyKind
from store import digests as digest_repo
from store.db import make_engine, make_sessionmaker
from tests.bot.test_digest_support import (
    CHANNEL,
    add_change,
    add_licence,
    add_patent,
    fact_json,
    load_fixtures,
    say,
    standin,
)

# Monday 30 Nov 2026 09:00 UTC: the weekly UTC subscription is due
MONDAY_RUN = datetime(2026, 11, 30, 9, 0, 1, tzinfo=UTC)


async def catch_up(deps: Deps, poster: Poster) -> list[Outcome]:
    """What the scheduler runs on start-up and on every resync tick."""
    return await DigestScheduler(deps, poster).catch_up()


async def _runs(rt):
    async with rt.deps.sessions() as session:
        sub = await digest_repo.get_subscription(session=session, channel=CHANNEL)
        return list(await digest_repo.list_runs(session=session, subscription_id=sub.id))


async def test_due_digest_is_posted_once_and_marked_sent(rt, clock) -> None:
    await load_fixtures(rt)
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, client):
        first = await catch_up(rt.deps, client)
        second = await catch_up(rt.deps, client)
        posts = slack.posted("chat.postMessage")
    assert [(o.status, o.period) for o in first] == [("sent", "2026-W49")]
    assert [o.status for o in second] == ["taken"]
    assert len(posts) == 1 and posts[0]["channel"] == CHANNEL
    assert posts[0]["blocks"][0] == {"type": "header", "text": {
        "type": "plain_text", "text": "Licensing digest, week 49, 2026", "emoji": False}}
    assert "Licences expiring in the next 90 days" in str(posts[0]["blocks"])
    runs = await _runs(rt)
    assert [(r.period_key, r.status, r.message_ts) for r in runs] == [("2026-W49", "sent", first[0].detail)]


async def test_nothing_is_posted_before_the_run_time(rt, clock) -> None:
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    async with standin() as (slack, client):
        assert [o.status for o in await catch_up(rt.deps, client)] == ["not_due"]
        assert slack.posted() == []


async def test_failed_post_is_recorded_logged_and_retried_once(rt, clock, caplog) -> None:
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, client):
        slack.fail("chat.postMessage", "channel_not_found")
        with caplog.at_level(logging.WARNING, logger="handlers.digest_run"):
            out = await catch_up(rt.deps, client)
        assert [o.status for o in out] == ["failed"]
        assert "channel_not_found" in caplog.text and CHANNEL in caplog.text
        runs = await _runs(rt)
        assert (runs[0].status, runs[0].error) == ("failed", "Slack error: channel_not_found")
        assert slack.posted() == []
        # the scheduler retries once the back-off has passed
        assert [o.status for o in await catch_up(rt.deps, client)] == ["taken"]
        clock.now = MONDAY_RUN + RETRY_FAILED_AFTER
        out = await catch_up(rt.deps, client)
        out_again = await catch_up(rt.deps, client)
        assert [o.status for o in out] == ["sent"] and [o.status for o in out_again] == ["taken"]
        assert len(slack.posted()) == 1
    runs = await _runs(rt)
    assert (runs[0].status, runs[0].attempts) == ("sent", 2)


async def test_a_failure_only_a_person_can_fix_says_what_to_do_and_stays_retryable(rt, clock, caplog) -> None:
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, client):
        slack.fail("chat.postMessage", "not_in_channel")
        with caplog.at_level(logging.WARNING, logger="handlers.digest_run"):
            out = await catch_up(rt.deps, client)
        assert [(o.status, o.detail) for o in out] == [("failed", "Slack error: not_in_channel")]
        [record] = [r for r in caplog.records if "not_in_channel" in r.getMessage()]
        assert record.levelno == logging.ERROR and "invite the bot to the channel" in record.getMessage()
        # the bot was invited: the next retry posts it
        clock.now = MONDAY_RUN + RETRY_FAILED_AFTER
        assert [o.status for o in await catch_up(rt.deps, client)] == ["sent"]
        assert len(slack.posted()) == 1


async def test_quiet_week_posts_one_line_or_nothing_with_skip_empty(rt, clock) -> None:
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    await say(rt, "digest subscribe weekly mon 09:00 UTC skip-empty", channel="CQUIET")
    clock.now = MONDAY_RUN
    async with standin() as (slack, client):
        out = {o.channel: o.status for o in await catch_up(rt.deps, client)}
        posts = slack.posted()
    assert out == {CHANNEL: "sent", "CQUIET": "skipped"}
    assert [p["channel"] for p in posts] == [CHANNEL]
    assert posts[0]["text"] == "Licensing digest, week 49, 2026: no changes this week."
    assert len(posts[0]["blocks"]) == 1
    async with rt.deps.sessions() as session:
        quiet = await digest_repo.get_subscription(session=session, channel="CQUIET")
        runs = await digest_repo.list_runs(session=session, subscription_id=quiet.id)
    assert [(r.period_key, r.status) for r in runs] == [("2026-W49", "skipped")]


async def test_two_senders_on_separate_engines_post_once_per_channel(rt, clock, settings) -> None:
    await load_fixtures(rt)
    for ch in ("CA", "CB", "CC"):
        await say(rt, "digest subscribe weekly mon 09:00 UTC", channel=ch)
    clock.now = MONDAY_RUN
    engines = [make_engine(settings.database_url) for _ in range(2)]
    try:
        replicas = [Deps(sessions=make_sessionmaker(e), index=rt.deps.index,
                         home_subject=rt.deps.home_subject, clock=clock) for e in engines]
        async with standin() as (slack, client):
            results = await asyncio.gather(*(catch_up(d, client) for d in replicas))
            posts = slack.posted()
    finally:
        for e in engines:
            await e.dispose()
    assert sorted(p["channel"] for p in posts) == ["CA", "CB", "CC"]
    statuses = sorted(o.status for r in results for o in r)
    assert statuses == ["sent", "sent", "sent", "taken", "taken", "taken"]


async def test_user_text_is_escaped_and_authors_are_mentions(rt, clock) -> None:
    await add_licence(rt, "<!channel> & Co", signed_on=date(2026, 11, 26), expires_on=date(2026, 12, 20))
    await add_change(rt, at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC), actor="UALICE", action="set", kind="fact",
                     key="Huawei|ip strategy|", before=None,
                     after=fact_json("ip strategy", "", "<b>bold</b> & <@U999>", None, "text"))
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, client):
        await catch_up(rt.deps, client)
        post = slack.posted()[0]
    body = str(post["blocks"])
    assert "<!channel>" not in body and "<@U999>" not in body and "<b>" not in body
    assert "&lt;!channel&gt; &amp; Co" in body
    assert ("ip strategy: added, &lt;b&gt;bold&lt;/b&gt; &amp; &lt;@U999&gt; (source: Huawei 2023 annual report)"
            " — by <@UALICE>") in body


def _section_texts(blocks):
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


async def test_many_items_stay_within_block_kit_limits(rt, clock) -> None:
    for i in range(120):
        await add_patent(rt, f"US 70{i:05d} B2", "Very long title " * 40, date(2027, 1, 1 + i % 28))
    for i in range(80):
        await add_licence(rt, f"Licensee {i} <&>", signed_on=date(2026, 11, 24), expires_on=date(2027, 2, 1))
    for i in range(300):
        await add_change(rt, at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC), actor=f"U{i:04d}", action="set",
                         kind="fact", key=f"Huawei|metric {i}|2024", before=None,
                         after=fact_json(f"metric {i}", "2024", "x" * 500, None, "text"))
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    clock.now = MONDAY_RUN
    async with standin() as (slack, client):
        out = await catch_up(rt.deps, client)
        post = slack.posted()[0]
    assert out[0].status == "sent"
    blocks = post["blocks"]
    assert len(blocks) <= 50
    assert all(len(t) <= 3000 for t in _section_texts(blocks))
    # every item is either shown or counted in "and N more"
    totals = {}
    for t in _section_texts(blocks):
        title, *lines = t.split("\n")
        if title in ("*Headline figures*", "*Figures due for update*"):
            continue  # standing lists, not the week's items
        more = re.fullmatch(r"• and (\d+) more", lines[-1])
        assert more, lines[-1]
        totals[title] = len(lines) - 1 + int(more.group(1))
    assert totals == {"*Licences signed since 23 Nov 2026*": 80, "*Licences expiring in the next 90 days*": 80,
                      "*Patents expiring in the next 90 days*": 120,
                      "*Facts added or changed since the last digest*": 300}


def test_renderer_caps_blocks_and_header_for_any_reply() -> None:
    item = DigestItem("y" * 5000, ("UA",))
    sections = [DigestSection(f"Section {i}", (item,) * 40, 40) for i in range(40)]
    reply = DigestReply(ReplyKind.DIGEST, "H" * 400, sections=sections)
    blocks, text = render_digest(reply)
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) <= 150
    assert all(len(t) <= 3000 for t in _section_texts(blocks))
    assert len(text) <= 3000
