"""The App Home tab is re-published when the store changes, for the people who
opened it recently and nobody else, once per change whichever replica sees it, and
within Slack's rate limit: through the real app over signed HTTP and the stand-in
Slack, the change typed as `/ip set` by an admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot import home_refresh
from bot.home_refresh import HomeRefresher
from bot.runtime import running
from tests.bot import slack_harness
from tests.bot.slack_harness import Bot, all_text, load_fixtures, slack_settings, start_bot, stop_bot
from tests.conftest import Clock
from tests.standin_slack import StandinSlack

slack = slack_harness.slack
ADMIN = "UADMIN"


@pytest.fixture
async def bot(db_url: str, slack: StandinSlack, clock: Clock) -> AsyncIterator[Bot]:
    settings = slack_settings(db_url, slack.api_url)
    async with running(settings) as rt:
        rt.deps.clock = clock
        await load_fixtures(rt)
        b = await start_bot(rt, slack, settings)
        refresher(b).coalesce = 0.2
        try:
            yield b
        finally:
            await stop_bot(b)


def refresher(bot: Bot) -> HomeRefresher:
    assert bot.server.state.home is not None
    return bot.server.state.home


def publishes(bot: Bot, user: str | None = None) -> list[dict[str, Any]]:
    out = [b for b in bot.slack.posted("views.publish") if user is None or b["user_id"] == user]
    for b in out:
        View(**b["view"]).validate_json()
    return out


async def open_home(bot: Bot, user: str) -> None:
    event = {"type": "app_home_opened", "user": user, "channel": "D5", "tab": "home", "event_ts": "1515449522.000016"}
    assert (await bot.send.event(event)).status == 200
    await bot.settle()


async def admin_sets(bot: Bot, text: str) -> None:
    reply = await bot.send.command(f"set {text}", user=ADMIN)
    assert reply.status == 200 and "Set " in all_text(reply.json().get("blocks", [])), reply.text
    await bot.settle()
    await refresher(bot).settled()


async def test_a_change_re_publishes_the_tab_of_who_opened_it_and_nobody_else(bot: Bot) -> None:
    await open_home(bot, "U5")
    [first] = publishes(bot)
    assert "about US$630 million" in all_text(first["view"]["blocks"])

    await admin_sets(bot, "licensing revenue 2023 = about US$640 million source: Huawei 2023 annual report")

    # U5 saw the Home tab and gets it again, with the new figure; the admin, who
    # never opened it, and everyone else get nothing
    assert [p["user_id"] for p in publishes(bot)] == ["U5", "U5"]
    again = all_text(publishes(bot)[-1]["view"]["blocks"])
    assert "licensing revenue 2023: about US$640 million" in again


async def test_someone_who_opened_it_long_ago_is_left_alone(bot: Bot, clock: Clock) -> None:
    await open_home(bot, "U5")
    clock.now += home_refresh.WINDOW + timedelta(minutes=1)
    await admin_sets(bot, "licensing revenue 2023 = about US$640 million source: Huawei 2023 annual report")
    assert len(publishes(bot)) == 1
    # opening it again brings them back
    await open_home(bot, "U5")
    await admin_sets(bot, "licensing revenue 2023 = about US$650 million source: Huawei 2023 annual report")
    assert "about US$650 million" in all_text(publishes(bot)[-1]["view"]["blocks"])
    assert len(publishes(bot)) == 3


async def test_a_burst_of_changes_costs_one_publish_then_the_newest_state(bot: Bot, clock: Clock) -> None:
    await open_home(bot, "U5")
    for n in range(10):
        await bot.send.command(f"set licensing revenue 2023 = about US${631 + n} million source: AR 2023",
                               user=ADMIN)
    await bot.settle()
    await refresher(bot).settled()
    # one publish for the burst (the clock stands still: the same minute)
    assert len(publishes(bot, "U5")) == 2
    # a minute later the tab catches up with whatever came after that publish, if anything
    clock.now += home_refresh.PER_USER
    refresher(bot).poke()
    await refresher(bot).settled()
    assert len(publishes(bot, "U5")) in (2, 3)
    assert "about US$640 million" in all_text(publishes(bot)[-1]["view"]["blocks"])
    # nothing new: nothing sent
    sent = len(publishes(bot))
    clock.now += home_refresh.PER_USER
    refresher(bot).poke()
    await refresher(bot).settled()
    assert len(publishes(bot)) == sent


async def test_re_publishing_stays_within_the_rate_budget(bot: Bot, clock: Clock) -> None:
    users = [f"U{n:03d}" for n in range(home_refresh.BUDGET + 10)]
    for user in users:
        clock.now += timedelta(seconds=1)
        await open_home(bot, user)
    opened = len(publishes(bot))
    await admin_sets(bot, "licensing revenue 2023 = about US$640 million source: Huawei 2023 annual report")
    assert len(publishes(bot)) - opened == home_refresh.BUDGET
    # the latest visitors came first; the rest follow once the minute has passed
    assert {p["user_id"] for p in publishes(bot)[opened:]} == set(users[-home_refresh.BUDGET:])
    clock.now += timedelta(minutes=1, seconds=1)
    refresher(bot).poke()
    await refresher(bot).settled()
    assert len(publishes(bot)) - opened == len(users)
    assert {p["user_id"] for p in publishes(bot)[opened:]} == set(users)


async def test_a_publish_slack_refuses_for_now_is_tried_again(bot: Bot, clock: Clock) -> None:
    await open_home(bot, "U5")
    bot.slack.fail("views.publish", "service_unavailable")
    await admin_sets(bot, "licensing revenue 2023 = about US$640 million source: Huawei 2023 annual report")
    assert len(publishes(bot)) == 1
    clock.now += home_refresh.PER_USER
    refresher(bot).poke()
    await refresher(bot).settled()
    assert "about US$640 million" in all_text(publishes(bot)[-1]["view"]["blocks"])


async def test_two_replicas_publish_a_change_once(db_url: str, slack: StandinSlack, clock: Clock) -> None:
    settings = slack_settings(db_url, slack.api_url)
    async with running(settings) as rt_a, running(settings) as rt_b:
        for rt in (rt_a, rt_b):
            rt.deps.clock = clock
        await load_fixtures(rt_a)
        await rt_b.deps.index.refresh(rt_b.deps.sessions)
        a, b = await start_bot(rt_a, slack, settings), await start_bot(rt_b, slack, settings)
        try:
            for replica in (a, b):
                refresher(replica).coalesce = 0.05
            await open_home(a, "U5")
            await admin_sets(b, "licensing revenue 2023 = about US$640 million source: Huawei 2023 annual report")
            # replica A learns of the change the way it does in `ipbot serve` (NOTIFY or polling)
            assert await rt_a.deps.index.refresh(rt_a.deps.sessions)
            await refresher(a).settled()
        finally:
            await stop_bot(a)
            await stop_bot(b)
    assert [p["user_id"] for p in publishes(a)] == ["U5", "U5"]
    assert "about US$640 million" in all_text(publishes(a)[-1]["view"]["blocks"])
