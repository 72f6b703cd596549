"""Audit log (fact_changes), pending confirmations and database-granted admins.

The audit row holds JSON snapshots of the record before and after a change, so
history reads and undo never need the live row (which a removal deletes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Admin, Fact, FactChange, Licence, PendingChange

ACTIONS = ("set", "remove", "alias", "licensee_add", "licensee_remove", "undo", "import")
FACT_FIELDS = ("subject", "metric", "period", "value", "numeric", "unit", "qualifier", "source")
LICENCE_FIELDS = ("licensee", "licensor", "kind", "technology", "signed_on", "expires_on", "territory", "status")


# ---- snapshots and keys ------------------------------------------------------------


@dataclass(frozen=True)
class FactKey:
    subject: str
    metric: str
    period: str


@dataclass(frozen=True)
class LicenceKey:
    licensee: str
    licensor: str
    signed_on: date | None


@dataclass(frozen=True)
class AliasKey:
    alias: str


# which record a change is about; kept in columns of their own (migration 0006),
# never joined into one string a name could break
RecordKey = FactKey | LicenceKey | AliasKey


def key_columns(kind: str, key: RecordKey, before: dict[str, Any] | None,
                after: dict[str, Any] | None) -> dict[str, Any]:
    """The fact_changes columns that hold `key`. `key` (the text column) is a JSON
    list of the parts, for reading only; an alias row's `metric` is what the alias
    points at (after the change, or before a removal), so `history <metric>` finds it."""
    if isinstance(key, FactKey):
        return {"kind": kind, "key": _key_text(key.subject, key.metric, key.period), "subject": key.subject,
                "metric": key.metric, "period": key.period}
    if isinstance(key, LicenceKey):
        return {"kind": kind, "key": _key_text(key.licensee, key.licensor,
                                               key.signed_on.isoformat() if key.signed_on else ""),
                "licensee": key.licensee, "licensee_key": key.licensee.lower(), "licensor": key.licensor,
                "signed_on": key.signed_on}
    target = (after or before or {}).get("metric") or ""
    return {"kind": kind, "key": _key_text(key.alias), "alias": key.alias, "metric": target}


def _key_text(*parts: str) -> str:
    return json.dumps(list(parts), ensure_ascii=False)[:500]


def key_of(row: FactChange) -> RecordKey:
    """The record a change row is about, from its columns (or, for a row written
    without them, from its snapshots)."""
    snap = loads(row.after) or loads(row.before) or {}
    if row.kind == "fact":
        if row.metric:
            return FactKey(row.subject, row.metric, row.period)
        return FactKey(str(snap.get("subject") or ""), str(snap.get("metric") or ""), str(snap.get("period") or ""))
    if row.kind == "licence":
        if row.licensee:
            return LicenceKey(row.licensee, row.licensor, row.signed_on)
        signed = snap.get("signed_on")
        return LicenceKey(str(snap.get("licensee") or ""), str(snap.get("licensor") or ""),
                          date.fromisoformat(signed) if signed else None)
    return AliasKey(row.alias or str(snap.get("alias") or row.key))


def fact_snapshot(f: Fact | dict[str, Any]) -> dict[str, Any]:
    if isinstance(f, dict):
        return {c: f.get(c) for c in FACT_FIELDS}
    return {c: getattr(f, c) for c in FACT_FIELDS}


def licence_snapshot(lc: Licence | dict[str, Any]) -> dict[str, Any]:
    get = lc.get if isinstance(lc, dict) else lambda c: getattr(lc, c)
    out: dict[str, Any] = {}
    for c in LICENCE_FIELDS:
        v = get(c)
        out[c] = v.isoformat() if isinstance(v, date) else v
    return out


def licence_columns(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A licence snapshot back into column values (ISO dates -> date)."""
    out = dict(snapshot)
    for c in ("signed_on", "expires_on"):
        out[c] = date.fromisoformat(out[c]) if out.get(c) else None
    return out


def dumps(snapshot: dict[str, Any] | None) -> str | None:
    return None if snapshot is None else json.dumps(snapshot, ensure_ascii=False, sort_keys=True)


def loads(text: str | None) -> dict[str, Any] | None:
    """A stored snapshot; None for none, and for text that is not one (an audit row
    written by hand or cut short is shown as "none", never a traceback)."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def key_value(key: FactKey) -> str:
    """A fact key as a button carries it (Slack gives it back as text)."""
    return json.dumps([key.subject, key.metric, key.period], ensure_ascii=False)


def key_from_value(value: str) -> FactKey | None:
    """The fact key of a button's value; None when it is not one (a forged or old button)."""
    try:
        parts = json.loads(value)
    except ValueError:
        return None
    if not isinstance(parts, list) or len(parts) != 3 or not all(isinstance(p, str) for p in parts):
        return None
    return FactKey(*parts)


# ---- fact_changes ------------------------------------------------------------------


async def record(
    *,
    session: AsyncSession,
    at: datetime,
    actor: str,
    action: str,
    kind: str,
    key: RecordKey,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    source: str = "",
    undo_of: int | None = None,
) -> FactChange:
    row = FactChange(at=at, actor=actor, action=action, before=dumps(before), after=dumps(after), source=source,
                     undo_of=undo_of, **key_columns(kind, key, before, after))
    session.add(row)
    await session.flush()
    return row


def record_rows(*, at: datetime, actor: str, action: str, kind: str,
                changes: Sequence[tuple[RecordKey, dict[str, Any] | None, dict[str, Any] | None, str]]
                ) -> list[dict[str, Any]]:
    """Rows for a bulk insert (import): (key, before, after, source) each. Every
    row carries every key column, as one executemany needs."""
    blank = {"subject": "", "metric": "", "period": "", "licensee": "", "licensee_key": "", "licensor": "",
             "signed_on": None, "alias": ""}
    return [
        {"at": at, "actor": actor, "action": action, "before": dumps(b), "after": dumps(a), "source": src,
         **blank, **key_columns(kind, key, b, a)}
        for key, b, a, src in changes
    ]


async def history(*, session: AsyncSession, kind: str, metric: str | None = None,
                  licensee: str | None = None, limit: int = 20) -> list[FactChange]:
    """Newest first, at most `limit` rows, filtered and limited by the database
    (indexes of migration 0006). `metric` matches every period of a fact metric
    and the aliases pointing at it; `licensee` every licence of that licensee
    (any case)."""
    q = select(FactChange).order_by(FactChange.id.desc()).limit(limit)
    if metric is not None:
        q = q.where(FactChange.metric == metric, FactChange.kind.in_(("fact", "alias")))
    elif licensee is not None:
        q = q.where(FactChange.licensee_key == licensee.lower(), FactChange.kind == "licence")
    else:
        q = q.where(FactChange.kind == kind)
    return list((await session.scalars(q)).all())


async def last_undoable(*, session: AsyncSession, actor: str) -> list[FactChange]:
    """The rows of the actor's newest change that is not undone yet (undo rows and
    imports are not themselves undone). A licensee removal may have written several
    rows in one command; they share actor, time and action and go back together."""
    last = await session.scalar(
        select(FactChange)
        .where(FactChange.actor == actor, FactChange.undone_by.is_(None),
               FactChange.action.notin_(("undo", "import")))
        .order_by(FactChange.id.desc())
        .limit(1)
    )
    if last is None:
        return []
    if last.action != "licensee_remove":
        return [last]
    return list((await session.scalars(
        select(FactChange)
        .where(FactChange.actor == actor, FactChange.undone_by.is_(None), FactChange.action == last.action,
               FactChange.at == last.at)
        .order_by(FactChange.id.desc())
    )).all())


async def claim_undo(*, session: AsyncSession, change_id: int, undo_id: int) -> bool:
    """Mark a change as undone; False when another undo got there first."""
    res = await session.execute(
        update(FactChange)
        .where(FactChange.id == change_id, FactChange.undone_by.is_(None))
        .values(undone_by=undo_id)
    )
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


# ---- pending_changes ---------------------------------------------------------------


async def add_pending(*, session: AsyncSession, token: str, actor: str, payload: dict[str, Any],
                      at: datetime) -> None:
    session.add(PendingChange(token=token, actor=actor, payload=json.dumps(payload, ensure_ascii=False),
                              created_at=at, status="pending"))
    await session.flush()


async def get_pending(*, session: AsyncSession, token: str) -> PendingChange | None:
    return await session.scalar(select(PendingChange).where(PendingChange.token == token))


async def claim_pending(*, session: AsyncSession, token: str, actor: str, status: str,
                        created_after: datetime | None = None) -> bool:
    """Move a pending change to `status` (applied / cancelled) exactly once, and
    only for its author: the conditional update is the claim, so a double click or
    a second replica finds nothing left to claim."""
    cond = [PendingChange.token == token, PendingChange.status == "pending", PendingChange.actor == actor]
    if created_after is not None:
        cond.append(PendingChange.created_at >= created_after)
    res = await session.execute(update(PendingChange).where(*cond).values(status=status))
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


# ---- admins ------------------------------------------------------------------------


async def list_admins(*, session: AsyncSession) -> Sequence[Admin]:
    return (await session.scalars(select(Admin).order_by(Admin.added_at, Admin.user_id))).all()


async def lock_admins(*, session: AsyncSession) -> list[str]:
    """Every database admin's id, locked until the transaction ends, so a check on
    them ("would this leave no admin?") and the change it allows are one step: row
    locks on PostgreSQL; on SQLite, which has none, a write first takes the
    database's write lock (the first statement of the transaction, so it waits
    for another writer rather than failing)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(Admin).values(added_by=Admin.added_by)
                              .execution_options(synchronize_session=False))
    return list((await session.scalars(
        select(Admin.user_id).order_by(Admin.user_id).with_for_update()
    )).all())


async def is_admin(*, session: AsyncSession, user_id: str) -> bool:
    return await session.get(Admin, user_id) is not None


async def add_admin(*, session: AsyncSession, user_id: str, added_by: str, at: datetime) -> bool:
    if await session.get(Admin, user_id) is not None:
        return False
    session.add(Admin(user_id=user_id, added_by=added_by, added_at=at))
    await session.flush()
    return True


async def remove_admin(*, session: AsyncSession, user_id: str) -> bool:
    res = await session.execute(delete(Admin).where(Admin.user_id == user_id))
    return bool(res.rowcount)  # type: ignore[attr-defined]
