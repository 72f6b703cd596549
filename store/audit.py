"""Audit log (fact_changes), pending confirmations and database-granted admins.

The audit row holds JSON snapshots of the record before and after a change, so
history reads and undo never need the live row (which a removal deletes)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Admin, FactChange, PendingChange
from store.records import (
    AliasKey,
    AliasRecord,
    ChangeRecord,
    FactKey,
    FactRecord,
    LicenceKey,
    Record,
    RecordKey,
    decode,
    encode,
    kind_of,
)

ACTIONS = ("set", "remove", "alias", "licensee_add", "licensee_remove", "undo", "import")


# ---- keys --------------------------------------------------------------------------


def _key_columns(key: RecordKey, before: Record | None, after: Record | None) -> dict[str, Any]:
    """The fact_changes columns that hold `key`. `key` (the text column) is a JSON
    list of the parts, for reading only; an alias row's `metric` is what the alias
    points at (after the change, or before a removal), so `history <metric>` finds it."""
    kind = kind_of(key)
    if isinstance(key, FactKey):
        return {"kind": kind, "key": _key_text(key.subject, key.metric, key.period), "subject": key.subject,
                "metric": key.metric, "period": key.period}
    if isinstance(key, LicenceKey):
        return {"kind": kind, "key": _key_text(key.licensee, key.licensor,
                                               key.signed_on.isoformat() if key.signed_on else ""),
                "licensee": key.licensee, "licensee_key": key.licensee.lower(), "licensor": key.licensor,
                "signed_on": key.signed_on}
    target = after or before
    return {"kind": kind, "key": _key_text(key.alias), "alias": key.alias,
            "metric": target.metric if isinstance(target, AliasRecord) else ""}


def _key_text(*parts: str) -> str:
    return json.dumps(list(parts), ensure_ascii=False)[:500]


def _key_of(row: FactChange, snapshot: Record | None) -> RecordKey:
    """The record a change row is about, from its columns (or, for a row written
    without them, from its snapshot)."""
    if row.kind == "fact" and row.metric:
        return FactKey(row.subject, row.metric, row.period)
    if row.kind == "licence" and row.licensee:
        return LicenceKey(row.licensee, row.licensor, row.signed_on)
    if row.kind not in ("fact", "licence") and row.alias:
        return AliasKey(row.alias)
    if snapshot is not None:
        return snapshot.key
    if row.kind == "fact":
        return FactKey("", "", "")
    return LicenceKey("", "", None) if row.kind == "licence" else AliasKey(row.key)


def change_record(row: FactChange) -> ChangeRecord:
    """An audit row as the rest of the code reads it: its snapshots decoded once."""
    before, after = decode(row.kind, row.before), decode(row.kind, row.after)
    return ChangeRecord(id=row.id, at=row.at, actor=row.actor, action=row.action, kind=row.kind,
                        key=_key_of(row, after or before), before=before, after=after, source=row.source,
                        undone_by=row.undone_by)


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
    key: RecordKey,
    before: Record | None,
    after: Record | None,
    source: str = "",
    undo_of: int | None = None,
) -> int:
    """Write one audit row; its id."""
    row = FactChange(at=at, actor=actor, action=action, before=encode(before), after=encode(after), source=source,
                     undo_of=undo_of, **_key_columns(key, before, after))
    session.add(row)
    await session.flush()
    return row.id


def record_rows(*, at: datetime, actor: str, action: str,
                changes: Sequence[tuple[RecordKey, Record | None, Record | None, str]]) -> list[dict[str, Any]]:
    """Rows for a bulk insert (import): (key, before, after, source) each. Every
    row carries every key column, as one executemany needs."""
    blank = {"subject": "", "metric": "", "period": "", "licensee": "", "licensee_key": "", "licensor": "",
             "signed_on": None, "alias": ""}
    return [
        {"at": at, "actor": actor, "action": action, "before": encode(b), "after": encode(a), "source": src,
         **blank, **_key_columns(key, b, a)}
        for key, b, a, src in changes
    ]


async def history(*, session: AsyncSession, kind: str, metric: str | None = None,
                  licensee: str | None = None, limit: int = 20) -> list[ChangeRecord]:
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
    return [change_record(r) for r in await session.scalars(q)]


async def last_undoable(*, session: AsyncSession, actor: str) -> list[ChangeRecord]:
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
        return [change_record(last)]
    return [change_record(r) for r in await session.scalars(
        select(FactChange)
        .where(FactChange.actor == actor, FactChange.undone_by.is_(None), FactChange.action == last.action,
               FactChange.at == last.at)
        .order_by(FactChange.id.desc())
    )]


async def claim_undo(*, session: AsyncSession, change_id: int, undo_id: int) -> bool:
    """Mark a change as undone; False when another undo got there first."""
    res = await session.execute(
        update(FactChange)
        .where(FactChange.id == change_id, FactChange.undone_by.is_(None))
        .values(undone_by=undo_id)
    )
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


# ---- pending_changes ---------------------------------------------------------------


@dataclass(frozen=True)
class PendingSet:
    """A `set` that waits for its author's Confirm: the fact it writes and the note
    its reply carried."""

    fact: FactRecord
    note: str = ""

    def payload(self) -> str:
        # the fact as the audit log keeps it; the same payload as before records existed
        return json.dumps({"op": "set", "fact": self.fact.plain(), "note": self.note}, ensure_ascii=False)

    @classmethod
    def of(cls, payload: str) -> PendingSet | None:
        """None for a payload that holds no fact (cut short, written by hand)."""
        try:
            data = json.loads(payload)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("fact"), dict):
            return None
        return cls(FactRecord.from_mapping(data["fact"]), str(data.get("note") or ""))


@dataclass(frozen=True)
class Pending:
    actor: str
    status: str  # pending, applied or cancelled
    change: PendingSet | None


async def add_pending(*, session: AsyncSession, token: str, actor: str, change: PendingSet, at: datetime) -> None:
    session.add(PendingChange(token=token, actor=actor, payload=change.payload(), created_at=at, status="pending"))
    await session.flush()


async def get_pending(*, session: AsyncSession, token: str) -> Pending | None:
    row = await session.scalar(select(PendingChange).where(PendingChange.token == token))
    return None if row is None else Pending(row.actor, row.status, PendingSet.of(row.payload))


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
