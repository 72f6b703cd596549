"""Patent repository. The index loads only (id, number key, title); full records
are fetched by primary key for the few results a reply shows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Patent


async def stream_index_rows(
    *, session: AsyncSession, batch: int = 20000
) -> AsyncIterator[Sequence[tuple[int, str, str]]]:
    # in id order, not the table's physical order (which any UPDATE reshuffles): the
    # first titles of a common word and the order of equally close ones are then the
    # same on every replica and in both patent engines
    result = await session.stream(
        select(Patent.id, Patent.number_key, Patent.title).order_by(Patent.id).execution_options(yield_per=batch)
    )
    async for part in result.partitions(batch):
        yield [(r[0], r[1], r[2]) for r in part]


async def get_many(*, session: AsyncSession, ids: Sequence[int]) -> list[Patent]:
    if not ids:
        return []
    rows = {p.id: p for p in (await session.scalars(select(Patent).where(Patent.id.in_(ids)))).all()}
    return [rows[i] for i in ids if i in rows]


@dataclass(frozen=True)
class PatentFilter:
    """Conditions of a patent question; empty fields do not filter."""

    jurisdiction: str = ""
    statuses: tuple[str, ...] = ()
    date_field: str = ""  # filing_date, grant_date or expiry_date
    years: tuple[int, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    ids: tuple[int, ...] | None = None  # restricted to these (title matches)
    family_id: str = ""
    owner: str = ""  # part of the owner's name, any case


def _conditions(f: PatentFilter) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = []
    if f.jurisdiction:
        cond.append(Patent.jurisdiction == f.jurisdiction)
    if f.statuses:
        cond.append(func.lower(Patent.status).in_(f.statuses))
    if f.date_field:
        col = getattr(Patent, f.date_field)
        if f.years:
            cond.append(extract("year", col).in_(f.years))
        if f.date_from:
            cond.append(col >= f.date_from)
        if f.date_to:
            cond.append(col <= f.date_to)
    if f.owner:
        cond.append(func.lower(Patent.owner).contains(f.owner.lower(), autoescape=True))
    if f.family_id:
        cond.append(func.upper(Patent.family_id) == f.family_id.upper())
    if f.ids is not None:
        cond.append(Patent.id.in_(f.ids))
    return cond


async def query(*, session: AsyncSession, where: PatentFilter, limit: int) -> tuple[int, list[Patent]]:
    """How many patents meet the conditions, and the first `limit` of them by number."""
    cond = _conditions(where)
    total = await session.scalar(select(func.count()).select_from(Patent).where(*cond))
    rows = (await session.scalars(select(Patent).where(*cond).order_by(Patent.number).limit(limit))).all()
    return int(total or 0), list(rows)


# ---- what the in-memory index needs to refresh itself without a full reload ----


def has_fingerprint(*, session: AsyncSession) -> bool:
    """Whether this database can fingerprint the indexed columns (PostgreSQL's hashtext)."""
    return session.get_bind().dialect.name == "postgresql"


def _row_hash() -> ColumnElement[int]:
    return func.hashtext(func.concat(Patent.number_key, "|", Patent.title))


async def fingerprint(*, session: AsyncSession, upto: int | None = None) -> tuple[int, int, int]:
    """(max id, count, sum of row hashes) of the indexed columns, computed by
    PostgreSQL in one statement. Equal fingerprints of the rows up to the indexed
    max id mean no indexed row was changed or removed since."""
    q = select(func.coalesce(func.max(Patent.id), 0), func.count(), func.coalesce(func.sum(_row_hash()), 0))
    if upto is not None:
        q = q.where(Patent.id <= upto)
    m, n, h = (await session.execute(q)).one()
    return int(m), int(n), int(h)


async def index_rows_after(*, session: AsyncSession, after_id: int, limit: int) -> list[tuple[int, str, str, int]]:
    """(id, number key, title, row hash) of the rows added after `after_id`, oldest first."""
    rows = (await session.execute(
        select(Patent.id, Patent.number_key, Patent.title, _row_hash())
        .where(Patent.id > after_id).order_by(Patent.id).limit(limit)
    )).all()
    return [(int(r[0]), r[1], r[2], int(r[3])) for r in rows]
