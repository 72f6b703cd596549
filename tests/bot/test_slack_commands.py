"""`/ip` through the real app over HTTP: answers in the ack, share and suggestion
buttons, help, any text a user can type."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from slack_sdk.models.blocks import Block

from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, all_text

# the harness's fixtures, used here by name
bot = slack_harness.bot
slack = slack_harness.slack


def _validated(blocks: list[dict]) -> None:
    assert 0 < len(blocks) <= 50
    for b in blocks:
        parsed = Block.parse(b)
        assert parsed is not None
        parsed.validate_json()


def _button(blocks: list[dict], prefix: str) -> dict:
    for b in blocks:
        for el in b.get("elements", []):
            if el.get("type") == "button" and el["action_id"].startswith(prefix):
                return el
    raise AssertionError(f"no {prefix} button")


async def test_command_answers_privately_in_the_ack(bot: Bot) -> None:
    r = await bot.send.command("what was R&D spending in 2022?", response_url=bot.slack.response_url())
    assert r.status == 200
    body = r.json()
    assert body["response_type"] == "ephemeral"
    assert "161.5 billion yuan" in body["text"]
    assert "161.5 billion yuan" in all_text(body["blocks"])
    _validated(body["blocks"])
    share = _button(body["blocks"], "share_answer")
    assert share["value"] == "what was R&D spending in 2022?"
    await bot.settle()
    assert bot.posts() == []  # nothing public until Share is pressed


async def test_share_posts_the_answer_publicly_with_who_asked(bot: Bot) -> None:
    r = await bot.send.action("share_answer:0", "licensees 2022", user="U42", channel="C7",
                              response_url=bot.slack.response_url())
    assert r.status == 200
    await bot.settle()
    [post] = bot.posts()
    assert post["channel"] == "C7"
    text = all_text(post["blocks"])
    assert "<@U42>" in text and "Licensing in 2022" in text
    _validated(post["blocks"])
    [resp] = bot.responses()
    assert resp["delete_original"] is True  # the private copy goes away


async def test_share_reasks_instead_of_trusting_the_payload(bot: Bot) -> None:
    # a forged button value is just a question: the answer comes from the store
    await bot.send.action("share_answer:0", "valid patents 2022", user="U1", response_url=bot.slack.response_url())
    await bot.settle()
    [post] = bot.posts()
    assert "over 120,000" in post["text"]


async def test_share_where_the_bot_is_not_a_member_says_how_to_fix_it(bot: Bot) -> None:
    bot.slack.fail("chat.postMessage", "not_in_channel")
    await bot.send.action("share_answer:0", "licensees 2022", response_url=bot.slack.response_url())
    await bot.settle()
    assert bot.posts() == []
    [resp] = bot.responses()
    assert "/invite @ipbot" in resp["text"]


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
async def test_help(bot: Bot, text: str) -> None:
    body = (await bot.send.command(text)).json()
    assert body["response_type"] == "ephemeral"
    assert "licensees 2022" in body["text"]
    _validated(body["blocks"])
    with pytest.raises(AssertionError):
        _button(body["blocks"], "share_answer")


async def test_not_known_shows_suggestions_as_buttons_and_logs_the_question(bot: Bot) -> None:
    body = (await bot.send.command("revenue of the moon base")).json()
    assert "don't know" in body["text"] or "no figure" in body["text"].lower()
    sugg = _button(body["blocks"], "ask_suggestion")
    assert sugg["value"]
    from sqlalchemy import select

    from store.models import UnansweredQuestion

    await bot.settle()  # logged after the acknowledgement, not inside it
    async with bot.rt.deps.sessions() as s:
        logged = (await s.scalars(select(UnansweredQuestion.text))).all()
    assert "revenue of the moon base" in logged
    # pressing the suggestion asks it
    await bot.send.action(sugg["action_id"], sugg["value"], response_url=bot.slack.response_url())
    await bot.settle()
    [resp] = bot.responses()
    assert resp["response_type"] == "ephemeral"
    assert "Did you mean" not in resp["text"]


@pytest.mark.parametrize("text", [
    "licensees%202022",
    quote("what was R&D spending in 2022?"),
    'what was "R&D spending" in 2022?',
    "R&D\nspending\n2022",
    "help me with licensing revenue 2023",
    "&", "%", "+", "+ + +", "<!channel>", "<@U999> hi", "set", "'; DROP TABLE facts; --",
    "x" * 10_000,
    "patents " + "tailgaters " * 900,
])
async def test_any_text_gets_a_reply(bot: Bot, text: str) -> None:
    r = await bot.send.command(text)
    assert r.status == 200
    body = r.json()
    assert body["response_type"] == "ephemeral"
    assert body["text"]
    _validated(body["blocks"])
    assert "Traceback" not in r.text
    assert "<!channel>" not in r.text and "<@U999>" not in r.text


async def test_r_and_d_survives_form_encoding(bot: Bot) -> None:
    body = (await bot.send.command("R&D spending 2022 + share?")).json()
    assert "161.5 billion yuan" in body["text"]


async def test_url_encoded_text_is_still_a_question(bot: Bot) -> None:
    body = (await bot.send.command("licensees%202022")).json()
    assert body["response_type"] == "ephemeral"


async def test_slow_answer_is_acknowledged_then_sent_to_response_url(bot: Bot) -> None:
    import asyncio

    from handlers.replies import Reply, ReplyKind

    async def slow(deps, req, rest):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.3)
        return Reply(ReplyKind.ANSWER, f"slow answer to {rest}")

    deps = bot.server.state.deps
    deps.registry = deps.registry.adding(verbs={"slowverb": slow})
    bot.server.state.ack_budget = 0.05  # stands for Slack's 3 s, scaled down
    r = await bot.send.command("slowverb licensees", response_url=bot.slack.response_url("slow"))
    assert r.status == 200
    assert r.json()["text"] == "Working on it…"
    await bot.settle()
    [late] = bot.responses("slow")
    assert late["response_type"] == "ephemeral" and late["replace_original"] is True
    assert late["text"] == "slow answer to licensees"
    _button(late["blocks"], "share_answer")


async def test_other_buttons_are_routed_to_the_handlers_that_registered_them(bot: Bot) -> None:
    from handlers.replies import Reply, ReplyKind

    async def echo(deps, req, value):  # type: ignore[no-untyped-def]
        return Reply(ReplyKind.DONE, f"{req.user} pressed {value}")

    deps = bot.server.state.deps
    deps.registry = deps.registry.adding(actions={"test_echo": echo})
    await bot.send.action("test_echo:3", "<tok&en>", user="U9", response_url=bot.slack.response_url())
    await bot.settle()
    [resp] = bot.responses()
    assert resp["replace_original"] is True
    assert resp["text"] == "U9 pressed &lt;tok&amp;en&gt;"


async def test_unknown_button_says_it_expired(bot: Bot) -> None:
    await bot.send.action("retired_button:0", "x", response_url=bot.slack.response_url())
    await bot.settle()
    [resp] = bot.responses()
    assert "no longer active" in resp["text"]
    assert bot.posts() == []


async def test_a_bug_in_a_handler_gives_a_short_message_not_a_traceback(bot: Bot) -> None:

    async def broken(deps, req, rest):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    deps = bot.server.state.deps
    deps.registry = deps.registry.adding(verbs={"brokenverb": broken})
    r = await bot.send.command("brokenverb now")
    assert r.status == 200
    body = r.json()
    assert body["response_type"] == "ephemeral"
    assert body["text"].startswith("Something went wrong on my side")
    assert "secret internals" not in r.text and "Traceback" not in r.text
    # and the bot keeps answering
    assert "Licensing in 2022" in (await bot.send.command("licensees 2022")).json()["text"]


async def test_text_as_slack_escapes_it_reaches_the_handlers_as_typed(bot: Bot) -> None:
    # Slack sends a typed "R&D" as "R&amp;D" and "<" as "&lt;"
    body = (await bot.send.command("R&amp;D spending 2022")).json()
    assert "161.5 billion yuan" in body["text"]
    refused = (await bot.send.command("set r&amp;d spending 2023 = 1 &lt;b&gt;", user="U77")).json()
    # a refusal names an admin as a real mention, made by the renderer, not by text
    assert "Only IP admins can change facts." in refused["text"]
    assert "<@UADMIN>" in refused["text"] and "<@UADMIN>" in all_text(refused["blocks"])
