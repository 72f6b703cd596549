"""Mentions, threads, DMs, and everything Slack delivers twice or that must be
ignored, through the real app over HTTP."""

from __future__ import annotations

import json

import pytest

from bot.runtime import running
from tests.bot import slack_harness
from tests.bot.slack_harness import (
    Bot,
    all_text,
    dm,
    mention,
    plain,
    start_bot,
    stop_bot,
)

# the harness's fixtures, used here by name
bot = slack_harness.bot
slack = slack_harness.slack


async def test_url_verification_echoes_the_challenge(bot: Bot) -> None:
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    r = await bot.send.post(body, "application/json")
    assert r.status == 200
    assert r.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


async def test_mention_is_answered_in_a_thread_under_the_question(bot: Bot) -> None:
    r = await bot.send.event(mention("what was R&D spending in 2022?", ts="100.1"))
    assert r.status == 200
    await bot.settle()
    [post] = bot.posts()
    assert post["channel"] == "C1" and post["thread_ts"] == "100.1"
    assert "161.5 billion yuan" in post["text"]


async def test_follow_up_in_the_thread_keeps_the_topic(bot: Bot) -> None:
    await bot.send.event(mention("R&D spending 2022", ts="200.1"))
    await bot.settle()
    await bot.send.event(mention("and 2023?", ts="200.5", thread_ts="200.1"))
    await bot.settle()
    _first, follow = bot.posts()
    assert follow["thread_ts"] == "200.1"
    assert "R&D spending in 2023" in plain(follow["text"])


async def test_topic_of_a_thread_survives_a_restart(bot: Bot) -> None:
    await bot.send.event(mention("valid patents 2022", ts="300.1"))
    await bot.settle()
    await stop_bot(bot)
    # a new process (or another replica) on the same database
    async with running(bot.settings) as rt2:
        rt2.deps.clock = bot.rt.deps.clock
        other = await start_bot(rt2, bot.slack, bot.settings)
        try:
            await other.send.event(mention("and 2023?", ts="300.9", thread_ts="300.1"))
            await other.settle()
        finally:
            await stop_bot(other)
    follow = bot.posts()[-1]
    assert "140,000" in follow["text"] and follow["thread_ts"] == "300.1"


async def test_a_new_thread_does_not_inherit_another_threads_topic(bot: Bot) -> None:
    await bot.send.event(mention("R&D spending 2022", ts="400.1"))
    await bot.settle()
    await bot.send.event(mention("and 2023?", ts="401.1"))
    await bot.settle()
    assert "R&D" not in bot.posts()[-1]["text"].split("\n")[0]


async def test_dm_is_answered_in_the_dm(bot: Bot) -> None:
    await bot.send.event(dm("licensees 2022", ts="500.1"))
    await bot.settle()
    [post] = bot.posts()
    assert post["channel"] == "D1"
    assert "thread_ts" not in post or not post["thread_ts"]
    assert "Licensing in 2022" in post["text"]


async def test_dm_follow_up_keeps_the_topic(bot: Bot) -> None:
    await bot.send.event(dm("R&D spending 2022", ts="510.1"))
    await bot.settle()
    await bot.send.event(dm("and 2023?", ts="510.2"))
    await bot.settle()
    assert "164.7 billion yuan" in bot.posts()[-1]["text"]


async def test_dm_that_mentions_the_bot_is_answered_once(bot: Bot) -> None:
    # Slack delivers it as message.im and as app_mention, with different event ids
    await bot.send.event(dm("<@UBOT> licensees 2022", ts="600.1"), event_id="EvA")
    await bot.send.event(mention("licensees 2022", ts="600.1", channel="D1"), event_id="EvB")
    await bot.settle()
    assert len(bot.posts()) == 1


async def test_retried_and_duplicate_deliveries_are_answered_once(bot: Bot) -> None:
    ev = mention("licensees 2022", ts="700.1")
    assert (await bot.send.event(ev, event_id="EvDup")).status == 200
    assert (await bot.send.event(ev, event_id="EvDup", retry_num=1)).status == 200
    assert (await bot.send.event(ev, event_id="EvDup", retry_num=2)).status == 200
    await bot.settle()
    assert len(bot.posts()) == 1


async def test_duplicate_after_a_restart_is_not_answered_again(bot: Bot) -> None:
    ev = mention("licensees 2022", ts="800.1")
    await bot.send.event(ev, event_id="EvR")
    await bot.settle()
    await stop_bot(bot)
    async with running(bot.settings) as rt2:
        other = await start_bot(rt2, bot.slack, bot.settings)
        try:
            assert (await other.send.event(ev, event_id="EvR", retry_num=3)).status == 200
            await other.settle()
        finally:
            await stop_bot(other)
    assert len(bot.posts()) == 1


async def test_two_replicas_answer_a_delivery_once(bot: Bot) -> None:
    async with running(bot.settings) as rt2:
        other = await start_bot(rt2, bot.slack, bot.settings)
        try:
            ev = mention("licensees 2022", ts="850.1")
            await bot.send.event(ev, event_id="EvX")
            await other.send.event(ev, event_id="EvX", retry_num=1)
            await bot.settle()
            await other.settle()
        finally:
            await stop_bot(other)
    assert len(bot.posts()) == 1


@pytest.mark.parametrize("event", [
    dm("licensees 2022", ts="900.1", bot_id="B999"),
    dm("licensees 2022", ts="900.2", subtype="bot_message"),
    dm("licensees 2022", ts="900.3", user="UBOT"),
    dm("licensees 2022", ts="900.4", subtype="message_changed",
       message={"text": "licensees 2022", "user": "U1", "ts": "900.0"}),
    {"type": "message", "subtype": "message_deleted", "channel_type": "im", "channel": "D1", "ts": "900.5",
     "deleted_ts": "900.0", "previous_message": {"text": "licensees 2022"}},
    dm("licensees 2022", ts="900.6", subtype="channel_join"),
    # a channel message reaches us only if someone subscribed message.channels: not a DM
    {"type": "message", "channel_type": "channel", "user": "U1", "text": "licensees 2022", "ts": "900.7",
     "channel": "C1"},
    mention("licensees 2022", ts="900.8", bot_id="B999"),
])
async def test_bots_edits_and_deletions_are_ignored(bot: Bot, event: dict) -> None:
    r = await bot.send.event(event)
    assert r.status == 200
    await bot.settle()
    assert bot.posts() == []


async def test_our_own_reply_coming_back_does_not_loop(bot: Bot) -> None:
    await bot.send.event(dm("licensees 2022", ts="950.1"))
    await bot.settle()
    [post] = bot.posts()
    echo = dm(post["text"], ts="950.2", user="UBOT", bot_id="BBOT")
    await bot.send.event(echo)
    await bot.settle()
    assert len(bot.posts()) == 1


async def test_mention_text_with_verbs_and_markup(bot: Bot) -> None:
    await bot.send.event(mention("help", ts="960.1"))
    await bot.settle()
    assert "licensees 2022" in all_text(bot.posts()[0]["blocks"])


async def test_suggestion_button_in_a_thread_answers_in_the_thread(bot: Bot) -> None:
    await bot.send.event(mention("revenue of the moon base", ts="970.1"))
    await bot.settle()
    [post] = bot.posts()
    buttons = [e for b in post["blocks"] for e in b.get("elements", []) if e.get("type") == "button"]
    # "Did you mean" first; the refusal can be voted on too
    assert {b["action_id"].split(":")[0] for b in buttons} == {"ask_suggestion", "feedback_up", "feedback_down"}
    buttons = [b for b in buttons if b["action_id"].startswith("ask_suggestion")]
    msg = {"ts": "970.2", "thread_ts": "970.1", "text": post["text"]}
    await bot.send.action(buttons[0]["action_id"], buttons[0]["value"], ephemeral=False, message=msg,
                          response_url=bot.slack.response_url())
    await bot.settle()
    answer = bot.posts()[-1]
    assert answer["thread_ts"] == "970.1"
    assert buttons[0]["value"].split()[0] in plain(answer["text"]).lower()


FACTS_CSV = b"subject,metric,period,value\nHuawei,licensing revenue,2019,about US$100 million\n"


async def test_file_an_admin_sends_in_a_dm_is_imported(bot: Bot) -> None:
    bot.slack.files["F1"] = ("facts.csv", FACTS_CSV)
    await bot.send.event(dm("", ts="980.1", user="UADMIN", subtype="file_share",
                            files=[{"id": "F1", "name": "facts.csv"}]))
    await bot.settle()
    [post] = bot.posts()
    assert post["channel"] == "D1" and "Imported facts.csv" in post["text"]
    [info] = [c for c in bot.slack.calls if c.method == "files.info"]
    assert info.body["file"] == "F1"
    await bot.send.event(dm("licensing revenue 2019", ts="980.2", user="U1"))
    await bot.settle()
    assert "about US$100 million" in bot.posts()[-1]["text"]


async def test_file_from_a_non_admin_is_refused_and_nothing_written(bot: Bot) -> None:
    bot.slack.files["F2"] = ("facts.csv", FACTS_CSV)
    await bot.send.event(dm("", ts="981.1", user="U1", subtype="file_share",
                            files=[{"id": "F2", "name": "facts.csv"}]))
    await bot.settle()
    [post] = bot.posts()
    assert "Only IP admins" in post["text"] and "Traceback" not in post["text"]
    await bot.send.event(dm("licensing revenue 2019", ts="981.2", user="U1"))
    await bot.settle()
    assert "100 million" not in bot.posts()[-1]["text"]


async def test_file_in_a_channel_is_not_imported(bot: Bot) -> None:
    bot.slack.files["F3"] = ("facts.csv", FACTS_CSV)
    await bot.send.event(mention("licensees 2022", ts="982.1", user="UADMIN", files=[{"id": "F3"}]))
    await bot.settle()
    assert not [c for c in bot.slack.calls if c.method == "files.info"]
    assert "Licensing in 2022" in bot.posts()[-1]["text"]


def test_the_bot_token_is_only_sent_to_slack_hosts() -> None:
    from bot.downloads import may_send_token

    api_url = "http://127.0.0.1:9/api/"
    assert may_send_token("https://files.slack.com/files-pri/T1-F1/download/facts.csv", api_url=api_url)
    assert may_send_token("http://127.0.0.1:9/files/F1", api_url=api_url)
    assert not may_send_token("https://evil.example/files.slack.com/x", api_url=api_url)
    assert not may_send_token("https://slack.com.evil.example/x", api_url=api_url)
