"""The scheduler inside `ipbot serve`, driven by the injected clock: jobs per
subscription in local time across DST, restarts (a new scheduler object on the
same database), missed runs, resync after changes, failed posts retried."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.scheduler import RESYNC_JOB, DigestScheduler
from handlers import digest as digest_handler
from store import digests as digest_repo
from tests.bot.test_digest_support import CHANNEL, say, standin

BERLIN = ZoneInfo("Europe/Berlin")


async def _sub_id(rt, channel: str = CHANNEL) -> int:
    async with rt.deps.sessions() as session:
        sub = await digest_repo.get_subscription(session=session, channel=channel)
        return sub.id


async def _settle(sched: DigestScheduler) -> None:
    # the resync a subscription change triggers runs as a task of this loop
    await asyncio.gather(*list(sched._pending))


async def test_one_job_per_subscription_in_its_time_zone(rt, clock) -> None:
    clock.now = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe weekly mon 09:00 Europe/Berlin")
    await say(rt, "digest subscribe monthly 1 09:00 Asia/Shanghai", channel="CSH")
    async with standin() as (_slack, client):
        sched = DigestScheduler(rt.deps, client)
        await sched.start()
        try:
            sub_id = await _sub_id(rt)
            job = sched.scheduler.get_job(f"digest:{sub_id}")
            assert job is not None and isinstance(job.trigger, CronTrigger)
            assert job.coalesce is True and job.misfire_grace_time == 3 * 24 * 3600
            assert str(job.trigger.timezone) == "Europe/Berlin"
            # 09:00 Berlin is 07:00 UTC in summer time and 08:00 UTC after the change on 25 Oct
            before = job.trigger.get_next_fire_time(None, datetime(2026, 10, 20, tzinfo=BERLIN))
            after = job.trigger.get_next_fire_time(None, datetime(2026, 10, 21, tzinfo=BERLIN))
            assert before.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
            assert after.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
            spring = job.trigger.get_next_fire_time(None, datetime(2027, 3, 23, tzinfo=BERLIN))
            assert spring.astimezone(UTC) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)
            sh = sched.scheduler.get_job(f"digest:{await _sub_id(rt, 'CSH')}")
            nxt = sh.trigger.get_next_fire_time(None, datetime(2026, 11, 25, tzinfo=UTC))
            assert nxt.astimezone(UTC) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
            assert sched.scheduler.get_job(RESYNC_JOB) is not None
        finally:
            sched.stop()


async def test_job_fires_at_nine_local_across_the_autumn_dst_change(rt, clock) -> None:
    clock.now = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe weekly mon 09:00 Europe/Berlin")
    sub_id = await _sub_id(rt)
    async with standin() as (slack, client):
        sched = DigestScheduler(rt.deps, client)
        # Monday 19 Oct, summer time: 09:00 local = 07:00 UTC
        clock.now = datetime(2026, 10, 19, 6, 59, tzinfo=UTC)
        assert [o.status for o in await sched.run_subscription(sub_id)] == ["not_due"]
        clock.now = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
        assert [(o.status, o.period) for o in await sched.run_subscription(sub_id)] == [("sent", "2026-W43")]
        # Monday 26 Oct, winter time: 07:00 UTC is 08:00 local, too early
        clock.now = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
        assert [o.status for o in await sched.run_subscription(sub_id)] == ["not_due"]
        clock.now = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
        assert [(o.status, o.period) for o in await sched.run_subscription(sub_id)] == [("sent", "2026-W44")]
        assert len(slack.posted()) == 2


async def test_job_fires_at_nine_local_across_the_spring_dst_change(rt, clock) -> None:
    clock.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe daily 09:00 Europe/Berlin")
    sub_id = await _sub_id(rt)
    async with standin() as (slack, client):
        sched = DigestScheduler(rt.deps, client)
        sent = []
        # Sat 28 Mar 08:00 UTC (09:00 CET), Sun 29 Mar 07:00 UTC (09:00 CEST), Mon 30 Mar 07:00 UTC
        for t in (datetime(2026, 3, 28, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
                  datetime(2026, 3, 30, 7, 0, tzinfo=UTC)):
            clock.now = t - timedelta(minutes=1)
            assert [o.status for o in await sched.run_subscription(sub_id)] == ["not_due"]
            clock.now = t
            sent += [o.period for o in await sched.run_subscription(sub_id) if o.status == "sent"]
        assert sent == ["2026-03-28", "2026-03-29", "2026-03-30"]
        assert len(slack.posted()) == 3


async def test_down_at_nine_started_at_eleven_sends_the_missed_digest_once(rt, clock) -> None:
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe weekly mon 09:00 Europe/Berlin")
    sub_id = await _sub_id(rt)
    async with standin() as (slack, client):
        # the process starts at 11:00 Berlin on Monday 30 Nov, two hours after the run time
        clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        first = DigestScheduler(rt.deps, client)
        await first.start()
        first.stop()
        assert len(slack.posted()) == 1
        # restarted again (new process state, same database), and the cron job fires as well
        clock.now = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
        second = DigestScheduler(rt.deps, client)
        await second.start()
        try:
            await second.run_subscription(sub_id)
            await second.tick()
        finally:
            second.stop()
        assert len(slack.posted()) == 1
        # next week goes out as usual
        clock.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
        third = DigestScheduler(rt.deps, client)
        await third.start()
        third.stop()
        assert len(slack.posted()) == 2
    async with rt.deps.sessions() as session:
        runs = await digest_repo.list_runs(session=session, subscription_id=sub_id)
    assert [(r.period_key, r.status) for r in runs] == [("2026-W49", "sent"), ("2026-W50", "sent")]


async def test_restart_after_the_grace_or_for_a_new_subscription_sends_nothing(rt, clock) -> None:
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe weekly mon 09:00 Europe/Berlin")
    # subscribed on Monday after the run time: the first digest is next Monday's
    clock.now = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    await say(rt, "digest subscribe weekly mon 09:00 Europe/Berlin", channel="CNEW")
    async with standin() as (slack, client):
        # back on Friday: this week's digest is four days late and is not sent any more
        clock.now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
        sched = DigestScheduler(rt.deps, client)
        await sched.start()
        sched.stop()
        assert slack.posted() == []
        clock.now = datetime(2026, 11, 30, 9, 45, tzinfo=UTC)
        sched = DigestScheduler(rt.deps, client)
        await sched.start()
        sched.stop()
        assert [p["channel"] for p in slack.posted()] == [CHANNEL]


async def test_jobs_follow_subscription_changes(rt, clock) -> None:
    async with standin() as (_slack, client):
        sched = DigestScheduler(rt.deps, client)
        await sched.start()
        try:
            assert [j.id for j in sched.scheduler.get_jobs()] == [RESYNC_JOB]
            await say(rt, "digest subscribe daily 08:30 Europe/Berlin")
            await _settle(sched)
            sub_id = await _sub_id(rt)
            job = sched.scheduler.get_job(f"digest:{sub_id}")
            assert str(job.trigger) == "cron[hour='8', minute='30', second='0']"
            await say(rt, "digest subscribe weekly fri 17:00 Europe/Berlin")
            await _settle(sched)
            job = sched.scheduler.get_job(f"digest:{sub_id}")
            assert str(job.trigger) == "cron[day_of_week='fri', hour='17', minute='0', second='0']"
            await say(rt, "digest pause")
            await _settle(sched)
            assert sched.scheduler.get_job(f"digest:{sub_id}") is None
            await say(rt, "digest resume")
            await _settle(sched)
            assert sched.scheduler.get_job(f"digest:{sub_id}") is not None
            await say(rt, "digest unsubscribe")
            await _settle(sched)
            assert [j.id for j in sched.scheduler.get_jobs()] == [RESYNC_JOB]
        finally:
            sched.stop()
        assert sched.changed not in digest_handler.CHANGE_LISTENERS


async def test_another_replicas_change_is_picked_up_by_the_resync(rt, clock) -> None:
    async with standin() as (_slack, client):
        sched = DigestScheduler(rt.deps, client)
        await sched.start()
        try:
            # written straight to the database, as another replica would
            async with rt.deps.sessions() as session, session.begin():
                await digest_repo.subscribe(session=session, channel="CREMOTE", frequency="daily", weekday=0,
                                            day_of_month=1, at_time="07:00", timezone="UTC", skip_empty=False,
                                            actor="UADMIN", at=clock.now)
            assert await sched.resync() is True
            assert sched.scheduler.get_job(f"digest:{await _sub_id(rt, 'CREMOTE')}") is not None
            assert await sched.resync() is False  # nothing moved: jobs left alone
        finally:
            sched.stop()


async def test_failed_post_is_retried_by_the_resync_tick_and_sent_once(rt, clock) -> None:
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe weekly mon 09:00 UTC")
    sub_id = await _sub_id(rt)
    async with standin() as (slack, client):
        sched = DigestScheduler(rt.deps, client)
        slack.fail("chat.postMessage", "internal_error")
        clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        assert [o.status for o in await sched.run_subscription(sub_id)] == ["failed"]
        # the tick backs off for a few minutes, then retries
        clock.now = datetime(2026, 11, 30, 9, 1, tzinfo=UTC)
        await sched.tick()
        assert slack.posted() == []
        clock.now = datetime(2026, 11, 30, 9, 6, tzinfo=UTC)
        await sched.tick()
        await sched.tick()
        assert len(slack.posted()) == 1


async def test_start_up_posts_each_missed_fire_once_in_its_own_zone_and_nothing_not_yet_due(rt, clock) -> None:
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe weekly mon 09:00 Asia/Shanghai", channel="CSHANGHAI")  # Mon 01:00 UTC
    await say(rt, "digest subscribe daily 08:30 Europe/Berlin", channel="CBERLIN")  # 07:30 UTC
    await say(rt, "digest subscribe weekly mon 09:00 America/New_York", channel="CNEWYORK")  # Mon 14:00 UTC
    new_york = await _sub_id(rt, "CNEWYORK")
    async with standin() as (slack, poster):
        # down all Monday morning; started at 10:00 UTC, and again (a crash loop, a second replica)
        clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        for _ in range(2):
            sched = DigestScheduler(rt.deps, poster)
            await sched.start()
            sched.stop()
        assert sorted(p["channel"] for p in slack.posted()) == ["CBERLIN", "CSHANGHAI"]
        # New York's 09:00 is 14:00 UTC: its job fires then and posts once
        clock.now = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
        sched = DigestScheduler(rt.deps, poster)
        await sched.start()
        try:
            await sched.run_subscription(new_york)
        finally:
            sched.stop()
        assert sorted(p["channel"] for p in slack.posted()) == ["CBERLIN", "CNEWYORK", "CSHANGHAI"]
    runs = {}
    for channel in ("CSHANGHAI", "CBERLIN", "CNEWYORK"):
        async with rt.deps.sessions() as session:
            listed = await digest_repo.list_runs(session=session, subscription_id=await _sub_id(rt, channel))
        runs[channel] = [(r.period_key, r.status) for r in listed]
    assert runs == {"CSHANGHAI": [("2026-W49", "sent")], "CBERLIN": [("2026-11-30", "sent")],
                    "CNEWYORK": [("2026-W49", "sent")]}


async def test_start_up_on_the_night_summer_time_ends_asks_the_local_clock(rt, clock) -> None:
    clock.now = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    await say(rt, "digest subscribe daily 09:00 Europe/Berlin")
    async with standin() as (slack, poster):
        # Sun 25 Oct 07:30 UTC is 08:30 in Berlin (CET since 03:00): not yet nine, though it
        # would have been 09:30 on Saturday's offset
        clock.now = datetime(2026, 10, 25, 7, 30, tzinfo=UTC)
        sched = DigestScheduler(rt.deps, poster)
        await sched.start()
        sched.stop()
        assert slack.posted() == []
        # started at 09:30 local (08:30 UTC): the 09:00 fire was missed, posted once
        clock.now = datetime(2026, 10, 25, 8, 30, tzinfo=UTC)
        for _ in range(2):
            sched = DigestScheduler(rt.deps, poster)
            await sched.start()
            sched.stop()
        [post] = slack.posted()
    assert post["metadata"]["event_payload"]["period"] == "2026-10-25"
