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

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from store import audit
from store import revisions as revision_repo
from store.models import Fact, Licence, MetricAlias
from store.records import AliasKey, AliasRecord, FactKey, FactRecord, LicenceKey, LicenceRecord, Record, RecordKey


class ChangeConflict(Exception):
    """Undo refused: the record was changed by someone after the change to undo."""

    def __init__(self, key: RecordKey) -> None:
        super().__init__(str(key))
        self.key = key


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
    key: RecordKey
    action: str
    before: Record | None
    after: Record | None


async def _audited(session: AsyncSession, *, at: datetime, actor: str, action: str, key: RecordKey,
                 before: Record | None, after: Record | None, source: str = "",
                 undo_of: int | None = None) -> Applied:
    """The audit row of a change made, and the change as the service reports it."""
    change_id = await audit.record(session=session, at=at, actor=actor, action=action, key=key, before=before,
                                   after=after, source=source, undo_of=undo_of)
    return Applied(change_id, key, action, before, after)


# ---- facts -------------------------------------------------------------------------


async def _fact_row(session: AsyncSession, key: FactKey) -> Fact | None:
    return await session.scalar(
        select(Fact).where(Fact.subject == key.subject, Fact.metric == key.metric, Fact.period == key.period)
        .with_for_update()
    )


async def _write_fact(session: AsyncSession, key: FactKey, fact: FactRecord | None, *, actor: str,
                      at: datetime) -> FactRecord | None:
    """Make the fact under `key` equal to `fact` (None: absent); returns the one before."""
    row = await _fact_row(session, key)
    before = row.record() if row else None
    if fact is None:
        if row is not None:
            await session.delete(row)
    else:
        if row is None:
            row = Fact(subject=key.subject, metric=key.metric, period=key.period)
            session.add(row)
        row.value, row.numeric, row.unit, row.qualifier, row.source = (fact.value, fact.numeric, fact.unit,
                                                                        fact.qualifier, fact.source)
        row.updated_at, row.updated_by = at, actor
    await session.flush()
    return before


async def set_fact(*, session: AsyncSession, fact: FactRecord, actor: str, at: datetime) -> Applied:
    await revision_repo.bump(session=session, kind="facts")
    before = await _write_fact(session, fact.key, fact, actor=actor, at=at)
    return await _audited(session, at=at, actor=actor, action="set", key=fact.key, before=before, after=fact,
                        source=fact.source)


async def remove_fact(*, session: AsyncSession, subject: str, metric: str, period: str, actor: str,
                      at: datetime) -> Applied:
    """Raises NothingToRemove when no such fact is stored."""
    await revision_repo.bump(session=session, kind="facts")
    key = FactKey(subject, metric, period)
    before = await _write_fact(session, key, None, actor=actor, at=at)
    if before is None:
        raise NothingToRemove()
    return await _audited(session, at=at, actor=actor, action="remove", key=key, before=before, after=None,
                        source=before.source)


# ---- aliases -----------------------------------------------------------------------


async def _write_alias(session: AsyncSession, key: AliasKey, alias: AliasRecord | None) -> AliasRecord | None:
    row = await session.get(MetricAlias, key.alias, with_for_update=True)
    before = row.record() if row else None
    if alias is None:
        if row is not None:
            await session.execute(delete(MetricAlias).where(MetricAlias.alias == key.alias))
    elif row is None:
        session.add(MetricAlias(alias=key.alias, metric=alias.metric))
    else:
        row.metric = alias.metric
    await session.flush()
    return before


async def set_alias(*, session: AsyncSession, alias: str, metric: str, actor: str, at: datetime) -> Applied:
    await revision_repo.bump(session=session, kind="facts")
    after = AliasRecord(alias, metric)
    before = await _write_alias(session, after.key, after)
    return await _audited(session, at=at, actor=actor, action="alias", key=after.key, before=before, after=after)


# ---- licences ----------------------------------------------------------------------


def _licence_where(key: LicenceKey) -> Any:
    cond = [Licence.licensee == key.licensee, Licence.licensor == key.licensor]
    cond.append(Licence.signed_on.is_(None) if key.signed_on is None else Licence.signed_on == key.signed_on)
    return cond


async def _write_licence(session: AsyncSession, key: LicenceKey,
                         licence: LicenceRecord | None) -> LicenceRecord | None:
    row = await session.scalar(select(Licence).where(*_licence_where(key)).with_for_update())
    before = row.record() if row else None
    if licence is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(Licence(**asdict(licence)))
    else:
        for c, v in asdict(licence).items():
            setattr(row, c, v)
    await session.flush()
    return before


async def add_licence(*, session: AsyncSession, licence: LicenceRecord, actor: str, at: datetime) -> Applied:
    """Add a licence, or update the one with the same licensee, licensor and signing date."""
    await revision_repo.bump(session=session, kind="licences")
    before = await _write_licence(session, licence.key, licence)
    return await _audited(session, at=at, actor=actor, action="licensee_add", key=licence.key, before=before,
                        after=licence)


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
        before = r.record()
        await session.delete(r)
        out.append(await _audited(session, at=at, actor=actor, action="licensee_remove", key=before.key,
                                before=before, after=None))
    await session.flush()
    return out


# ---- undo --------------------------------------------------------------------------


async def _current(session: AsyncSession, key: RecordKey) -> Record | None:
    if isinstance(key, FactKey):
        row = await _fact_row(session, key)
        return row.record() if row else None
    if isinstance(key, AliasKey):
        a = await session.get(MetricAlias, key.alias)
        return a.record() if a else None
    lc = await session.scalar(select(Licence).where(*_licence_where(key)))
    return lc.record() if lc else None


async def _restore(session: AsyncSession, key: RecordKey, record: Record | None, *, actor: str,
                   at: datetime) -> None:
    # an audit row's snapshots are of its key's kind (store/audit.py decodes them by it)
    if isinstance(key, FactKey):
        assert record is None or isinstance(record, FactRecord)
        await _write_fact(session, key, record, actor=actor, at=at)
    elif isinstance(key, AliasKey):
        assert record is None or isinstance(record, AliasRecord)
        await _write_alias(session, key, record)
    else:
        assert record is None or isinstance(record, LicenceRecord)
        await _write_licence(session, key, record)


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
        # records compare by value: the row read now and the snapshot decoded from the
        # log are equal when the record is as the change left it
        if await _current(session, t.key) != t.after:
            raise ChangeConflict(t.key)
        await _restore(session, t.key, t.before, actor=actor, at=at)
        undo = await _audited(session, at=at, actor=actor, action="undo", key=t.key, before=t.after,
                            after=t.before, source=t.source, undo_of=t.id)
        if not await audit.claim_undo(session=session, change_id=t.id, undo_id=undo.change_id):
            raise NothingToUndo()
        out.append(undo)
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
    if pending is None or pending.change is None:
        raise NotPending(token)  # a payload that holds no fact: nothing to apply
    return await set_fact(session=session, fact=pending.change.fact, actor=actor, at=at)


async def cancel_pending(*, session: AsyncSession, token: str, actor: str) -> bool:
    return await audit.claim_pending(session=session, token=token, actor=actor, status="cancelled")
