"""Post due digests exactly once: claim (subscription, period) in the database,
build, render Block Kit, chat.postMessage, mark sent with the message ts.

The claim is committed before the post, so two replicas, a restart, a cron
`ipbot digest send` and the scheduler can all run this at once and the channel
still gets one message. A post that fails is marked failed with the reason and
retried by the next run; a claim left behind by a process that died mid-post is
taken back after STALE_CLAIM.

Each digest carries Slack message metadata (event type `ipbot_digest`, the
subscription id and the period). Before a claim that was taken back (stale or
failed) is posted again, the channel's history since that claim is searched for
it: a digest that went out from a process that died before recording it is then
marked sent, not posted twice. If the history cannot be read (no
`channels:history`/`groups:history` scope, not in the channel), that is logged
and the digest is posted again, as before."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import render_digest
from handlers import schedule as sch
from handlers.deps import Deps
from handlers.digest import build_digest
from store import digests as digest_repo

log = logging.getLogger(__name__)

# a sender that claimed a period and vanished (crash, kill -9) for this long is
# presumed dead; its period goes out on the next run instead of never
STALE_CLAIM = timedelta(minutes=15)
# the metadata event type of a posted digest
EVENT_TYPE = "ipbot_digest"
# searched from this long before the earlier claim (clocks of this host and Slack may differ)
HISTORY_MARGIN = timedelta(minutes=5)
HISTORY_PAGE = 200
HISTORY_PAGES = 10


# the Web API client (bot.app.make_client: retries 429s and dropped connections);
# tests pass a real one pointed at the stand-in Slack
Poster = AsyncWebClient


# --- sending -------------------------------------------------------------------

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
    subscription's). `period` forces a period key; `explicit` (the CLI) sends
    the latest started period even outside the scheduler's grace window. A
    failed run is retried once it failed at least `retry_failed_after` ago."""
    now = deps.clock().astimezone(UTC)
    async with deps.sessions() as session:
        subs = await digest_repo.list_subscriptions(session=session, active_only=True)
    if channel is not None:
        subs = [s for s in subs if s.channel == channel]
    if subscription_id is not None:
        subs = [s for s in subs if s.id == subscription_id]
    outcomes = []
    for sub in subs:
        schedule = sch.Schedule.of(sub)
        if period is not None:
            key: str | None = sch.normalise_key(period)
            if sch.key_frequency(key or "") != schedule.frequency:
                outcomes.append(Outcome(sub.channel, period, "wrong_period",
                                        f"{sub.channel} is {schedule.frequency}; "
                                        f"give e.g. {sch.latest(schedule, now)[0]}"))
                continue
        elif explicit:
            key = sch.latest(schedule, now)[0]
        else:
            key = sch.due(schedule, now, not_before=_aware(sub.created_at))
        if key is None:
            outcomes.append(Outcome(sub.channel, "", "not_due"))
            continue
        outcomes.append(await send_one(deps, poster, sub, key, now, retry_failed_after=retry_failed_after))
    return outcomes


async def send_one(deps: Deps, poster: Poster, sub: Any, period: str, now: datetime, *,
                   retry_failed_after: timedelta = timedelta(0)) -> Outcome:
    async with deps.sessions() as session, session.begin():
        earlier = await digest_repo.get_run(session=session, subscription_id=sub.id, period_key=period)
        earlier_claim = _aware(earlier.claimed_at) if earlier is not None else None
        run = await digest_repo.claim(session=session, subscription_id=sub.id, period_key=period, at=now,
                                      retry_failed_before=now - retry_failed_after,
                                      stale_claim_before=now - STALE_CLAIM)
        run_id = run.id if run is not None else None
    if run_id is None:
        return Outcome(sub.channel, period, "taken")
    if earlier_claim is not None:
        # taken back from a sender that failed or vanished: it may have posted before it stopped
        ts = await find_posted(poster, sub, period, since=earlier_claim)
        if ts:
            async with deps.sessions() as session, session.begin():
                await digest_repo.mark_sent(session=session, run_id=run_id, message_ts=ts, at=now)
            log.info("digest %s %s was already posted (ts %s) by a sender that stopped before recording it; "
                     "marked sent, not posted again", sub.channel, period, ts)
            return Outcome(sub.channel, period, "sent", ts)
    try:
        reply = await build_digest(deps, sub, period, now)
        if reply.empty and sub.skip_empty:
            async with deps.sessions() as session, session.begin():
                await digest_repo.mark_skipped(session=session, run_id=run_id, at=now)
            log.info("digest %s %s: nothing new, skipped", sub.channel, period)
            return Outcome(sub.channel, period, "skipped")
        blocks, text = render_digest(reply)
        resp = await poster.chat_postMessage(channel=sub.channel, text=text, blocks=blocks,
                                             unfurl_links=False, unfurl_media=False,
                                             metadata=digest_metadata(sub.id, period))
        ts = str(resp.get("ts") or "")
    except Exception as exc:  # any failure must leave a retryable record, not a stuck claim
        reason = _reason(exc)
        log.warning("digest for %s period %s failed: %s", sub.channel, period, reason)
        try:
            async with deps.sessions() as session, session.begin():
                await digest_repo.mark_failed(session=session, run_id=run_id, error=reason)
        except (SQLAlchemyError, OSError):
            log.warning("digest for %s period %s: could not record the failure; "
                        "the claim is retaken after %s", sub.channel, period, STALE_CLAIM)
        return Outcome(sub.channel, period, "failed", reason)
    try:
        async with deps.sessions() as session, session.begin():
            await digest_repo.mark_sent(session=session, run_id=run_id, message_ts=ts, at=now)
    except (SQLAlchemyError, OSError):
        # posted but not recorded: the claim stays, so nothing re-posts it before STALE_CLAIM
        log.error("digest for %s period %s posted (ts %s) but not recorded as sent", sub.channel, period, ts)
    log.info("digest %s %s sent, ts %s", sub.channel, period, ts)
    return Outcome(sub.channel, period, "sent", ts)


def digest_metadata(subscription_id: int, period: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"subscription_id": subscription_id, "period": period}}


async def find_posted(poster: Poster, sub: Any, period: str, *, since: datetime) -> str | None:
    """The ts of this subscription's digest of `period` if the channel holds one
    posted since `since` (by its metadata), else None. When the history cannot
    be read, say so in the log and return None: the digest is posted again."""
    oldest = f"{(since - HISTORY_MARGIN).timestamp():.6f}"
    cursor = None
    try:
        for _ in range(HISTORY_PAGES):
            resp = await poster.conversations_history(channel=sub.channel, oldest=oldest, limit=HISTORY_PAGE,
                                                      include_all_metadata=True, cursor=cursor)
            for msg in resp.get("messages") or []:
                meta = msg.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == EVENT_TYPE and payload.get("period") == period \
                        and str(payload.get("subscription_id")) == str(sub.id):
                    return str(msg.get("ts") or "")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    except Exception as exc:  # whatever stops the check, the digest must still go out
        log.warning("digest for %s period %s: could not read the channel's history to check for an earlier "
                    "post (%s; the app needs the channels:history and groups:history scopes); posting it again, "
                    "so it may appear twice", sub.channel, period, _reason(exc))
    return None


def _reason(exc: BaseException) -> str:
    resp = getattr(exc, "response", None)
    if resp is not None:
        try:
            err = resp.get("error")
        except Exception:
            err = None
        if err:
            return f"Slack error: {err}"
    return f"{type(exc).__name__}: {exc}"[:500]
