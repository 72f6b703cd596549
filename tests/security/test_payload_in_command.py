"""Finding 10: a `/ip` whose text contains the word "payload" got HTTP 404 and no
reply. slack_bolt's `parse_body` reads any form body in which the *substring*
"payload" occurs as an interactivity payload (`payload=<json>`); a slash command has
no `payload` field, so the body became `{}`, no listener matched and Bolt answered
404. The form is now read by its fields: only a `payload` field is a payload."""

from __future__ import annotations

import pytest

from tests.bot import slack_harness
from tests.bot.slack_harness import Bot

bot = slack_harness.bot
slack = slack_harness.slack


@pytest.mark.parametrize("text", ["royalty payload 2022", "payload", "licensees 2022 payload=x"])
async def test_a_command_mentioning_payload_is_answered(bot: Bot, text: str) -> None:
    r = await bot.send.command(text, response_url=bot.slack.response_url())
    assert r.status == 200
    body = r.json()
    assert body["response_type"] == "ephemeral"
    assert body["text"]  # an answer or a refusal naming what was not understood, never silence


async def test_a_command_from_a_channel_named_payload_is_answered(bot: Bot) -> None:
    r = await bot.send.command("licensees 2022", channel_name="payload-team", response_url=bot.slack.response_url())
    assert r.status == 200
    assert "Licensing in 2022" in r.json()["text"]


async def test_the_answer_is_the_same_as_without_the_word(bot: Bot) -> None:
    r = await bot.send.command("licensees 2022 payload", response_url=bot.slack.response_url())
    assert r.status == 200
    # "payload" is not a word the bot knows: it says so rather than answering something else
    assert "payload" in r.json()["text"]
