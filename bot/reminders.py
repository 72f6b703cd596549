"""Send the monthly "figures due for update" DMs (handlers/reminders.py says who
gets which) exactly once per admin and month: the (admin, month) row in
`reminder_runs` is claimed and committed before conversations.open and
chat.postMessage, then marked sent. Another replica, a restart or a second run the
same month finds the claim and sends nothing; a send that failed is marked failed
and retried by the next run; a claim left by a sender that died is taken back
after STALE_CLAIM.

`schedule` adds the job to `ipbot serve`'s scheduler: every hour on the hour,
09:00–17:00 on weekdays in IPBOT_TIMEZONE, so a reminder arrives in working hours
and a bot that was down at 09:00 sends it at the next hour."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import render
from handlers import reminders as reminder_handler
from handlers.deps import Deps

log = logging.getLogger(__name__)

JOB_ID = "stale-reminders"
STALE_CLAIM = timedelta(minutes=15)


@dataclass(frozen=True)
class Outcome:
    user: str
    period: str
    status: str  # sent, taken (already sent or being sent this month), failed
    detail: str = ""


async def send_reminders(deps: Deps, client: AsyncWebClient) -> list[Outcome]:
    period = reminder_handler.period_key(deps)
    out: list[Outcome] = []
    for reminder in await reminder_handler.reminders(deps):
        run_id = await reminder_handler.claim(deps, reminder, period=period, stale_claim=STALE_CLAIM)
        if run_id is None:
            out.append(Outcome(reminder.user, period, "taken"))
            continue
        try:
            opened = await client.conversations_open(users=reminder.user)
            channel = str((opened.get("channel") or {}).get("id") or "")
            posted = await client.chat_postMessage(channel=channel, **render(reminder.reply()).as_kwargs())
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            error = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("reminder to %s for %s failed: %s; the next run retries", reminder.user, period, error)
            await reminder_handler.mark_failed(deps, run_id, error)
            out.append(Outcome(reminder.user, period, "failed", error))
            continue
        await reminder_handler.mark_sent(deps, run_id, str(posted.get("ts") or ""))
        log.info("reminded %s of %d figures due for update", reminder.user, len(reminder.due))
        out.append(Outcome(reminder.user, period, "sent"))
    return out


def schedule(scheduler: BaseScheduler, deps: Deps, client: AsyncWebClient) -> None:
    async def run() -> None:
        try:
            await send_reminders(deps, client)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("reminders: store unavailable (%s); the next hour retries", type(exc).__name__)

    scheduler.add_job(run, CronTrigger(day_of_week="mon-fri", hour="9-17", minute=0, timezone=deps.tz),
                      id=JOB_ID, name="figures due for update: monthly DMs", replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=30 * 60)
