"""Who has the App Home tab open (opened it recently) and which store revision
their tab shows. Kept in the database so every replica knows whom to re-publish
for after a change, and a conditional UPDATE decides which replica does it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import HomeView

MAX_USER = 100


async def record_open(*, session: AsyncSession, user: str, at: datetime, rev: int) -> None:
    """`user` opened the tab at `at` and was shown the store at revision `rev`. One
    statement, so two replicas recording the same user cannot collide."""
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(HomeView) if dialect == "postgresql" else sqlite.insert(HomeView)
    stmt = ins.values(user_id=user[:MAX_USER], opened_at=at, published_rev=rev, published_at=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[HomeView.user_id],
        set_={"opened_at": stmt.excluded.opened_at, "published_rev": stmt.excluded.published_rev},
    )
    await session.execute(stmt)


async def behind(*, session: AsyncSession, opened_since: datetime, rev: int,
                 limit: int) -> list[tuple[str, datetime | None]]:
    """Users who opened the tab since `opened_since` and whose tab shows a revision
    older than `rev`, latest visitors first, with when each was last re-published."""
    rows = await session.execute(
        select(HomeView.user_id, HomeView.published_at)
        .where(HomeView.opened_at >= opened_since, HomeView.published_rev < rev)
        .order_by(HomeView.opened_at.desc(), HomeView.user_id).limit(limit)
    )
    return [(user, at) for user, at in rows]


async def republished_since(*, session: AsyncSession, since: datetime) -> int:
    """Re-publications since `since` (a user counts once: see `take`)."""
    return int(await session.scalar(select(func.count()).select_from(HomeView)
                                    .where(HomeView.published_at >= since)) or 0)


async def take(*, session: AsyncSession, user: str, rev: int, at: datetime, not_after: datetime) -> int | None:
    """Claim the re-publication of `user`'s tab at `rev`: None when another replica
    already did (or the tab is current, or it was re-published after `not_after`),
    else the revision it showed (to hand back with `give_back` if Slack fails)."""
    shown = await session.scalar(select(HomeView.published_rev).where(HomeView.user_id == user))
    if shown is None or shown >= rev:
        return None
    res = await session.execute(
        update(HomeView)
        .where(HomeView.user_id == user, HomeView.published_rev == shown,
               or_(HomeView.published_at.is_(None), HomeView.published_at <= not_after))
        .values(published_rev=rev, published_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(shown) if res.rowcount else None  # type: ignore[attr-defined]


async def give_back(*, session: AsyncSession, user: str, rev: int, shown: int) -> None:
    """A claimed re-publication that did not reach Slack: the tab still shows `shown`."""
    await session.execute(
        update(HomeView).where(and_(HomeView.user_id == user, HomeView.published_rev == rev))
        .values(published_rev=shown).execution_options(synchronize_session=False)
    )


async def prune(*, session: AsyncSession, before: datetime) -> int:
    res = await session.execute(delete(HomeView).where(HomeView.opened_at < before))
    return int(getattr(res, "rowcount", 0) or 0)
