"""Per-kind revision counters: bumped in the writer's transaction, read by every
replica to decide whether its in-memory index is stale."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import StoreRevision


async def bump(*, session: AsyncSession, kind: str) -> None:
    await session.execute(
        update(StoreRevision).where(StoreRevision.kind == kind).values(revision=StoreRevision.revision + 1)
    )


async def current(*, session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(StoreRevision.kind, StoreRevision.revision))
    return {kind: int(rev) for kind, rev in rows}
