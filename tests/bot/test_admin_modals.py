"""Admin changes without typing a command, through the real app over signed HTTP and
the stand-in Slack: the fact form's metric type-ahead (block_suggestion → options),
mistakes shown on their field, a valid form written once and audited, a 10× change
confirmed inside the modal, "Correct this" on an admin's answer (and on nobody
else's), removing a licence and subscribing a channel to the digest from forms."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.runtime import running
from bot.socket import start_socket
from handlers import dispatch
from tests.bot import modals, slack_harness
from tests.bot.slack_harness import APP_TOKEN, Bot, all_text, load_fixtures, mention, slack_settings
from tests.bot.test_slack_socket import SocketSlack
from tests.conftest import Clock

bot = slack_harness.bot
slack = slack_harness.slack
ADMIN = "UADMIN"


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {el["action_id"].split(":")[0]: el for b in blocks for el in b.get("elements", [])
            if el.get("type") == "button"}


def _all_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [el for b in blocks for el in b.get("elements", []) if el.get("type") == "button"]


async def _command(bot: Bot, text: str, user: str = ADMIN) -> dict[str, Any]:
    r = await bot.send.command(text, user=user)
    assert r.status == 200
    return r.json()


async def _history(bot: Bot, what: str) -> list[str]:
    """The audit rows `/ip history` lists, newest first."""
    text = all_text((await _command(bot, f"history {what}"))["blocks"])
    return [line for line in text.splitlines() if line.startswith("• ")]


async def _open_by_button(bot: Bot, action: str, value: str = "", user: str = ADMIN) -> dict[str, Any]:
    await bot.send.action(f"{action}:0", value, user=user, response_url=bot.slack.response_url())
    await bot.settle()
    return modals.opened(bot)[-1]


def _field(view: dict[str, Any], name: str) -> dict[str, Any]:
    [el] = [b["element"] for b in view["blocks"] if b.get("type") == "input" and b["element"]["action_id"] == name]
    return el


# ---- the metric type-ahead ------------------------------------------------------------


async def test_the_metric_field_offers_stored_metrics_as_they_are_typed(bot: Bot) -> None:
    await _command(bot, "set")
    [form] = modals.opened(bot)
    assert _field(form, "metric")["type"] == "external_select"
    # a typo lands on the metric `/ip set` would take it for, first
    [first, *_] = await modals.choices(bot, form, "metric", "licencing revnue", user=ADMIN)
    assert (first["text"]["text"], first["value"]) == ("licensing revenue", "m:licensing revenue")
    # an alias is offered as its metric; related metrics by a word they share
    [alias, *_] = await modals.choices(bot, form, "metric", "royalties", user=ADMIN)
    assert alias["text"]["text"] == "licensing revenue"
    rd = [o["text"]["text"] for o in await modals.choices(bot, form, "metric", "R&D", user=ADMIN)]
    # escaped like every text the bot shows
    assert set(rd[:3]) == {"r&amp;d spending", "r&amp;d share of revenue", "cumulative r&amp;d spending"}
    # nothing typed: the stored metrics, within Slack's 100
    everything = await modals.choices(bot, form, "metric", "", user=ADMIN)
    assert 10 <= len(everything) <= 100 and "licensing revenue" in [o["text"]["text"] for o in everything]
    # a name no metric has is offered as a new one, as `/ip set` would make it
    new = await modals.choices(bot, form, "metric", "Standard essential patents declared", user=ADMIN)
    assert new[-1] == {"text": {"type": "plain_text", "text": "New metric: standard essential patents declared",
                                "emoji": False}, "value": "n:standard essential patents declared"}


async def test_options_stay_within_slacks_limits_whatever_is_typed(bot: Bot) -> None:
    await _command(bot, "set")
    [form] = modals.opened(bot)
    for typed in ("r" * 50_000, "revenue " * 2_000, "\u202eevil", "a"):
        opts = await modals.choices(bot, form, "metric", typed, user=ADMIN)
        assert len(opts) <= 100
        assert all(len(o["text"]["text"]) <= 75 and 0 < len(o["value"]) <= 150 for o in opts)
    # a text-direction character is never offered as a new metric's name
    assert not any(o["value"].startswith("n:") for o in await modals.choices(bot, form, "metric", "\u202eevil",
                                                                             user=ADMIN))


# ---- the fact form ----------------------------------------------------------------------


async def test_mistakes_are_named_on_their_field_and_a_valid_form_is_written_once(bot: Bot, db_url: str) -> None:
    await _command(bot, "set")
    [form] = modals.opened(bot)
    assert _field(form, "subject")["initial_option"]["value"] == "Huawei"
    before = await _history(bot, "licensing revenue")
    bad = (await modals.submit(bot, form, {"metric": "", "period": "20x4", "value": "US$650 million", "unit": "EUR"},
                               user=ADMIN)).json()
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"metric", "period", "unit"}  # each on its own block_id
    assert "not a year" in bad["errors"]["period"] and "USD" in bad["errors"]["unit"]
    assert await _history(bot, "licensing revenue") == before

    # number, unit and qualifier in their own fields make one figure
    ok = await modals.submit(bot, form, {"metric": "m:licensing revenue", "period": "2024", "value": "650 million",
                                         "unit": "USD", "qualifier": "over", "source": "Annual Report 2024"},
                             user=ADMIN)
    assert ok.status == 200 and not ok.text  # the modal closes
    await bot.settle()
    [done] = bot.posts()
    assert done["channel"] == ADMIN and "Set licensing revenue, 2024: over US$650 million" in done["text"]
    rows = await _history(bot, "licensing revenue")
    assert len(rows) == len(before) + 1 and "over US$650 million" in rows[0] and ADMIN in rows[0]
    answer = await _command(bot, "licensing revenue 2024", user="U9")
    assert "over US$650 million" in all_text(answer["blocks"])
    # another replica (its own index, the same database) answers with it too
    async with running(bot.settings) as other:
        reply = await dispatch.handle(other.deps, dispatch.Request("licensing revenue 2024", user="U9"))
    assert "over US$650 million" in reply.text and "Annual Report 2024" in reply.text
    # the audited change is undone like a typed one
    undone = all_text((await _command(bot, "undo"))["blocks"])
    assert "licensing revenue, 2024" in undone


async def test_a_tenfold_change_is_confirmed_inside_the_modal_and_written_once(bot: Bot) -> None:
    await _command(bot, "set")
    [form] = modals.opened(bot)
    before = await _history(bot, "licensing revenue")
    asked = await modals.submit(bot, form, {"metric": "m:licensing revenue", "period": "2023",
                                            "value": "US$6.3 billion"}, user=ADMIN)
    step = asked.json()
    assert step["response_action"] == "update"
    confirm = modals.checked(step["view"])
    text = all_text(confirm["blocks"])
    assert "US$6.3 billion — was: about US$630 million" in text and "11× the 2022 value" in text
    assert confirm["submit"]["text"] == "Confirm"
    await bot.settle()
    assert bot.posts() == [] and await _history(bot, "licensing revenue") == before  # nothing written yet
    assert "about US$630 million" in all_text((await _command(bot, "licensing revenue 2023", user="U9"))["blocks"])

    done = await modals.submit(bot, confirm, {}, user=ADMIN)
    assert done.status == 200 and not done.text
    await bot.settle()
    assert "Set licensing revenue, 2023: US$6.3 billion" in bot.posts()[-1]["text"]
    # pressed twice (a double click, Slack's retry): still one change
    await modals.submit(bot, confirm, {}, user=ADMIN)
    await bot.settle()
    assert "already applied" in bot.posts()[-1]["text"]
    rows = await _history(bot, "licensing revenue")
    assert len(rows) == len(before) + 1 and "US$6.3 billion" in rows[0]
    # someone else cannot confirm an admin's pending change with its token
    await _command(bot, "set")
    form = modals.opened(bot)[-1]
    step = (await modals.submit(bot, form, {"metric": "m:licensing revenue", "period": "2023", "value": "US$5"},
                                user=ADMIN)).json()
    await modals.submit(bot, step["view"], {}, user="U9")
    await bot.settle()
    assert "Only IP admins" in bot.posts()[-1]["text"]
    assert len(await _history(bot, "licensing revenue")) == len(before) + 1


async def test_a_unit_change_is_confirmed_too(bot: Bot) -> None:
    await _command(bot, "set")
    [form] = modals.opened(bot)
    step = (await modals.submit(bot, form, {"metric": "m:licensing revenue", "period": "2023", "value": "630 million",
                                            "unit": "EUR"}, user=ADMIN)).json()
    assert step["response_action"] == "update"
    assert "unit changes from USD to EUR" in all_text(step["view"]["blocks"])


# ---- Correct this -------------------------------------------------------------------------


async def test_correct_this_follows_admins_granted_and_revoked_in_the_database(bot: Bot) -> None:
    # U7 is no admin: no button; made one through `/ip admins add`, their next answer
    # has it; removed again, it is gone at once on this replica
    assert "correct_fact" not in _buttons((await _command(bot, "licensing revenue 2022", user="U7"))["blocks"])
    assert "U7" in all_text((await _command(bot, "admins add <@U7>"))["blocks"])
    assert "correct_fact" in _buttons((await _command(bot, "licensing revenue 2022", user="U7"))["blocks"])
    await _command(bot, "admins remove <@U7>")
    assert "correct_fact" not in _buttons((await _command(bot, "licensing revenue 2022", user="U7"))["blocks"])


async def test_correct_this_is_on_an_admins_private_answers_only(bot: Bot) -> None:
    mine = await _command(bot, "licensing revenue 2022")
    [button] = [b for b in _all_buttons(mine["blocks"]) if b["action_id"].startswith("correct_fact")]
    assert button["text"]["text"] == "Correct this"
    # a non-admin never sees it
    theirs = await _command(bot, "licensing revenue 2022", user="U9")
    assert "correct_fact" not in _buttons(theirs["blocks"])
    # nor does anyone in a channel, where an admin's mention is answered in public
    await bot.send.event(mention("licensing revenue 2022", ts="990.1", user=ADMIN))
    await bot.settle()
    [public] = bot.posts()
    assert "correct_fact" not in _buttons(public["blocks"])
    # an admin's DM is theirs alone
    await bot.send.event(slack_harness.dm("licensing revenue 2022", ts="991.1", user=ADMIN))
    await bot.settle()
    assert "correct_fact" in _buttons(bot.posts()[-1]["blocks"])
    # a trend answer offers one per figure
    trend = await _command(bot, "R&D spending 2022-2023")
    labels = [slack_harness.plain(b["text"]["text"]) for b in _all_buttons(trend["blocks"])
              if b["action_id"].startswith("correct_fact")]
    assert labels == ["Correct r&d spending 2022", "Correct r&d spending 2023"]


async def test_correct_this_opens_the_fact_filled_in_and_writes_the_audited_change(bot: Bot) -> None:
    answer = await _command(bot, "licensing revenue 2022")
    button = _buttons(answer["blocks"])["correct_fact"]
    form = await _open_by_button(bot, "correct_fact", button["value"])
    assert _field(form, "subject")["initial_option"]["value"] == "Huawei"
    assert _field(form, "metric")["initial_option"] == {"text": {"type": "plain_text", "text": "licensing revenue",
                                                                 "emoji": False}, "value": "m:licensing revenue"}
    assert _field(form, "period")["initial_value"] == "2022"
    assert _field(form, "value")["initial_value"] == "560 million"
    assert _field(form, "unit")["initial_option"]["value"] == "USD"
    assert _field(form, "qualifier")["initial_option"]["value"] == "about"
    assert _field(form, "source")["initial_value"] == "Huawei 2022 annual report"
    # left as it is: nothing changes, nothing is recorded
    before = await _history(bot, "licensing revenue")
    await modals.submit(bot, form, {}, user=ADMIN)
    await bot.settle()
    assert "nothing changed" in bot.posts()[-1]["text"] and await _history(bot, "licensing revenue") == before
    # corrected: the same change `/ip set` makes
    await modals.submit(bot, form, {"value": "570 million"}, user=ADMIN)
    await bot.settle()
    assert "Set licensing revenue, 2022: about US$570 million (source Huawei 2022 annual report) — was: about " \
           "US$560 million" in bot.posts()[-1]["text"]
    rows = await _history(bot, "licensing revenue")
    assert len(rows) == len(before) + 1 and "about US$560 million → about US$570 million" in rows[0]


async def test_a_figure_of_another_company_is_corrected_as_that_companys(bot: Bot) -> None:
    await slack_harness.load_fixtures(bot.rt, ("eval_competitors.csv",))
    answer = await _command(bot, "Qualcomm licensing revenue 2022")
    form = await _open_by_button(bot, "correct_fact", _buttons(answer["blocks"])["correct_fact"]["value"])
    assert _field(form, "subject")["initial_option"]["value"] == "Qualcomm"
    await modals.submit(bot, form, {"value": "6.5 billion"}, user=ADMIN)
    await bot.settle()
    assert "US$6.5 billion" in all_text((await _command(bot, "Qualcomm licensing revenue 2022", user="U9"))["blocks"])
    assert "about US$560 million" in all_text((await _command(bot, "licensing revenue 2022", user="U9"))["blocks"])


async def test_a_forged_correct_this_click_by_a_non_admin_is_refused(bot: Bot) -> None:
    value = json.dumps(["Huawei", "licensing revenue", "2022"])
    await bot.send.action("correct_fact:0", value, user="U9", response_url=bot.slack.response_url())
    await bot.settle()
    assert modals.opened(bot) == []
    [refused] = bot.responses()
    assert "Only IP admins" in refused["text"]
    # and a forged submission of the form itself changes nothing
    r = await modals.submit(bot, {"type": "modal", "callback_id": "fact_submit:0", "blocks": []},
                            {}, user="U9")
    assert r.status == 200
    await bot.settle()
    assert "Only IP admins" in bot.posts()[-1]["text"]


# ---- remove a licence ---------------------------------------------------------------------


async def test_a_licence_is_removed_from_a_picker_of_the_stored_ones(bot: Bot) -> None:
    form = await _open_by_button(bot, "remove_licence")
    assert _field(form, "licence")["type"] == "external_select"
    opts = await modals.choices(bot, form, "licence", "eric", user=ADMIN)
    [ericsson] = [o for o in opts if o["text"]["text"].startswith("Ericsson")]
    assert ericsson["text"]["text"] == "Ericsson, signed 2023-08-01 (cross-licence, cellular)"
    assert len(await modals.choices(bot, form, "licence", "", user=ADMIN)) <= 100
    gone = await modals.submit(bot, form, {"licence": "l:" + "0" * 40}, user=ADMIN)
    assert gone.json() == {"response_action": "errors",
                           "errors": {"licence": "That licence is no longer stored; choose again."}}
    assert (await modals.submit(bot, form, {"licence": ericsson["value"]}, user=ADMIN)).status == 200
    await bot.settle()
    assert "Removed 1 licence of Ericsson" in bot.posts()[-1]["text"]
    [row, *_] = await _history(bot, "licensee Ericsson")
    assert "licensee_remove" in row and ADMIN in row
    answer = all_text((await _command(bot, "do we license Ericsson?", user="U9"))["blocks"])
    assert "2023-08-01" not in answer
    # chosen again from a stale form: refused on the field, nothing else removed
    again = (await modals.submit(bot, form, {"licence": ericsson["value"]}, user=ADMIN)).json()
    assert again["response_action"] == "errors"


async def test_a_non_admin_gets_no_licence_form(bot: Bot) -> None:
    await bot.send.action("remove_licence:0", "", user="U9", response_url=bot.slack.response_url())
    await bot.settle()
    assert modals.opened(bot) == [] and "Only IP admins" in bot.responses()[0]["text"]


# ---- subscribe a channel to the digest ---------------------------------------------------


async def test_a_channel_is_subscribed_to_the_digest_from_a_form(bot: Bot) -> None:
    form = await _open_by_button(bot, "subscribe_digest")
    assert [_field(form, n)["type"] for n in ("channel", "frequency", "day", "time", "timezone")] == [
        "conversations_select", "static_select", "static_select", "timepicker", "external_select"]
    zones = [o["value"] for o in await modals.choices(bot, form, "timezone", "berl", user=ADMIN)]
    assert zones == ["Europe/Berlin"]
    bad = (await modals.submit(bot, form, {"channel": "", "frequency": "weekly", "day": "15",
                                           "timezone": "Mars/Olympus"}, user=ADMIN)).json()
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {"channel", "day", "timezone"}
    assert "time zone" in bad["errors"]["timezone"]
    ok = await modals.submit(bot, form, {"channel": "C42", "frequency": "weekly", "day": "Friday", "time": "08:30",
                                         "timezone": "Europe/Berlin"}, user=ADMIN)
    assert ok.status == 200 and not ok.text
    await bot.settle()
    assert "weekly on Friday at 08:30 Europe/Berlin" in bot.posts()[-1]["text"]
    listed = all_text((await _command(bot, "digest list"))["blocks"])
    assert "C42: weekly on Friday at 08:30 Europe/Berlin" in listed
    # monthly on a day
    await modals.submit(bot, form, {"channel": "C42", "frequency": "monthly", "day": "15", "time": "09:00",
                                    "timezone": "UTC"}, user=ADMIN)
    await bot.settle()
    assert "C42: monthly on day 15 at 09:00 UTC" in all_text((await _command(bot, "digest list"))["blocks"])
    # a non-admin's forged submission subscribes nothing
    await modals.submit(bot, form, {"channel": "C43"}, user="U9")
    await bot.settle()
    assert "C43" not in all_text((await _command(bot, "digest list"))["blocks"])


# ---- a gap's "Add the fact" ---------------------------------------------------------------


async def test_add_the_fact_from_gaps_opens_the_fact_form_with_the_questions_year(bot: Bot) -> None:
    await _command(bot, "what is our royalty payload in 2021", user="U7")
    gaps = await _command(bot, "gaps")
    add = _buttons(gaps["blocks"])["gap_add_fact"]
    form = await _open_by_button(bot, "gap_add_fact", add["value"])
    assert _field(form, "period")["initial_value"] == "2021"
    assert "royalty payload in 2021" in all_text(form["blocks"])
    [metric, *_] = await modals.choices(bot, form, "metric", "licensing revenue", user=ADMIN)
    await modals.submit(bot, form, {"metric": metric["value"], "value": "US$500 million"}, user=ADMIN)
    await bot.settle()
    assert "Set licensing revenue, 2021: US$500 million" in bot.posts()[-1]["text"]


async def test_correct_this_submitted_unchanged_changes_nothing_whatever_the_figure(bot: Bot) -> None:
    for question in ("R&D spending 2022", "valid patents 2022", "R&D share of revenue 2022", "chief legal officer"):
        answer = await _command(bot, question)
        form = await _open_by_button(bot, "correct_fact", _buttons(answer["blocks"])["correct_fact"]["value"])
        before = await _history(bot, "")
        await modals.submit(bot, form, {}, user=ADMIN)
        await bot.settle()
        assert "nothing changed" in bot.posts()[-1]["text"], (question, bot.posts()[-1]["text"])
        assert await _history(bot, "") == before


# ---- Socket Mode ----------------------------------------------------------------------------


@pytest.fixture
async def socket_slack() -> AsyncIterator[SocketSlack]:
    s = await SocketSlack().start()
    yield s
    await s.stop()


async def test_in_socket_mode_options_errors_and_the_confirmation_come_back_in_the_ack(
        db_url: str, socket_slack: SocketSlack, clock: Clock) -> None:
    settings = slack_settings(db_url, socket_slack.api_url, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
    async with running(settings) as rt:
        rt.deps.clock = clock
        await load_fixtures(rt)
        server = await start_socket(settings, rt.deps)
        try:
            await asyncio.wait_for(socket_slack.connected.wait(), 10)
            await socket_slack.send({
                "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                "payload": {"token": "legacy", "team_id": "T1", "channel_id": "C1", "user_id": ADMIN,
                            "command": "/ip", "text": "set", "api_app_id": "A1", "trigger_id": "1.1"}})
            [form] = [c.body["view"] for c in socket_slack.calls if c.method == "views.open"]
            suggestion = {"type": "block_suggestion", "user": {"id": ADMIN}, "team": {"id": "T1"},
                          "api_app_id": "A1", "token": "legacy", "container": {"type": "view", "view_id": "V1"},
                          "action_id": "metric", "block_id": "metric", "value": "licencing revnue",
                          "view": {**form, "id": "V1", "state": {"values": {}}}}
            ack = await socket_slack.send({"envelope_id": "env-2", "type": "interactive",
                                           "accepts_response_payload": True, "payload": suggestion})
            assert ack["payload"]["options"][0]["value"] == "m:licensing revenue"

            def submission(values: dict[str, str]) -> dict[str, object]:
                return {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": ADMIN},
                        "api_app_id": "A1", "token": "legacy", "trigger_id": "9.9",
                        "view": {**form, "id": "V1", "state": {"values": modals.state(form, values)}}}

            ack = await socket_slack.send({"envelope_id": "env-3", "type": "interactive",
                                           "accepts_response_payload": True,
                                           "payload": submission({"metric": "m:licensing revenue",
                                                                  "value": "US$ 6,30,0 million"})})
            assert ack["payload"]["response_action"] == "errors" and "value" in ack["payload"]["errors"]
            ack = await socket_slack.send({"envelope_id": "env-4", "type": "interactive",
                                           "accepts_response_payload": True,
                                           "payload": submission({"metric": "m:licensing revenue", "period": "2023",
                                                                  "value": "US$63 billion"})})
            assert ack["payload"]["response_action"] == "update"
            assert ack["payload"]["view"]["submit"]["text"] == "Confirm"
            await server.state.drain()
        finally:
            await server.stop()
