"""Patent repository. The index loads only (id, number key, title); full records
are fetched by primary key for the few results a reply shows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, extract, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Patent, PatentIndexRemoval
from store.records import PatentRecord


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


async def get_many(*, session: AsyncSession, ids: Sequence[int]) -> dict[int, PatentRecord]:
    """The records of those of `ids` that are stored, by id."""
    if not ids:
        return {}
    return {p.id: p.record() for p in await session.scalars(select(Patent).where(Patent.id.in_(ids)))}


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


async def query(*, session: AsyncSession, where: PatentFilter, limit: int) -> tuple[int, list[PatentRecord]]:
    """How many patents meet the conditions, and the first `limit` of them by number."""
    return await first_by_number(session=session, cond=_conditions(where), limit=limit)


async def first_by_number(*, session: AsyncSession, cond: list[ColumnElement[bool]],
                          limit: int) -> tuple[int, list[PatentRecord]]:
    """How many patents meet `cond`, and the first `limit` of them by number."""
    total = await session.scalar(select(func.count()).select_from(Patent).where(*cond))
    rows = await session.scalars(select(Patent).where(*cond).order_by(Patent.number).limit(limit))
    return int(total or 0), [r.record() for r in rows]


# ---- what the in-memory index needs to refresh itself without a full reload ----


def has_index_log(*, session: AsyncSession) -> bool:
    """Whether this database logs changes to the indexed columns (migration 0012's
    triggers, PostgreSQL only); without it a patent change rebuilds the index."""
    return session.get_bind().dialect.name == "postgresql"


@dataclass(frozen=True)
class IndexChange:
    """A row whose title or number changed (or was added) at `rev`, or, `removed`, a
    row deleted at `rev`."""

    rev: int
    id: int
    number_key: str = ""
    title: str = ""
    removed: bool = False


async def index_revision(*, session: AsyncSession) -> int:
    """The latest revision of the indexed columns: an index built from rows read after
    this holds every change up to it."""
    rows = union_all(select(func.max(Patent.index_rev).label("rev")),
                     select(func.max(PatentIndexRemoval.rev).label("rev"))).subquery()
    return int((await session.execute(select(func.coalesce(func.max(rows.c.rev), 0)))).scalar_one())


async def index_changes(*, session: AsyncSession, after: int, limit: int) -> list[IndexChange]:
    """The changes after revision `after`, oldest first, at most `limit` (read in one
    statement, so rows and removals are of one moment)."""
    changed = select(Patent.index_rev.label("rev"), Patent.id.label("id"), Patent.number_key.label("nkey"),
                     Patent.title.label("title"), literal(False).label("removed")).where(Patent.index_rev > after)
    removed = select(PatentIndexRemoval.rev, PatentIndexRemoval.patent_id, literal(""), literal(""),
                     literal(True)).where(PatentIndexRemoval.rev > after)
    both = union_all(changed, removed).subquery()
    rows = (await session.execute(select(both).order_by(both.c.rev).limit(limit))).all()
    return [IndexChange(int(r[0]), int(r[1]), r[2] or "", r[3] or "", bool(r[4])) for r in rows]
