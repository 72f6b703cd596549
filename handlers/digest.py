"""`digest`: per-channel subscriptions to a scheduled licensing summary, and the
summary itself (`build_digest`), Slack-free. Posting, claiming and scheduling
live in bot/digest_send.py and bot/scheduler.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from handlers import dispatch, gaps, limits, permissions, stale
from handlers import schedule as sch
from handlers.deps import Deps
from handlers.errors import BadCommand, NotAllowed, StoreUnavailable
from handlers.replies import Reply, ReplyKind
from store import audit
from store import digests as digest_repo
from store import feedback as feedback_repo
from store import freshness as freshness_repo
from store import questions as question_repo
from store.values import format_value

log = logging.getLogger(__name__)

EXPIRY_HORIZON = timedelta(days=90)
# items fetched per section; the renderer may show fewer to stay within Slack's limits
SECTION_FETCH = 50
TOP_QUESTIONS = 5
# metrics the licensing team reads first; the rest follow alphabetically
LEAD_METRICS = ("licensing revenue", "companies licensed", "bilateral patent licences")

# called (no arguments) after a subscription changed, so the scheduler of this
# process rebuilds its jobs at once instead of at its next resync
CHANGE_LISTENERS: list[Callable[[], None]] = []

SUBCOMMANDS = "subscribe, list, unsubscribe, pause, resume, preview"
QUESTIONS_TITLE = "Questions I could not answer"
DUE_TITLE = "Figures due for update"


# --- the digest --------------------------------------------------------------

@dataclass(frozen=True)
class DigestItem:
    text: str
    # who made a change, shown after the text (the renderer may turn a Slack id into a mention)
    actors: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestSection:
    title: str
    items: tuple[DigestItem, ...]
    total: int  # items that exist; more than len(items) when the store held more than fetched


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


def _pct_change(new: float, old: float, unit: str) -> str | None:
    if unit == "%":
        diff = round(new - old, 2)
        if diff == 0:
            return "unchanged"
        return f"{'up' if diff > 0 else 'down'} {abs(diff):g} points"
    if old == 0:
        return None
    pct = round((new - old) / abs(old) * 100, 1)
    if pct == 0:
        return "unchanged"
    return f"{'up' if pct > 0 else 'down'} {abs(pct):g}%"


def headline_figures(deps: Deps) -> list[DigestItem]:
    """Figures of the latest period on record, each against its previous period
    when both are numeric in the same unit."""
    fidx = deps.index.facts
    series = {k: v for k, v in fidx.facts.items() if any(p and f.numeric is not None for p, f in v.items())}
    dated = [p for v in series.values() for p, f in v.items() if p and f.numeric is not None]
    if not dated:
        return []
    latest = max(dated)
    out: list[tuple[tuple[int, str], DigestItem]] = []
    for (_, metric), periods in series.items():
        f = periods.get(latest)
        if f is None or f.numeric is None:
            continue
        earlier = sorted((p for p in periods if p and p < latest), reverse=True)
        name = metric if f.subject == deps.home_subject else f"{f.subject} {metric}"
        text = f"{name} {latest}: {format_value(f.numeric, f.unit, f.qualifier, f.value)}"
        if earlier:
            prev = periods[earlier[0]]
            if prev.numeric is not None and prev.unit == f.unit:
                change = _pct_change(f.numeric, prev.numeric, f.unit)
                if change:
                    prev_text = format_value(prev.numeric, prev.unit, prev.qualifier, prev.value)
                    text += f", {change} from {prev_text} in {prev.period}"
        rank = LEAD_METRICS.index(metric) if metric in LEAD_METRICS else len(LEAD_METRICS)
        out.append(((rank, name), DigestItem(text)))
    return [item for _, item in sorted(out, key=lambda x: x[0])]


def _snapshot_text(kind: str, snap: dict[str, Any] | None) -> str:
    if not snap:
        return ""
    if kind == "fact":
        return format_value(snap.get("numeric"), snap.get("unit") or "", snap.get("qualifier") or "",
                            str(snap.get("value") or ""))
    if kind == "alias":
        return str(snap.get("metric") or "")
    bits = [str(snap.get(k)) for k in ("kind", "technology", "territory", "status") if snap.get(k)]
    if snap.get("expires_on"):
        bits.append(f"expires {snap['expires_on']}")
    return ", ".join(bits) or "on record"


def _change_label(key: audit.RecordKey, home: str) -> str:
    if isinstance(key, audit.FactKey):
        name = key.metric if key.subject in ("", home) else f"{key.subject} {key.metric}"
        return f"{name} {key.period}".strip()
    if isinstance(key, audit.LicenceKey):
        details = ", ".join(b for b in (f"licensor {key.licensor}" if key.licensor else "",
                                        f"signed {key.signed_on.isoformat()}" if key.signed_on else "") if b)
        return f"licence with {key.licensee}" + (f" ({details})" if details else "")
    return f"alias “{key.alias}”"


def _load(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def change_items(rows: list[Any], home: str) -> list[DigestItem]:
    """One line per changed record: several edits of the same fact in one period
    read as first value → last value; an edit that was reverted is left out."""
    grouped: dict[tuple[str, audit.RecordKey], list[Any]] = {}
    for r in rows:
        grouped.setdefault((r.kind, audit.key_of(r)), []).append(r)
    items = []
    for (kind, key), rs in grouped.items():
        before, after = _load(rs[0].before), _load(rs[-1].after)
        b, a = _snapshot_text(kind, before), _snapshot_text(kind, after)
        if before == after:
            continue
        label = _change_label(key, home)
        if before is None:
            text = f"{label}: added, {a}" if a else f"{label}: added"
        elif after is None:
            text = f"{label}: removed (was {b})"
        else:
            text = f"{label}: {b} → {a}" if b != a else f"{label}: details changed ({a})"
        source = (after or {}).get("source") if kind == "fact" else None
        if source and source != (before or {}).get("source"):
            text += f" (source: {source})"
        actors = tuple(dict.fromkeys(r.actor for r in rs if r.actor))
        items.append(DigestItem(text, actors))
    return items


def _gap_text(g: gaps.Gap) -> str:
    counts = [c for c in (f"asked {g.unanswered} times" if g.unanswered > 1 else "",
                          f"👎 {g.down}×" if g.down else "") if c]
    return f"“{g.sample}”" + (f" — {', '.join(counts)}" if counts else "")


def empty_line(frequency: str) -> str:
    return {"daily": "No changes today.", "monthly": "No changes this month."}.get(frequency, "No changes this week.")


async def build_digest(deps: Deps, subscription: Any, period: str, now: datetime, *,
                       channel: str | None = None) -> DigestReply:
    """What the digest of `period` says at `now`. `subscription` is a subscription
    row (or anything with its schedule columns; `id` None for one not stored).
    It reports since the subscription's last digest, or since the previous
    period's run time for its first one.

    Unanswered questions are listed only when asked in the digest's own channel
    (`channel`, else the subscription's); those asked anywhere else, DMs and
    private channels included, only as a count. With no channel at all (a CLI
    preview) none is listed."""
    channel = channel if channel is not None else getattr(subscription, "channel", None)
    schedule = sch.Schedule.of(subscription)
    tz = schedule.tz
    today = now.astimezone(tz).date()
    sub_id = getattr(subscription, "id", None)
    try:
        async with deps.sessions() as session:
            since = None
            if sub_id is not None:
                since = await digest_repo.last_delivered(session=session, subscription_id=sub_id)
            if since is None:
                since = sch.occurrence(schedule, sch.previous_key(schedule, period))
            since_day = since.astimezone(tz).date()
            signed, n_signed = await digest_repo.licences_signed(
                session=session, start=since_day, end=today, limit=SECTION_FETCH)
            lic_exp, n_lic_exp = await digest_repo.licences_expiring(
                session=session, start=today, end=today + EXPIRY_HORIZON, limit=SECTION_FETCH)
            pat_exp, n_pat_exp = await digest_repo.patents_expiring(
                session=session, start=today, end=today + EXPIRY_HORIZON, limit=SECTION_FETCH)
            # fetch generously: several edits of one fact collapse into one line
            changes, n_changes = await digest_repo.changes_since(
                session=session, since=since, until=now, limit=SECTION_FETCH * 20)
            questions = gaps.group(await feedback_repo.open_gaps(session=session, channel=channel, since=since)) \
                if channel else []
            rules = await freshness_repo.rules(session=session)
            asked_elsewhere = await question_repo.count_unanswered_elsewhere(session=session, since=since,
                                                                             channel=channel or "")
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable() from exc

    sections: list[DigestSection] = []

    def add(title: str, items: list[DigestItem], total: int | None = None) -> None:
        if items:
            sections.append(DigestSection(title, tuple(items), max(total or 0, len(items))))

    add(f"Licences signed since {since_day:%d %b %Y}", [
        DigestItem(f"{lc.licensee} ({', '.join(b for b in (lc.kind, lc.technology) if b) or 'licence'})"
                   f", signed {lc.signed_on:%d %b %Y}" + (f", licensor {lc.licensor}" if lc.licensor else ""))
        for lc in signed], n_signed)
    add("Licences expiring in the next 90 days", [
        DigestItem(f"{lc.licensee} ({', '.join(b for b in (lc.kind, lc.technology) if b) or 'licence'})"
                   f", expires {lc.expires_on:%d %b %Y}")
        for lc in lic_exp], n_lic_exp)
    add("Patents expiring in the next 90 days", [
        DigestItem(f"{p.number} — {p.title or 'untitled'}" + (f" ({p.owner})" if p.owner else "")
                   + f", expires {p.expiry_date:%d %b %Y}")
        for p in pat_exp], n_pat_exp)
    change_list = change_items(changes, deps.home_subject)
    more_changes = n_changes > len(changes)
    add("Facts added or changed since the last digest", change_list,
        len(change_list) + (n_changes - len(changes) if more_changes else 0))
    # grouped like /ip gaps: "royalty payload 2022" and "what is our royalty payload in 2022?" are one
    add(QUESTIONS_TITLE, [DigestItem(_gap_text(g)) for g in questions[:TOP_QUESTIONS]], len(questions))

    label = sch.describe_key(schedule, period)
    if not sections:
        return DigestReply(ReplyKind.DIGEST, f"Licensing digest, {label}: {empty_line(schedule.frequency).lower()}",
                           period=period, period_label=label, empty=True)
    if asked_elsewhere:
        # a count, never the text: questions asked elsewhere may have been asked in private
        elsewhere = DigestItem(f"{asked_elsewhere} more asked in other conversations (not shown here)")
        if sections[-1].title == QUESTIONS_TITLE:
            last = sections[-1]
            sections[-1] = DigestSection(last.title, (*last.items, elsewhere), last.total + 1)
        else:
            sections.append(DigestSection(QUESTIONS_TITLE, (elsewhere,), 1))
    figures = headline_figures(deps)
    if figures:
        sections.insert(0, DigestSection("Headline figures", tuple(figures), len(figures)))
    # like the headline figures, a standing reminder, not news: it never makes a digest non-empty
    overdue = stale.due(deps, rules, today)
    if overdue:
        sections.append(DigestSection(DUE_TITLE, tuple(DigestItem(d.text()) for d in overdue[:SECTION_FETCH]),
                                      len(overdue)))
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
    _, at = sch.upcoming(schedule, now)
    return sch.local_text(at, schedule.tz)


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
        async with deps.sessions() as session, session.begin():
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
    subscription: Any = row if row is not None else sch.Schedule(timezone=deps.tz.key)
    schedule = sch.Schedule.of(subscription)
    period, at = sch.upcoming(schedule, now)
    reply = await build_digest(deps, subscription, period, now, channel=req.channel)
    if row is None:
        reply.note = ("Preview only, nothing was posted. No digest subscription here yet: "
                      "`/ip digest subscribe` posts this weekly.")
    else:
        reply.note = (f"Preview only, nothing was posted. The next digest goes out "
                      f"{sch.local_text(at, schedule.tz)} with what is new by then.")
    return reply


dispatch.register("digest", digest)
