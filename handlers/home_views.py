"""Who opened the Home tab lately and which store revision their tab shows, so a
change re-publishes it once across replicas (bot/home_refresh.py does the Slack side).
Each step is a transaction of its own: a user's row is taken before the publish and
given back if Slack refuses it."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.deps import Deps
from store import home_views as views_repo


async def record_open(deps: Deps, *, user: str, rev: int) -> None:
    async with deps.unit_of_work() as session:
        await views_repo.record_open(session=session, user=user, at=deps.clock(), rev=rev)


async def behind(deps: Deps, *, rev: int, now: datetime, window: timedelta, limit: int
                 ) -> tuple[list[tuple[str, datetime | None]], int]:
    """Recent visitors whose tab is behind `rev` (user, last re-published), and how
    many re-publishes the last minute used; visits older than `window` are forgotten."""
    async with deps.unit_of_work() as session:
        await views_repo.prune(session=session, before=now - window)
        users = await views_repo.behind(session=session, opened_since=now - window, rev=rev, limit=limit)
        used = await views_repo.republished_since(session=session, since=now - timedelta(minutes=1))
    return list(users), used


async def take(deps: Deps, *, user: str, rev: int, now: datetime, not_after: datetime) -> int | None:
    """Claim `user`'s tab for revision `rev`; None when another replica has it or it was
    re-published after `not_after`. Returns the revision it showed."""
    async with deps.unit_of_work() as session:
        return await views_repo.take(session=session, user=user, rev=rev, at=now, not_after=not_after)


async def give_back(deps: Deps, *, user: str, rev: int, shown: int) -> None:
    async with deps.unit_of_work() as session:
        await views_repo.give_back(session=session, user=user, rev=rev, shown=shown)
