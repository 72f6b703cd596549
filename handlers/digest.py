"""`digest`: per-channel subscriptions to a scheduled licensing summary, and the
summary itself (`build_digest`, from the sections registered in
handlers/digest_sections), Slack-free. When a digest is due is
handlers/schedule.py's trigger; posting it once is handlers/digest_run.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from handlers import dispatch, limits, permissions, unanswered
from handlers import schedule as sch
from handlers.deps import Deps
from handlers.digest_sections import SECTIONS, DigestContext, Section
from handlers.digest_sections.base import DigestItem as DigestItem
from handlers.digest_sections.base import DigestSection as DigestSection
from handlers.digest_sections.changes import change_items as change_items
from handlers.digest_sections.headline import headline_figures as headline_figures
from handlers.errors import BadCommand, NotAllowed, StoreUnavailable
from handlers.replies import Reply, ReplyKind
from store import digests as digest_repo
from store.digests import Subscription

log = logging.getLogger(__name__)

# called (no arguments) after a subscription changed, so the scheduler of this
# process rebuilds its jobs at once instead of at its next resync
CHANGE_LISTENERS: list[Callable[[], None]] = []

SUBCOMMANDS = "subscribe, list, unsubscribe, pause, resume, preview"


# --- the digest --------------------------------------------------------------

@dataclass
class DigestReply(Reply):
    """A Reply(kind=DIGEST) that keeps its sections, so Block Kit can show them as
    sections while `.text` stays readable on the console and in notifications."""

    period: str = ""
    period_label: str = ""
    sections: list[DigestSection] = field(default_factory=list)
    empty: bool = False

    @property
    def text(self) -> str:
        parts = [self.headline]
        for s in self.sections:
            parts.append("")
            parts.append(s.title)
            parts += [f"• {item_text(i)}" for i in s.items]
            if s.total > len(s.items):
                parts.append(f"• and {s.total - len(s.items)} more")
        if self.note:
            parts += ["", self.note]
        return "\n".join(parts)


def item_text(item: DigestItem) -> str:
    return f"{item.text} — by {', '.join(item.actors)}" if item.actors else item.text


def empty_line(frequency: str) -> str:
    return {"daily": "No changes today.", "monthly": "No changes this month."}.get(frequency, "No changes this week.")


# what a digest is built for: a stored subscription, or a bare Schedule for one not
# stored (a preview of the default digest)
DigestTarget = Subscription | sch.Schedule


async def build_digest(deps: Deps, subscription: DigestTarget, period: str, now: datetime, *,
                       channel: str | None = None) -> DigestReply:
    """What the digest of `period` says at `now`: each registered section
    (handlers/digest_sections) in turn, over one read of the store. `subscription`
    is a stored subscription, or a bare Schedule for one not stored (a preview). It
    reports since the subscription's last digest, or since the trigger's fire before
    this period's for its first one. Unanswered questions are listed by text only
    when asked in `channel` (default: the subscription's)."""
    stored = subscription if isinstance(subscription, Subscription) else None
    channel = channel if channel is not None else (stored.channel if stored is not None else None)
    schedule = sch.Schedule.of(subscription)
    sub_id = stored.id if stored is not None else None
    built: list[tuple[Section, DigestSection]] = []
    await unanswered.write(deps)  # questions noted a moment ago belong to this period
    try:
        async with deps.sessions() as session:
            since = None
            if sub_id is not None:
                since = await digest_repo.last_delivered(session=session, subscription_id=sub_id)
            if since is None:
                since = sch.last_fire(schedule, sch.fire_of(schedule, period), strictly_before=True)
            ctx = DigestContext(deps=deps, session=session, channel=channel, since=since, now=now,
                                tz=schedule.tz, today=now.astimezone(schedule.tz).date())
            for part in SECTIONS:
                made = await part.build(ctx)
                if made is not None:
                    built.append((part, made))
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc

    label = sch.describe_key(schedule, period)
    if not any(part.news for part, _ in built):
        return DigestReply(ReplyKind.DIGEST, f"Licensing digest, {label}: {empty_line(schedule.frequency).lower()}",
                           period=period, period_label=label, empty=True)
    sections: list[DigestSection] = []
    for _, made in built:
        if sections and sections[-1].title == made.title:
            last = sections[-1]
            sections[-1] = DigestSection(last.title, (*last.items, *made.items), last.total + made.total)
        else:
            sections.append(made)
    # `lines` for renderers that know only Reply: the sections flattened, titles included
    lines = []
    for s in sections:
        lines.append(f"{s.title}:")
        lines += [item_text(i) for i in s.items]
        if s.total > len(s.items):
            lines.append(f"and {s.total - len(s.items)} more")
    return DigestReply(ReplyKind.DIGEST, f"Licensing digest, {label}", lines=lines, period=period,
                       period_label=label, sections=sections)


# --- the verb ----------------------------------------------------------------

def _error(text: str) -> Reply:
    return Reply(ReplyKind.ERROR, text)


def _changed() -> None:
    for fn in CHANGE_LISTENERS:
        try:
            fn()
        except Exception:  # a listener's bug must not turn a saved change into an error reply
            log.exception("digest change listener failed")


def _next_run_text(schedule: sch.Schedule, now: datetime) -> str:
    return sch.local_text(sch.next_fire(schedule, now), schedule.tz)


async def digest(deps: Deps, req: dispatch.Request, rest: str) -> Reply:
    """A licensing summary posted to a channel on a schedule (admins subscribe in the channel).
    e.g. digest subscribe weekly mon 09:00 Europe/Berlin · digest list · digest preview · digest pause"""
    if len(req.text) > limits.MAX_MESSAGE:
        return _error(limits.too_long("That command"))
    words = rest.split(None, 1)
    sub = words[0].lower() if words else ""
    args = words[1] if len(words) > 1 else ""
    try:
        if sub in ("", "help"):
            return Reply(ReplyKind.HELP, f"digest commands: {SUBCOMMANDS}.",
                         lines=[f"subscribe: {sch.SUBSCRIBE_FORMS}"],
                         note="Run them in the channel that should receive the digest.")
        if sub == "list":
            return await _list(deps)
        if sub == "preview":
            return await _preview(deps, req)
        if sub in ("subscribe", "unsubscribe", "pause", "resume"):
            return await _change(deps, req, sub, args)
    except BadCommand as exc:
        return _error(str(exc))
    return _error(f"“{sub}” is not a digest command; use one of: {SUBCOMMANDS}.")


async def _change(deps: Deps, req: dispatch.Request, sub: str, args: str) -> Reply:
    if not req.channel:
        return _error(f"Run `digest {sub}` in the Slack channel that should receive the digest.")
    try:
        await permissions.require_admin(deps, req)
    except NotAllowed as exc:
        return Reply(ReplyKind.ERROR, f"Only IP admins can {sub} digests; an admin runs `/ip digest {sub}` here.",
                     mentions=exc.contacts)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc
    if sub != "subscribe" and args.strip():
        return _error(f"`digest {sub}` takes no options; type just `/ip digest {sub}`.")
    if sub == "subscribe":
        schedule, skip_empty = sch.parse_subscribe(args, default_tz=deps.tz.key)
    now = deps.clock()
    try:
        async with deps.unit_of_work() as session:
            if sub == "subscribe":
                _row, created = await digest_repo.subscribe(
                    session=session, channel=req.channel, frequency=schedule.frequency, weekday=schedule.weekday,
                    day_of_month=schedule.day_of_month, at_time=schedule.at_time, timezone=schedule.timezone,
                    skip_empty=skip_empty, actor=req.user, at=now)
                found = True
            elif sub == "unsubscribe":
                found = await digest_repo.unsubscribe(session=session, channel=req.channel)
            else:
                found = await digest_repo.set_paused(session=session, channel=req.channel, paused=sub == "pause")
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc
    if not found:
        return _error("This channel has no digest subscription; `/ip digest subscribe` starts one.")
    _changed()
    if sub == "subscribe":
        verb = "Subscribed: this channel gets" if created else "Updated: this channel now gets"
        extra = " Periods without news post nothing (skip-empty)." if skip_empty else ""
        return Reply(ReplyKind.DONE, f"{verb} the licensing digest {schedule.describe()}."
                     f" Next one: {_next_run_text(schedule, now)}.{extra}",
                     note="`/ip digest preview` shows what it would say now.")
    messages = {
        "unsubscribe": "Unsubscribed: this channel gets no more digests.",
        "pause": "Paused: no digest is posted here until `/ip digest resume`.",
        "resume": "Resumed: the digest is posted here again on its schedule.",
    }
    return Reply(ReplyKind.DONE, messages[sub])


async def _list(deps: Deps) -> Reply:
    now = deps.clock()
    try:
        async with deps.sessions() as session:
            subs = await digest_repo.list_subscriptions(session=session)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc
    if not subs:
        return Reply(ReplyKind.ANSWER, "No channel subscribes to the digest yet.",
                     note="An admin types `/ip digest subscribe` in the channel that should receive it.")
    lines = []
    for s in subs:
        schedule = sch.Schedule.of(s)
        state = "paused" if s.paused else f"next {_next_run_text(schedule, now)}"
        flags = ", skip-empty" if s.skip_empty else ""
        lines.append(f"{s.channel}: {schedule.describe()}{flags} — {state}")
    n = len(subs)
    return Reply(ReplyKind.ANSWER, f"{n} digest subscription{'s' if n != 1 else ''}:", lines=lines)


async def _preview(deps: Deps, req: dispatch.Request) -> Reply:
    now = deps.clock()
    row = None
    if req.channel:
        try:
            async with deps.sessions() as session:
                row = await digest_repo.get_subscription(session=session, channel=req.channel)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable() from exc
    # no subscription yet: preview the default schedule (a Schedule has the columns build_digest reads)
    subscription: DigestTarget = row if row is not None else sch.Schedule(timezone=deps.tz.key)
    schedule = sch.Schedule.of(subscription)
    at = sch.next_fire(schedule, now)
    period = sch.period_key(schedule, at)
    reply = await build_digest(deps, subscription, period, now, channel=req.channel)
    if row is None:
        reply.note = ("Preview only, nothing was posted. No digest subscription here yet: "
                      "`/ip digest subscribe` posts this weekly.")
    else:
        reply.note = (f"Preview only, nothing was posted. The next digest goes out "
                      f"{sch.local_text(at, schedule.tz)} with what is new by then.")
    return reply
