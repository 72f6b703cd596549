"""The digest scheduler inside `ipbot serve`: APScheduler 3.x AsyncIOScheduler
running, for each active subscription, the trigger handlers/schedule.py builds
for it (`digest:<id>`), plus a resync job that rebuilds those jobs when
subscriptions change (here or on another replica) and retries failed posts.

Jobs live in memory only: the database holds the subscriptions and the runs, so
a restart rebuilds the jobs, and the start-up catch-up asks the same triggers
whether a fire time passed while the bot was down (within the misfire grace) and
posts that period once. Every job calls handlers/digest_run.py's `send_due`,
whose database claim makes a double fire harmless."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.web.async_client import AsyncWebClient

from bot import reminders
from bot.digest_poster import SlackPoster
from handlers import digest as digest_handler
from handlers import digest_run
from handlers import schedule as sch
from handlers.deps import Deps
from handlers.digest_run import Outcome, Poster
from handlers.errors import StoreUnavailable

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
        except StoreUnavailable:
            # the store may come back; the resync job retries both every minute
            log.warning("digest scheduler start-up: store unavailable; retrying")

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
        except StoreUnavailable:
            log.warning("digest resync after a change: store unavailable; next resync retries")

    async def resync(self, *, force: bool = False) -> bool:
        """Make the jobs match the active subscriptions; True if anything was rebuilt."""
        got = await digest_run.scheduled(self.deps, known=None if force else self._fingerprint)
        if got is None:
            return False
        fingerprint, subs = got
        wanted = set()
        for sub in subs:
            job_id = f"{JOB_PREFIX}{sub.subscription_id}"
            wanted.add(job_id)
            self.scheduler.add_job(
                self.run_subscription,
                sch.trigger(sub.schedule),
                args=[sub.subscription_id],
                id=job_id,
                name=f"digest {sub.channel} {sub.schedule.describe()}",
                replace_existing=True,
                # a bot that was busy or asleep at 09:00 still sends when it wakes, once
                # however many runs it missed; catch-up after a restart uses the same grace
                misfire_grace_time=int(sub.schedule.grace.total_seconds()),
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
        """The trigger fired: send this subscription's digest of the period it fired for."""
        return await digest_run.send_due(self.deps, self.poster, subscription_id=subscription_id)

    async def catch_up(self) -> list[Outcome]:
        """Ask every trigger whether a fire passed unsent (a restart, an outage, a failed
        post) and send that period once."""
        return await digest_run.send_due(self.deps, self.poster, retry_failed_after=RETRY_FAILED_AFTER)

    async def tick(self) -> None:
        try:
            await self.resync()
            await self.catch_up()
        except StoreUnavailable:
            log.warning("digest resync: store unavailable")


async def start_scheduler(rt: Any, client: AsyncWebClient) -> DigestScheduler:
    """For `ipbot serve`: `sched = await start_scheduler(rt, client)` once the
    event loop runs, `stop_scheduler(sched)` on the way out."""
    sched = DigestScheduler(rt.deps, SlackPoster(client))
    await sched.start()
    # the monthly "figures due for update" DMs share the scheduler (bot/reminders.py)
    reminders.schedule(sched.scheduler, rt.deps, client)
    return sched


def stop_scheduler(sched: DigestScheduler) -> None:
    sched.stop()
