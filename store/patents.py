"""Patent repository. The index loads only (id, number key, title); full records
are fetched by primary key for the few results a reply shows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import Patent


async def stream_index_rows(
    *, session: AsyncSession, batch: int = 20000
) -> AsyncIterator[Sequence[tuple[int, str, str]]]:
    result = await session.stream(
        select(Patent.id, Patent.number_key, Patent.title).execution_options(yield_per=batch)
    )
    async for part in result.partitions(batch):
        yield [(r[0], r[1], r[2]) for r in part]


async def get_many(*, session: AsyncSession, ids: Sequence[int]) -> list[Patent]:
    if not ids:
        return []
    rows = {p.id: p for p in (await session.scalars(select(Patent).where(Patent.id.in_(ids)))).all()}
    return [rows[i] for i in ids if i in rows]


async def get_patent(*, session: AsyncSession, number_key: str) -> Patent | None:
    return await session.scalar(select(Patent).where(Patent.number_key == number_key).limit(1))


async def list_all(*, session: AsyncSession) -> Sequence[Patent]:
    return (await session.scalars(select(Patent).order_by(Patent.number))).all()
