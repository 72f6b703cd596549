"""Admin commands: the people who own the facts keep them current.

Every command here returns a Reply and never raises for something a person
typed. A change is shown as understood ("licensing revenue, 2023: US$630
million … — was: none"), written atomically with its audit row (store/changes.py),
and the in-memory index is refreshed at once so the next answer already uses it.
A suspicious change (10× the previous year, or another unit) waits for its
author's Confirm button instead of being written."""

from __future__ import annotations

import dataclasses
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from handlers import admin_parse as ap
from handlers import ask as ask_handler
from handlers import limits, wording
from handlers import text as tx
from handlers.deps import Deps
from handlers.dispatch import Request
from handlers.errors import BadCommand, NotAllowed, StoreUnavailable
from handlers.metrics import resolve_metric
from handlers.permissions import forget_admins, require_admin
from handlers.replies import ActionId, Button, Reply, ReplyKind
from handlers.wording import change_text
from store import audit
from store import changes as change_repo
from store.records import AliasKey, FactKey, FactRecord, LicenceRecord, Record, RecordKey

log = logging.getLogger(__name__)

# how many audit rows `history` shows
HISTORY_LIMIT = 20
SUSPICIOUS_RATIO = 10.0


def _error(text: str) -> Reply:
    return Reply(ReplyKind.ERROR, text)


def _unavailable() -> Reply:
    return Reply(ReplyKind.UNAVAILABLE, str(StoreUnavailable()))


# a handler's result: a Reply, or (handlers/imports.import_file) None for "nothing to say"
_R = TypeVar("_R", Reply, Reply | None)


def safe(fn: Callable[..., Awaitable[_R]]) -> Callable[..., Awaitable[_R]]:
    """What a person typed wrong becomes a short reply; a store outage becomes
    'try again'. No traceback reaches anyone. Every command, action and form handler
    that changes or lists admin data wears it (admin_forms, gaps, stale too)."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> _R:
        req = args[1] if len(args) > 1 else None
        if isinstance(req, Request) and len(req.text) > limits.MAX_MESSAGE:
            # before any parser sees it: the bot checks this too, the CLI and console rely on it
            return _error(limits.too_long("That command"))
        try:
            return await fn(*args, **kwargs)
        except NotAllowed as exc:
            return Reply(ReplyKind.ERROR, str(exc), mentions=exc.contacts)
        except BadCommand as exc:
            return _error(str(exc))
        except (SQLAlchemyError, OSError) as exc:
            log.warning("admin command failed: store unavailable (%s)", type(exc).__name__)
            return _unavailable()

    return wrapper


def _now(deps: Deps) -> datetime:
    # stored in UTC: SQLite keeps no offset, and history converts to deps.tz when shown
    return deps.clock().astimezone(UTC)


async def _refresh(deps: Deps) -> None:
    try:
        await deps.index.refresh(deps.sessions)
    except (SQLAlchemyError, OSError) as exc:
        # the change is committed; the periodic refresh will pick it up
        log.warning("index refresh after a change failed: %s", type(exc).__name__)


# ---- shared wording ----------------------------------------------------------------


def _fact_label(metric: str, period: str) -> str:
    return f"{metric}, {period}" if period else metric


def _with_source(fact: Record | None) -> str:
    text = change_text(fact)
    if isinstance(fact, FactRecord) and fact.source:
        text += f" (source {fact.source})"
    return text


def _key_label(key: RecordKey) -> str:
    if isinstance(key, FactKey):
        return _fact_label(key.metric, key.period)
    if isinstance(key, AliasKey):
        return f"alias “{key.alias}”"
    signed = f" signed {key.signed_on.isoformat()}" if key.signed_on else ""
    return f"licence {key.licensor} → {key.licensee}{signed}"


# ---- metric names ------------------------------------------------------------------


def _previous_year(period: str) -> str:
    return str(int(period) - 1) if period.isdigit() else ""


def _ratio(a: float, b: float) -> float:
    a, b = abs(a), abs(b)
    if not a or not b:
        return 1.0
    return max(a, b) / min(a, b)


def suspicion(new: FactRecord, refs: list[tuple[str, FactRecord | None]]) -> str:
    """Why a change looks wrong ('' when it does not): another unit than the value
    it replaces or the previous year's, or more than 10× off."""
    if new.numeric is None:
        return ""
    for label, old in refs:
        if old is None or old.numeric is None:
            continue
        old_text = wording.value_of(old)
        if old.unit != new.unit:
            return f"the unit changes from {old.unit or 'none'} to {new.unit or 'none'} ({label}: {old_text})"
        r = _ratio(new.numeric, old.numeric)
        if r > SUSPICIOUS_RATIO:
            return f"it is {r:,.0f}× {label} ({old_text})"
    return ""


# ---- set ---------------------------------------------------------------------------


def _set_done(metric: str, period: str, applied: change_repo.Applied, note: str) -> Reply:
    return Reply(
        ReplyKind.DONE,
        f"Set {_fact_label(metric, period)}: {_with_source(applied.after)} — was: {change_text(applied.before)}",
        lines=[note] if note else [],
        topic=metric,
    )


@safe
async def set_fact(deps: Deps, req: Request, rest: str, *, confirmed: bool = False,
                   offer_buttons: bool = True) -> Reply:
    """Set a figure (admins)
    e.g. set licensing revenue 2023 = US$630 million source: Annual Report 2023"""
    await require_admin(deps, req)
    return await set_parsed(deps, req, ap.parse_set(rest), confirmed=confirmed, offer_buttons=offer_buttons)


@safe
async def set_parsed(deps: Deps, req: Request, cmd: ap.SetCmd, *, subject: str = "", confirmed: bool = False,
                     offer_buttons: bool = True) -> Reply:
    """`set` once its parts are read (the typed command, or the fact form field by
    field): the figure of `subject` (default: the home subject)."""
    await require_admin(deps, req)
    subject = subject or deps.home_subject
    metric, note = resolve_metric(deps, cmd.metric, create=True)
    pv = cmd.value
    fact = FactRecord(subject, metric, cmd.period, pv.value, pv.unit, pv.qualifier, cmd.source, pv.numeric)
    periods = deps.index.facts.periods(subject, metric)
    current = periods.get(cmd.period)
    if current is not None and not cmd.source and dataclasses.replace(current, source="") == fact:
        # retyping the same figure without a source must not wipe the stored source
        fact = current
    if fact == current:
        return Reply(ReplyKind.DONE, f"{_fact_label(metric, cmd.period)} is already {_with_source(fact)}; "
                                     "nothing changed.", lines=[note] if note else [], topic=metric)
    prev = _previous_year(cmd.period)
    why = suspicion(fact, [("the value it replaces", current),
                           (f"the {prev} value", periods.get(prev) if prev else None)])
    if why and not confirmed:
        was = _with_source(current)
        question = (f"Please confirm: set {_fact_label(metric, cmd.period)}: {_with_source(fact)} — was: {was}. "
                    f"This looks unusual: {why}.")
        lines = [note] if note else []
        if not offer_buttons:
            return Reply(ReplyKind.CONFIRM, question, lines=lines, note="Nothing was written.", topic=metric)
        token = secrets.token_urlsafe(16)
        async with deps.unit_of_work() as session:
            await audit.add_pending(session=session, token=token, actor=req.user,
                                    change=audit.PendingSet(fact, note), at=_now(deps))
        return Reply(
            ReplyKind.CONFIRM, question, lines=lines,
            note="Nothing is written until you press Confirm.",
            buttons=[Button("Confirm", ActionId.CONFIRM_CHANGE.value, token, "primary"),
                     Button("Cancel", ActionId.CANCEL_CHANGE.value, token)],
            topic=metric,
        )
    applied = await deps.in_transaction(
        lambda s: change_repo.set_fact(session=s, fact=fact, actor=req.user, at=_now(deps)))
    await _refresh(deps)
    return _set_done(metric, cmd.period, applied, note)


async def _pending_problem(deps: Deps, req: Request, token: str) -> Reply:
    async with deps.sessions() as session:
        pending = await audit.get_pending(session=session, token=token)
    if pending is None:
        return _error("I don't know that change any more; please type it again.")
    if pending.actor != req.user:
        return _error(f"Only {pending.actor}, who asked for this change, can confirm or cancel it.")
    if pending.status == "applied":
        return Reply(ReplyKind.DONE, "That change was already applied.")
    if pending.status == "pending":
        return _error("That confirmation has expired (after 24 hours); nothing was written. Type the change "
                      "again if it is still right.")
    return Reply(ReplyKind.DONE, "That change was cancelled; nothing was written.")


@safe
async def confirm_change(deps: Deps, req: Request, token: str) -> Reply:
    await require_admin(deps, req)
    try:
        applied = await deps.in_transaction(
            lambda s: change_repo.confirm_pending(session=s, token=token, actor=req.user, at=_now(deps)))
    except change_repo.NotPending:
        return await _pending_problem(deps, req, token)
    await _refresh(deps)
    async with deps.sessions() as session:
        pending = await audit.get_pending(session=session, token=token)
    note = pending.change.note if pending and pending.change else ""
    assert isinstance(applied.key, FactKey)  # a confirmation only ever sets a figure
    return _set_done(applied.key.metric, applied.key.period, applied, note)


@safe
async def cancel_change(deps: Deps, req: Request, token: str) -> Reply:
    if await deps.in_transaction(lambda s: change_repo.cancel_pending(session=s, token=token, actor=req.user)):
        return Reply(ReplyKind.DONE, "Cancelled; nothing was written.")
    return await _pending_problem(deps, req, token)


# ---- remove ------------------------------------------------------------------------


@safe
async def remove_fact(deps: Deps, req: Request, rest: str) -> Reply:
    """Remove a figure (admins; kept in history)
    e.g. remove licensing revenue 2023"""
    await require_admin(deps, req)
    cmd = ap.parse_remove(rest)
    metric, note = resolve_metric(deps, cmd.metric, create=False)
    try:
        applied = await deps.in_transaction(lambda s: change_repo.remove_fact(
            session=s, subject=deps.home_subject, metric=metric, period=cmd.period, actor=req.user, at=_now(deps)))
    except change_repo.NothingToRemove:
        stored = sorted(p or "no year" for p in deps.index.facts.periods(deps.home_subject, metric))
        hint = f" Stored: {', '.join(stored)}." if stored else ""
        return _error(f"There is no stored value for {_fact_label(metric, cmd.period)}; nothing removed.{hint}")
    await _refresh(deps)
    return Reply(ReplyKind.DONE, f"Removed {_fact_label(metric, cmd.period)} (was: {_with_source(applied.before)})",
                 lines=[note] if note else [], note="`undo` brings it back.")


# ---- alias -------------------------------------------------------------------------


@safe
async def alias(deps: Deps, req: Request, rest: str) -> Reply:
    """Add another name for a metric (admins)
    e.g. alias royalty income = licensing revenue"""
    await require_admin(deps, req)
    cmd = ap.parse_alias(rest)
    metric, _ = resolve_metric(deps, cmd.metric, create=False)
    if metric not in deps.index.facts.metrics:
        known = ", ".join(sorted(deps.index.facts.metrics)[:12])
        return _error(f"There is no metric called “{cmd.metric}”. An alias must point at one of: {known}.")
    existing = deps.index.facts.phrases.get(tx.key(cmd.alias))
    if existing == metric:
        return Reply(ReplyKind.DONE, f"“{cmd.alias}” already means {metric}; nothing changed.")
    if existing is not None and cmd.alias in deps.index.facts.metrics:
        return _error(f"“{cmd.alias}” is a metric of its own; choose another alias.")
    if existing is not None and not tx.key(cmd.alias):
        return _error(f"“{cmd.alias}” is too general to be an alias.")
    applied = await deps.in_transaction(
        lambda s: change_repo.set_alias(session=s, alias=cmd.alias, metric=metric, actor=req.user, at=_now(deps)))
    await _refresh(deps)
    was = f" — was: {change_text(applied.before)}" if applied.before else ""
    return Reply(ReplyKind.DONE, f"“{cmd.alias}” now means {metric}{was}", topic=metric)


# ---- licensees ---------------------------------------------------------------------


@safe
async def licensee(deps: Deps, req: Request, rest: str) -> Reply:
    """Add or remove a licence (admins)
    e.g. licensee add Ericsson signed:2023-08 kind:cross-licence technology:cellular"""
    first = rest.split(None, 1)[0].lower() if rest.strip() else ""
    if first not in ("add", "remove", "delete", "del", "rm"):
        # "licensee Ericsson?" is a question, not a command
        return await ask_handler.ask(deps, f"licensee {rest}", user=req.user, channel=req.channel, topic=req.topic)
    await require_admin(deps, req)
    cmd = ap.parse_licensee(rest)
    stored = {lc.licensee.lower(): lc.licensee for lc in deps.index.licences.licences}
    name = stored.get(cmd.licensee.lower(), cmd.licensee)
    if cmd.op == "add":
        lic = LicenceRecord.from_mapping({"licensee": name, "licensor": deps.home_subject, **cmd.fields})
        applied = await deps.in_transaction(
            lambda s: change_repo.add_licence(session=s, licence=lic, actor=req.user, at=_now(deps)))
        await _refresh(deps)
        was = f" — was: {change_text(applied.before)}" if applied.before else ""
        verb = "Updated" if applied.before else "Added"
        return Reply(ReplyKind.DONE, f"{verb} licence: {change_text(applied.after)}{was}")
    signed = cmd.fields.get("signed_on")
    try:
        removed = await deps.in_transaction(lambda s: change_repo.remove_licences(
            session=s, licensee=name, actor=req.user, at=_now(deps),
            signed_on=signed if isinstance(signed, date) else None, any_date="signed_on" not in cmd.fields))
    except change_repo.NothingToRemove:
        what = f"{name} signed {signed.isoformat()}" if isinstance(signed, date) else name
        return _error(f"No licence of {what} is stored; nothing removed.")
    await _refresh(deps)
    n = len(removed)
    return Reply(ReplyKind.DONE, f"Removed {n} licence{'s' if n > 1 else ''} of {name}",
                 lines=[change_text(a.before) for a in removed], note="`undo` brings them back.")


# ---- history and undo --------------------------------------------------------------


def _when(deps: Deps, at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(deps.tz).strftime("%Y-%m-%d %H:%M %Z")


@safe
async def history(deps: Deps, req: Request, rest: str) -> Reply:
    """Who changed a figure, when, old → new (newest first)
    e.g. history licensing revenue"""
    words = rest.strip()
    ap.check_text(ap.HISTORY_USAGE, "name", words)
    async with deps.sessions() as session:
        if words.lower().startswith(("licensee ", "licence ", "license ")):
            name = words.split(None, 1)[1].strip()
            rows = await audit.history(session=session, kind="licence", licensee=name, limit=HISTORY_LIMIT)
            label = f"licences of {name}"
        elif words:
            metric, _ = resolve_metric(deps, ap.normalise_metric(words), create=False)
            rows = await audit.history(session=session, kind="fact", metric=metric, limit=HISTORY_LIMIT)
            label = metric
        else:
            rows = []
            for kind in ("fact", "alias", "licence"):
                rows += await audit.history(session=session, kind=kind, limit=HISTORY_LIMIT)
            rows = sorted(rows, key=lambda r: r.id, reverse=True)[:HISTORY_LIMIT]
            label = "all facts"
    if not rows:
        return Reply(ReplyKind.ANSWER, f"No changes recorded for {label}.",
                     note=f"Use: {ap.HISTORY_USAGE}")
    lines = []
    for r in rows:
        line = (f"{_when(deps, r.at)} — {r.actor} {r.action} {_key_label(r.key)}: "
                f"{change_text(r.before)} → {change_text(r.after)}")
        if r.source and r.action != "undo":
            line += f" (source {r.source})"
        if r.undone_by:
            line += " [undone]"
        lines.append(line)
    return Reply(ReplyKind.ANSWER, f"Changes to {label}, newest first:", lines=lines)


def _undone_text(a: change_repo.Applied) -> str:
    label = _key_label(a.key)
    if a.after is None:
        return f"{label} removed again (it was {change_text(a.before)})"
    if a.before is None:
        return f"{label} is back: {change_text(a.after)}"
    return f"{label} is back to {change_text(a.after)} (was {change_text(a.before)})"


@safe
async def undo(deps: Deps, req: Request, rest: str) -> Reply:
    """Take back your own last change (recorded in history)
    e.g. undo"""
    await require_admin(deps, req)
    try:
        applied = await deps.in_transaction(
            lambda s: change_repo.undo_last(session=s, actor=req.user, at=_now(deps)))
    except change_repo.NothingToUndo:
        return Reply(ReplyKind.NOT_KNOWN, "Nothing to undo: you have no change that is not undone yet.")
    except change_repo.ChangeConflict as exc:
        return _error(f"I can't undo your change to {_key_label(exc.key)}: someone changed it after you. "
                      "See `history` and set it directly instead.")
    await _refresh(deps)
    lines = [_undone_text(a) for a in applied]
    return Reply(ReplyKind.DONE, "Undone: " + lines[0] if len(lines) == 1 else f"Undone {len(lines)} changes:",
                 lines=[] if len(lines) == 1 else lines)


# ---- admins ------------------------------------------------------------------------


@safe
async def admins(deps: Deps, req: Request, rest: str) -> Reply:
    """List IP admins, or add/remove one (admins)
    e.g. admins add @maria"""
    words = rest.split(None, 1)
    op = words[0].lower() if words else ""
    if op in ("", "list"):
        async with deps.sessions() as session:
            rows = await audit.list_admins(session=session)
        lines = [f"{u} (IPBOT_ADMINS)" for u in sorted(deps.admins)]
        lines += [f"{a.user_id} (added by {a.added_by or 'unknown'} {_when(deps, a.added_at)})"
                  for a in rows if a.user_id not in deps.admins]
        if not lines:
            return Reply(ReplyKind.ANSWER, "There are no IP admins yet; set IPBOT_ADMINS to the first ones.")
        return Reply(ReplyKind.ANSWER, "IP admins (they may change facts):", lines=lines)
    if op not in ("add", "remove") or len(words) < 2:
        raise ap.bad(ap.ADMINS_USAGE)
    await require_admin(deps, req)
    user = ap.parse_user(words[1])
    if op == "add":
        if user in deps.admins:
            return Reply(ReplyKind.DONE, f"{user} is already an admin (IPBOT_ADMINS).")
        try:
            async with deps.unit_of_work() as session:
                added = await audit.add_admin(session=session, user_id=user, added_by=req.user, at=_now(deps))
        except IntegrityError:
            added = False
        forget_admins(deps)
        if not added:
            return Reply(ReplyKind.DONE, f"{user} is already an admin.")
        return Reply(ReplyKind.DONE, f"{user} is now an IP admin.")
    if user in deps.admins:
        return _error(f"{user} is an admin through IPBOT_ADMINS; change that setting to remove them.")
    async with deps.unit_of_work() as session:
        # locked: two admins removing each other at once must not leave none
        ids = await audit.lock_admins(session=session)
        if not req.trusted and req.user not in deps.admins and req.user not in ids:
            # removed by another admin a moment ago
            raise NotAllowed("Only IP admins can change facts.", contacts=(sorted(deps.admins) or ids)[:1])
        if not deps.admins and ids == [user]:
            return _error(f"{user} is the last IP admin; add another one first.")
        removed = await audit.remove_admin(session=session, user_id=user)
    forget_admins(deps)
    if not removed:
        return _error(f"{user} is not an admin; nothing changed.")
    return Reply(ReplyKind.DONE, f"{user} is no longer an IP admin.")


# ---- the verbs handlers/registry.py lists ------------------------------------------

COMMANDS: dict[str, Callable[[Deps, Request, str], Awaitable[Reply]]] = {
    "set": set_fact,
    "remove": remove_fact,
    "alias": alias,
    "licensee": licensee,
    "history": history,
    "undo": undo,
    "admins": admins,
}
