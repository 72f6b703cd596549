"""Audit log (fact_changes), pending confirmations and database-granted admins.

The audit row holds JSON snapshots of the record before and after a change, so
history reads and undo never need the live row (which a removal deletes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Admin, Fact, FactChange, Licence, PendingChange

ACTIONS = ("set", "remove", "alias", "licensee_add", "licensee_remove", "undo", "import")
FACT_FIELDS = ("subject", "metric", "period", "value", "numeric", "unit", "qualifier", "source")
LICENCE_FIELDS = ("licensee", "licensor", "kind", "technology", "signed_on", "expires_on", "territory", "status")


# ---- snapshots and keys ------------------------------------------------------------


def fact_key(subject: str, metric: str, period: str) -> str:
    return f"{subject}|{metric}|{period}"


def licence_key(licensee: str, licensor: str, signed_on: date | None) -> str:
    return f"{licensee}|{licensor}|{signed_on.isoformat() if signed_on else ''}"


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
    return None if text is None else json.loads(text)


# ---- fact_changes ------------------------------------------------------------------


async def record(
    *,
    session: AsyncSession,
    at: datetime,
    actor: str,
    action: str,
    kind: str,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    source: str = "",
    undo_of: int | None = None,
) -> FactChange:
    row = FactChange(at=at, actor=actor, action=action, kind=kind, key=key, before=dumps(before),
                     after=dumps(after), source=source, undo_of=undo_of)
    session.add(row)
    await session.flush()
    return row


def record_rows(*, at: datetime, actor: str, action: str, kind: str,
                changes: Sequence[tuple[str, dict[str, Any] | None, dict[str, Any] | None, str]]
                ) -> list[dict[str, Any]]:
    """Rows for a bulk insert (import): (key, before, after, source) each."""
    return [
        {"at": at, "actor": actor, "action": action, "kind": kind, "key": key, "before": dumps(b),
         "after": dumps(a), "source": src}
        for key, b, a, src in changes
    ]


async def history(*, session: AsyncSession, kind: str, keys: Sequence[str] = (), metric: str | None = None,
                  licensee: str | None = None, limit: int = 20) -> list[FactChange]:
    """Newest first. `metric` matches every period of a fact metric (and aliases
    pointing at it); `licensee` every licence of that licensee."""
    q = select(FactChange).order_by(FactChange.id.desc())
    if metric is not None:
        rows = (await session.scalars(
            q.where(FactChange.kind.in_(("fact", "alias")))
        )).all()
        out = []
        for r in rows:
            if r.kind == "fact" and r.key.split("|")[1:2] == [metric]:
                out.append(r)
            elif r.kind == "alias" and any(
                (snap or {}).get("metric") == metric for snap in (loads(r.before), loads(r.after))
            ):
                out.append(r)
            if len(out) >= limit:
                break
        return out
    if licensee is not None:
        rows = (await session.scalars(q.where(FactChange.kind == "licence"))).all()
        low = licensee.lower()
        return [r for r in rows if r.key.split("|")[0].lower() == low][:limit]
    q = q.where(FactChange.kind == kind)
    if keys:
        q = q.where(FactChange.key.in_(list(keys)))
    return list((await session.scalars(q.limit(limit))).all())


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
    return res.rowcount == 1  # type: ignore[attr-defined]


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
    return res.rowcount == 1  # type: ignore[attr-defined]


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
