"""Feedback that teaches, through the real app over signed HTTP and the stand-in
Slack: every answer has 👍/👎, 👎 opens a modal for what was expected, an admin
finds it in `/ip gaps`, teaches the bot in a modal, and the question is answered.
Also the admin forms (`/ip set` alone, with a mistake shown on its field) and the
App Home tab."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from slack_sdk.models.views import View
from sqlalchemy import select

from store.models import UnansweredQuestion
from tests.bot import modals, slack_harness
from tests.bot.slack_harness import Bot, all_text

bot = slack_harness.bot
slack = slack_harness.slack
ADMIN = "UADMIN"


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {el["action_id"].split(":")[0]: el for b in blocks for el in b.get("elements", [])
            if el.get("type") == "button"}


def _opened(bot: Bot) -> list[dict[str, Any]]:
    views = [c.body["view"] for c in bot.slack.calls if c.method == "views.open"]
    for v in views:
        View(**v).validate_json()  # slack_sdk's models hold Block Kit's limits
    return views


async def _submit(bot: Bot, view: dict[str, Any], values: dict[str, str], user: str = ADMIN) -> slack_harness.Reply:
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        el = block["element"]
        name = el["action_id"]
        typed = values.get(name, "")
        if el["type"] == "static_select":
            state[block["block_id"]] = {name: {"type": "static_select",
                                               "selected_option": {"value": typed} if typed else None}}
        else:
            state[block["block_id"]] = {name: {"type": "plain_text_input", "value": typed or None}}
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
               "token": "legacy", "trigger_id": "9.9.9",
               "view": {**view, "id": "V1", "state": {"values": state}}}
    return await bot.send.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


async def test_a_down_vote_reaches_gaps_and_teaching_answers_the_question(bot: Bot) -> None:
    refused = json.loads((await bot.send.command("what is our royalty payload in 2022", user="U7")).text)
    assert "did not understand" in all_text(refused["blocks"])
    answered = json.loads((await bot.send.command("licensing revenue 2022", user="U7")).text)
    votes = _buttons(answered["blocks"])
    assert {"feedback_up", "feedback_down"} <= set(votes)

    # 👎: the answer stays, a thank-you is added, and a modal asks what was expected
    await bot.send.action(votes["feedback_down"]["action_id"], votes["feedback_down"]["value"], user="U7",
                          response_url=bot.slack.response_url())
    await bot.settle()
    [thanks] = bot.responses()
    assert thanks["replace_original"] is False and "wrong or missing" in thanks["text"]
    [modal] = _opened(bot)
    assert (await _submit(bot, modal, {"expected": "in RMB please"}, user="U7")).status == 200
    await bot.settle()

    gaps = json.loads((await bot.send.command("gaps", user=ADMIN)).text)
    text = all_text(gaps["blocks"])
    assert "2 open gaps in this channel" in text and "expected: “in RMB please”" in text
    teach = next(b for name, b in _buttons(gaps["blocks"]).items() if name == "gap_teach")
    await bot.send.action(teach["action_id"], teach["value"], user=ADMIN)
    await bot.settle()
    teach_modal = _opened(bot)[-1]
    assert teach_modal["blocks"][0]["element"]["initial_value"] == "payload"
    [metric, *_] = await modals.choices(bot, teach_modal, "metric", "licensing", user=ADMIN)
    assert (await modals.submit(bot, teach_modal, {"words": "royalty payload", "metric": metric["value"]},
                                user=ADMIN)).status == 200
    await bot.settle()
    result = bot.posts()[-1]
    assert result["channel"] == ADMIN and "now means licensing revenue" in result["text"]
    # the same question, from anyone, is answered now
    again = json.loads((await bot.send.command("what is our royalty payload in 2022", user="U8")).text)
    assert "about US$560 million" in all_text(again["blocks"])


async def test_an_unanswered_question_is_in_gaps_at_once_and_kept_when_the_bot_stops(bot: Bot) -> None:
    # inside the ack the question is only noted; `gaps` writes the notes before it reads
    refused = json.loads((await bot.send.command("what is our royalty payload in 2022", user="U7")).text)
    assert "did not understand" in all_text(refused["blocks"])
    gaps = json.loads((await bot.send.command("gaps", user=ADMIN)).text)
    assert "what is our royalty payload in 2022" in all_text(gaps["blocks"])
    # one noted after that is written when the bot stops, not lost
    await bot.send.command("what is our royalty payload in 2023", user="U7")
    await slack_harness.stop_bot(bot)
    async with bot.server.state.deps.sessions() as session:
        texts = list((await session.scalars(select(UnansweredQuestion.text))).all())
    assert sorted(texts) == ["what is our royalty payload in 2022", "what is our royalty payload in 2023"]


async def test_set_alone_opens_a_form_whose_mistakes_show_on_their_field(bot: Bot) -> None:
    ack = json.loads((await bot.send.command("set", user=ADMIN)).text)
    assert "Opened the form" in ack["text"]
    [form] = _opened(bot)
    [metric, *_] = await modals.choices(bot, form, "metric", "licensing revenue", user=ADMIN)
    assert metric["text"]["text"] == "licensing revenue"
    bad = await modals.submit(bot, form, {"metric": metric["value"], "period": "2024", "value": "US$ 6,30,0 million"},
                              user=ADMIN)
    errors = json.loads(bad.text)
    assert errors["response_action"] == "errors" and list(errors["errors"]) == ["value"]
    ok = await modals.submit(bot, form, {"metric": metric["value"], "period": "2024", "value": "US$650 million",
                                         "source": "Annual Report 2024"}, user=ADMIN)
    assert ok.status == 200 and not ok.text
    await bot.settle()
    assert "US$650 million" in bot.posts()[-1]["text"]
    answer = json.loads((await bot.send.command("licensing revenue 2024", user="U9")).text)
    assert "US$650 million" in all_text(answer["blocks"])
    # a non-admin gets no form
    refused = json.loads((await bot.send.command("set", user="U9")).text)
    assert "Only IP admins" in all_text(refused["blocks"]) and len(_opened(bot)) == 1


async def test_the_home_tab_shows_the_store_and_admins_get_the_buttons(bot: Bot) -> None:
    for user in ("U5", ADMIN):
        event = {"type": "app_home_opened", "user": user, "channel": "D5", "tab": "home",
                 "event_ts": "1515449522.000016"}
        assert (await bot.send.event(event)).status == 200
    await bot.settle()
    # each page is built in its own task: they may reach Slack in either order
    published = sorted((c.body for c in bot.slack.calls if c.method == "views.publish"),
                       key=lambda p: p["user_id"] != "U5")
    assert [p["user_id"] for p in published] == ["U5", ADMIN]
    for p in published:
        View(**p["view"]).validate_json()
        assert p["view"]["type"] == "home" and "Headline figures" in all_text(p["view"]["blocks"])
    assert "edit_fact" not in _buttons(published[0]["view"]["blocks"])
    assert {"edit_fact", "add_licence", "remove_licence", "subscribe_digest", "import_help", "gaps"} <= set(
        _buttons(published[1]["view"]["blocks"]))


async def test_a_trend_answer_in_a_thread_gets_its_chart_uploaded_there(bot: Bot) -> None:
    import io

    from PIL import Image

    from tests.bot.slack_harness import mention

    await bot.send.event(mention("R&D spending 2022-2023", ts="980.1"))
    await bot.settle()
    [answer] = bot.posts()
    assert answer["thread_ts"] == "980.1" and "2022–2023" in answer["text"]
    [upload] = bot.slack.uploads.values()
    assert (upload["channel"], upload["thread_ts"]) == ("C1", "980.1")
    assert upload["title"] == "Huawei's R&D spending, 2022–2023"
    # the alt text says every value; the picture is a PNG
    assert "2022: 161.5 billion yuan (CNY)" in upload["alt_txt"] and "2023: 164.7 billion yuan" in upload["alt_txt"]
    with Image.open(io.BytesIO(upload["data"])) as img:
        assert img.format == "PNG"
    # a single figure has no chart
    await bot.send.event(mention("R&D spending 2022", ts="981.1"))
    await bot.settle()
    assert len(bot.slack.uploads) == 1


async def test_the_ask_shortcut_answers_in_its_form(bot: Bot) -> None:
    shortcut = {"type": "shortcut", "token": "legacy", "action_ts": "1.2", "team": {"id": "T1"},
                "user": {"id": "U3"}, "callback_id": "ask_ipbot", "trigger_id": "5.5.5"}
    r = await bot.send.post(urlencode({"payload": json.dumps(shortcut)}), "application/x-www-form-urlencoded")
    assert r.status == 200
    await bot.settle()
    [form] = _opened(bot)
    empty = json.loads((await _submit(bot, form, {}, user="U3")).text)
    assert empty["response_action"] == "errors" and "question" in empty["errors"]
    answered = json.loads((await _submit(bot, form, {"question": "licensing revenue 2022"}, user="U3")).text)
    assert answered["response_action"] == "update"
    View(**answered["view"]).validate_json()
    assert "about US$560 million" in all_text(answered["view"]["blocks"])


async def test_the_message_shortcut_answers_the_message_in_its_thread(bot: Bot) -> None:
    action = {"type": "message_action", "token": "legacy", "action_ts": "1.3", "team": {"id": "T1"},
              "user": {"id": "U4"}, "channel": {"id": "C9", "name": "licensing"}, "callback_id": "ask_about_message",
              "trigger_id": "6.6.6", "message_ts": "990.5", "response_url": bot.slack.response_url(),
              "message": {"type": "message", "user": "U2", "ts": "990.5", "thread_ts": "990.1",
                          "text": "does anyone know our valid patents in 2022?"}}
    r = await bot.send.post(urlencode({"payload": json.dumps(action)}), "application/x-www-form-urlencoded")
    assert r.status == 200
    await bot.settle()
    [post] = bot.posts()
    assert (post["channel"], post["thread_ts"]) == ("C9", "990.1")
    assert "over 120,000" in post["text"]
