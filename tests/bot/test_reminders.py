"""Monthly reminders of figures due for update: the admin who last set a due metric
gets one DM a month (conversations.open, then chat.postMessage into that DM) with an
Update button per figure, which opens the fact form filled in; a second run in the
same month, or a second replica running at once, sends nothing more. Changes are
typed as `/ip …` through the real app over signed HTTP; the DMs are sent by the
scheduler's job against the stand-in Slack."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.models.views import View

from bot import reminders
from bot.app import make_client
from store import audit
from tests.bot import modals, slack_harness
from tests.bot.slack_harness import Bot, all_text, plain

bot = slack_harness.bot
slack = slack_harness.slack
ADMIN = "UADMIN"


async def typed(bot: Bot, text: str, user: str = ADMIN) -> str:
    reply = await bot.send.command(text, user=user)
    assert reply.status == 200
    await bot.settle()
    return plain(all_text(reply.json().get("blocks", [])))


async def run(bot: Bot) -> list[reminders.Outcome]:
    return await reminders.send_reminders(bot.rt.deps, make_client(bot.settings))


def dms(bot: Bot) -> list[dict[str, Any]]:
    return [p for p in bot.posts() if p["channel"].startswith("D")]


def buttons(post: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {plain(el["text"]["text"]): el for b in post["blocks"] for el in b.get("elements", [])
            if el.get("type") == "button"}


async def test_the_admin_who_set_a_due_figure_gets_one_dm_a_month(bot: Bot) -> None:
    set_revenue = "set licensing revenue 2023 = about US$635 million source: AR 2023"
    assert "Set licensing revenue" in await typed(bot, set_revenue)
    assert "Set r&d spending" in await typed(bot, "set r&d spending 2023 = 164.8 billion yuan source: AR 2023")

    # 25 Nov 2026: the 2023 figures have been due since 31 Mar 2025
    assert [(o.user, o.period, o.status) for o in await run(bot)] == [(ADMIN, "2026-11", "sent")]
    [opened] = bot.slack.posted("conversations.open")
    assert opened["users"] == ADMIN
    [dm] = dms(bot)
    assert dm["channel"] == f"D{ADMIN}"
    text = plain(all_text(dm["blocks"]))
    assert "2 figures you last set are due for update" in text
    assert "licensing revenue: latest 2023, due since 31 Mar 2025" in text and "r&d spending: latest 2023" in text
    assert {"Update licensing revenue", "Update r&d spending"} <= set(buttons(dm))

    # the same month again, twice at once (two replicas): nothing more
    again = await asyncio.gather(run(bot), run(bot))
    assert [o.status for outcomes in again for o in outcomes] == ["taken", "taken"]
    assert len(dms(bot)) == 1

    # next month: the next reminder
    bot.rt.deps.clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert [o.status for o in await run(bot)] == ["sent"]
    assert len(dms(bot)) == 2


async def test_update_opens_the_fact_form_filled_in_and_saving_it_ends_the_reminders(bot: Bot) -> None:
    await typed(bot, "set licensing revenue 2023 = about US$635 million source: AR 2023")
    await run(bot)
    [dm] = dms(bot)
    update = buttons(dm)["Update licensing revenue"]
    r = await bot.send.action(update["action_id"], update["value"], user=ADMIN, channel=dm["channel"],
                              ephemeral=False, message={"type": "message", "ts": "1.1", "text": dm["text"]})
    assert r.status == 200
    await bot.settle()
    [form] = [c.body["view"] for c in bot.slack.calls if c.method == "views.open"]
    View(**form).validate_json()
    fields = {b["block_id"]: b["element"] for b in form["blocks"]}
    assert fields["metric"]["initial_option"]["value"] == "m:licensing revenue"
    assert fields["period"]["initial_value"] == "2024"

    state = modals.state(form, {"value": "about US$650 million", "source": "Annual Report 2024"})
    payload = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": ADMIN}, "api_app_id": "A1",
               "token": "legacy", "trigger_id": "9.9.9", "view": {**form, "id": "V1", "state": {"values": state}}}
    saved = await bot.send.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert saved.status == 200 and not saved.text
    await bot.settle()
    assert "about US$650 million" in bot.posts()[-1]["text"]
    # next month's reminder starts from 2024
    bot.rt.deps.clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert [o.status for o in await run(bot)] == ["sent"]
    assert "licensing revenue: latest 2024, due since 31 Mar 2026" in plain(all_text(dms(bot)[-1]["blocks"]))
    key = audit.key_from_value(buttons(dms(bot)[-1])["Update licensing revenue"]["value"])
    assert key is not None and key.period == "2025"
    # someone who is not an admin (any more) cannot use the button
    r = await bot.send.action(update["action_id"], update["value"], user="U9", channel="DU9", ephemeral=False,
                              response_url=bot.slack.response_url("r9"),
                              message={"type": "message", "ts": "1.1", "text": dm["text"]})
    await bot.settle()
    assert len([c for c in bot.slack.calls if c.method == "views.open"]) == 1
    assert "Only IP admins" in bot.responses("r9")[-1]["text"]


async def test_no_reminder_for_figures_set_by_an_import_or_a_former_admin(bot: Bot) -> None:
    # the fixtures were imported by an operator ("test"): nobody to remind
    assert await run(bot) == []
    assert "U7" in await typed(bot, "admins add <@U7|seven>")
    await typed(bot, "set licensing revenue 2023 = about US$635 million source: AR 2023")
    await typed(bot, "set licensing revenue 2023 = about US$636 million source: AR 2023", user="U7")
    await typed(bot, "admins remove <@U7|seven>")
    # U7 set it last but is no longer an admin: the admin before them is reminded
    [outcome] = await run(bot)
    assert outcome.user == ADMIN and outcome.status == "sent"
    assert not [c for c in bot.slack.calls if c.method == "conversations.open" and c.body["users"] == "U7"]


async def test_a_failed_dm_is_sent_by_the_next_run(bot: Bot) -> None:
    await typed(bot, "set licensing revenue 2023 = about US$635 million source: AR 2023")
    bot.slack.fail("chat.postMessage", "internal_error")
    [failed] = await run(bot)
    assert (failed.status, failed.detail) == ("failed", "internal_error")
    assert [o.status for o in await run(bot)] == ["sent"]
    assert len(dms(bot)) == 1


async def test_the_job_runs_hourly_in_working_hours_in_the_configured_time_zone(bot: Bot) -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    reminders.schedule(scheduler, bot.rt.deps, make_client(bot.settings))
    job = scheduler.get_job(reminders.JOB_ID)
    # Friday 27 Nov 2026 17:30 UTC: the next run is Monday 09:00
    nxt = job.trigger.get_next_fire_time(None, datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    assert nxt.astimezone(UTC) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_ipbot_serve_s_scheduler_has_the_reminder_job(bot: Bot) -> None:
    from bot.scheduler import start_scheduler, stop_scheduler

    sched = await start_scheduler(bot.rt, make_client(bot.settings))
    try:
        assert sched.scheduler.get_job(reminders.JOB_ID) is not None
    finally:
        stop_scheduler(sched)
