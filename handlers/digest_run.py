"""Posting a due digest exactly once: claim (subscription, period) in the database,
build, post through the bot's poster, mark sent with the message ts. Slack-free:
the poster (`Poster`) is the bot's; this module owns the protocol and its
transactions.

When a digest is due is handlers/schedule.py's trigger, asked here the same way
the scheduler's jobs run it: the latest fire time that has passed (within the
grace, not before the subscription existed) names the period to post.

The claim is committed before the post, so two replicas, a restart, a cron
`ipbot digest send` and the scheduler can all run this at once and the channel
still gets one message. A post that fails is marked failed with the reason and
retried by the next run; a claim left behind by a process that died mid-post is
taken back after STALE_CLAIM. Before a claim that was taken back is posted again,
the poster is asked whether the channel already holds that digest (it carries a
mark: subscription and period): one that went out from a process that died
before recording it is then marked sent, not posted twice.

The digest's text is the unit of exactly-once. Its chart is attached afterwards,
best effort: a chart that fails to draw or upload is logged and changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from handlers import schedule as sch
from handlers.charts import Chart
from handlers.deps import Deps
from handlers.digest import DigestReply, build_digest
from handlers.digest_sections.headline import key_chart
from handlers.errors import StoreUnavailable
from store import digests as digest_repo
from store.digests import Subscription

log = logging.getLogger(__name__)

# a sender that claimed a period and vanished (crash, kill -9) for this long is
# presumed dead; its period goes out on the next run instead of never
STALE_CLAIM = timedelta(minutes=15)


# --- what the bot supplies ----------------------------------------------------

@dataclass(frozen=True)
class DigestMark:
    """What identifies a posted digest in its channel (Slack: message metadata)."""

    subscription_id: int
    period: str


class PostError(Exception):
    """A post the poster could not make. `permanent`: trying again will not help until
    someone acts (the channel is gone, the bot is not in it, the token was revoked);
    otherwise it may work on the next run. Either way the period stays unsent and is
    retried; the difference is what the log asks of a person."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Poster(Protocol):
    """How the bot puts a digest in a channel (bot/digest_poster.py)."""

    async def post(self, channel: str, digest: DigestReply, mark: DigestMark) -> str:
        """Post the digest with its mark; the message's ts. Raises PostError."""
        ...

    async def find(self, channel: str, mark: DigestMark, *, since: datetime) -> str | None:
        """The ts of a message carrying `mark` posted in `channel` since `since`, or
        None. Raises PostError when the channel cannot be read."""
        ...

    async def attach_chart(self, channel: str, thread_ts: str, chart: Chart) -> None:
        """Draw the chart and upload it into the digest's thread. Raises on failure."""
        ...


# --- outcomes -----------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    channel: str
    period: str
    status: str  # sent, skipped, failed, taken (already sent or being sent), not_due, wrong_period
    detail: str = ""

    def __str__(self) -> str:
        what = {
            "sent": "sent",
            "skipped": "nothing new, skipped (skip-empty)",
            "failed": "failed",
            "taken": "already sent or being sent",
            "not_due": "nothing due",
            "wrong_period": "period does not match the schedule",
        }[self.status]
        period = f" {self.period}" if self.period else ""
        return f"{self.channel}{period}: {what}" + (f" — {self.detail}" if self.detail else "")


# --- reading the subscriptions -------------------------------------------------

@dataclass(frozen=True)
class Scheduled:
    """An active subscription as the scheduler needs it: one job per subscription."""

    subscription_id: int
    channel: str
    schedule: sch.Schedule


async def subscriptions(deps: Deps, *, channel: str | None = None) -> list[Subscription]:
    """Every subscription, paused ones included (or only `channel`'s), by channel."""
    try:
        async with deps.sessions() as session:
            subs = list(await digest_repo.list_subscriptions(session=session))
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc
    return [s for s in subs if channel is None or s.channel == channel]


async def scheduled(deps: Deps, *, known: tuple[Any, ...] | None = None
                    ) -> tuple[tuple[Any, ...], list[Scheduled]] | None:
    """The active subscriptions' schedules and a fingerprint of them; None when the
    fingerprint is `known` (nothing was added, removed, paused or rescheduled)."""
    try:
        async with deps.sessions() as session:
            fingerprint = await digest_repo.subscriptions_fingerprint(session=session)
            if fingerprint == known:
                return None
            subs = await digest_repo.list_subscriptions(session=session, active_only=True)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc
    return fingerprint, [Scheduled(s.id, s.channel, sch.Schedule.of(s)) for s in subs]


# --- sending -------------------------------------------------------------------

def _aware(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


async def send_due(
    deps: Deps,
    poster: Poster,
    *,
    channel: str | None = None,
    subscription_id: int | None = None,
    period: str | None = None,
    explicit: bool = False,
    retry_failed_after: timedelta = timedelta(0),
) -> list[Outcome]:
    """Send every active subscription's due digest (or only `channel`'s, or one
    subscription's). Due: the trigger fired and that fire is not past the grace.
    `period` forces a period key; `explicit` (the CLI) sends the period of the
    trigger's latest fire even outside the grace. A failed run is retried once it
    failed at least `retry_failed_after` ago."""
    now = deps.clock().astimezone(UTC)
    subs = [s for s in await subscriptions(deps, channel=channel)
            if not s.paused and subscription_id in (None, s.id)]
    outcomes = []
    for sub in subs:
        schedule = sch.Schedule.of(sub)
        if period is not None:
            key: str | None = sch.normalise_key(period)
            if sch.key_frequency(key or "") != schedule.frequency:
                latest = sch.period_key(schedule, sch.last_fire(schedule, now))
                outcomes.append(Outcome(sub.channel, period, "wrong_period",
                                        f"{sub.channel} is {schedule.frequency}; give e.g. {latest}"))
                continue
        elif explicit:
            key = sch.period_key(schedule, sch.last_fire(schedule, now))
        else:
            fired = sch.missed(schedule, now, not_before=_aware(sub.created_at))
            key = sch.period_key(schedule, fired) if fired is not None else None
        if key is None:
            outcomes.append(Outcome(sub.channel, "", "not_due"))
            continue
        outcomes.append(await send_one(deps, poster, sub, key, now, retry_failed_after=retry_failed_after))
    return outcomes


async def send_one(deps: Deps, poster: Poster, sub: Subscription, period: str, now: datetime, *,
                   retry_failed_after: timedelta = timedelta(0)) -> Outcome:
    """Claim, build, post and mark one (subscription, period)."""
    mark = DigestMark(sub.id, period)
    try:
        async with deps.unit_of_work() as session:
            earlier = await digest_repo.get_run(session=session, subscription_id=sub.id, period_key=period)
            earlier_claim = _aware(earlier.claimed_at) if earlier is not None else None
            run = await digest_repo.claim(session=session, subscription_id=sub.id, period_key=period, at=now,
                                          retry_failed_before=now - retry_failed_after,
                                          stale_claim_before=now - STALE_CLAIM)
            run_id = run.id if run is not None else None
    except (SQLAlchemyError, OSError) as exc:
        # nothing claimed, nothing posted: the next run tries again
        raise StoreUnavailable() from exc
    if run_id is None:
        return Outcome(sub.channel, period, "taken")
    if earlier_claim is not None:
        # taken back from a sender that failed or vanished: it may have posted before it stopped
        ts = await _already_posted(poster, sub, mark, since=earlier_claim)
        if ts:
            try:
                async with deps.unit_of_work() as session:
                    await digest_repo.mark_sent(session=session, run_id=run_id, message_ts=ts, at=now)
            except (SQLAlchemyError, OSError) as exc:
                # the claim stays; after STALE_CLAIM the copy in the channel is found again
                raise StoreUnavailable() from exc
            log.info("digest %s %s was already posted (ts %s) by a sender that stopped before recording it; "
                     "marked sent, not posted again", sub.channel, period, ts)
            return Outcome(sub.channel, period, "sent", ts)
    try:
        reply = await build_digest(deps, sub, period, now)
        if reply.empty and sub.skip_empty:
            async with deps.unit_of_work() as session:
                await digest_repo.mark_skipped(session=session, run_id=run_id, at=now)
            log.info("digest %s %s: nothing new, skipped", sub.channel, period)
            return Outcome(sub.channel, period, "skipped")
        ts = await poster.post(sub.channel, reply, mark)
    except Exception as exc:  # any failure must leave a retryable record, not a stuck claim
        return await _failed(deps, sub, period, run_id, exc)
    try:
        async with deps.unit_of_work() as session:
            await digest_repo.mark_sent(session=session, run_id=run_id, message_ts=ts, at=now)
    except (SQLAlchemyError, OSError):
        # posted but not recorded: the claim stays, so nothing re-posts it before STALE_CLAIM,
        # and then the channel's copy is found by its mark
        log.error("digest for %s period %s posted (ts %s) but not recorded as sent", sub.channel, period, ts)
    log.info("digest %s %s sent, ts %s", sub.channel, period, ts)
    if not reply.empty:
        await _attach_chart(deps, poster, sub.channel, ts, period)
    return Outcome(sub.channel, period, "sent", ts)


async def _already_posted(poster: Poster, sub: Subscription, mark: DigestMark, *,
                          since: datetime) -> str | None:
    try:
        return await poster.find(sub.channel, mark, since=since)
    except Exception as exc:  # whatever stops the check, the digest must still go out
        log.warning("digest for %s period %s: could not read the channel's history to check for an earlier "
                    "post (%s); posting it again, so it may appear twice", sub.channel, mark.period, _reason(exc))
        return None


async def _failed(deps: Deps, sub: Subscription, period: str, run_id: int, exc: Exception) -> Outcome:
    reason = _reason(exc)
    if isinstance(exc, PostError) and exc.permanent:
        log.error("digest for %s period %s failed: %s; it is retried, but will keep failing until this is "
                  "fixed (invite the bot to the channel, or reinstall the app)", sub.channel, period, reason)
    else:
        log.warning("digest for %s period %s failed: %s", sub.channel, period, reason)
    try:
        async with deps.unit_of_work() as session:
            await digest_repo.mark_failed(session=session, run_id=run_id, error=reason)
    except (SQLAlchemyError, OSError):
        log.warning("digest for %s period %s: could not record the failure; "
                    "the claim is retaken after %s", sub.channel, period, STALE_CLAIM)
    return Outcome(sub.channel, period, "failed", reason)


async def _attach_chart(deps: Deps, poster: Poster, channel: str, ts: str, period: str) -> None:
    """The key metric's chart in the digest's thread; a failure costs only the picture."""
    try:
        chart = key_chart(deps)
        if chart is not None:
            await poster.attach_chart(channel, ts, chart)
    except Exception as exc:  # best effort: the digest is out and recorded either way
        log.warning("digest for %s period %s: chart not attached (%s)", channel, period, _reason(exc))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PostError):
        return exc.reason[:500]
    return f"{type(exc).__name__}: {exc}"[:500]
