"""The digest scheduler inside `ipbot serve`: APScheduler 3.x AsyncIOScheduler,
one cron job per active subscription (`digest:<id>`) in the subscription's own
time zone, plus a resync job that rebuilds those jobs when subscriptions change
(here or on another replica) and retries failed posts.

Jobs live in memory only: the database holds the subscriptions and the runs, so
a restart rebuilds the jobs and the start-up catch-up sends a digest whose time
passed while the bot was down (within the schedule's grace), once. Every job
just calls `send_due`, whose database claim makes a double fire harmless."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from bot import reminders
from bot.digest_send import Outcome, Poster, send_due
from handlers import digest as digest_handler
from handlers import schedule as sch
from handlers.deps import Deps
from store import digests as digest_repo

log = logging.getLogger(__name__)

JOB_PREFIX = "digest:"
RESYNC_JOB = "digest-resync"
RESYNC_SECONDS = 60.0
# a failed post is retried by the resync job no more often than this
RETRY_FAILED_AFTER = timedelta(minutes=5)


class DigestScheduler:
    def __init__(self, deps: Deps, poster: Poster, *, resync_seconds: float = RESYNC_SECONDS,
                 scheduler: AsyncIOScheduler | None = None) -> None:
        self.deps = deps
        self.poster = poster
        self.resync_seconds = resync_seconds
        self.scheduler = scheduler or AsyncIOScheduler(timezone="UTC")
        self._fingerprint: tuple[Any, ...] | None = None
        self._pending: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Start the scheduler, build the jobs, send what is due and unsent."""
        self.scheduler.start()
        self.scheduler.add_job(self.tick, IntervalTrigger(seconds=self.resync_seconds), id=RESYNC_JOB,
                               replace_existing=True, coalesce=True, max_instances=1,
                               misfire_grace_time=int(self.resync_seconds))
        digest_handler.CHANGE_LISTENERS.append(self.changed)
        try:
            await self.resync()
            await self.catch_up()
        except (SQLAlchemyError, OSError) as exc:
            # the store may come back; the resync job retries both every minute
            log.warning("digest scheduler start-up: store unavailable (%s); retrying", type(exc).__name__)

    def stop(self) -> None:
        if self.changed in digest_handler.CHANGE_LISTENERS:
            digest_handler.CHANGE_LISTENERS.remove(self.changed)
        for task in self._pending:
            task.cancel()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def changed(self) -> None:
        """A subscription changed in this process: rebuild now rather than at the next resync."""
        task = asyncio.get_running_loop().create_task(self._resync_now())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _resync_now(self) -> None:
        try:
            await self.resync(force=True)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("digest resync after a change: store unavailable (%s); next resync retries",
                        type(exc).__name__)

    async def resync(self, *, force: bool = False) -> bool:
        """Make the jobs match the active subscriptions; True if anything was rebuilt."""
        async with self.deps.sessions() as session:
            fingerprint = await digest_repo.subscriptions_fingerprint(session=session)
            if fingerprint == self._fingerprint and not force:
                return False
            subs = await digest_repo.list_subscriptions(session=session, active_only=True)
        wanted = set()
        for sub in subs:
            schedule = sch.Schedule.of(sub)
            job_id = f"{JOB_PREFIX}{sub.id}"
            wanted.add(job_id)
            self.scheduler.add_job(
                self.run_subscription,
                CronTrigger(**schedule.cron_fields(), timezone=schedule.tz),
                args=[sub.id],
                id=job_id,
                name=f"digest {sub.channel} {schedule.describe()}",
                replace_existing=True,
                # a bot that was busy or asleep at 09:00 still sends when it wakes,
                # once however many runs it missed
                misfire_grace_time=int(schedule.grace.total_seconds()),
                coalesce=True,
                max_instances=1,
            )
        for job in self.scheduler.get_jobs():
            if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
                job.remove()
        self._fingerprint = fingerprint
        log.info("digest jobs: %d", len(wanted))
        return True

    async def run_subscription(self, subscription_id: int) -> list[Outcome]:
        """The cron job: send this subscription's digest if its period is due."""
        return await send_due(self.deps, self.poster, subscription_id=subscription_id)

    async def catch_up(self) -> list[Outcome]:
        """Send every period that is due and unsent (after a restart, an outage or a failure)."""
        return await send_due(self.deps, self.poster, retry_failed_after=RETRY_FAILED_AFTER)

    async def tick(self) -> None:
        try:
            await self.resync()
            await self.catch_up()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("digest resync: store unavailable (%s)", type(exc).__name__)


async def start_scheduler(rt: Any, client: Poster) -> DigestScheduler:
    """For `ipbot serve`: `sched = await start_scheduler(rt, client)` once the
    event loop runs, `stop_scheduler(sched)` on the way out."""
    sched = DigestScheduler(rt.deps, client)
    await sched.start()
    # the monthly "figures due for update" DMs share the scheduler (bot/reminders.py)
    reminders.schedule(sched.scheduler, rt.deps, client)
    return sched


def stop_scheduler(sched: DigestScheduler) -> None:
    sched.stop()
