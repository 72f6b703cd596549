"""Admin changes: the write, its audit row and the revision bump, in the caller's
transaction (the service's unit of work, handlers/deps.py), so they commit
together or not at all.

Every change first bumps its kind's revision counter. That UPDATE takes a row
lock (PostgreSQL) or the write lock (SQLite) before anything is read, so two
admins changing facts at the same moment are serialised: the second one reads
what the first one wrote as its "before", and both land in the audit log. A
racing first insert of the same key is still caught by the unique constraint;
the service runs the change again (Deps.in_transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import audit
from store import revisions as revision_repo
from store.models import Fact, Licence, MetricAlias


class ChangeConflict(Exception):
    """Undo refused: the record was changed by someone after the change to undo."""

    def __init__(self, kind: str, key: audit.RecordKey) -> None:
        super().__init__(str(key))
        self.kind, self.key = kind, key


class NothingToUndo(Exception):
    pass


class NothingToRemove(Exception):
    """No such record: the caller rolls back, so not even the revision moves and no
    replica reloads for nothing."""


class NotPending(Exception):
    """A confirmation whose change is no longer waiting (applied, cancelled, unknown,
    or someone else's)."""


@dataclass(frozen=True)
class Applied:
    change_id: int
    kind: str
    key: audit.RecordKey
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


# ---- facts -------------------------------------------------------------------------


async def _fact_row(session: AsyncSession, subject: str, metric: str, period: str) -> Fact | None:
    return await session.scalar(
        select(Fact).where(Fact.subject == subject, Fact.metric == metric, Fact.period == period).with_for_update()
    )


async def _write_fact(session: AsyncSession, snap: dict[str, Any] | None, *, subject: str, metric: str,
                      period: str, actor: str, at: datetime) -> dict[str, Any] | None:
    """Make the fact equal to `snap` (None: absent); returns the snapshot before."""
    row = await _fact_row(session, subject, metric, period)
    before = audit.fact_snapshot(row) if row else None
    if snap is None:
        if row is not None:
            await session.delete(row)
    else:
        if row is None:
            row = Fact(subject=subject, metric=metric, period=period)
            session.add(row)
        for c in ("value", "numeric", "unit", "qualifier", "source"):
            setattr(row, c, snap.get(c))
        row.updated_at, row.updated_by = at, actor
    await session.flush()
    return before


async def set_fact(*, session: AsyncSession, fact: dict[str, Any], actor: str, at: datetime) -> Applied:
    await revision_repo.bump(session=session, kind="facts")
    after = audit.fact_snapshot(fact)
    before = await _write_fact(session, after, subject=fact["subject"], metric=fact["metric"],
                               period=fact["period"], actor=actor, at=at)
    key = audit.FactKey(fact["subject"], fact["metric"], fact["period"])
    row = await audit.record(session=session, at=at, actor=actor, action="set", kind="fact", key=key,
                             before=before, after=after, source=fact.get("source") or "")
    return Applied(row.id, "fact", key, "set", before, after)


async def remove_fact(*, session: AsyncSession, subject: str, metric: str, period: str, actor: str,
                      at: datetime) -> Applied:
    """Raises NothingToRemove when no such fact is stored."""
    await revision_repo.bump(session=session, kind="facts")
    before = await _write_fact(session, None, subject=subject, metric=metric, period=period, actor=actor, at=at)
    if before is None:
        raise NothingToRemove()
    key = audit.FactKey(subject, metric, period)
    row = await audit.record(session=session, at=at, actor=actor, action="remove", kind="fact", key=key,
                             before=before, after=None, source=before.get("source") or "")
    return Applied(row.id, "fact", key, "remove", before, None)


# ---- aliases -----------------------------------------------------------------------


async def _write_alias(session: AsyncSession, alias: str, metric: str | None) -> dict[str, Any] | None:
    row = await session.get(MetricAlias, alias, with_for_update=True)
    before = {"alias": row.alias, "metric": row.metric} if row else None
    if metric is None:
        if row is not None:
            await session.execute(delete(MetricAlias).where(MetricAlias.alias == alias))
    elif row is None:
        session.add(MetricAlias(alias=alias, metric=metric))
    else:
        row.metric = metric
    await session.flush()
    return before


async def set_alias(*, session: AsyncSession, alias: str, metric: str, actor: str, at: datetime) -> Applied:
    await revision_repo.bump(session=session, kind="facts")
    before = await _write_alias(session, alias, metric)
    after = {"alias": alias, "metric": metric}
    key = audit.AliasKey(alias)
    row = await audit.record(session=session, at=at, actor=actor, action="alias", kind="alias", key=key,
                             before=before, after=after)
    return Applied(row.id, "alias", key, "alias", before, after)


# ---- licences ----------------------------------------------------------------------


def _licence_where(licensee: str, licensor: str, signed_on: date | None) -> Any:
    cond = [Licence.licensee == licensee, Licence.licensor == licensor]
    cond.append(Licence.signed_on.is_(None) if signed_on is None else Licence.signed_on == signed_on)
    return cond


async def _write_licence(session: AsyncSession, snap: dict[str, Any] | None, *, licensee: str, licensor: str,
                         signed_on: date | None) -> dict[str, Any] | None:
    row = await session.scalar(select(Licence).where(*_licence_where(licensee, licensor, signed_on))
                               .with_for_update())
    before = audit.licence_snapshot(row) if row else None
    if snap is None:
        if row is not None:
            await session.delete(row)
    else:
        cols = audit.licence_columns(snap)
        if row is None:
            row = Licence(**cols)
            session.add(row)
        else:
            for c, v in cols.items():
                setattr(row, c, v)
    await session.flush()
    return before


async def add_licence(*, session: AsyncSession, licence: dict[str, Any], actor: str, at: datetime) -> Applied:
    """Add a licence, or update the one with the same licensee, licensor and signing date."""
    await revision_repo.bump(session=session, kind="licences")
    after = audit.licence_snapshot(licence)
    before = await _write_licence(session, after, licensee=licence["licensee"], licensor=licence["licensor"],
                                  signed_on=licence["signed_on"])
    key = audit.LicenceKey(licence["licensee"], licence["licensor"], licence["signed_on"])
    row = await audit.record(session=session, at=at, actor=actor, action="licensee_add", kind="licence",
                             key=key, before=before, after=after)
    return Applied(row.id, "licence", key, "licensee_add", before, after)


async def remove_licences(*, session: AsyncSession, licensee: str, actor: str, at: datetime,
                          signed_on: date | None = None, any_date: bool = True) -> list[Applied]:
    """Remove every licence of `licensee` (case-insensitive), or only the one signed
    on `signed_on` when `any_date` is False. One audit row per licence. Raises
    NothingToRemove when none matches."""
    await revision_repo.bump(session=session, kind="licences")
    rows = (await session.scalars(select(Licence).with_for_update())).all()
    low = licensee.strip().lower()
    hits = [r for r in rows if r.licensee.lower() == low and (any_date or r.signed_on == signed_on)]
    if not hits:
        raise NothingToRemove()
    out = []
    for r in hits:
        before = audit.licence_snapshot(r)
        key = audit.LicenceKey(r.licensee, r.licensor, r.signed_on)
        await session.delete(r)
        rec = await audit.record(session=session, at=at, actor=actor, action="licensee_remove",
                                 kind="licence", key=key, before=before, after=None)
        out.append(Applied(rec.id, "licence", key, "licensee_remove", before, None))
    await session.flush()
    return out


# ---- undo --------------------------------------------------------------------------


async def _current(session: AsyncSession, key: audit.RecordKey) -> dict[str, Any] | None:
    if isinstance(key, audit.FactKey):
        row = await _fact_row(session, key.subject, key.metric, key.period)
        return audit.fact_snapshot(row) if row else None
    if isinstance(key, audit.AliasKey):
        a = await session.get(MetricAlias, key.alias)
        return {"alias": a.alias, "metric": a.metric} if a else None
    lc = await session.scalar(select(Licence).where(*_licence_where(key.licensee, key.licensor, key.signed_on)))
    return audit.licence_snapshot(lc) if lc else None


async def _restore(session: AsyncSession, key: audit.RecordKey, snap: dict[str, Any] | None, *, actor: str,
                   at: datetime) -> None:
    if isinstance(key, audit.FactKey):
        await _write_fact(session, snap, subject=key.subject, metric=key.metric, period=key.period, actor=actor,
                          at=at)
    elif isinstance(key, audit.AliasKey):
        await _write_alias(session, key.alias, snap["metric"] if snap else None)
    else:
        await _write_licence(session, snap, licensee=key.licensee, licensor=key.licensor, signed_on=key.signed_on)


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and audit.dumps(a) == audit.dumps(b))


async def undo_last(*, session: AsyncSession, actor: str, at: datetime) -> list[Applied]:
    """Take back the actor's newest change that is not undone yet. Refuses (with
    ChangeConflict) when someone changed the same record since: restoring the old
    value would silently throw their change away."""
    for kind in ("facts", "licences"):
        await revision_repo.bump(session=session, kind=kind)
    targets = await audit.last_undoable(session=session, actor=actor)
    if not targets:
        raise NothingToUndo()
    out = []
    for t in targets:
        before, after = audit.loads(t.before), audit.loads(t.after)
        key = audit.key_of(t)
        now = await _current(session, key)
        if not _same(now, after):
            raise ChangeConflict(t.kind, key)
        await _restore(session, key, before, actor=actor, at=at)
        rec = await audit.record(session=session, at=at, actor=actor, action="undo", kind=t.kind, key=key,
                                 before=after, after=before, source=t.source, undo_of=t.id)
        if not await audit.claim_undo(session=session, change_id=t.id, undo_id=rec.id):
            raise NothingToUndo()
        out.append(Applied(rec.id, t.kind, key, "undo", after, before))
    return out


# ---- confirmations -----------------------------------------------------------------


# a confirmation left unanswered this long is stale: the figures may have moved on
PENDING_TTL = timedelta(hours=24)


async def confirm_pending(*, session: AsyncSession, token: str, actor: str, at: datetime) -> Applied:
    """Apply a confirmed set exactly once: the claim and the change share one
    transaction, so a failed write leaves the change pending and a second click,
    from any replica, finds nothing to claim."""
    if not await audit.claim_pending(session=session, token=token, actor=actor, status="applied",
                                     created_after=at - PENDING_TTL):
        raise NotPending(token)
    pending = await audit.get_pending(session=session, token=token)
    assert pending is not None
    payload = audit.loads(pending.payload) or {}
    return await set_fact(session=session, fact=payload["fact"], actor=actor, at=at)


async def cancel_pending(*, session: AsyncSession, token: str, actor: str) -> bool:
    return await audit.claim_pending(session=session, token=token, actor=actor, status="cancelled")

